"""Retention, legal holds, disposition only on approval, the searchable catalog and its rebuild from the store,
and the audit log, on a real pipeline run against the fake Graph API; the catalog on SQLite and on the
PostgreSQL at 127.0.0.1:5432."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.audit import AuditHead, check
from archiver.catalog import Catalog
from archiver.catalog.rebuild import rebuild
from archiver.cli import main
from archiver.clock import FixedClock
from archiver.config import Settings, parse_settings
from archiver.disposition import approve, execute, hold, pending_proposals, propose, release
from archiver.errors import ConfigError, Locked
from archiver.fakes.demo import DEMO_PAGE_ID, demo_page
from archiver.fakes.graph import FakeGraphServer
from archiver.pipeline import Services, run, services_for
from tests.conftest import postgres_database

NIGHT = datetime(2026, 11, 10, 1, 30, tzinfo=UTC)
LATER = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)        # the zero-year rule has run out at the end of 2026
SNOW = f"{DEMO_PAGE_ID}_700000000000002"


def _settings(tmp: Path, url: str, catalog: str) -> Settings:
    return parse_settings({
        "archive": {"organisation": "Demo kommune", "store": str(tmp / "archive"), "work": str(tmp / "work"),
                    "initial_since": "2026-01-01T00:00:00Z", "catalog": catalog},
        "accounts": [{"key": "demo-facebook", "platform": "facebook", "account_id": DEMO_PAGE_ID,
                      "name": "Demo kommune", "base_url": url, "api_version": "v23.0",
                      "credential": f"value:{demo_page().token}", "classification": "dialog"}],
        "retention": [{"name": "dialog-kort", "accounts": ["demo-*"], "classifications": ["dialog"], "years": 0,
                       "basis": "Bevarings- og kassasjonsplan 2026, punkt 4.2 (test)"}],
    }, base=tmp)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'work' / 'catalog.sqlite'}"
        return
    with postgres_database("socialarkiv_records") as url:
        yield url


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGraphServer]:
    with FakeGraphServer(demo_page()) as running:
        yield running


def _services(tmp: Path, url: str, catalog: str, when: datetime) -> Services:
    return services_for(_settings(tmp, url, catalog), clock=FixedClock(when))


def test_retention_holds_disposition_search_rebuild_and_audit(server: FakeGraphServer, tmp_path: Path,
                                                              catalog_url: str) -> None:
    services = _services(tmp_path, server.url, catalog_url, NIGHT)
    report = run(services, datetime(2026, 1, 1, tzinfo=UTC), NIGHT, run_id="night-1")
    assert not report.problems and len(report.outcomes) == 5
    store_root = tmp_path / "archive"

    # retention: every package is locked under the rule, recorded in package.json and in the lock record
    snow = f"packages/facebook/{DEMO_PAGE_ID}/{SNOW}/v00001"
    lock = services.store.lock(snow)
    assert lock is not None and (lock.retain_until, lock.rule, lock.permanent) == ("2027-01-01T00:00:00Z",
                                                                                  "dialog-kort", False)
    meta = json.loads((store_root / snow / "metadata/other/package.json").read_bytes())
    assert meta["records"] == {"account_key": "demo-facebook", "classification": "dialog", "retention": {
        "basis": "Bevarings- og kassasjonsplan 2026, punkt 4.2 (test)", "mode": "COMPLIANCE",
        "permanent": False, "retain_until": "2027-01-01T00:00:00Z", "rule": "dialog-kort"}}
    with pytest.raises(Locked, match="retained until 2027-01-01"):
        services.store.dispose(snow, "2026-12-31T23:59:59Z")

    # search: Norwegian stems, filters; restricted text only when asked
    catalog = services.catalog
    hits = catalog.search("brøytemannskap meldes")
    assert hits and all(h.post_id == SNOW for h in hits)
    assert catalog.search("brøytemannskapene") == catalog.search("Brøytemannskap")
    assert {h.post_id for h in catalog.search(None, account="demo-facebook", limit=1000)} == {
        o.post_id for o in report.outcomes}
    assert catalog.search("brøytemannskapene", platform="x") == []
    assert catalog.search("brøytemannskapene", since="2030-01-01T00:00:00Z") == []
    assert catalog.search(None, classification="dialog", limit=1) and not catalog.search(None, classification="x")
    assert catalog.search(None, retention="retained", now="2026-12-01T00:00:00Z", limit=1)
    assert not catalog.search(None, retention="due", now="2026-12-01T00:00:00Z", limit=1)
    assert catalog.search('"; DROP TABLE entries; --') == []   # query text is data, never syntax

    # a legal hold on the snow thread; then, after the retention, a proposal without it
    assert hold(services, "demo-facebook", SNOW, "Kari Nordmann", "Klagesak 2026/1234") == 1
    assert services.store.lock(snow).legal_hold  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="--reason is required"):
        hold(services, "demo-facebook", SNOW, "Kari Nordmann", " ")
    later = _services(tmp_path, server.url, catalog_url, LATER)
    proposal = propose(later)
    assert proposal is not None and proposal.startswith("P-2027-01-02-")
    listed = pending_proposals(later)
    assert len(listed) == 1 and "approval" not in listed[0]
    assert {t["post_id"] for t in listed[0]["threads"]} == {o.post_id for o in report.outcomes} - {SNOW}
    assert propose(later) is None   # the same list waits already

    # no deletion before an approval
    result = execute(later)
    assert result.waiting == [proposal] and not result.disposed
    assert len(list((store_root / "packages").rglob("METS.xml"))) >= 5
    with pytest.raises(ConfigError, match="--decision is required"):
        approve(later, proposal, "Arkivleder Per", "Utløpt bevaringstid", "")
    approve(later, proposal, "Arkivleder Per", "Utløpt bevaringstid", "Sak 2027/17, dok. 3")
    result = execute(later)
    assert sorted(result.disposed) == sorted(f"facebook/{DEMO_PAGE_ID}/{t['post_id']}" for t in listed[0]["threads"])
    assert result.kept == {}
    remaining = sorted(p.parent.parent.name for p in (store_root / "packages").rglob("METS.xml")
                       if p.parent.name.startswith("v"))
    assert remaining == [SNOW]                      # the held thread survives
    record = json.loads(next((store_root / "dispositions" / "list").rglob("disposition.json")).read_bytes())
    assert record["approved_by"] == "Arkivleder Per" and record["decision_ref"] == "Sak 2027/17, dok. 3"
    assert record["packages"][0]["manifest_sha256"] and record["packages"][0]["rule"] == "dialog-kort"
    assert pending_proposals(later) == []
    assert later.catalog.search("bibliotek") == []  # disposed threads leave the index

    # release the hold: the thread becomes due, and is proposed
    release(later, "demo-facebook", SNOW, "Kari Nordmann", "Klagesaken er avsluttet")
    assert not later.store.lock(snow).legal_hold  # type: ignore[union-attr]
    assert propose(later) is not None

    # the audit log holds it all, whole; the catalog knows its head
    events = later.audit.events()  # type: ignore[union-attr]
    kinds = [e["kind"] for e in events]
    for kind in ("capture", "package", "hold", "disposition-proposed", "disposition-approved", "disposition",
                 "release"):
        assert kind in kinds, kind
    recorded = later.catalog.audit_head()
    assert recorded is not None
    assert check(later.audit.segments(), AuditHead(*recorded)) == ([], AuditHead(*recorded))  # type: ignore[union-attr]
    text = json.dumps(events, ensure_ascii=False)
    assert "Brøytemannskapene" not in text and demo_page().token not in text  # no comment text, no secrets

    # rebuild from the store alone equals the catalog the runs wrote
    original = later.catalog.dump()
    target = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}" if catalog_url.startswith("sqlite") else None
    if target is None:
        with postgres_database("socialarkiv_rebuilt") as target_url:
            rebuilt = Catalog(target_url)
            outcome = rebuild(later.store, later.audit, rebuilt)  # type: ignore[arg-type]
            assert rebuilt.dump() == original
            assert rebuilt.search("brøytemannskapene") == later.catalog.search("brøytemannskapene")
            rebuilt.close()
    else:
        rebuilt = Catalog(target)
        outcome = rebuild(later.store, later.audit, rebuilt)  # type: ignore[arg-type]
        assert rebuilt.dump() == original
        assert rebuilt.search("brøytemannskapene") == later.catalog.search("brøytemannskapene")
    assert outcome.problems == [] and outcome.threads_without_events == 0
    assert original["threads"] and original["versions"] and original["dispositions"] and original["holds"]


def test_audit_tampering_is_named_by_verify(server: FakeGraphServer, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    services = _services(tmp_path, server.url, f"sqlite:///{tmp_path / 'c.sqlite'}", NIGHT)
    run(services, datetime(2026, 1, 1, tzinfo=UTC), NIGHT, run_id="night-1")
    store = tmp_path / "archive"
    assert main(["verify", str(store)]) == 0
    segment = store / "audit" / "000000001" / "segment.json"
    os.chmod(segment, stat.S_IRUSR | stat.S_IWUSR)
    data = json.loads(segment.read_bytes())
    data["events"][2]["actor"] = "someone else"
    segment.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["verify", str(store)]) == 1
    out = capsys.readouterr().out
    assert "FAIL " + str(store / "audit") in out
    assert "event 3 (seq 3, " in out and "was changed" in out


def test_a_catalog_from_before_migrations_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:   # the first catalog's one table, as create_all wrote it
        db.execute("CREATE TABLE threads (platform VARCHAR(16) NOT NULL, account_id VARCHAR(512) NOT NULL, "
                   "post_id VARCHAR(512) NOT NULL, account_key VARCHAR(64) NOT NULL, created_at VARCHAR(20), "
                   "activity VARCHAR(200), head_version INTEGER NOT NULL, head_path VARCHAR(2000) NOT NULL, "
                   "content_hash VARCHAR(64) NOT NULL, first_captured_at VARCHAR(20) NOT NULL, "
                   "last_captured_at VARCHAR(20) NOT NULL, last_changed_at VARCHAR(20) NOT NULL, "
                   "gone_at VARCHAR(20), PRIMARY KEY (platform, account_id, post_id))")
        db.execute("INSERT INTO threads VALUES ('facebook','1','1_1','k',NULL,NULL,1,'p','h','a','a','a',NULL)")
    catalog = Catalog(f"sqlite:///{path}")
    assert catalog.thread("facebook", "1", "1_1") is not None
    assert catalog.search("anything") == []
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM socialarkiv_alembic_version").fetchone() == (_head(),)


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from archiver.catalog.threads import MIGRATIONS
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
