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
from airflow.sdk import Param, dag, get_current_context, task


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
        from airflow.sdk import Connection

        from archiver.config import load_settings
        from archiver.pipeline import process_webhook_events, services_for

        path = (get_current_context().get("params") or {}).get("config") or None

        def connection_token(conn_id: str) -> str | None:
            connection = Connection.get(conn_id)
            return connection.password if connection else None

        report = process_webhook_events(services_for(load_settings(path), resolvers={"conn": connection_token}))
        summary = report.summary()
        print(f"socialarkiv webhook events: {summary}")
        return summary

    process_events()


social_archive_webhooks()
