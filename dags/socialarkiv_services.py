"""What every socialarkiv DAG task shares: the pipeline's services from the run's ``config`` param (or
``$SOCIALARKIV_CONFIG``), with Airflow connections resolving ``conn:ID`` credentials. Imported inside tasks."""

from __future__ import annotations

from typing import Any


def airflow_settings() -> Any:
    """The run's settings alone (no catalog, store or connectors), for tasks that only read them."""
    from airflow.sdk import get_current_context

    from archiver.config import load_settings

    return load_settings((get_current_context().get("params") or {}).get("config") or None)


def airflow_services() -> Any:
    from airflow.sdk import Connection

    from archiver.pipeline import services_for

    def connection_token(conn_id: str) -> str | None:
        connection = Connection.get(conn_id)
        return connection.password if connection else None

    return services_for(airflow_settings(), resolvers={"conn": connection_token})
