"""Scripted sequences of snapshots against the fake Graph API: every comment ever seen stays, with its history.

Each step changes the fake page, runs the pipeline over HTTP, and checks the versions and marks written.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archiver.catalog import Catalog
from archiver.clock import FixedClock
from archiver.errors import StorageError
from archiver.fakes.demo import DEMO_PAGE_ID
from archiver.fakes.graph import FakeGraphServer, FakePage, FakePost
from archiver.model import Thread
from archiver.package.build import PACKAGE_JSON
from archiver.package.verify import verify_tree
from archiver.pipeline import head, run, services_for
from tests.conftest import make_settings

POST_ID = f"{DEMO_PAGE_ID}_701"
START = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


def _comment(number: int, text: str, *, parent: int | None = None) -> dict[str, object]:
    item: dict[str, object] = {
        "id": f"701_{number}", "created_time": f"2026-11-01T10:{number:02d}:00+0000", "message": text,
        "like_count": 0, "comment_count": 0, "is_hidden": False, "is_private": False,
        "from": {"name": f"Innbygger {number}", "id": f"9{number:04d}"},
    }
    if parent is not None:
        item["parent"] = {"id": f"701_{parent}"}
    return item


class Archive:
    """The page, the fake API and one pipeline run per night, with the clock at that night."""

    def __init__(self, tmp: Path, server: FakeGraphServer, page: FakePage) -> None:
        self.tmp, self.server, self.page, self.night = tmp, server, page, 0

    @property
    def post(self) -> FakePost:
        post = self.page.post(POST_ID)
        assert post is not None
        return post

    def comment(self, number: int) -> dict[str, object]:
        return next(c for c in self.post.comments if c["id"] == f"701_{number}")

    def touch(self) -> None:
        """Facebook moves the post's updated_time on activity."""
        if self.page.post(POST_ID) is not None:
            self.post.updated_time = (START + timedelta(days=self.night, hours=12)).strftime("%Y-%m-%dT%H:%M:%S+0000")

    def run(self) -> dict[str, object]:
        self.night += 1
        end = START + timedelta(days=self.night)
        settings = make_settings(self.tmp, self.server.url, self.page)
        services = services_for(settings, clock=FixedClock(end))
        report = run(services, end - timedelta(days=1), end, run_id=f"night-{self.night}")
        assert not report.problems, report.to_dict()
        return report.summary()

    def latest(self) -> tuple[int, Thread]:
        services = services_for(make_settings(self.tmp, self.server.url, self.page))
        found = head(services, "facebook", DEMO_PAGE_ID, POST_ID)
        assert found is not None
        return found.version, found.thread

    def files(self) -> dict[str, bytes]:
        root = self.tmp / "archive" / "packages"
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def archive(tmp_path: Path):
    post = FakePost(id=POST_ID, created_time="2026-11-01T10:00:00+0000", message="Brøyting i Storgata i natt.",
                    comments=[_comment(1, "Når kommer brøytebilen?"), _comment(2, "Takk!", parent=1)])
    page = FakePage(id=DEMO_PAGE_ID, name="Demo kommune", posts=[post])
    with FakeGraphServer(page) as server:
        yield Archive(tmp_path, server, page)


def _by_id(thread: Thread) -> dict[str, object]:
    return {c.id: c for c in thread.comments}


