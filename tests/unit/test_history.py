"""history.merge / observe / mark_gone on values: what each change becomes, and what the hash ignores."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from archiver.history import content_hash, mark_gone, merge, observe
from archiver.model import Author, Comment, Completeness, History, Post, Provenance, Source, Thread, Version
from archiver.normalise.mastodon import _versions
from tests.conftest import shared

T1, T2, T3, T4 = "2026-11-01T01:00:00Z", "2026-11-02T01:00:00Z", "2026-11-03T01:00:00Z", "2026-11-04T01:00:00Z"
WHO = Author("9", "Innbygger")


def _thread(*comments: Comment, at: str = T1, complete: bool = True, post_text: str = "Innlegg") -> Thread:
    return Thread(
        source=Source("facebook", "1", "Kommune", "1_1", None),
        post=Post("1_1", Author("1", "Kommune", True), "2026-10-31T10:00:00Z", post_text),
        comments=comments,
        provenance=Provenance(at, at, "c", "1", "api", "v1", 2,
                              Completeness(len(comments), len(comments), complete, () if complete else ("cut",))))


def _c(cid: str, text: str, **extra: object) -> Comment:
    return Comment(cid, None, WHO, "2026-10-31T11:00:00Z", text, **extra)  # type: ignore[arg-type]


def test_first_capture_marks_everything_added_and_first_seen() -> None:
    merged, found = merge(None, _thread(_c("a", "hei"), _c("b", "skjult", visibility="hidden")), T1)
    assert [(f.entry_id, f.change) for f in found] == [("1_1", "added"), ("a", "added"), ("b", "added")]
    b = merged.comments[1].history
    assert (b.first_seen_at, b.last_seen_at) == (T1, T1) and [c.change for c in b.changes] == ["added", "hidden"]


def test_edit_back_to_an_earlier_text_keeps_every_version_in_order() -> None:
    v1, _ = merge(None, _thread(_c("a", "A")), T1)
    v2, _ = merge(v1, _thread(_c("a", "B"), at=T2), T2)
    v3, found = merge(v2, _thread(_c("a", "A"), at=T3), T3)
    history = v3.comments[0].history
    assert [(v.text, v.observed_at) for v in history.versions] == [("A", T1), ("B", T2)]
    assert v3.comments[0].text == "A" and [f.change for f in found] == ["edited"]


def test_a_tombstone_keeps_the_last_text() -> None:
    v1, _ = merge(None, _thread(_c("a", "sensitivt")), T1)
    v2, found = merge(v1, _thread(_c("a", "", visibility="deleted"), at=T2), T2)
    assert v2.comments[0].text == "sensitivt" and v2.comments[0].visibility == "deleted"
    assert [f.change for f in found] == ["deleted_at_source"]


def test_absent_comments_stay_marked_and_come_back() -> None:
    v1, _ = merge(None, _thread(_c("a", "A"), _c("b", "B")), T1)
    v2, found = merge(v1, _thread(_c("a", "A"), at=T3, complete=False), T3, seen_until=T2)
    b = next(c for c in v2.comments if c.id == "b").history
    assert (b.last_seen_at, b.missing_since) == (T2, T3) and [f.change for f in found] == ["missing"]
    assert "not complete" in (b.changes[-1].note or "")
    v3, found = merge(v2, _thread(_c("a", "A"), _c("b", "B"), at=T4), T4)
    b = next(c for c in v3.comments if c.id == "b").history
    assert b.missing_since is None and [f.change for f in found] == ["reappeared"]


def test_hash_ignores_last_seen_reactions_and_provenance_but_not_history() -> None:
    v1, _ = merge(None, _thread(_c("a", "A", reactions={"like": 1})), T1)
    again, _ = merge(v1, _thread(_c("a", "A", reactions={"like": 9}), at=T2), T2)
    assert again.comments[0].history.last_seen_at == T2
    assert content_hash(again) == content_hash(v1)
    assert content_hash(again, volatile=()) != content_hash(v1, volatile=())
    hidden, _ = merge(v1, _thread(_c("a", "A", visibility="hidden"), at=T2), T2)
    assert content_hash(hidden) != content_hash(v1)


def test_mark_gone_keeps_the_thread_and_is_idempotent() -> None:
    v1, _ = merge(None, _thread(_c("a", "A")), T1)
    gone, found = mark_gone(v1, T2, "error 100/33")
    assert gone.post.history.missing_since == T2 and len(found) == 2
    twice, found = mark_gone(gone, T3, "error 100/33")
    assert found == [] and content_hash(twice) == content_hash(gone)


def test_observe_adds_a_comment_only_a_webhook_saw_and_orders_texts_by_time() -> None:
    v1, _ = merge(None, _thread(_c("a", "A")), T1)
    seen, found = observe(v1, [(_c("b", "kort liv"), T2), (_c("a", "A2"), T2), (_c("a", "A0"), "2026-10-31T12:00:00Z")])
    assert {f.entry_id for f in found} == {"a", "b"}
    a = next(c for c in seen.comments if c.id == "a")
    assert a.text == "A2" and [v.text for v in a.history.versions] == ["A0", "A"]
    b = next(c for c in seen.comments if c.id == "b").history
    assert (b.first_seen_at, b.changes[0].source) == (T2, "webhook")


@pytest.mark.parametrize("name", ["bigbone_status_edit_history.json", "mastopy_status_edit_history_source.json"])
def test_mastodon_edit_history_becomes_platform_versions(name: str) -> None:
    body = json.loads(shared("api-samples", "mastodon", name).read_text())
    if isinstance(body, dict):  # a recorded cassette: the /history exchange's response
        body = [e["response"]["body"] for e in body["exchanges"]
                if e["request"]["uri"].split("?")[0].endswith("/history")][-1]  # after the edit
    assert isinstance(body, list) and len(body) >= 2 and "content" in body[0]
    versions = _versions(body)
    assert len(versions) == len(body) - 1 and all(v.source == "platform" for v in versions)
    times = [v.observed_at for v in versions]
    assert versions[0].edited_at is None and times == sorted(times)
    merged, _ = merge(None, _thread(replace(_c("a", "siste"), history=History(versions=versions))), T4)
    assert len(merged.comments[0].history.versions) >= 1


def test_platform_versions_and_captured_versions_fold_into_one() -> None:
    v1, _ = merge(None, _thread(_c("a", "A")), T2)
    kept = History(versions=(Version("A", None, T1, "platform"),))
    v2, _ = merge(v1, _thread(replace(_c("a", "B", edited_at=T3), history=kept), at=T4), T4)
    assert [(v.text, v.source) for v in v2.comments[0].history.versions] == [("A", "platform")]
