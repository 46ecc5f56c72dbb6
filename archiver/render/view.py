"""What a thread's rendition shows, as plain values: the capture header, each entry with its marks and history,
the screening note. Pure. The HTML template (``html.py``) and the direct PDF engine (``direct.py``) both draw
from these values, so the engines show the same record.

Text here is the captured text with only what would be invisible or reorder the page made visible (control
characters, lone surrogates); the XML and JSON keep the exact text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..model import Attachment, Author, Comment, Post, Thread

__all__ = ["EntryView", "HeaderView", "VersionView", "entries", "entry_view", "header_view", "human",
           "pdf_title", "screening_view", "visible"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")

_SOURCES = {"capture": "fanget", "platform": "plattformens historikk", "webhook": "webhook-hendelse"}
_CHANGES = {"added": "først sett", "edited": "endret", "hidden": "skjult", "unhidden": "vist igjen",
            "deleted_at_source": "slettet ved kilden", "missing": "borte fra kilden", "reappeared": "tilbake"}


def visible(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD and C0 controls as their Control Pictures symbols."""
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20 else "\u2421", text)


def human(timestamp: str) -> str:
    return timestamp.replace("T", " ").replace("Z", " UTC")


@dataclass(frozen=True)
class VersionView:
    observed: str
    source: str
    edited: str | None
    text: str


@dataclass(frozen=True)
class EntryView:
    id: str
    author: Author
    author_name: str
    created: str
    edited: str | None
    visibility: str
    text: str
    attachments: tuple[Attachment, ...]
    reactions_text: str
    first_seen: str | None = None
    last_seen: str | None = None
    missing_since: str | None = None
    versions: tuple[VersionView, ...] = ()
    changes: tuple[str, ...] = ()


def entry_view(item: Post | Comment) -> EntryView:
    name = item.author.display_name or ("Ukjent forfatter (ikke oppgitt av plattformen)"
                                        if item.author.id is None else f"Bruker {item.author.id}")
    reactions = ", ".join(f"{k} {v}" for k, v in sorted(item.reactions.items()))
    history = item.history
    extra: dict[str, Any] = {}
    if history is not None:
        extra = {
            "first_seen": human(history.first_seen_at) if history.first_seen_at else None,
            "last_seen": human(history.last_seen_at) if history.last_seen_at else None,
            "missing_since": human(history.missing_since) if history.missing_since else None,
            "versions": tuple(VersionView(human(v.observed_at), _SOURCES.get(v.source, v.source),
                                          human(v.edited_at) if v.edited_at else None, visible(v.text))
                              for v in history.versions),
            "changes": tuple(f"{human(c.at)}: {_CHANGES.get(c.change, c.change)} ({_SOURCES.get(c.source, c.source)})"
                             for c in history.changes),
        }
    return EntryView(id=item.id, author=item.author, author_name=visible(name), created=human(item.created_at),
                     edited=human(item.edited_at) if item.edited_at else None, visibility=item.visibility,
                     text=visible(item.text), attachments=item.attachments, reactions_text=reactions, **extra)


def entries(thread: Thread) -> Iterator[tuple[EntryView, str, int]]:
    """The post, then every comment in reply-tree order: (view, "post" or "comment", depth)."""
    yield entry_view(thread.post), "post", 0
    for comment, depth in thread.walk():
        yield entry_view(comment), "comment", depth


@dataclass(frozen=True)
class HeaderView:
    title: str
    heading: str
    platform: str
    account_name: str
    account_id: str
    post_id: str
    permalink: str | None
    captured_from: str
    captured_to: str
    captured: int
    reported: int | None
    gaps: tuple[str, ...]
    software: str
    rendered_at: str


def header_view(thread: Thread, rendered_at: str) -> HeaderView:
    src = thread.source
    completeness = thread.provenance.completeness
    return HeaderView(
        title=pdf_title(thread), heading=visible(f"{src.account_name}: tråd fra {src.platform}"),
        platform=visible(src.platform), account_name=visible(src.account_name), account_id=visible(src.account_id),
        post_id=visible(src.post_id), permalink=visible(src.permalink) if src.permalink else None,
        captured_from=human(thread.provenance.capture_started_at).replace(" UTC", ""),
        captured_to=human(thread.provenance.capture_ended_at).replace(" UTC", ""),
        captured=completeness.captured_comment_count, reported=completeness.reported_comment_count,
        gaps=tuple(visible(g) for g in completeness.gaps), software=f"socialarkiv {__version__}",
        rendered_at=human(rendered_at).replace(" UTC", ""))


def screening_view(thread: Thread) -> dict[str, Any] | None:
    screening = thread.screening
    if screening is None:
        return None
    skjerming = screening.skjerming
    decided = sum(1 for f in screening.findings if f.decision is not None)
    return {
        # the public rendition carries the screening without its findings (their offsets point into the
        # unredacted texts)
        "public": not screening.findings and skjerming is not None,
        "findings": len(screening.findings), "decided": decided,
        "skjerming": None if skjerming is None else {
            "code": skjerming.tilgangsrestriksjon, "hjemmel": skjerming.skjermingshjemmel,
            "categories": ", ".join(skjerming.categories), "entries": len(skjerming.restricted_entries)},
    }


def pdf_title(thread: Thread) -> str:
    src = thread.source
    return visible(f"{src.account_name} – {src.platform} – innlegg {src.post_id}")
