"""Benchmark: the nightly DAG itself on Airflow, fake Graph API -> locked S3 (SeaweedFS) with PDF/A.

What ``bench_nightly`` leaves out: Airflow's own cost. ``social_archive_nightly`` runs with ``dag.test(
use_executor=True)`` on the LocalExecutor (``--parallelism`` task processes at once, 2 by default: one per
core), a real ``airflow api-server`` for the task processes, a fresh PostgreSQL database for Airflow's metadata
and another for the catalog. Then the next night runs with nothing changed at the source. With
``--scheduler`` the nights run as in production instead: a real ``airflow scheduler`` (the same LocalExecutor,
up for both nights) and ``airflow dag-processor``, each night a triggered run (``trigger_dag``, as the CLI's
``airflow dags trigger`` does), timed from the trigger until the run's state is final. Prints JSON: seconds
per run (the wall time, and the span from the first task's start to the last one's end), task
instances, the summed duration of each task kind and each task instance's start and end, the run reports'
counts, the CPU seconds each kind of process used during each run (the tasks, dag.test's loop, the API server,
PostgreSQL, SeaweedFS, and the fake API: a process of its own, as the platform is never in the scheduler's
process, though on this machine it shares the two cores) and ``bench_nightly``'s machine reference
(the JSON is the last thing printed, after Airflow's own log lines).

    .venv/bin/python -m bench.bench_airflow --threads 1000 --comments 50 [--scheduler]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _config(folder: Path, fake: Any, s3: Any, catalog: str, access: tuple[str, str], batch_threads: int,
            night: datetime) -> Path:
    """The night's configuration file: the same archive every night, on a fixed clock at that night (read
    by the task processes, which a scheduler started before the night would not take from our environment)."""
    page = fake.page
    clock = night.strftime("%Y-%m-%dT%H:%M:%SZ")
    path = folder / f"socialarkiv-{night:%Y%m%d}.toml"
    path.write_text(f'''[archive]
organisation = "Bench"
store = "{folder / 'archive'}"
work = "{folder / 'work'}"
initial_since = "2026-01-01T00:00:00Z"
catalog = "{catalog}"
batch_threads = {batch_threads}
fixed_clock = "{clock}"

[storage]
kind = "s3"
endpoint = "{s3.endpoint}"
region = "us-east-1"
bucket = "archive"
access_key = "value:{access[0]}"
secret_key = "value:{access[1]}"

[[retention]]
name = "dialog-10"
years = 10
basis = "Bench: 10 years"

[[accounts]]
key = "bench"
platform = "facebook"
account_id = "{page.id}"
name = "Bench"
base_url = "{fake.url}"
api_version = "v23.0"
credential = "value:{page.token}"
''', encoding="utf-8")
    return path


def _tasks(database: str, run_id: str) -> dict[str, Any]:
    from tests.tools.airflow_processes import airflow_rows

    rows = airflow_rows(database, "SELECT task_id, count(*), sum(extract(epoch FROM end_date - start_date)) "
                        "FROM task_instance WHERE run_id = :run GROUP BY task_id ORDER BY task_id", run=run_id)
    return {str(task): {"instances": int(str(count)), "seconds_summed": round(float(str(seconds or 0)), 1)}
            for task, count, seconds in rows}


def _timeline(database: str, run_id: str) -> list[str]:
    """Each task instance as "task[map] started +s, ended +s", seconds from the first task's start (dag.test
    records no queueing time): where the run waited on Airflow rather than on work shows as the gaps."""
    from tests.tools.airflow_processes import airflow_rows

    rows = airflow_rows(database, "SELECT task_id, map_index, "
                        "extract(epoch FROM start_date - min(start_date) OVER ()), "
                        "extract(epoch FROM end_date - min(start_date) OVER ()) "
                        "FROM task_instance WHERE run_id = :run ORDER BY start_date, map_index", run=run_id)
    return [f"{task}[{index}] started +{float(str(start or 0)):.1f}, ended +{float(str(end or 0)):.1f}"
            for task, index, start, end in rows]


def _span(database: str, run_id: str) -> float:
    """Seconds from the run's first task start to its last task end: the run as the scheduler sees it, without
    what ``dag.test`` adds around it (its executor's start and stop, the run's creation)."""
    from tests.tools.airflow_processes import airflow_rows

    rows = airflow_rows(database, "SELECT extract(epoch FROM max(end_date) - min(start_date)) FROM task_instance "
                        "WHERE run_id = :run", run=run_id)
    return round(float(str(rows[0][0] or 0)), 1)


def _run_seconds(database: str, run_id: str) -> dict[str, float]:
    """The run as Airflow recorded it: from queued to started (the scheduler's pick-up) and from started to
    ended."""
    from tests.tools.airflow_processes import airflow_rows

    queued, ran = airflow_rows(database, "SELECT extract(epoch FROM start_date - queued_at), "
                               "extract(epoch FROM end_date - start_date) FROM dag_run WHERE run_id = :run",
                               run=run_id)[0]
    return {"queued_to_started": round(float(str(queued or 0)), 1), "started_to_ended": round(float(str(ran)), 1)}


def _cpu_by_process(fake_pid: int) -> dict[int, tuple[str, float]]:
    """Every process's label and CPU seconds so far (its own and its reaped children's), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[str, float]] = {}
    for folder in Path("/proc").iterdir():
        if not folder.name.isdigit():
            continue
        try:
            fields = (folder / "stat").read_text().rsplit(")", 1)[1].split()
            command = (folder / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue   # it ended meanwhile
        pid = int(folder.name)
        label = ("benchmark process (with dag.test: its loop, its executor's workers and task processes once reaped)"
                 if pid == os.getpid() else "fake Graph API" if pid == fake_pid
                 else "airflow api-server" if "api-server" in command or "api_fastapi" in command
                 else "airflow dag-processor" if "dag-processor" in command or "dag_processor" in command
                 else "airflow scheduler, executor workers and task processes"
                 if "scheduler" in command or "LocalExecutor" in command or command.startswith("airflow ")
                 else "PostgreSQL" if command.startswith("postgres") or "bin/postgres " in command
                 else "SeaweedFS" if "weed" in command else "other")
        found[pid] = (label, sum(int(value) for value in fields[11:15]) / tick)
    return found


def _cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
              own_seconds: float) -> dict[str, float]:
    """CPU seconds each kind of process used between two snapshots (the machine's two cores give 2 per
    second): where the run's time went besides the tasks' own work."""
    used: dict[str, float] = {}
    for pid, (label, seconds) in after.items():
        used[label] = used.get(label, 0.0) + seconds - before.get(pid, (label, 0.0))[1]
    used["of which the benchmark process itself (dag.test's loop, or polling the scheduler's run)"] = own_seconds
    return {label: round(seconds, 1) for label, seconds in sorted(used.items()) if seconds >= 0.05}


