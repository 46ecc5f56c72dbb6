"""The platform-neutral thread model: frozen values mirroring ``schemas/thread.schema.json``.

Timestamps are kept as canonical strings (``clock.format_ts``) so the model round-trips byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

SCHEMA_VERSION = "1.1"
SCHEMA_VERSIONS = ("1.0", "1.1")  # 1.1 added ``history``; 1.0 documents still read
PLATFORMS = ("facebook", "instagram", "x", "youtube", "linkedin", "mastodon", "bluesky")

Visibility = Literal["visible", "hidden", "deleted"]
VersionSource = Literal["capture", "platform", "webhook"]
ChangeKind = Literal["added", "edited", "hidden", "unhidden", "deleted_at_source", "missing", "reappeared"]
CHANGE_KINDS: tuple[str, ...] = ("added", "edited", "hidden", "unhidden", "deleted_at_source", "missing",
                                 "reappeared")

__all__ = [
    "CHANGE_KINDS",
    "SCHEMA_VERSION",
    "SCHEMA_VERSIONS",
    "Attachment",
    "Author",
    "Change",
    "Comment",
    "Completeness",
    "Decision",
    "History",
    "Post",
    "Provenance",
    "ScreenedFinding",
    "Screening",
    "Skjerming",
    "Source",
    "Thread",
    "Version",
]


@dataclass(frozen=True)
class Author:
    id: str | None
    display_name: str | None
    is_organisation: bool = False


@dataclass(frozen=True)
class Attachment:
    type: str
    url: str | None
    alt_text: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Version:
    """An earlier state of a post or comment. ``observed_at``: when the archive first saw it, or the platform's
    own time for versions the platform keeps (Mastodon's edit history, X's edit chain)."""

    text: str
    edited_at: str | None
    observed_at: str
    source: VersionSource = "capture"
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Change:
    """One observed change of a post or comment (see ``CHANGE_KINDS``), and how it was observed."""

    at: str
    change: ChangeKind
    source: VersionSource = "capture"
    note: str | None = None


@dataclass(frozen=True)
class History:
    """What the archive knows of an entry across captures (``archiver.history.merge`` keeps it).

    ``missing_since`` is set when the entry was absent from a capture: deleted at the source, or no longer
    visible to the archive. The entry itself is kept, with ``last_seen_at`` the last capture that held it.
    """

    first_seen_at: str | None = None
    last_seen_at: str | None = None
    missing_since: str | None = None
    versions: tuple[Version, ...] = ()
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Comment:
    id: str
    parent_id: str | None
    author: Author
    created_at: str
    text: str
    edited_at: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reactions: Mapping[str, int] = field(default_factory=dict)
    visibility: Visibility = "visible"
    permalink: str | None = None
    history: History | None = None


@dataclass(frozen=True)
class Post:
    id: str
    author: Author
    created_at: str
    text: str
    edited_at: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reactions: Mapping[str, int] = field(default_factory=dict)
    visibility: Visibility = "visible"
    permalink: str | None = None
    history: History | None = None


@dataclass(frozen=True)
class Source:
    platform: str
    account_id: str
    account_name: str
    post_id: str
    permalink: str | None


@dataclass(frozen=True)
class Completeness:
    reported_comment_count: int | None
    captured_comment_count: int
    complete: bool
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provenance:
    capture_started_at: str
    capture_ended_at: str
    connector: str
    connector_version: str
    api: str
    api_version: str
    requests: int
    completeness: Completeness
    api_version_served: str | None = None


@dataclass(frozen=True)
class Decision:
    """A records officer's verdict on a finding: who, when, and why."""

    verdict: Literal["confirmed", "rejected"]
    by: str
    at: str
    note: str | None = None


@dataclass(frozen=True)
class ScreenedFinding:
    """Personal data found in one text of the thread. ``field`` is ``text`` (the entry's current text) or
    ``version:N`` (its N-th earlier version); offsets are Python string offsets, end exclusive."""

    id: str
    entry_id: str
    field: str
    start: int
    end: int
    category: str
    confidence: float
    detector: str
    detector_version: str
    subtype: str | None = None
    decision: Decision | None = None


@dataclass(frozen=True)
class Skjerming:
    """The proposed Noark 5 access restriction and the categories that triggered it."""

    tilgangsrestriksjon: str
    skjermingshjemmel: str
    categories: tuple[str, ...]
    restricted_entries: tuple[str, ...]


@dataclass(frozen=True)
class Screening:
    """The sensitive-data screening of a thread: findings, and the proposed skjerming (None: open)."""

    detector: str
    detector_version: str
    screened_at: str
    findings: tuple[ScreenedFinding, ...]
    skjerming: Skjerming | None


