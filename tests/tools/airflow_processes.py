"""Airflow server processes for tests and benchmarks that run DAGs on a real executor (each in its own
process group, logging to a file, stopped when the ExitStack closes), and queries on Airflow's database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path


def start_airflow(running: ExitStack, logs: Path, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
    """Start ``airflow ARGUMENTS`` in its own process group, logging to LOGS/NAME.log; stopped on exit."""
    log = running.enter_context(open(logs / f"{name}.log", "wb"))
    process = subprocess.Popen([sys.executable, "-m", "airflow", *arguments], stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)

    def stop() -> None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()

    running.callback(stop)
    return process


def api_server(running: ExitStack, logs: Path, port: int) -> None:
    """``airflow api-server`` on 127.0.0.1:PORT (the task processes' execution API), once it answers."""
    process = start_airflow(running, logs, "api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port),
                                                          "--workers", "1"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"airflow api-server exited {process.returncode}: see {logs / 'api-server.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"airflow api-server did not answer within 120 s: see {logs / 'api-server.log'}")


def airflow_rows(database: str, sql: str, **parameters: object) -> list[tuple[object, ...]]:
    """The rows of one query on the Airflow database at ``database`` (a SQLAlchemy URL)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql), parameters).all()]
    engine.dispose()
    return rows
