"""Instagram Graph API responses -> Thread. Pure.

* The post is the media: caption as text, ``media_url`` (or each carousel child) as attachments.
* Top-level comments come from ``/comments``; replies from the ``replies`` expansion and ``/replies``
  (one level). A reply's parent is its ``parent_id``, else the comment that embedded it.
* Authors: ``from{id,username}``; ``user{id}`` only appears on the account's own comments; ``username``
  alone otherwise.
* ``hidden: true`` is kept as hidden (the owner still receives hidden comments). Comments cannot be edited;
  captions can, without history: both are recorded in the capability table, not guessed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import RecordError
from ..model import Attachment, Author, Comment, Post, Thread
from .common import assemble_thread, dig, integer, required_timestamp, string, text, tree_order, url

__all__ = ["normalise", "normalise_comment", "normalise_media", "read"]

API = "Instagram Graph API"
_MEDIA = {"IMAGE": "photo", "VIDEO": "video", "REELS": "video", "CAROUSEL_ALBUM": "photo"}


def normalise(raw: RawCapture, account: AccountConfig) -> Thread:
    media = [e.body for e in raw.by_purpose("post") if isinstance(e.body, Mapping)]
    if not media:
        raise RecordError(f"capture of media {raw.ref.post_id} holds no successful media response")
    own = account.own_author_ids
    post = normalise_media(media[-1], own, account.name)
    tops: dict[str, Comment] = {}
    replies: dict[str, Comment] = {}
    for exchange in raw.by_purpose("comments"):
        for item in (exchange.body or {}).get("data") or []:
            if isinstance(item, Mapping):
                top, *embedded = _with_replies(item, own)
                tops.setdefault(top.id, top)
                for reply in embedded:
                    replies.setdefault(reply.id, reply)
    for exchange in raw.by_purpose("replies"):
        parent = exchange.url.split("?", 1)[0].rstrip("/").rsplit("/", 2)[-2]
        for item in (exchange.body or {}).get("data") or []:
            if isinstance(item, Mapping):
                reply = normalise_comment(item, own, parent)
                replies[reply.id] = reply  # the full edge replaces the embedded copy
    ordered = tree_order(list(tops.values()), list(replies.values()))
    reported = integer(media[-1].get("comments_count"))
    gaps = [] if media[-1].get("is_comment_enabled") is not False else ["comments are turned off on this media"]
    return assemble_thread(raw, account, api=API, post=post, comments=ordered, reported=reported, gaps=gaps)


def normalise_media(item: Mapping[str, Any], own_ids: Iterable[str] = (), account_name: str | None = None) -> Post:
    media_id = text(item.get("id"))
    if not media_id:
        raise RecordError("Instagram media has no id")
    children = dig(item, "children", "data")
    sources = [c for c in children if isinstance(c, Mapping)] if isinstance(children, list) and children else [item]
    attachments = tuple(Attachment(_MEDIA.get(str(s.get("media_type")), "other"),
                                   url(s.get("media_url")) or url(s.get("thumbnail_url")) or url(s.get("permalink")))
                        for s in sources if s.get("media_type") or s.get("media_url"))
    owner = text(dig(item, "owner", "id"))
    likes = integer(item.get("like_count"))
    return Post(
        id=media_id,
        author=Author(id=owner, display_name=text(item.get("username")) or account_name,
                      is_organisation=owner is None or owner in frozenset(own_ids)),
        created_at=required_timestamp(item.get("timestamp"), f"media {media_id} timestamp"),
        text=string(item.get("caption")),
        attachments=attachments,
        reactions={"like": likes} if likes is not None else {},
        visibility="visible",
        permalink=url(item.get("permalink")),
    )


def normalise_comment(item: Mapping[str, Any], own_ids: Iterable[str] = (), parent: str | None = None) -> Comment:
    comment_id = text(item.get("id"))
    if not comment_id:
        raise RecordError("Instagram comment has no id")
    author_id = text(dig(item, "from", "id")) or text(dig(item, "user", "id"))
    likes = integer(item.get("like_count"))
    return Comment(
        id=comment_id,
        parent_id=text(item.get("parent_id")) or parent,
        author=Author(id=author_id, display_name=text(dig(item, "from", "username")) or text(item.get("username")),
                      is_organisation=author_id is not None and author_id in frozenset(own_ids)),
        created_at=required_timestamp(item.get("timestamp"), f"comment {comment_id} timestamp"),
        text=string(item.get("text")),
        reactions={"like": likes} if likes is not None else {},
        visibility="hidden" if item.get("hidden") is True else "visible",
    )


def read(body: Any) -> list[Post | Comment]:
    """Every media or comment in a response: lists, single objects, multi-id lookups, webhook payloads."""
    if not isinstance(body, Mapping):
        return []
    if isinstance(body.get("data"), list):
        return [x for item in body["data"] if isinstance(item, Mapping) for x in _one(item)]
    if isinstance(body.get("entry"), list):  # webhook: entry[].changes[].value; the time is the entry's
        return [normalise_comment({"timestamp": entry.get("time"), **change["value"]})
                for entry in body["entry"] if isinstance(entry, Mapping)
                for change in entry.get("changes") or []
                if isinstance(change, Mapping) and isinstance(change.get("value"), Mapping)]
    if "id" in body:
        return _one(body)
    return [x for value in body.values() if isinstance(value, Mapping) and "id" in value for x in _one(value)]


def _one(item: Mapping[str, Any]) -> list[Post | Comment]:
    if "media_type" in item or "caption" in item or "media_url" in item:
        return [normalise_media(item)]
    return list(_with_replies(item, ()))


def _with_replies(item: Mapping[str, Any], own: Iterable[str]) -> list[Comment]:
    top = normalise_comment(item, own)
    replies = [normalise_comment(r, own, top.id) for r in dig(item, "replies", "data") or [] if isinstance(r, Mapping)]
    return [top, *replies]
