"""social_archive_disposition: every day, propose what is past its retention and carry out approved proposals.

``propose`` stores a disposition proposal (the threads whose every version's retention has passed, none under
a legal hold or preserved permanently). Nothing is deleted until a records officer approves it
(``archiver disposition approve --proposal ID --by NAME --reason TEXT --decision REF``); ``execute`` then
deletes each approved thread after checking it again (holds set since, locks the store still enforces) and
writes it to the permanent disposition list. Proposals without an approval simply wait for a later run.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task


def _services() -> Any:
    from socialarkiv_services import airflow_services

    return airflow_services()


@dag(
    dag_id="social_archive_disposition",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Oslo"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    params={"config": Param(None, type=["null", "string"], description="socialarkiv configuration file")},
    tags=["socialarkiv", "retention"],
    doc_md=__doc__,
)
def social_archive_disposition() -> None:
    @task
    def propose() -> dict[str, str | None]:
        from archiver.disposition import propose as make_proposal

        proposal = make_proposal(_services())
        print(f"socialarkiv disposition proposal: {proposal or 'nothing new is due'}")
        return {"proposal": proposal}   # never None: a task returning None leaves no XCom for execute to read

    @task
    def execute(_proposed: dict[str, str | None]) -> dict[str, Any]:
        from dataclasses import asdict

        from archiver.disposition import execute as carry_out

        result = asdict(carry_out(_services()))
        print(f"socialarkiv disposition: {len(result['disposed'])} disposed, {len(result['kept'])} kept, "
              f"{len(result['waiting'])} proposal(s) waiting for approval")
        return result

    execute(propose())


social_archive_disposition()
