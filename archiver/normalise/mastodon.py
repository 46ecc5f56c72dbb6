"""Mastodon statuses -> Thread. Pure.

* The tree comes from ``in_reply_to_id``; replies to the root have ``parent_id`` null.
* ``content`` is HTML: kept as plain text with line breaks; a content warning (``spoiler_text``) is kept as a
  bracketed prefix so the reader sees what the author put behind it.
* ``edited_at`` is the last edit; the versions themselves stay in the evidence (``/history`` responses).
* Federation: ``replies_count`` counts what the author's server knows; the instance we ask may know fewer.
  A difference is recorded as a gap naming that cause, as is ``Mastodon-Async-Refresh`` (the instance is
  still fetching remote replies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import RecordError
from ..model import Attachment, Author, Comment, Post, Thread
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
    post = normalise_post(root, own)
    descendants: list[Any] = []
    gaps: list[str] = []
    for exchange in raw.by_purpose("context"):
        body = exchange.body if isinstance(exchange.body, Mapping) else {}
        descendants = [d for d in body.get("descendants") or [] if isinstance(d, Mapping)]
        if exchange.headers.get("mastodon-async-refresh"):
            gaps.append("the instance was still fetching remote replies (Mastodon-Async-Refresh); the next "
                        "capture may hold more")
    comments = [normalise_comment(status, post.id, own) for status in descendants]
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


def _attachment(media: Mapping[str, Any]) -> Attachment:
    return Attachment(_MEDIA.get(str(media.get("type")), "other"),
                      url(media.get("url")) or url(media.get("remote_url")) or url(media.get("preview_url")),
                      text(media.get("description")))
