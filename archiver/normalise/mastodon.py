"""Mastodon statuses -> Thread. Pure.

* The tree comes from ``in_reply_to_id``; replies to the root have ``parent_id`` null.
* ``content`` is HTML: kept as plain text with line breaks; a content warning (``spoiler_text``) is kept as a
  bracketed prefix so the reader sees what the author put behind it.
* ``edited_at`` is the last edit; every earlier version from ``/history`` (oldest first, the last entry being
  the current one) becomes a ``Version`` kept by the platform, timed by its own ``created_at``.
* Federation: ``replies_count`` counts what the author's server knows; the instance we ask may know fewer.
  A difference is recorded as a gap naming that cause, as is ``Mastodon-Async-Refresh`` (the instance is
  still fetching remote replies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import RecordError
from ..model import Attachment, Author, Comment, History, Post, Thread, Version
from .common import assemble_thread, html_to_text, integer, mapping, required_timestamp, text, timestamp, url

__all__ = ["normalise", "normalise_comment", "normalise_post", "read"]

API = "Mastodon REST API"
SHORTFALL = ("the statuses count {reported} replies but this instance returned {captured}: replies from servers "
             "that do not deliver to this instance, or from restricted accounts, are not visible to it")
_MEDIA = {"image": "photo", "video": "video", "gifv": "animated_image", "audio": "other", "unknown": "other"}


def normalise(raw: RawCapture, account: AccountConfig) -> Thread:
    roots = [e.body for e in raw.by_purpose("post") if isinstance(e.body, Mapping)]
    if not roots:
        raise RecordError(f"capture of status {raw.ref.post_id} holds no successful status response")
    root = roots[-1]
    own = account.own_author_ids
    versions = {exchange.purpose.partition(":")[2]: _versions(exchange.body) for exchange in raw.exchanges
                if exchange.purpose.startswith("history:") and 200 <= exchange.status < 300}
    post = _with_versions(normalise_post(root, own), versions)
    descendants: list[Any] = []
    gaps: list[str] = []
    for exchange in raw.by_purpose("context"):
        body = exchange.body if isinstance(exchange.body, Mapping) else {}
        descendants = [d for d in body.get("descendants") or [] if isinstance(d, Mapping)]
        if exchange.headers.get("mastodon-async-refresh"):
            gaps.append("the instance was still fetching remote replies (Mastodon-Async-Refresh); the next "
                        "capture may hold more")
    comments = [_with_versions(normalise_comment(status, post.id, own), versions) for status in descendants]
    reported = sum(integer(s.get("replies_count")) or 0 for s in [root, *descendants])
    known = len(comments)
    remote = sum(1 for c in descendants if "@" in str((c.get("account") or {}).get("acct", "")))
    if remote:
        gaps.append(f"{remote} repl(ies) come from other instances and are shown as this instance received them")
    return assemble_thread(raw, account, api=API, post=post, comments=comments, reported=reported, gaps=gaps,
                           complete=reported <= known, shortfall=SHORTFALL)


def normalise_post(status: Mapping[str, Any], own_ids: Iterable[str] = ()) -> Post:
    fields = _fields(status, frozenset(own_ids))
    return Post(**fields)


def normalise_comment(status: Mapping[str, Any], root_id: str | None = None, own_ids: Iterable[str] = ()) -> Comment:
    fields = _fields(status, frozenset(own_ids))
    parent = text(status.get("in_reply_to_id"))
    return Comment(parent_id=None if parent == root_id else parent, **fields)


def read(body: Any) -> list[Post | Comment]:
    """Every status in a response (a status, a list, a context, a DELETE echo), for tests and tools."""
    if isinstance(body, list):
        return [normalise_comment(s) for s in body if isinstance(s, Mapping) and "id" in s]
    if isinstance(body, Mapping) and ("ancestors" in body or "descendants" in body):
        return [normalise_comment(s) for key in ("ancestors", "descendants") for s in body.get(key) or []
                if isinstance(s, Mapping)]
    if isinstance(body, Mapping) and "id" in body and "created_at" in body and ("content" in body or "text" in body):
        return [normalise_post(body)]
    return []


def _fields(status: Mapping[str, Any], own_ids: frozenset[str]) -> dict[str, Any]:
    status_id = text(status.get("id"))
    if not status_id:
        raise RecordError("Mastodon status has no id")
    account = mapping(status.get("account"))
    author_id = text(account.get("id"))
    body = html_to_text(status["content"]) if isinstance(status.get("content"), str) else \
        (text(status.get("text")) or "")
    warning = text(status.get("spoiler_text"))
    attachments = [_attachment(m) for m in status.get("media_attachments") or [] if isinstance(m, Mapping)]
    card = status.get("card")
    if isinstance(card, Mapping) and url(card.get("url")):
        attachments.append(Attachment("link", url(card.get("url")), text(card.get("description")),
                                      text(card.get("title"))))
    reactions = {k: v for k, v in (("like", integer(status.get("favourites_count"))),
                                   ("reblog", integer(status.get("reblogs_count"))),
                                   ("quote", integer(status.get("quotes_count")))) if v is not None}
    return {
        "id": status_id,
        "author": Author(id=author_id, display_name=text(account.get("display_name")) or text(account.get("acct")),
                         is_organisation=author_id is not None and author_id in own_ids),
        "created_at": required_timestamp(status.get("created_at"), f"status {status_id} created_at"),
        "edited_at": timestamp(status.get("edited_at"), f"status {status_id} edited_at", required=False),
        "text": f"[{warning}] {body}" if warning else body,
        "attachments": tuple(attachments),
        "reactions": reactions,
        "visibility": "visible",
        "permalink": url(status.get("url")) or url(status.get("uri")),
    }


def _versions(body: Any) -> tuple[Version, ...]:
    """The earlier versions in a ``/history`` response (all but the last, which is the current one)."""
    entries = [v for v in body if isinstance(v, Mapping)] if isinstance(body, list) else []
    out = []
    for number, entry in enumerate(entries[:-1]):
        moment = required_timestamp(entry.get("created_at"), "status history entry created_at")
        body_text = html_to_text(entry["content"]) if isinstance(entry.get("content"), str) else ""
        warning = text(entry.get("spoiler_text"))
        attachments = tuple(_attachment(m) for m in entry.get("media_attachments") or [] if isinstance(m, Mapping))
        out.append(Version(text=f"[{warning}] {body_text}" if warning else body_text,
                           edited_at=moment if number else None, observed_at=moment, source="platform",
                           attachments=attachments))
    return tuple(out)


def _with_versions(entry: Any, versions: Mapping[str, tuple[Version, ...]]) -> Any:
    found = versions.get(entry.id)
    return replace(entry, history=History(versions=found)) if found else entry


def _attachment(media: Mapping[str, Any]) -> Attachment:
    return Attachment(_MEDIA.get(str(media.get("type")), "other"),
                      url(media.get("url")) or url(media.get("remote_url")) or url(media.get("preview_url")),
                      text(media.get("description")))