def test_added_edited_twice_hidden_unhidden_deleted_and_thread_deleted(archive: Archive) -> None:
    night = archive.run()
    assert night["packages_written"] == 1 and night["changes"] == {"added": 3}

    archive.post.comments.append(_comment(3, "Det er glatt på fortauet ved skolen."))
    archive.touch()
    assert archive.run()["changes"] == {"added": 1}

    archive.comment(1)["message"] = "Når kommer brøytebilen til Storgata?"
    archive.touch()
    assert archive.run()["changes"] == {"edited": 1}
    archive.comment(1)["message"] = "Når kommer brøytebilen til Storgata 5?"
    archive.touch()
    assert archive.run()["changes"] == {"edited": 1}

    archive.comment(2)["is_hidden"] = True
    archive.touch()
    assert archive.run()["changes"] == {"hidden": 1}
    archive.comment(2)["is_hidden"] = False
    archive.touch()
    assert archive.run()["changes"] == {"unhidden": 1}

    before = archive.files()
    unchanged = archive.run()
    assert unchanged["packages_written"] == 0 and unchanged["packages_unchanged"] == 1
    assert archive.files() == before, "a rerun without change writes nothing"

    archive.post.comments.remove(archive.comment(3))
    archive.touch()
    assert archive.run()["changes"] == {"missing": 1}

    archive.page.posts.remove(archive.post)
    gone = archive.run()
    assert gone["packages_written"] == 1 and gone["changes"] == {"missing": 3}
    assert archive.run()["threads"] == 0, "a thread gone at the source is not captured again"

    version, thread = archive.latest()
    assert version == 8
    comments = _by_id(thread)
    assert set(comments) == {"701_1", "701_2", "701_3"}, "every comment ever seen stays"
    first = comments["701_1"]
    assert first.text == "Når kommer brøytebilen til Storgata 5?"
    assert [v.text for v in first.history.versions] == ["Når kommer brøytebilen?",
                                                        "Når kommer brøytebilen til Storgata?"]
    assert [v.observed_at for v in first.history.versions] == ["2026-11-03T01:30:00Z", "2026-11-05T01:30:00Z"]
    assert [c.change for c in first.history.changes] == ["added", "edited", "edited", "missing"]
    second = comments["701_2"]
    assert [(c.change, c.at) for c in second.history.changes] == [
        ("added", "2026-11-03T01:30:00Z"), ("hidden", "2026-11-07T01:30:00Z"),
        ("unhidden", "2026-11-08T01:30:00Z"), ("missing", "2026-11-11T01:30:00Z")]
    third = comments["701_3"].history
    # seen last by the unchanged rerun of night 7 (no package then: the catalog remembered it), missing on night 8
    assert (third.first_seen_at, third.last_seen_at, third.missing_since) == (
        "2026-11-04T01:30:00Z", "2026-11-09T01:30:00Z", "2026-11-10T01:30:00Z")
    assert thread.post.history.missing_since == "2026-11-11T01:30:00Z"
    assert "gone at the source" in thread.post.history.changes[-1].note

    results = verify_tree(archive.tmp / "archive" / "packages")
    assert len(results) == 8 and not any(results.values()), results
    latest = archive.tmp / "archive" / "packages" / "facebook" / DEMO_PAGE_ID / POST_ID / "v00008"
    meta = json.loads((latest / PACKAGE_JSON).read_text())
    assert meta["previous"]["id"] == f"facebook-{POST_ID}-v00007" and meta["changes"] == {"missing": 3}
    xml = (latest / "representations/normalised/data/thread.xml").read_text()
    assert 'type="edited"' in xml and "Når kommer brøytebilen?</sa:text>" in xml
    pdf_text = subprocess.run(["pdftotext", str(latest / "representations/rendition/data/thread.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    assert "Tidligere versjon" in pdf_text and "BORTE FRA KILDEN" in pdf_text


def test_a_replayed_older_capture_never_rewinds_the_history(archive: Archive) -> None:
    from archiver.connectors.base import ThreadRef
    from archiver.pipeline import CaptureResult, capture, process

    archive.run()
    first_night = services_for(make_settings(archive.tmp, archive.server.url, archive.page),
                               clock=FixedClock(START + timedelta(days=1)))
    evidence = capture(first_night, ThreadRef("demo-facebook", POST_ID)).evidence   # kept in the work folder
    assert evidence is not None and Path(evidence).is_file()
    archive.comment(1)["message"] = "Endret tekst"
    archive.touch()
    archive.run()
    assert sorted((archive.tmp / "work" / "captures").rglob("*.json")) == [Path(evidence)], \
        "the runs left their captures in the work folder"
    services = services_for(make_settings(archive.tmp, archive.server.url, archive.page))
    stale = process(services, CaptureResult(ThreadRef("demo-facebook", POST_ID), evidence))  # an old task's retry
    assert stale.status == "unchanged" and "older than the archived one" in stale.message
    assert archive.latest()[0] == 2


def _night(archive: Archive, settings_change: dict[str, object] | None = None, *,
           problems: bool = False) -> tuple[dict[str, object], list[str]]:
    """One night whose store reads are recorded: the files of stored versions it read back."""
    archive.night += 1
    end = START + timedelta(days=archive.night)
    settings = make_settings(archive.tmp, archive.server.url, archive.page)
    if settings_change:
        from dataclasses import replace
        settings = replace(settings, screening=replace(settings.screening, **settings_change))
    services = services_for(settings, clock=FixedClock(end))
    reads: list[str] = []
    read = services.store.read

    def recording(relative: str) -> bytes:
        reads.append(relative)
        return read(relative)

    services.store.read = recording  # type: ignore[method-assign]
    report = run(services, end - timedelta(days=1), end, run_id=f"night-{archive.night}")
    assert bool(report.problems) == problems, report.to_dict()
    return report.summary(), [r for r in reads if "/v0" in r]


def test_an_unchanged_capture_is_recognised_without_reading_the_stored_version_back(
        archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    archive.post.comments.append(_comment(3, "Ring meg på 912 34 567, jeg bor i Storgata 5."))  # screened
    first, _ = _night(archive)
    assert first["packages_written"] == 1

    again, reads = _night(archive)
    assert again["packages_unchanged"] == 1 and reads == [], "the unchanged capture read the head back"
    services = services_for(make_settings(archive.tmp, archive.server.url, archive.page))
    state = services.catalog.thread("facebook", DEMO_PAGE_ID, POST_ID)
    assert state is not None and state.last_captured_at == "2026-11-04T01:30:00Z" and state.head_version == 1

    # what else decides the merge (here the screening rules) changed: a full merge, then the shortcut again
    stricter, reads = _night(archive, {"min_confidence": 0.9})
    assert reads and stricter["packages_written"] + stricter["packages_unchanged"] == 1
    assert _night(archive, {"min_confidence": 0.9})[1] == []

    # a reaction count is volatile ([archive] volatile_fields): it changes neither content nor fingerprint
    archive.comment(1)["like_count"] = 7
    reactions, reads = _night(archive, {"min_confidence": 0.9})
    assert reactions["packages_unchanged"] == 1 and reads == []

    # a run stops between storing a version and recording it, and the source goes back to what the catalog's
    # head saw: the catalog lags behind the store, so the capture that matches its fingerprint is no shortcut
    original = archive.comment(1)["message"]
    archive.comment(1)["message"] = "Når kommer brøytebilen til Storgata?"

    def stop(self: Catalog, *args: object) -> None:
        raise StorageError("the catalog went away")

    with monkeypatch.context() as patched:   # right after the package was stored
        patched.setattr(Catalog, "index_version", stop)
        _night(archive, {"min_confidence": 0.9}, problems=True)
    stored, _thread = archive.latest()
    state = services.catalog.thread("facebook", DEMO_PAGE_ID, POST_ID)
    assert state is not None and state.head_version == stored - 1, "the version was not stored, or was recorded"
    archive.comment(1)["message"] = original
    reverted, reads = _night(archive, {"min_confidence": 0.9})
    assert reads, "a lagging catalog was trusted"
    assert reverted["packages_written"] == 1 and reverted["changes"] == {"edited": 1}, reverted
    assert archive.latest()[0] == stored + 1
    state = services.catalog.thread("facebook", DEMO_PAGE_ID, POST_ID)
    assert state is not None and state.head_version == stored + 1, "the catalog did not catch up"
    assert _night(archive, {"min_confidence": 0.9})[1] == [], "the whole catalog is not trusted again"

    # the catalog is restored from an older backup: `archiver catalog recheck` makes each thread check the store
    from sqlalchemy import text
    with services.catalog.engine.begin() as connection:
        connection.execute(text("UPDATE threads SET head_version = head_version - 1"))
    assert services.catalog.recheck() == 1
    restored, reads = _night(archive, {"min_confidence": 0.9})
    assert restored["packages_unchanged"] == 1 and reads, "a restored catalog was trusted"
    state = services.catalog.thread("facebook", DEMO_PAGE_ID, POST_ID)
    assert state is not None and state.head_version == stored + 1, "the catalog did not catch up"
    assert _night(archive, {"min_confidence": 0.9})[1] == []
