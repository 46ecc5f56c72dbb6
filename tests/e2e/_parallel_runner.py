"""Run social_archive_nightly twice on the same fake APIs of the demo municipality, on PostgreSQL: serially,
then in parallel, each into its own archive and catalog.

Usage: python _parallel_runner.py WORKDIR AIRFLOW_DATABASE_URL SERIAL_CATALOG_URL PARALLEL_CATALOG_URL
       [LocalExecutor | CeleryExecutor REDIS_URL]

* serial: ``dag.test()``: every task in this process, one after the other; archive in WORKDIR/serial.
* parallel, ``dag.test(use_executor=True)`` with ``parallelism`` 4; the task processes reach the task API
  through a real ``airflow api-server`` started here on 127.0.0.1; archive in WORKDIR/parallel:
  * LocalExecutor (the default): four task processes of this machine at once;
  * CeleryExecutor, as docker/compose.yaml runs it: the scheduler loop here queues every task on the Redis broker
    at REDIS_URL (a database of its own: tasks land on Celery's "default" queue, because Airflow's serialised DAG
    forgets ``[operators] default_queue``) and two ``airflow celery worker`` processes of concurrency 2 each,
    started here, take them; Celery's results go to the Airflow database.

The archive's clock and the fakes' clock are fixed (``SOCIALARKIV__ARCHIVE__FIXED_CLOCK``) so both runs can
be compared byte for byte. Prints one JSON line: per run the DagRun state, the run report and the peak number
of task instances running at once. A separate process because Airflow's metadata database is chosen once per
process.
"""

import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

work, database, catalogs = Path(sys.argv[1]), sys.argv[2], {"serial": sys.argv[3], "parallel": sys.argv[4]}
executor = sys.argv[5] if len(sys.argv) > 5 else "LocalExecutor"
root = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(root))
from tests.tools.airflow_processes import airflow_rows, start_airflow  # noqa: E402
from tests.tools.airflow_processes import api_server as start_api_server  # noqa: E402
from tests.tools.ports import free_port  # noqa: E402

port = free_port()
os.environ.update({
    "AIRFLOW_HOME": str(work / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"), "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database, "AIRFLOW__CORE__EXECUTOR": executor,
    "AIRFLOW__CORE__PARALLELISM": "4", "AIRFLOW__API_AUTH__JWT_SECRET": "parallel-test-secret-not-secret",
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",   # as docker/compose.yaml
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
    "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__PORT": str(port),
    "SOCIALARKIV__ARCHIVE__FIXED_CLOCK": "2026-11-21T02:00:00Z",
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
})
if executor == "CeleryExecutor":
    os.environ.update({
        "AIRFLOW__CELERY__BROKER_URL": sys.argv[6],
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database.replace("postgresql+psycopg2://", "postgresql://"),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
    })

from archiver.clock import FixedClock, parse_ts  # noqa: E402
from archiver.demo import start_demo_sources  # noqa: E402


def api_server(running: ExitStack) -> None:
    start_api_server(running, work, port)


def celery_workers(running: ExitStack) -> None:
    """Two Celery workers of concurrency 2, ready before the run starts."""
    workers = [_airflow(running, f"celery-worker-{n}", ["celery", "worker", "--concurrency", "2",
                                                         "--celery-hostname", f"socialarkiv-test-{n}@127.0.0.1",
                                                         "--skip-serve-logs", "--without-gossip", "--without-mingle"])
               for n in (1, 2)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for n, worker in enumerate(workers, start=1):
            if worker.poll() is not None:
                raise SystemExit(f"celery worker {n} exited {worker.returncode}: see {work}/celery-worker-{n}.log")
        logs = [(work / f"celery-worker-{n}.log").read_text(errors="replace") for n in (1, 2)]
        if all(" ready." in log for log in logs):
            return
        time.sleep(0.5)
    raise SystemExit(f"the celery workers were not ready within 120 s: see {work}/celery-worker-*.log")


def _airflow(running: ExitStack, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
    return start_airflow(running, work, name, arguments)


def main() -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db

    db.resetdb()
    results = {}
    with ExitStack() as running:
        serial = work / "serial"
        serial.mkdir(parents=True)
        config, tokens, _ = start_demo_sources(running, serial, clock=FixedClock(parse_ts("2026-11-21T02:00:00Z")))
        os.environ.update(tokens)
        parallel = work / "parallel"
        parallel.mkdir()
        (parallel / config.name).write_text(config.read_text().replace(str(serial), str(parallel)))
        dag = DagBag(dag_folder=str(root / "dags")).dags["social_archive_nightly"]
        for mode, home in (("serial", serial), ("parallel", parallel)):
            os.environ["SOCIALARKIV__ARCHIVE__CATALOG"] = catalogs[mode]
            if mode == "parallel":
                api_server(running)
                if executor == "CeleryExecutor":
                    celery_workers(running)
            run = dag.test(run_conf={"config": str(home / config.name)}, use_executor=mode == "parallel")
            reports = sorted((home / "archive" / "reports").glob("*.json"))
            spans = _rows("SELECT start_date, end_date FROM task_instance WHERE run_id = :run", run=run.run_id)
            results[mode] = {"state": str(run.state), "peak_running_at_once": _peak_overlap(spans),
                             "report": json.loads(reports[-1].read_text()) if reports else None,
                             "task_instances": len(spans)}
            if mode == "parallel" and executor == "CeleryExecutor":
                results[mode]["celery"] = _celery_outcomes(len(spans))
    print(json.dumps(results))


def _rows(sql: str, **parameters: object) -> list[tuple[object, ...]]:
    return airflow_rows(database, sql, **parameters)


def _celery_outcomes(tasks: int) -> dict[str, object]:
    """What Celery recorded: task states in its result backend, tasks each worker finished (from its log).

    A Celery task ends a moment after its task instance reports success to the API server, so the last ones
    may still be STARTED when the DagRun is done: wait (up to 60 s) until every task has a final state."""
    deadline = time.monotonic() + 60
    while True:
        states = {str(k): int(str(v)) for k, v in _rows("SELECT status, count(*) FROM celery_taskmeta GROUP BY status")}
        logs = {f"worker-{n}": (work / f"celery-worker-{n}.log").read_text(errors="replace") for n in (1, 2)}
        finished = {worker: log.count("] succeeded in ") for worker, log in logs.items()}
        settled = sum(states.values()) >= tasks and not {"PENDING", "STARTED"} & set(states)
        if (settled and sum(finished.values()) >= tasks) or time.monotonic() > deadline:
            return {"result_states": states, "finished_by_worker": finished}
        time.sleep(0.5)


def _peak_overlap(spans: list[tuple[object, ...]]) -> int:
    """How many task instances ran at the same moment, from their (start, end) times."""
    ran = [(start, end) for start, end in spans if start is not None and end is not None]
    events = sorted([(start, 1) for start, _ in ran] + [(end, -1) for _, end in ran])
    peak = running = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


main()