@dataclass(frozen=True)
class Thread:
    source: Source
    post: Post
    comments: tuple[Comment, ...]
    provenance: Provenance
    schema_version: str = SCHEMA_VERSION
    screening: Screening | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict in schema order (tuples become lists when serialised)."""
        data = {
            "schema_version": self.schema_version,
            "source": _plain(self.source),
            "post": _entry_dict(self.post),
            "comments": [_entry_dict(c) for c in self.comments],
            "provenance": _plain(self.provenance),
        }
        if self.screening is not None:
            data["screening"] = _plain(self.screening)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thread:
        """Build from a schema-valid dict (validate first: this trusts the shape)."""
        prov = dict(data["provenance"])
        completeness = dict(prov.pop("completeness"))
        completeness["gaps"] = tuple(completeness["gaps"])
        return cls(
            schema_version=data["schema_version"],
            source=Source(**data["source"]),
            post=_post(data["post"]),
            comments=tuple(_comment(c) for c in data["comments"]),
            provenance=Provenance(**prov, completeness=Completeness(**completeness)),
            screening=_screening(data.get("screening")),
        )

    def walk(self) -> Iterator[tuple[Comment, int]]:
        """Comments in reply-tree order (depth first, siblings in capture order) with their depth.

        Iterative, so a reply chain 10,000 deep does not exhaust the stack. A comment whose parent was not
        captured is shown at the top level rather than lost.
        """
        ids = {c.id for c in self.comments}
        children: dict[str | None, list[Comment]] = {}
        for comment in self.comments:
            parent = comment.parent_id if comment.parent_id in ids and comment.parent_id != comment.id else None
            children.setdefault(parent, []).append(comment)
        stack: list[tuple[Comment, int]] = [(c, 0) for c in reversed(children.get(None, []))]
        seen: set[str] = set()
        while stack:
            comment, depth = stack.pop()
            if comment.id in seen:  # a cycle in hostile data: show each comment once
                continue
            seen.add(comment.id)
            yield comment, depth
            stack.extend((c, depth + 1) for c in reversed(children.get(comment.id, [])))
        for comment in self.comments:  # members of parent cycles never reachable from the top
            if comment.id not in seen:
                seen.add(comment.id)
                yield comment, 0


def _entry_dict(entry: Post | Comment) -> dict[str, Any]:
    """An entry as a dict; ``history`` only when there is one (a snapshot has none, and 1.0 had no key)."""
    data: dict[str, Any] = _plain(entry)
    if data["history"] is None:
        del data["history"]
    return data


_FIELDS: dict[type, tuple[str, ...]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Dataclasses as dicts in field order, tuples as lists, mappings as dicts: what ``dataclasses.asdict``
    gives, without its deep copies (the model is frozen; this runs for every comment of every capture)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _FIELDS.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _author(data: Mapping[str, Any]) -> Author:
    return Author(**data)


def _attachments(items: Any) -> tuple[Attachment, ...]:
    return tuple(Attachment(**a) for a in items)


def _history(data: Mapping[str, Any] | None) -> History | None:
    if data is None:
        return None
    return History(
        first_seen_at=data.get("first_seen_at"), last_seen_at=data.get("last_seen_at"),
        missing_since=data.get("missing_since"),
        versions=tuple(Version(**{**v, "attachments": _attachments(v.get("attachments", ()))})
                       for v in data.get("versions", ())),
        changes=tuple(Change(**c) for c in data.get("changes", ())))


def _screening(data: Mapping[str, Any] | None) -> Screening | None:
    if data is None:
        return None
    findings = tuple(ScreenedFinding(**{**f, "decision": Decision(**f["decision"]) if f.get("decision") else None})
                     for f in data["findings"])
    skjerming = data.get("skjerming")
    return Screening(detector=data["detector"], detector_version=data["detector_version"],
                     screened_at=data["screened_at"], findings=findings,
                     skjerming=None if skjerming is None else Skjerming(
                         skjerming["tilgangsrestriksjon"], skjerming["skjermingshjemmel"],
                         tuple(skjerming["categories"]), tuple(skjerming["restricted_entries"])))


def _entry_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "author": _author(data["author"]), "attachments": _attachments(data["attachments"]),
            "reactions": dict(data["reactions"]), "history": _history(data.get("history"))}


def _post(data: Mapping[str, Any]) -> Post:
    return Post(**_entry_fields(data))


def _comment(data: Mapping[str, Any]) -> Comment:
    return Comment(**_entry_fields(data))

