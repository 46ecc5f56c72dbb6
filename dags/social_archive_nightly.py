"""social_archive_nightly: archive every configured account's threads for the data interval.

plan (one item per account) -> list_threads (mapped over accounts) -> batch -> archive (mapped over batches of
threads: capture each thread, then normalise, validate, render, package, store) -> report.

Batches, not one task per thread: a task instance costs Airflow a process start and its bookkeeping, and
Airflow maps at most ``[core] max_map_length`` (1024) items. One task captures and processes its batch (until
2026-12-03 a capture task and then a process task did): half the task starts, one scheduling level less, and
each thread is stored minutes, not a batch, after its capture. A batch holds about ``[archive] batch_threads``
(50) new threads' worth of work: threads are weighed by expected cost (``schedule.capture_cost``: a new or
moved thread 1, a recapture 0.05), so a night of recaptures takes fewer, longer batches and a night's new
threads spread over its batches. As many batches as tasks may run at once while each keeps half a batch's
work (a small night still spreads over the workers; a night of 1,000 unchanged recaptures takes two tasks,
not eight that mostly start and stop: ``schedule.nightly_batches``), at most 1000 (they grow instead). A
thread's own failure is its "failed" outcome in the batch; a batch task that fails for good leaves its threads
as "failed" in the run report, never missing. An account whose listing fails (an expired token, a quota)
stops only itself: the others are archived, and the report names it under account errors.

Thin by design: every step is a call into ``archiver.pipeline``; heavy imports live inside the tasks. The
window comes from the data interval, never from now(). Retryable errors (rate limits, outages) and store or
catalog failures re-raise so Airflow retries later (every step is idempotent); everything else fails the
task at once with AirflowFailException.
Configuration: the ``config`` param, else $SOCIALARKIV_CONFIG. Credentials ``conn:ID`` are read from Airflow
connections (the token in the connection's password field).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

PARALLEL_TASKS = 8   # archive tasks of one run at once (max_active_tis_per_dagrun)
DEFAULT_ARGS = {"retries": 3, "retry_delay": timedelta(minutes=10), "retry_exponential_backoff": True,
                "max_retry_delay": timedelta(hours=2)}


def _services() -> Any:
    """Settings from the run's ``config`` param (or the environment) and Airflow connections as a resolver."""
    from socialarkiv_services import airflow_services

    return airflow_services()


def _guard(call: Any) -> Any:
    """Run a pipeline call; non-retryable errors fail the task without retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from archiver.errors import ArchiverError, StorageError

    try:
        return call()
    except ArchiverError as exc:
        if exc.retryable or isinstance(exc, StorageError):  # the store or catalog may be back at the retry
            raise
        raise AirflowFailException(str(exc)) from exc


def _whole(mapped: Any) -> list[Any]:
    """A mapped task's results in one request (a slice). Iterating Airflow's lazy sequence instead asks for
    each item and then for one past the end, which the task log shows as an error ("XCom not found")."""
    return list(mapped[:]) if mapped else []


def _statsd(summary: dict[str, Any]) -> None:
    """The run's numbers through Airflow's metrics (StatsD when ``[metrics] statsd_on``; a no-op otherwise)."""
    from airflow.sdk.observability.stats import Stats

    for key in ("threads", "packages_written", "packages_unchanged", "quarantined", "failed", "gone_at_source",
                "incomplete_threads", "rate_limit_waits"):
        Stats.gauge(f"socialarkiv.nightly.{key}", summary.get(key) or 0)
    Stats.gauge("socialarkiv.nightly.account_errors", len(summary.get("account_errors") or {}))


@dag(
    dag_id="social_archive_nightly",
    schedule="30 1 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Oslo"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"config": Param(None, type=["null", "string"], description="socialarkiv configuration file")},
    tags=["socialarkiv", "archive"],
    doc_md=__doc__,
)
def social_archive_nightly() -> None:
    @task
    def plan(data_interval_start: Any = None, data_interval_end: Any = None) -> list[dict[str, str]]:
        from archiver.clock import format_ts
        from archiver.pipeline import plan_window

        services = _services()
        windows = []
        for account in services.settings.accounts:
            since, until = plan_window(services, account, data_interval_start, data_interval_end)
            windows.append({"account_key": account.key, "since": format_ts(since), "until": format_ts(until)})
        return windows

    @task(max_active_tis_per_dagrun=4)
    def list_threads(window: dict[str, str]) -> dict[str, Any]:
        from archiver.clock import parse_ts
        from archiver.pipeline import list_due
        from archiver.schedule import capture_cost

        services = _services()
        due = _guard(lambda: list_due(services, window["account_key"], parse_ts(window["since"]),
                                      parse_ts(window["until"])))
        return {"account_key": window["account_key"], "refs": [item.ref.to_dict() for item in due],
                "costs": [capture_cost(item.reason) for item in due]}

    @task(trigger_rule="all_done")   # an account that could not be listed stops only itself
    def batch(listed: Any) -> list[list[dict[str, Any]]]:
        from socialarkiv_services import airflow_settings

        from archiver.schedule import nightly_batches

        accounts = [account for account in _whole(listed) if account]
        refs = [ref for account in accounts for ref in account["refs"]]
        costs = [cost for account in accounts for cost in account["costs"]]
        return nightly_batches(refs, costs, size=airflow_settings().batch_threads, parallel=PARALLEL_TASKS)

    @task(max_active_tis_per_dagrun=PARALLEL_TASKS)
    def archive(refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from archiver.connectors.base import ThreadRef
        from archiver.pipeline import archive_batch

        services = _services()
        outcomes = _guard(lambda: archive_batch(services, [ThreadRef.from_dict(ref) for ref in refs]))
        return [outcome.to_dict() for outcome in outcomes]

    @task(trigger_rule="all_done")
    def report(outcomes: Any, batches: Any, windows: Any, listed: Any, run_id: str | None = None) -> dict[str, Any]:
        from archiver.clock import format_ts
        from archiver.pipeline import RunReport, ThreadOutcome, unaccounted, unlisted, write_report

        services = _services()
        now = format_ts(services.clock.now())
        outcomes, listed = _whole(outcomes), _whole(listed)
        done = [ThreadOutcome(**o) for per_batch in outcomes if per_batch for o in per_batch]
        run = RunReport(run_id=run_id or "airflow", started_at=now, ended_at=now,
                        outcomes=done + unaccounted(batches or [], done),
                        account_errors=unlisted([w["account_key"] for w in windows or []],
                                                [a["account_key"] for a in listed if a]))
        path = write_report(services, run)
        summary = run.summary()
        _statsd(summary)
        print(f"socialarkiv run report: {path}: {summary}")
        return {**summary, "report": str(path)}

    windows = plan()
    listed = list_threads.expand(window=windows)
    batches = batch(listed)
    report(archive.expand(refs=batches), batches, windows, listed)


social_archive_nightly()
