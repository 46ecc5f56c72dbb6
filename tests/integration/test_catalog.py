"""The thread-state catalog on SQLite and on the PostgreSQL at 127.0.0.1:5432: upserts merge monotonically."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from archiver.catalog import Catalog, Indexed, ThreadState
from archiver.catalog.threads import MIGRATIONS, SCHEMA_HEAD, VERSION_TABLE
from archiver.errors import StorageError
from tests.conftest import postgres_database

STATE = ThreadState("facebook", "1", "1_1", "acc", "2026-11-01T10:00:00Z", "u1", 1, "packages/x/v00001", "h1",
                    "2026-11-02T01:30:00Z", "2026-11-02T01:30:00Z", "2026-11-02T01:30:00Z")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        opened = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
        yield opened
        opened.close()
        return
    with postgres_database("socialarkiv_catalog") as url:
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
    assert catalog.thread_for_unchanged_capture("facebook", "1", "1_1") == Indexed(
        catalog.thread("facebook", "1", "1_1"), None, False)
    assert catalog.thread_for_unchanged_capture("facebook", "1", "other") is None


def test_a_version_being_stored_marks_the_thread_until_it_is_recorded(catalog: Catalog) -> None:
    def unrecorded() -> bool:
        found = catalog.thread_for_unchanged_capture("facebook", "1", "1_1")
        assert found is not None
        return found.unrecorded

    catalog.storing("facebook", "1", "1_1", 1)   # no row yet: nothing to mark (a first capture reads the store)
    catalog.record(STATE)
    assert not unrecorded()
    catalog.storing("facebook", "1", "1_1", 2)
    catalog.storing("facebook", "1", "1_1", 2)   # a second writer of the same slot
    assert unrecorded()
    catalog.record(replace(STATE, last_captured_at="2026-11-03T01:30:00Z"))  # an unchanged capture of version 1
    assert unrecorded(), "recording version 1 cleared the mark of version 2"
    catalog.record(replace(STATE, head_version=3, head_path="packages/x/v00003", content_hash="h3"))  # slot 2 skipped
    assert not unrecorded()
    catalog.storing("facebook", "1", "1_1", 4)
    catalog.storing("facebook", "1", "1_1", 5)
    catalog.record(replace(STATE, head_version=4, head_path="packages/x/v00004", content_hash="h4"))
    assert unrecorded(), "recording version 4 cleared the mark of version 5"
    catalog.record(replace(STATE, head_version=5, head_path="packages/x/v00005", content_hash="h5"))
    assert not unrecorded()
    assert catalog.thread("facebook", "1", "1_1").head_version == 5

    # a catalog restored from a backup: every thread checks the store once, and recording clears it
    catalog.record(replace(STATE, post_id="1_2"))
    assert catalog.recheck() == 2
    assert unrecorded() and catalog.recheck() == 0
    catalog.record(replace(STATE, post_id="1_2", last_captured_at="2026-11-05T01:30:00Z"))  # checked, recorded
    assert not catalog.thread_for_unchanged_capture("facebook", "1", "1_2").unrecorded
    catalog.storing("facebook", "1", "1_1", 6)  # a writer's mark replaces the recheck
    catalog.record(replace(STATE, head_version=5, head_path="packages/x/v00005", content_hash="h5"))
    assert unrecorded()
    catalog.record(replace(STATE, head_version=6, head_path="packages/x/v00006", content_hash="h6"))
    assert not unrecorded()


def test_a_batch_reads_its_threads_rows_at_once_as_one_by_one(catalog: Catalog) -> None:
    """threads_for_unchanged_capture gives for each thread what thread_for_unchanged_capture gives (rows of
    several accounts, more than one query's 500 threads of one account, marks), and leaves out the threads the
    catalog does not hold."""
    states = [replace(STATE, post_id=f"1_{n:04d}") for n in range(1203)]
    states += [replace(STATE, account_id="2", post_id="2_1"), replace(STATE, platform="instagram", post_id="1_0001")]
    catalog.record_many(states)
    catalog.storing("facebook", "1", "1_0007", 2)
    keys = [(s.platform, s.account_id, s.post_id) for s in states] + [("facebook", "1", "new"), ("x", "9", "1_1")]
    found = catalog.threads_for_unchanged_capture(reversed(keys))
    assert set(found) == {(s.platform, s.account_id, s.post_id) for s in states}
    assert all(found[key] == catalog.thread_for_unchanged_capture(*key) for key in keys[:3] + keys[1200:1205])
    assert found[("facebook", "1", "1_0007")].unrecorded and not found[("facebook", "1", "1_0008")].unrecorded
    assert catalog.threads_for_unchanged_capture([]) == {}


def test_knows_account_reads_whether_any_thread_of_the_account_is_held(catalog: Catalog) -> None:
    assert not catalog.knows_account("facebook", "1")
    catalog.record(STATE)
    assert catalog.knows_account("facebook", "1")
    assert not catalog.knows_account("facebook", "2") and not catalog.knows_account("instagram", "1")


def test_the_schema_head_is_the_last_migration() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_HEAD]


def test_a_catalog_at_the_schema_head_opens_without_alembic_one_behind_is_upgraded(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    upgrades: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda config, revision: upgrades.append(revision))
    Catalog(catalog.url).close()
    assert upgrades == []
    with catalog.engine.begin() as connection:
        connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '0006'"))
    Catalog(catalog.url).close()
    assert upgrades == ["head"]


def test_an_unreachable_catalog_names_itself_without_the_password() -> None:
    with pytest.raises(StorageError, match=r"catalog at postgresql\+psycopg2://u:\*\*\*@127.0.0.1:1/x") as caught:
        Catalog("postgresql+psycopg2://u:hunter2@127.0.0.1:1/x")
    assert "hunter2" not in str(caught.value)
