"""The hash-chained audit log: sealing into write-once segments, and detection of changed, removed and
reordered events."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from archiver.audit import AuditHead, AuditLog, Event, check, event_hash
from archiver.storage.filesystem import FileStore


def _log(tmp_path: Path) -> AuditLog:
    log = AuditLog(FileStore(tmp_path / "store"), tmp_path / "work" / "audit")
    for night in range(3):
        for thread in range(3):
            log.record("capture", f"facebook/1/{thread}", f"2026-11-0{night + 1}T01:00:0{thread}Z",
                       details={"version": night + 1})
        log.seal()
    return log


def _rewrite(tmp_path: Path, number: int, change) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "store" / "audit" / f"{number:09d}" / "segment.json"
    os.chmod(path, stat.S_IWUSR | stat.S_IRUSR)
    segment = json.loads(path.read_bytes())
    change(segment)
    path.write_text(json.dumps(segment))


def test_a_whole_chain_passes_and_reports_its_head(tmp_path: Path) -> None:
    log = _log(tmp_path)
    problems, head = check(log.segments())
    assert problems == []
    assert head is not None and (head.segment, head.seq) == (3, 9)
    assert [e["seq"] for e in log.events()] == list(range(1, 10))
    assert log.pending() == 0
    assert log.seal() == head  # nothing waiting: the same head


def test_a_changed_event_is_named(tmp_path: Path) -> None:
    log = _log(tmp_path)
    _rewrite(tmp_path, 2, lambda s: s["events"][1]["details"].update(version=7))
    problems, _ = check(log.segments())
    assert problems == ["audit segment 000000002, event 2 (seq 5, capture facebook/1/1) was changed: its hash does "
                        "not match its content"]


def test_a_changed_event_with_a_recomputed_hash_breaks_the_next_link(tmp_path: Path) -> None:
    log = _log(tmp_path)

    def forge(segment):  # type: ignore[no-untyped-def]
        event = segment["events"][1]
        event["actor"] = "mallory"
        event["hash"] = event_hash(event)
    _rewrite(tmp_path, 2, forge)
    problems, _ = check(log.segments())
    assert len(problems) == 1 and "seq 6" in problems[0] and "does not follow" in problems[0]


def test_removed_and_reordered_events_and_a_removed_segment_are_named(tmp_path: Path) -> None:
    log = _log(tmp_path)
    _rewrite(tmp_path, 1, lambda s: s["events"].pop(1))
    problems, _ = check(log.segments())
    assert any("events 2..2 are missing" in p for p in problems)

    log = _log(tmp_path / "b")
    _rewrite(tmp_path / "b", 3, lambda s: s["events"].reverse())
    problems, _ = check(log.segments())
    assert any("seq 9" in p and "out of order" in p for p in problems)

    log = _log(tmp_path / "c")
    for path in (tmp_path / "c" / "store" / "audit" / "000000002").iterdir():
        os.chmod(path.parent, 0o755)
        path.unlink()
    (tmp_path / "c" / "store" / "audit" / "000000002").rmdir()
    problems, _ = check(log.segments())
    assert "audit segment 000000002 is missing: removed from the store" in problems


def test_truncation_at_the_end_is_found_against_the_recorded_head(tmp_path: Path) -> None:
    log = _log(tmp_path)
    _, head = check(log.segments())
    assert head is not None
    problems, _ = check(log.segments()[:2], recorded=head)
    assert problems == ["the audit log ends at seq 6, but the catalog recorded seq 9 (segment 000000003): events "
                        "were removed at the end"]
    assert check(log.segments(), recorded=AuditHead(3, 9, head.hash))[0] == []


def test_a_crash_after_publishing_does_not_duplicate_events(tmp_path: Path) -> None:
    log = AuditLog(FileStore(tmp_path / "store"), tmp_path / "audit")
    log.record("hold", "facebook/1/2", "2026-11-01T00:00:00Z", actor="Kari", details={"reason": "innsynskrav"})
    pending = list((tmp_path / "audit" / "pending").glob("*.json"))
    saved = {p: p.read_bytes() for p in pending}
    log.seal()
    for path, data in saved.items():  # as if the process died before removing the sealed spool files
        path.write_bytes(data)
    log.record("release", "facebook/1/2", "2026-11-02T00:00:00Z", actor="Kari")
    head = log.seal()
    assert head is not None and head.seq == 2
    assert [e["kind"] for e in log.events()] == ["hold", "release"]


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown audit event kind"):
        AuditLog(FileStore(tmp_path), tmp_path / "a").record("coffee", "x", "2026-01-01T00:00:00Z")


def test_a_batch_of_events_is_one_spool_file_and_seals_in_order(tmp_path: Path) -> None:
    log = AuditLog(FileStore(tmp_path / "store"), tmp_path / "audit")
    log.record("hold", "facebook/1/1", "2026-11-01T00:00:00Z", actor="Kari")
    log.record_many([Event("capture", f"facebook/1/{n}", f"2026-11-02T01:00:0{n}Z", details={"outcome": "unchanged"})
                     for n in (3, 2)])
    log.record_many([])
    assert len(list((tmp_path / "audit" / "pending").glob("*.json"))) == 2 and log.pending() == 3
    head = log.seal()
    assert head is not None and head.seq == 3 and log.pending() == 0
    assert [e["subject"] for e in log.events()] == ["facebook/1/1", "facebook/1/2", "facebook/1/3"]
    assert check(log.segments(), head) == ([], head)
    with pytest.raises(ValueError, match="unknown audit event kind"):
        log.record_many([Event("capture", "a", "2026-11-03T00:00:00Z"), Event("bogus", "b", "2026-11-03T00:00:00Z")])
    assert log.pending() == 0, "a batch with a bad event was partly spooled"
