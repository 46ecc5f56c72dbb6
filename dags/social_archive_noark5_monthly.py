"""social_archive_noark5_monthly: on the first of every month, write the Noark 5 arkivuttrekk of the month before.

Reads the store (every thread version archived in the month), builds the extraction, runs the Arkade-style
checks and publishes the folder and its tar under ``[noark5] out`` atomically; a rerun of the same month finds
the extraction there and writes nothing. The official Noark 5 schemas come from ``[noark5] schemas``.
Params: ``config`` (the socialarkiv configuration), ``month`` (YYYY-MM, to export another month than the one
before the run) and ``schemas`` (a schema folder instead of the configured one).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task


@dag(
    dag_id="social_archive_noark5_monthly",
    schedule="0 3 1 * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Oslo"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
    params={"config": Param(None, type=["null", "string"], description="socialarkiv configuration file"),
            "month": Param(None, type=["null", "string"], description="YYYY-MM (default: the month before)"),
            "schemas": Param(None, type=["null", "string"], description="Noark 5 schema folder override")},
    tags=["socialarkiv", "noark5"],
    doc_md=__doc__,
)
def social_archive_noark5_monthly() -> None:
    @task
    def export() -> dict[str, Any]:
        from pathlib import Path

        from archiver.clock import SystemClock, format_ts
        from archiver.config import load_settings
        from archiver.noark5.export import export_noark5
        from archiver.noark5.extract import period_from

        context = get_current_context()
        params = context.get("params") or {}
        month = params.get("month")
        if not month:  # the month before the run: the data interval of a monthly schedule, or the calendar
            start = context.get("data_interval_start") or pendulum.now("Europe/Oslo").subtract(months=1)
            month = f"{start.year:04d}-{start.month:02d}"
        settings = load_settings(params.get("config") or None)
        schemas = Path(params["schemas"]) if params.get("schemas") else settings.noark5.schemas
        out = settings.noark5.out or settings.store_path.parent / "noark5"
        result = export_noark5(settings, period_from(month, None, None), out, schemas,
                               format_ts(SystemClock().now()))
        summary = {"month": month, "folder": str(result.folder), "tar": str(result.tar),
                   "journalposts": result.journalposts, "documents": result.documents, "created": result.created}
        print(f"socialarkiv Noark 5 export: {summary}")
        return summary

    export()


social_archive_noark5_monthly()