def _dag_test(dag: Any, config: Path, when: datetime) -> tuple[str, str]:
    """One night by ``dag.test`` on the LocalExecutor: its run id and final state."""
    run = dag.test(run_conf={"config": str(config)}, use_executor=True, logical_date=when)
    return run.run_id, str(run.state)


def _scheduler(running: ExitStack, folder: Path, database: str) -> Any:
    """Start ``airflow dag-processor`` and ``airflow scheduler``; once the DAG is parsed, a function that
    triggers one night and waits for its run to end (its run id and final state)."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    from tests.tools.airflow_processes import airflow_rows, start_airflow

    processes = [start_airflow(running, folder, name, [name]) for name in ("dag-processor", "scheduler")]
    deadline = time.monotonic() + 180
    while not airflow_rows(database, "SELECT 1 FROM serialized_dag WHERE dag_id = 'social_archive_nightly'"):
        if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
            raise SystemExit(f"the DAG processor did not parse social_archive_nightly: see {folder}/*.log")
        time.sleep(0.5)

    def night(config: Path, when: datetime) -> tuple[str, str]:
        run = trigger_dag("social_archive_nightly", triggered_by=DagRunTriggeredByType.CLI,
                          conf={"config": str(config)}, logical_date=when, run_after=when,
                          run_id=f"bench__{when:%Y%m%d}")
        assert run is not None
        while True:
            rows = airflow_rows(database, "SELECT state FROM dag_run WHERE run_id = :run", run=run.run_id)
            if rows and rows[0][0] in ("success", "failed"):
                return run.run_id, f"DagRunState.{str(rows[0][0]).upper()}"
            if any(process.poll() is not None for process in processes):
                raise SystemExit(f"an Airflow process ended during the run: see {folder}/*.log")
            time.sleep(0.1)

    return night


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=2)
    parser.add_argument("--batch-threads", type=int, default=50, help="[archive] batch_threads")
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it (the Airflow processes' and "
                        "tasks' logs, the archive) instead of a temporary one")
    parser.add_argument("--min-heartbeat-interval", type=int, default=1, help="[workers] min_heartbeat_interval, "
                        "as docker/compose.yaml sets it (Airflow's default: 5)")
    parser.add_argument("--reruns", type=int, default=1, help="unchanged nights after the first (the second and "
                        "later ones as unchanged_rerun_2, ...: how much a rerun varies)")
    parser.add_argument("--scheduler", action="store_true",
                        help="run the nights on airflow scheduler and dag-processor (triggered runs), not dag.test")
    args = parser.parse_args()

    from archiver.fakes.demo import synthetic_page
    from bench._setup import graph_in_own_process, machine_reference
    from tests.tools.airflow_processes import api_server
    from tests.tools.ports import free_port
    from tests.tools.postgres import fresh_database
    from tests.tools.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedS3

    reference_before = machine_reference()
    page = synthetic_page(args.threads, args.comments, seed=7)
    last_post = max(post.created_time for post in page.posts)
    night = datetime.strptime(last_post, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC) + timedelta(days=1)
    port = free_port()
    with ExitStack() as running:
        if args.keep:
            args.keep.mkdir(parents=True)   # a new folder: a run never mixes with an earlier one's files
            folder = args.keep.resolve()
        else:
            folder = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="socialarkiv-airflow-bench-")))
        airflow_db = running.enter_context(fresh_database("bench_airflow_meta"))
        catalog = running.enter_context(fresh_database("bench_airflow_catalog"))
        s3 = running.enter_context(SeaweedS3(folder / "s3"))
        fake = running.enter_context(graph_in_own_process(page))
        s3.bucket("archive")
        os.environ.update({
            "AIRFLOW_HOME": str(folder / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_db,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": str(args.parallelism),
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": str(args.min_heartbeat_interval),
            "AIRFLOW__API_AUTH__JWT_SECRET": "bench-secret-not-secret",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            # scheduler mode: no scheduled runs beside the triggered ones, and the DAG unpaused when parsed
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False", "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        })
        from airflow import settings
        from airflow.dag_processing.dagbag import DagBag
        from airflow.utils import db

        db.resetdb()
        running.callback(settings.dispose_orm)   # before its database is dropped
        api_server(running, folder, port)
        if args.scheduler:
            run_night = _scheduler(running, folder, airflow_db)
        else:
            dag = DagBag(dag_folder=str(ROOT / "dags")).dags["social_archive_nightly"]

            def run_night(config: Path, when: datetime) -> tuple[str, str]:
                return _dag_test(dag, config, when)

        result: dict[str, Any] = {"threads": args.threads, "comments_per_thread": args.comments,
                                  "executor": "LocalExecutor", "parallelism": args.parallelism,
                                  "min_heartbeat_interval": args.min_heartbeat_interval,
                                  "runs_by": "airflow scheduler" if args.scheduler else "dag.test",
                                  "batch_threads": args.batch_threads}
        nights = [("first_run", night), ("unchanged_rerun", night + timedelta(days=1))]
        nights += [(f"unchanged_rerun_{n}", night + timedelta(days=n)) for n in range(2, args.reruns + 1)]
        for label, when in nights:
            config = _config(folder, fake, s3, catalog, (ACCESS_KEY, SECRET_KEY), args.batch_threads, when)
            before, cpu_before = fake.stats["requests"], _cpu_by_process(fake.pid)
            own_before = resource.getrusage(resource.RUSAGE_SELF)
            start = time.perf_counter()
            run_id, state = run_night(config, when)
            seconds = time.perf_counter() - start
            own = resource.getrusage(resource.RUSAGE_SELF)
            cpu = _cpu_used(cpu_before, _cpu_by_process(fake.pid), own.ru_utime + own.ru_stime
                            - own_before.ru_utime - own_before.ru_stime)
            report = json.loads(max((folder / "archive" / "reports").glob("*.json"),
                                    key=lambda p: p.stat().st_mtime).read_text())
            result[label] = {"seconds": round(seconds, 1), "state": state,
                             "task_span_seconds": _span(airflow_db, run_id),
                             "threads_per_second": round(args.threads / seconds, 2),
                             "api_requests": fake.stats["requests"] - before,
                             "cpu_seconds_by_process": cpu,
                             "report": {k: report[k] for k in ("threads", "packages_written", "packages_unchanged",
                                                               "failed", "quarantined")},
                             "tasks": _tasks(airflow_db, run_id),
                             "timeline": _timeline(airflow_db, run_id)}
            if args.scheduler:   # dag.test records its run's start as the logical date
                result[label]["dag_run_seconds"] = _run_seconds(airflow_db, run_id)
        result["unchanged_rerun"]["fraction_of_first_run"] = round(
            result["unchanged_rerun"]["seconds"] / result["first_run"]["seconds"], 3)
    result["machine_reference_seconds"] = {"before": reference_before, "after": machine_reference()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
