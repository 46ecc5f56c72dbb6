"""YouTube Data API v3 responses -> Thread. Pure.

* The post is the video: title and description as text, the channel as author, the watch URL as a video
  attachment, ``statistics.commentCount`` as the reported count.
* Top-level comments come from ``commentThreads``; replies from the embedded subset and from
  ``comments?parentId=`` (the full list wins where both have a reply). YouTube has one reply level.
* ``updatedAt`` later than ``publishedAt`` is an edit (only the current text exists).
* ``moderationStatus`` other than ``published`` (visible only to the owner's OAuth token) is ``hidden``.
* Comments disabled (403 ``commentsDisabled``) is recorded as a gap with a reported count of zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..connectors.youtube import error_reasons
from ..errors import RecordError
from ..model import Attachment, Author, Comment, Post, Thread
from .common import (
    assemble_thread,
    dig,
    integer,
    mapping,
    required_timestamp,
    segment,
    string,
    text,
    timestamp,
    tree_order,
)

__all__ = ["normalise", "normalise_comment", "normalise_video", "read"]

API = "YouTube Data API v3"
SHORTFALL = ("YouTube counts {reported} comment(s) but {captured} could be captured: comments held for review "
             "or marked as spam are returned only to the channel owner's OAuth token, and comments by users "
             "hidden from the channel are never returned")


def normalise(raw: RawCapture, account: AccountConfig) -> Thread:
    videos = [i for e in raw.by_purpose("post") if isinstance(e.body, Mapping)
              for i in e.body.get("items") or [] if isinstance(i, Mapping)]
    if not videos:
        raise RecordError(f"capture of video {raw.ref.post_id} holds no video resource")
    own = account.own_author_ids
    post = normalise_video(videos[-1], own)
    comments: dict[str, Comment] = {}
    replies: dict[str, Comment] = {}
    for exchange in raw.by_purpose("comment-threads"):
        for thread in (exchange.body or {}).get("items") or []:
            top, embedded = _thread(thread, post.id, own)
            if top is not None:
                comments.setdefault(top.id, top)
            for reply in embedded:
                replies.setdefault(reply.id, reply)
    for exchange in raw.by_purpose("replies"):
        for item in (exchange.body or {}).get("items") or []:
            if isinstance(item, Mapping):
                reply = normalise_comment(item, post.id, own)
                replies[reply.id] = reply  # the full listing replaces the embedded copy
    gaps = []
    reported = integer(dig(videos[-1], "statistics", "commentCount"))
    disabled = any("commentsDisabled" in error_reasons(e.body) for e in raw.exchanges)
    if disabled:
        gaps.append("comments are disabled on this video (YouTube answered commentsDisabled)")
        reported = reported or 0
    ordered = tree_order(list(comments.values()), list(replies.values()))
    return assemble_thread(raw, account, api=API, post=post, comments=ordered, reported=reported, gaps=gaps,
                           shortfall=SHORTFALL)


def normalise_video(video: Mapping[str, Any], own_ids: Iterable[str] = ()) -> Post:
    video_id = text(video.get("id"))
    if not video_id:
        raise RecordError("YouTube video has no id")
    snippet = mapping(video.get("snippet"))
    channel = text(snippet.get("channelId"))
    title = text(snippet.get("title")) or ""
    description = string(snippet.get("description"))
    stats = mapping(video.get("statistics"))
    reactions = {k: v for k, v in (("like", integer(stats.get("likeCount"))),
                                   ("favorite", integer(stats.get("favoriteCount")))) if v is not None}
    watch = f"https://www.youtube.com/watch?v={segment(video_id)}"
    return Post(
        id=video_id,
        author=Author(id=channel, display_name=text(snippet.get("channelTitle")),
                      is_organisation=channel is not None and channel in frozenset(own_ids)),
        created_at=required_timestamp(snippet.get("publishedAt"), f"video {video_id} publishedAt"),
        text=f"{title}\n\n{description}".strip(),
        attachments=(Attachment("video", watch, None, title or None),),
        reactions=reactions,
        visibility="visible",
        permalink=watch,
    )


def normalise_comment(item: Mapping[str, Any], video_id: str | None = None, own_ids: Iterable[str] = ()) -> Comment:
    comment_id = text(item.get("id"))
    if not comment_id:
        raise RecordError("YouTube comment has no id")
    snippet = mapping(item.get("snippet"))
    channel = text(dig(snippet, "authorChannelId", "value"))
    published = required_timestamp(snippet.get("publishedAt"), f"comment {comment_id} publishedAt")
    updated = timestamp(snippet.get("updatedAt"), f"comment {comment_id} updatedAt", required=False)
    status = snippet.get("moderationStatus")
    video = text(snippet.get("videoId")) or video_id
    likes = integer(snippet.get("likeCount"))
    return Comment(
        id=comment_id,
        parent_id=text(snippet.get("parentId")),
        author=Author(id=channel, display_name=text(snippet.get("authorDisplayName")),
                      is_organisation=channel is not None and channel in frozenset(own_ids)),
        created_at=published,
        edited_at=updated if updated and updated > published else None,
        text=string(snippet.get("textOriginal")) or string(snippet.get("textDisplay")),
        reactions={"like": likes} if likes is not None else {},
        visibility="hidden" if isinstance(status, str) and status != "published" else "visible",
        permalink=f"https://www.youtube.com/watch?v={segment(video)}&lc={segment(comment_id)}" if video else None,
    )


def read(body: Any) -> list[Post | Comment]:
    """Every video or comment in a response (videos, playlist items, comment threads, comments)."""
    out: list[Post | Comment] = []
    for item in (body.get("items") or []) if isinstance(body, Mapping) else []:
        kind = item.get("kind") if isinstance(item, Mapping) else None
        if kind == "youtube#video":
            out.append(normalise_video(item))
        elif kind == "youtube#commentThread":
            top, replies = _thread(item, None, ())
            out.extend([top, *replies] if top else replies)
        elif kind == "youtube#comment":
            out.append(normalise_comment(item))
        elif kind in ("youtube#playlistItem", "youtube#searchResult"):
            snippet = item.get("snippet") or {}
            video = (item.get("contentDetails") or {}).get("videoId") or (snippet.get("resourceId") or {}).get(
                "videoId") or (item.get("id") or {}).get("videoId")
            out.append(normalise_video({"id": video, "snippet": snippet}))
    return out


def _thread(thread: Any, video_id: str | None, own: Iterable[str]) -> tuple[Comment | None, list[Comment]]:
    if not isinstance(thread, Mapping):
        return None, []
    top = dig(thread, "snippet", "topLevelComment")
    first = normalise_comment(top, video_id, own) if isinstance(top, Mapping) else None
    embedded = [normalise_comment(r, video_id, own) for r in dig(thread, "replies", "comments") or []
                if isinstance(r, Mapping)]
    return first, embedded
