"""social_archive_webhooks: every five minutes, capture the threads that received webhook events name.

The receiver (``archiver webhooks serve``) keeps each signed event on disk before acknowledging it; this DAG
calls ``archiver.pipeline.process_webhook_events``, which captures each named thread at once and keeps the
events' comments even when they are already gone at the source. Events stay waiting when a source or the
store fails, so a failed run loses nothing; the next run takes them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task


@dag(
    dag_id="social_archive_webhooks",
    schedule=timedelta(minutes=5),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Oslo"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={"config": Param(None, type=["null", "string"], description="socialarkiv configuration file")},
    tags=["socialarkiv", "webhooks"],
    doc_md=__doc__,
)
def social_archive_webhooks() -> None:
    @task
    def process_events() -> dict[str, Any]:
        from socialarkiv_services import airflow_services

        from archiver.pipeline import process_webhook_events

        report = process_webhook_events(airflow_services())
        summary = report.summary()
        print(f"socialarkiv webhook events: {summary}")
        return summary

    process_events()


social_archive_webhooks()
