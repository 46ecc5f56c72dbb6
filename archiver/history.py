"""A thread's history across captures: merging a new snapshot into what the archive holds, and the content hash.

``merge(previous, snapshot, observed_at)`` returns the archival thread: every post and comment ever seen,
each with its ``History`` (first and last seen, earlier versions, observed changes, and ``missing_since`` when
it is no longer at the source). Nothing the archive once held is dropped. Pure: values in, values out.

What makes two archival threads "the same" is ``content_hash`` over a canonical form. Provenance (capture
times, request counts) and ``last_seen_at`` never count; volatile fields (by default reaction counts) are
recorded in every package but, by configuration, do not force a new version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from .model import Change, ChangeKind, Comment, History, Post, Thread, Version, VersionSource

__all__ = ["ObservedChange", "canonical_content", "content_hash", "mark_gone", "merge", "observe"]

Entry = TypeVar("Entry", Post, Comment)


@dataclass(frozen=True)
class ObservedChange:
    """One change found by a merge, for run reports and logs (ids only, never text)."""

    entry_id: str
    change: str  # a ChangeKind, or "reviewed" for a records officer's decision
    is_post: bool = False


def merge(previous: Thread | None, snapshot: Thread, observed_at: str, *, seen_until: str | None = None,
          source: VersionSource = "capture") -> tuple[Thread, list[ObservedChange]]:
    """Merge ``snapshot`` (observed at ``observed_at``) into ``previous`` (the archive's latest version).

    ``seen_until`` is the last capture after ``previous`` that found the thread unchanged: entries present
    then were seen then, so their ``last_seen_at`` moves up to it. A comment absent from the snapshot stays,
    marked missing with the first capture that lacked it.
    """
    found: list[ObservedChange] = []
    if previous is None:
        post = _first_sight(snapshot.post, observed_at, source)
        found.append(ObservedChange(snapshot.post.id, "added", True))
        found.extend(ObservedChange(c.id, "added") for c in snapshot.comments)
        return replace(snapshot, post=post,
                       comments=tuple(_first_sight(c, observed_at, source) for c in snapshot.comments)), found

    note = _absence_note(snapshot)
    post = _update(previous.post, snapshot.post, observed_at, source, found, is_post=True)
    held = {c.id: c for c in previous.comments}
    now_ids = {c.id for c in snapshot.comments}
    comments: list[Comment] = []
    for comment in snapshot.comments:
        before = held.get(comment.id)
        if before is None:
            comments.append(_first_sight(comment, observed_at, source))
            found.append(ObservedChange(comment.id, "added"))
        else:
            comments.append(_update(before, comment, observed_at, source, found))
    for comment in previous.comments:
        if comment.id not in now_ids:
            comments.append(_absent(comment, observed_at, seen_until, note, found))
    # the screening (and the records officers' decisions in it) carries over; it is redone on the new texts
    return replace(snapshot, post=post, comments=tuple(comments), screening=previous.screening), found


def mark_gone(previous: Thread, observed_at: str, reason: str, *, seen_until: str | None = None
              ) -> tuple[Thread, list[ObservedChange]]:
    """The whole thread is gone at the source: the post and every comment are kept, marked missing."""
    found: list[ObservedChange] = []
    note = f"the post is gone at the source: {reason}"
    post = _absent(previous.post, observed_at, seen_until, note, found, is_post=True)
    comments = tuple(_absent(c, observed_at, seen_until, note, found) for c in previous.comments)
    return replace(previous, post=post, comments=comments), found


def observe(thread: Thread, seen: Sequence[tuple[Comment, str]]) -> tuple[Thread, list[ObservedChange]]:
    """Add what webhook events showed (each comment with the event's time) before the capture is merged:
    a comment the archive never held is added, first seen then; a text the archive does not hold becomes a
    version seen then. A comment posted and deleted between two captures is kept this way."""
    found: list[ObservedChange] = []
    comments = {c.id: c for c in thread.comments}
    order = [c.id for c in thread.comments]
    for comment, at in sorted(seen, key=lambda item: item[1]):
        held = comments.get(comment.id)
        if held is None:
            comments[comment.id] = replace(comment, history=History(
                first_seen_at=at, last_seen_at=at, changes=(Change(at, "added", "webhook"),)))
            order.append(comment.id)
            found.append(ObservedChange(comment.id, "added"))
            continue
        history: History = held.history or History(first_seen_at=at, last_seen_at=at)
        if comment.text == held.text or comment.text in {v.text for v in history.versions}:
            continue
        changes = (*history.changes, Change(at, "edited", "webhook"))
        if at >= _current_since(history):  # newer than what the archive shows: it becomes the current text
            earlier = Version(held.text, held.edited_at, _current_since(history), _current_source(history),
                              held.attachments)
            held = replace(held, text=comment.text)  # the event has no edit time or attachments: keep those
            history = replace(history, versions=_collapse((*history.versions, earlier), held), changes=changes,
                              last_seen_at=_latest(history.last_seen_at, at))
        else:  # an older text the archive never saw: one more earlier version
            history = replace(history, versions=_collapse((*history.versions, Version(comment.text, None, at,
                                                                                      "webhook")), held),
                              changes=changes)
        comments[comment.id] = replace(held, history=history)
        found.append(ObservedChange(comment.id, "edited"))
    return replace(thread, comments=tuple(comments[i] for i in order)), found


# ------------------------------------------------------------------------------------------------- entries

def _first_sight(entry: Entry, observed_at: str, source: VersionSource) -> Entry:
    """A new entry: its platform-kept versions (if any) plus the fact that we saw it now."""
    platform_versions = entry.history.versions if entry.history else ()
    changes: list[Change] = [Change(observed_at, "added", source)]
    if entry.visibility == "hidden":
        changes.append(Change(observed_at, "hidden", source))
    elif entry.visibility == "deleted":
        changes.append(Change(observed_at, "deleted_at_source", source, "the platform shows it as deleted"))
    history = History(first_seen_at=observed_at, last_seen_at=observed_at,
                      versions=_collapse(platform_versions, entry), changes=tuple(changes))
    return replace(entry, history=history)


def _update(before: Entry, now: Entry, observed_at: str, source: VersionSource,
            found: list[ObservedChange], *, is_post: bool = False) -> Entry:
    history: History = before.history or History(first_seen_at=observed_at, last_seen_at=observed_at)
    changes = list(history.changes)
    versions = list(history.versions)

    def note(kind: ChangeKind, text: str | None = None) -> None:
        changes.append(Change(observed_at, kind, source, text))
        found.append(ObservedChange(now.id, kind, is_post))

    if history.missing_since is not None:
        note("reappeared", f"missing since {history.missing_since}")
    if _content(before) != _content(now):
        if now.visibility == "deleted" and not now.text:
            pass  # a tombstone: keep the last text as the current one, below
        else:
            versions.append(Version(before.text, before.edited_at, _current_since(history), _current_source(history),
                                    before.attachments))
            note("edited")
    if before.visibility != now.visibility:
        note(_visibility_change(before.visibility, now.visibility))
    if now.history is not None:
        versions.extend(now.history.versions)  # versions the platform itself keeps
    if now.visibility == "deleted" and not now.text:
        now = replace(now, text=before.text, edited_at=before.edited_at, attachments=before.attachments)
    merged = History(first_seen_at=history.first_seen_at or observed_at, last_seen_at=observed_at,
                     missing_since=None, versions=_collapse(versions, now), changes=tuple(changes))
    return replace(now, history=merged)


def _absent(before: Entry, observed_at: str, seen_until: str | None, note: str, found: list[ObservedChange],
            *, is_post: bool = False) -> Entry:
    history: History = before.history or History(first_seen_at=observed_at)
    if history.missing_since is not None:
        return replace(before, history=history)
    changes = (*history.changes, Change(observed_at, "missing", "capture", note))
    found.append(ObservedChange(before.id, "missing", is_post))
    last_seen = _latest(history.last_seen_at, seen_until)
    return replace(before, history=replace(history, last_seen_at=last_seen, missing_since=observed_at,
                                           changes=changes))


def _visibility_change(before: str, now: str) -> ChangeKind:
    if now == "hidden":
        return "hidden"
    if now == "deleted":
        return "deleted_at_source"
    return "unhidden" if before == "hidden" else "reappeared"


def _current_source(history: History) -> VersionSource:
    """How the current version was first observed (a comment first seen through a webhook, say)."""
    for change in reversed(history.changes):
        if change.change in ("added", "edited"):
            return change.source
    return "capture"


def _current_since(history: History) -> str:
    for change in reversed(history.changes):
        if change.change in ("added", "edited"):
            return change.at
    return history.first_seen_at or ""


def _content(entry: Post | Comment) -> tuple[Any, ...]:
    return entry.text, entry.edited_at, entry.attachments


def _collapse(versions: Sequence[Version], current: Post | Comment) -> tuple[Version, ...]:
    """Order by time and fold repeats: the same text seen twice in a row (once kept by the platform, once
    captured by us) is one version; a trailing repeat of the current text is the current version."""
    ordered = sorted(versions, key=lambda v: (v.observed_at, v.source != "platform"))
    out: list[Version] = []
    for version in ordered:
        if out and (out[-1].text, out[-1].attachments) == (version.text, version.attachments):
            continue
        out.append(version)
    while out and (out[-1].text, out[-1].attachments) == (current.text, current.attachments):
        out.pop()
    return tuple(out)


def _latest(*stamps: str | None) -> str | None:
    present = [s for s in stamps if s]
    return max(present) if present else None


def _absence_note(snapshot: Thread) -> str:
    completeness = snapshot.provenance.completeness
    if completeness.complete:
        return "absent from a complete capture: deleted or removed at the source"
    return "absent from a capture that was not complete (" + "; ".join(completeness.gaps)[:300] + ")"


# -------------------------------------------------------------------------------------------- content hash

def canonical_content(thread: Thread, volatile: Iterable[str] = ("reactions",),
                      data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The thread's content for hashing; ``data``: its ``to_dict()`` where the caller has it already."""
    ignored = set(volatile)
    data = dict(thread.to_dict() if data is None else data)
    data.pop("provenance")

    def strip(entry: Mapping[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in entry.items() if k not in ignored}
        if isinstance(kept.get("history"), Mapping):
            kept["history"] = {k: v for k, v in kept["history"].items() if k != "last_seen_at"}
        return kept

    data["post"] = strip(data["post"])
    data["comments"] = sorted((strip(c) for c in data["comments"]), key=lambda c: c["id"])
    if isinstance(data.get("screening"), Mapping):  # when it was screened is provenance, not content
        data["screening"] = {k: v for k, v in data["screening"].items() if k != "screened_at"}
    return data


def content_hash(thread: Thread, volatile: Iterable[str] = ("reactions",)) -> str:
    text = json.dumps(canonical_content(thread, volatile), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
