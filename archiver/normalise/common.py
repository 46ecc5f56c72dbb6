"""Helpers every normaliser shares: tolerant field readers and the one way a ``Thread`` is assembled.

Platform JSON is read defensively: a missing or mistyped optional field becomes ``None``; a missing required
one (id, time) raises ``RecordError`` naming the object and the field, so the thread is quarantined with a
clear report instead of being archived wrong.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..clock import format_ts, parse_ts
from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import RecordError
from ..model import Comment, Completeness, Post, Provenance, Source, Thread

__all__ = [
    "assemble_thread", "dig", "html_to_text", "integer", "mapping", "required_timestamp", "string", "text",
    "timestamp", "tree_order", "url",
]


SHORTFALL = ("the platform reports {reported} comment(s) but {captured} could be captured (deleted, hidden, "
             "restricted or unreachable comments are counted by the platform)")


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def url(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def segment(value: str) -> str:
    """``value`` as one percent-encoded segment of a URL we build (a handle or id can hold any character)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="-._~:@")


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdecimal():
        return int(value)
    return None


def string(value: Any) -> str:
    """``value`` if it is a string (empty or not), else the empty string."""
    return value if isinstance(value, str) else ""


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def dig(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def timestamp(value: Any, what: str, *, required: bool = True) -> str | None:
    """ISO 8601 text or epoch milliseconds (LinkedIn) as our canonical UTC form."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_ts(datetime.fromtimestamp(value / 1000, tz=UTC))
    if isinstance(value, str):
        try:
            return format_ts(parse_ts(value))
        except ValueError:
            if required:
                raise RecordError(f"{what} is not a timestamp: {value[:40]!r}") from None
            return None
    if required:
        raise RecordError(f"{what} is missing")
    return None


def required_timestamp(value: Any, what: str) -> str:
    """Like ``timestamp``, for a time the record cannot do without (``RecordError`` names ``what``)."""
    result = timestamp(value, what)
    assert result is not None  # required=True raises instead of returning None
    return result


_BLOCK = re.compile(r"<\s*(br\s*/?|/p|/li|/blockquote)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str) -> str:
    """Mastodon's HTML content as plain text: line breaks kept, tags dropped, entities decoded."""
    spaced = _BLOCK.sub("\n", value.replace("</p><p>", "</p>\n<p>"))
    lines = html.unescape(_TAG.sub("", spaced)).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def assemble_thread(raw: RawCapture, account: AccountConfig, *, api: str, post: Post,
                    comments: Iterable[Comment], reported: int | None, gaps: Iterable[str] = (),
                    permalink: str | None = None, served: str | None = None,
                    complete: bool | None = None, shortfall: str | None = None) -> Thread:
    """The thread with its provenance. Comments with the same id are kept once (the first, in capture order);
    the number dropped is a gap, as is a reported count the capture does not reach (``shortfall`` says why, in
    the platform's terms, with ``{reported}`` and ``{captured}`` filled in)."""
    unique: dict[str, Comment] = {}
    duplicates = 0
    for comment in comments:
        if comment.id in unique or comment.id == post.id:
            duplicates += 1
            continue
        unique[comment.id] = comment
    all_gaps = list(gaps)
    if duplicates:
        all_gaps.append(f"{duplicates} duplicate comment(s) across pages were dropped (same id)")
    captured = len(unique)
    if reported is not None and reported > captured:
        all_gaps.append((shortfall or SHORTFALL).format(reported=reported, captured=captured))
    if reported is None:
        all_gaps.append("the platform did not report a comment count")
    return Thread(
        source=Source(platform=raw.platform, account_id=account.account_id, account_name=account.name,
                      post_id=post.id, permalink=permalink if permalink is not None else post.permalink),
        post=post,
        comments=tuple(unique.values()),
        provenance=Provenance(
            capture_started_at=raw.started_at, capture_ended_at=raw.ended_at, connector=raw.connector,
            connector_version=raw.connector_version, api=api, api_version=raw.api_version,
            api_version_served=served, requests=max(1, len(raw.exchanges)),
            completeness=Completeness(
                reported_comment_count=reported, captured_comment_count=captured,
                complete=complete if complete is not None else (reported is not None and captured >= reported),
                gaps=tuple(dict.fromkeys(all_gaps))),
        ),
    )


def tree_order(tops: list[Comment], replies: list[Comment]) -> list[Comment]:
    """For one-level platforms: top-level comments oldest first, each followed by its replies oldest first;
    replies whose parent was not captured come last (``Thread.walk`` shows them at the top level)."""
    by_parent: dict[str | None, list[Comment]] = {}
    for reply in replies:
        by_parent.setdefault(reply.parent_id, []).append(reply)
    ordered: list[Comment] = []
    for top in sorted(tops, key=lambda c: (c.created_at, c.id)):
        ordered.append(top)
        ordered.extend(sorted(by_parent.pop(top.id, []), key=lambda c: (c.created_at, c.id)))
    for rest in by_parent.values():
        ordered.extend(sorted(rest, key=lambda c: (c.created_at, c.id)))
    return ordered
