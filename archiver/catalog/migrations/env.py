"""Alembic environment: runs on the connection the catalog hands over (``config.attributes["connection"]``)."""

from alembic import context

from archiver.catalog.tables import metadata
from archiver.catalog.threads import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
