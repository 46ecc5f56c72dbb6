"""Graph API responses -> Thread. Pure: reads a ``RawCapture``, never mutates it, never does I/O.

Quirks handled (PLATFORM_APIS.md 1.2-1.5):
* ``from`` is absent for people when the token is not a Page token; recorded as a completeness gap.
* Since v11 a non-moderator token gets no comment ``id``; it is recovered from ``permalink_url``
  (``comment_id`` / ``reply_comment_id``), which also gives the parent of a reply.
* ``summary.total_count`` is computed under the viewer's privacy: both numbers are kept, a mismatch is a gap.
* Comments have no edit marker, and ``updated_time`` on posts moves with new comments: no ``edited_at``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..clock import format_ts
from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import RecordError
from ..model import Attachment, Author, Comment, Completeness, Post, Provenance, Source, Thread
from .common import required_timestamp, text, url

__all__ = ["normalise", "normalise_attachments", "normalise_comment", "normalise_post", "read"]

API = "Facebook Graph API"
REACTION_ALIASES = ("like", "love", "wow", "haha", "sad", "angry", "care")
_ATTACHMENT_TYPES = {
    "photo": "photo", "album": "photo", "cover_photo": "photo", "profile_media": "photo", "image": "photo",
    "video": "video", "video_inline": "video", "video_autoplay": "video", "video_share_youtube": "video",
    "native_templates": "other", "share": "link", "link": "link", "event": "link", "note": "link",
    "sticker": "sticker", "animated_image_share": "animated_image", "animated_image_autoplay": "animated_image",
    "animated_image_video": "animated_image", "file_upload": "document",
}


def normalise(raw: RawCapture, account: AccountConfig) -> Thread:
    """Build the thread from the post response and every comments page of one capture."""
    posts = [e.body for e in raw.by_purpose("post") if isinstance(e.body, Mapping)]
    if not posts:
        raise RecordError(f"capture of post {raw.ref.post_id} holds no successful post response")
    post_body = posts[-1]
    own = account.own_author_ids
    post = normalise_post(post_body, own)
    comments: dict[str, Comment] = {}
    reported: int | None = None
    gaps: list[str] = []
    duplicates = 0
    for exchange in raw.by_purpose("comments"):
        body = exchange.body if isinstance(exchange.body, Mapping) else {}
        summary = body.get("summary")
        if isinstance(summary, Mapping) and isinstance(summary.get("total_count"), int):
            reported = summary["total_count"]
        for item in body.get("data") or []:
            if not isinstance(item, Mapping):
                continue
            comment = normalise_comment(item, own)
            if comment.id in comments:
                duplicates += 1
                continue
            comments[comment.id] = comment
    if reported is None:
        reported = _summary_count(post_body.get("comments"))
    captured = len(comments)
    withheld = sum(1 for c in comments.values() if c.author.id is None)
    if withheld:
        gaps.append(f"{withheld} comment author(s) withheld by the API (capture with a Page access token "
                    "to receive commenters' identity)")
    if duplicates:
        gaps.append(f"{duplicates} duplicate comment(s) across pages were dropped (same id)")
    if reported is not None and reported != captured:
        gaps.append(f"the platform reports {reported} comment(s) but {captured} could be captured "
                    "(hidden, deleted or restricted comments are counted under the viewer's permissions)")
    if reported is None:
        gaps.append("the platform did not report a comment count")
    served = next((e.headers.get("facebook-api-version") for e in raw.exchanges
                   if e.headers.get("facebook-api-version")), None)
    permalink = url(post_body.get("permalink_url"))
    return Thread(
        source=Source(platform="facebook", account_id=account.account_id, account_name=account.name,
                      post_id=post.id, permalink=permalink),
        post=post,
        comments=tuple(comments.values()),
        provenance=Provenance(
            capture_started_at=raw.started_at, capture_ended_at=raw.ended_at, connector=raw.connector,
            connector_version=raw.connector_version, api=API, api_version=raw.api_version,
            api_version_served=served, requests=len(raw.exchanges),
            completeness=Completeness(reported_comment_count=reported, captured_comment_count=captured,
                                      complete=reported is not None and captured >= reported,
                                      gaps=tuple(gaps)),
        ),
    )


def normalise_post(item: Mapping[str, Any], own_ids: Iterable[str] = ()) -> Post:
    post_id = text(item.get("id"))
    if not post_id:
        raise RecordError("Graph API post has no id")
    author = _author(item.get("from"), frozenset(own_ids))
    if item.get("from") is None:  # posts on the Page's own feed without 'from' are the Page's own
        author = Author(id=None, display_name=None, is_organisation=True)
    return Post(
        id=post_id,
        author=author,
        created_at=required_timestamp(item.get("created_time"), f"post {post_id} created_time"),
        text=text(item.get("message")) or text(item.get("story")) or "",
        attachments=normalise_attachments(item.get("attachments")),
        reactions=_reactions(item),
        visibility="hidden" if item.get("is_hidden") is True else "visible",
        permalink=url(item.get("permalink_url")),
    )


def normalise_comment(item: Mapping[str, Any], own_ids: Iterable[str] = ()) -> Comment:
    permalink = url(item.get("permalink_url"))
    link_ids = _permalink_ids(permalink)
    comment_id = text(item.get("id")) or link_ids.get("reply_comment_id") or link_ids.get("comment_id")
    if not comment_id:
        raise RecordError("Graph API comment has neither id nor a permalink with comment_id")
    parent = item.get("parent")
    parent_id = text(parent.get("id")) if isinstance(parent, Mapping) else None
    if parent_id is None and "reply_comment_id" in link_ids:
        parent_id = link_ids.get("comment_id")
    if parent_id is not None and parent_id != comment_id and "_" not in parent_id and "_" in comment_id:
        parent_id = f"{comment_id.split('_', 1)[0]}_{parent_id}"  # same id form as the comment's
    attachment = item.get("attachment")
    reactions = _reactions(item)
    if isinstance(item.get("like_count"), int):
        reactions.setdefault("like", item["like_count"])
    return Comment(
        id=comment_id,
        parent_id=parent_id if parent_id != comment_id else None,
        author=_author(item.get("from"), frozenset(own_ids)),
        created_at=required_timestamp(item.get("created_time"), f"comment {comment_id} created_time"),
        text=text(item.get("message")) or "",
        attachments=normalise_attachments({"data": [attachment]}) if isinstance(attachment, Mapping) else (),
        reactions=reactions,
        visibility="hidden" if item.get("is_hidden") is True else "visible",
        permalink=permalink,
    )


def read(body: Any) -> list[Post | Comment]:
    """Every post or comment in a Graph response: lists, single objects, embedded comments, webhook values.

    An object is a comment when it has a ``parent`` or a comment permalink (``comment_id=``), or came from a
    ``comments`` edge or webhook; otherwise it is a post."""
    out: list[Post | Comment] = []
    stack: list[tuple[Any, bool]] = [(body, False)]
    while stack:
        node, as_comment = stack.pop()
        if isinstance(node, list):
            stack.extend((item, as_comment) for item in reversed(node))
            continue
        if not isinstance(node, Mapping):
            continue
        if isinstance(node.get("entry"), list):  # webhook: entry[].changes[].value; content events only
            for entry in node["entry"]:
                for change in (entry.get("changes") or []) if isinstance(entry, Mapping) else []:
                    value = change.get("value") if isinstance(change, Mapping) else None
                    if not isinstance(value, Mapping) or value.get("verb") not in ("add", "edited"):
                        continue  # remove/hide/unhide are events about an item, not content (issue 4)
                    item = {**value, "created_time": _webhook_time(value.get("created_time", entry.get("time"))),
                            "from": value.get("from") or {"id": str(value.get("sender_id") or ""),
                                                          "name": value.get("sender_name")}}
                    if value.get("comment_id"):
                        out.append(normalise_comment({**item, "id": value["comment_id"]}))
                    elif value.get("post_id"):
                        out.append(normalise_post({**item, "id": value["post_id"]}))
            continue
        if isinstance(node.get("data"), list):
            stack.append((node["data"], as_comment))
            continue
        if "id" in node and "created_time" in node:
            link = str(node.get("permalink_url") or "")
            comment = as_comment or "parent" in node or "comment_id=" in link or "message_tags" in node \
                or "comment_count" in node or "like_count" in node
            out.append(normalise_comment(node) if comment else normalise_post(node))
        if isinstance(node.get("comments"), Mapping):
            stack.append((node["comments"], True))
    return out


def _webhook_time(created: Any) -> str:
    if isinstance(created, int):
        return format_ts(datetime.fromtimestamp(created, tz=UTC))
    return str(created)


def normalise_attachments(value: Any) -> tuple[Attachment, ...]:
    """Graph ``attachments{data[...]}`` (with ``subattachments``) or a single comment ``attachment``."""
    items = value.get("data") if isinstance(value, Mapping) else None
    result: list[Attachment] = []
    stack = list(reversed(items)) if isinstance(items, list) else []
    while stack:
        item = stack.pop()
        if not isinstance(item, Mapping):
            continue
        subs = item.get("subattachments")
        sub_items = subs.get("data") if isinstance(subs, Mapping) else None
        if isinstance(sub_items, list) and sub_items:
            stack.extend(reversed(sub_items))  # an album: its photos are the attachments
            continue
        kind = text(item.get("media_type")) or text(item.get("type")) or "other"
        media = item.get("media")
        image = media.get("image") if isinstance(media, Mapping) else None
        target = item.get("target")
        link = (url(image.get("src")) if isinstance(image, Mapping) else None) \
            or url(item.get("url")) or (url(target.get("url")) if isinstance(target, Mapping) else None)
        result.append(Attachment(type=_ATTACHMENT_TYPES.get(kind, "other"), url=link,
                                 alt_text=text(item.get("description")), title=text(item.get("title"))))
    return tuple(result)


def _author(value: Any, own_ids: frozenset[str]) -> Author:
    if not isinstance(value, Mapping):
        return Author(id=None, display_name=None, is_organisation=False)
    author_id = text(value.get("id"))
    return Author(id=author_id, display_name=text(value.get("name")),
                  is_organisation=author_id is not None and author_id in own_ids)


def _reactions(item: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    total = _summary_count(item.get("reactions"))
    if total is not None:
        counts["total"] = total
    for alias in REACTION_ALIASES:
        value = _summary_count(item.get(alias))
        if value is not None:
            counts[alias] = value
    return counts


def _summary_count(value: Any) -> int | None:
    if isinstance(value, Mapping):
        summary = value.get("summary")
        if isinstance(summary, Mapping) and isinstance(summary.get("total_count"), int):
            count = summary["total_count"]
            return count if count >= 0 else None
    return None


def _permalink_ids(url: str | None) -> dict[str, str]:
    if not url:
        return {}
    query = parse_qs(urlsplit(url).query)
    return {k: v[0] for k, v in query.items() if k in ("comment_id", "reply_comment_id") and v and v[0]}
