"""Shared fixtures. Airflow's environment is set here, before anything imports Airflow."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"
_var = ROOT / "var"
_var.mkdir(exist_ok=True)
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="airflow-test-", dir=_var)
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"

from archiver.config import Settings, parse_settings  # noqa: E402
from archiver.fakes.demo import DEMO_PAGE_ID, demo_page  # noqa: E402
from archiver.fakes.graph import FakeGraphServer, FakePage  # noqa: E402


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The session's Airflow home (its SQLite metadata database and logs) goes with the session."""
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL at 127.0.0.1:5432 (dropped afterwards), or skip with the reason."""
    psycopg2 = pytest.importorskip("psycopg2")
    from tests.tools.postgres import fresh_database

    try:
        database = fresh_database(prefix)
        url = database.__enter__()
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    try:
        yield url
    finally:
        database.__exit__(None, None, None)


def shared(*parts: str) -> Path:
    """A path under ../shared/reference, or skip the test with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material {path} is absent (expected ../shared/reference beside the checkout)")
    return path


@pytest.fixture
def fake_graph() -> Iterator[FakeGraphServer]:
    with FakeGraphServer(demo_page()) as server:
        yield server


def make_settings(tmp: Path, url: str, page: FakePage | None = None, **account: object) -> Settings:
    page_id = page.id if page else DEMO_PAGE_ID
    token = page.token if page else demo_page().token
    return parse_settings({
        "archive": {"organisation": "Demo kommune", "store": str(tmp / "archive"), "work": str(tmp / "work"),
                    "initial_since": "2026-01-01T00:00:00Z"},
        "accounts": [{"key": "demo-facebook", "platform": "facebook", "account_id": page_id,
                      "name": "Demo kommune", "base_url": url, "api_version": "v23.0",
                      "credential": f"value:{token}", **account}],
    }, base=tmp)


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    def build(url: str, page: FakePage | None = None, **account: object) -> Settings:
        return make_settings(tmp_path, url, page, **account)

    return build


def write_config(path: Path, settings_url: str, tmp: Path, token: str, page_id: str = DEMO_PAGE_ID) -> Path:
    path.write_text(f"""
[archive]
organisation = "Demo kommune"
store = "{tmp / 'archive'}"
work = "{tmp / 'work'}"
initial_since = "2026-01-01T00:00:00Z"

[[accounts]]
key = "demo-facebook"
platform = "facebook"
account_id = "{page_id}"
name = "Demo kommune"
base_url = "{settings_url}"
api_version = "v23.0"
credential = "value:{token}"
max_attempts = 2
timeout_seconds = 5
""", encoding="utf-8")
    return path
