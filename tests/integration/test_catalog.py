"""The thread-state catalog on SQLite and on the PostgreSQL at 127.0.0.1:5432: upserts merge monotonically."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from archiver.catalog import Catalog, ThreadState
from archiver.errors import StorageError

STATE = ThreadState("facebook", "1", "1_1", "acc", "2026-11-01T10:00:00Z", "u1", 1, "packages/x/v00001", "h1",
                    "2026-11-02T01:30:00Z", "2026-11-02T01:30:00Z", "2026-11-02T01:30:00Z")


def _postgres() -> Iterator[str]:
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    admin.autocommit = True
    name = f"socialarkiv_catalog_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        opened = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
        yield opened
        opened.close()
        return
    for url in _postgres():
        opened = Catalog(url)
        yield opened
        opened.close()


def test_upserts_never_move_a_thread_backwards(catalog: Catalog) -> None:
    catalog.record(STATE)
    newer = replace(STATE, head_version=2, head_path="packages/x/v00002", content_hash="h2",
                    last_captured_at="2026-11-03T01:30:00Z", last_changed_at="2026-11-03T01:30:00Z", activity="u2")
    catalog.record(newer)
    stale = replace(STATE, last_captured_at="2026-11-02T12:00:00Z", activity=None)  # a late writer of version 1
    catalog.record(stale)
    found = catalog.thread("facebook", "1", "1_1")
    assert found is not None
    assert (found.head_version, found.content_hash, found.last_captured_at, found.activity) == (
        2, "h2", "2026-11-03T01:30:00Z", "u2")
    catalog.record(replace(newer, last_captured_at="2026-11-04T01:30:00Z"))
    assert catalog.thread("facebook", "1", "1_1").last_captured_at == "2026-11-04T01:30:00Z"
    assert [s.post_id for s in catalog.threads("facebook", "1")] == ["1_1"]
    assert catalog.thread("facebook", "1", "other") is None


def test_an_unreachable_catalog_names_itself_without_the_password() -> None:
    with pytest.raises(StorageError, match=r"catalog at postgresql\+psycopg2://u:\*\*\*@127.0.0.1:1/x") as caught:
        Catalog("postgresql+psycopg2://u:hunter2@127.0.0.1:1/x")
    assert "hunter2" not in str(caught.value)
