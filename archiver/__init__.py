"""socialarkiv: records archiving for public-sector social media.

The pure core (model, schema, normalise, render.xml, package, errors, clock) works on values and streams;
adapters (connectors, storage, render.pdf) are passed in by ``archiver.pipeline``, the only place that
composes them. ``archiver`` never imports Airflow: the DAGs in ``dags/`` call the pipeline.
"""

__version__ = "0.1.0"
