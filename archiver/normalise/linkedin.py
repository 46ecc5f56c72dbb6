"""LinkedIn Community Management responses -> Thread. Pure.

* Ids are URNs: the post's ``urn:li:share:``/``urn:li:ugcPost:``, each comment's ``commentUrn``.
* Parents come from ``parentComment`` or, for comments read under a comment, from that comment.
* Authors are URNs (``actor``; ``agent`` is the member acting for an organisation). Names need a separate,
  permissioned lookup, so ``display_name`` stays empty for people and this is recorded as a gap.
* ``lastModified`` later than ``created`` is the only edit signal (no history).
* The reported count comes from ``socialMetadata.commentSummary.count``, else from the paging totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import RecordError
from ..model import Attachment, Author, Comment, Post, Thread
from .common import assemble_thread, dig, integer, required_timestamp, segment, string, text, timestamp, url

__all__ = ["normalise", "normalise_comment", "normalise_post", "read"]

API = "LinkedIn Community Management API"
NAMES_GAP = ("LinkedIn gives commenters as member URNs; their names need a separate, permissioned profile "
             "lookup and are not part of the capture")


def normalise(raw: RawCapture, account: AccountConfig) -> Thread:
    posts = [e.body for e in raw.by_purpose("post") if isinstance(e.body, Mapping)]
    if not posts:
        raise RecordError(f"capture of post {raw.ref.post_id} holds no successful post response")
    own = account.own_author_ids
    post = normalise_post(posts[-1], own, account.name)
    comments: list[Comment] = []
    totals = 0
    saw_total = False
    for exchange in [*raw.by_purpose("comments"), *raw.by_purpose("replies")]:
        body = exchange.body if isinstance(exchange.body, Mapping) else {}
        parent = unquote(exchange.url.split("?", 1)[0].rstrip("/").rsplit("/", 2)[-2])
        if exchange.purpose == "comments" and "start=0" in exchange.url and isinstance(dig(body, "paging", "total"),
                                                                                        int):
            totals += body["paging"]["total"]
            saw_total = True
        for item in body.get("elements") or []:
            if isinstance(item, Mapping):
                comment = normalise_comment(item, own, None if parent == post.id else parent)
                comments.append(comment)
                if exchange.purpose == "comments":
                    totals += integer(dig(item, "commentsSummary", "aggregatedTotalComments")) or 0
    metadata = next((e.body for e in raw.by_purpose("metadata") if isinstance(e.body, Mapping)), {})
    reported = integer(dig(metadata, "commentSummary", "count"))
    if reported is None and saw_total:
        reported = totals
    gaps = [NAMES_GAP] if any(c.author.display_name is None for c in comments) else []
    if metadata.get("commentsState") == "CLOSED":
        gaps.append("comments are closed on this post")
    return assemble_thread(raw, account, api=API, post=post, comments=comments, reported=reported, gaps=gaps,
                           served=next((e.headers.get("linkedin-version") for e in raw.exchanges
                                        if e.headers.get("linkedin-version")), None))


def normalise_post(item: Mapping[str, Any], own_ids: Iterable[str] = (), account_name: str | None = None) -> Post:
    urn = text(item.get("id"))
    if not urn:
        raise RecordError("LinkedIn post has no id")
    author = text(item.get("author"))
    own = frozenset(own_ids)
    created = required_timestamp(item.get("publishedAt") or item.get("createdAt"), f"post {urn} createdAt")
    modified = timestamp(item.get("lastModifiedAt"), f"post {urn} lastModifiedAt", required=False)
    return Post(
        id=urn,
        author=Author(id=author, display_name=account_name if author in own else None,
                      is_organisation=author is not None and author in own),
        created_at=created,
        edited_at=modified if modified and modified > created else None,
        text=string(item.get("commentary")),
        attachments=tuple(_content(item.get("content"))),
        reactions={},
        visibility="visible",
        permalink=f"https://www.linkedin.com/feed/update/{segment(urn)}/",
    )


def normalise_comment(item: Mapping[str, Any], own_ids: Iterable[str] = (), parent: str | None = None) -> Comment:
    urn = text(item.get("commentUrn")) or text(item.get("id"))
    if not urn:
        raise RecordError("LinkedIn comment has neither commentUrn nor id")
    actor = text(item.get("actor")) or text(dig(item, "created", "actor"))
    own = frozenset(own_ids)
    created = required_timestamp(dig(item, "created", "time"), f"comment {urn} created.time")
    modified = timestamp(dig(item, "lastModified", "time"), f"comment {urn} lastModified.time", required=False)
    likes = integer(dig(item, "likesSummary", "totalLikes"))
    content = item.get("content")
    return Comment(
        id=urn,
        parent_id=text(item.get("parentComment")) or parent,
        author=Author(id=actor, display_name=None, is_organisation=actor is not None and actor in own),
        created_at=created,
        edited_at=modified if modified and modified > created else None,
        text=text(dig(item, "message", "text")) or "",
        attachments=tuple(a for c in (content if isinstance(content, list) else [content]) for a in _content(c)),
        reactions={"like": likes} if likes is not None else {},
        visibility="visible",
    )


def read(body: Any) -> list[Post | Comment]:
    """Every post or comment in a response: collections (``elements``) or single objects."""
    if not isinstance(body, Mapping):
        return []
    elements = body.get("elements")
    items: list[Any] = elements if isinstance(elements, list) else [body]
    out: list[Post | Comment] = []
    for item in items:
        if isinstance(item, Mapping) and "commentUrn" in item:
            out.append(normalise_comment(item))
        elif (isinstance(item, Mapping) and "commentary" in item) or (isinstance(item, Mapping) and "author" in item):
            out.append(normalise_post(item))
    return out


def _content(content: Any) -> list[Attachment]:
    if not isinstance(content, Mapping):
        return []
    media = content.get("media")
    if isinstance(media, Mapping):
        kind = str(media.get("id"))
        return [Attachment("photo" if "image" in kind else "video" if "video" in kind else "document",
                           url(media.get("url")), text(media.get("altText")), text(media.get("title")))]
    article = content.get("article")
    if isinstance(article, Mapping):
        return [Attachment("link", url(article.get("source")), text(article.get("description")),
                           text(article.get("title")))]
    multi = dig(content, "multiImage", "images")
    if isinstance(multi, list):
        return [Attachment("photo", url(i.get("url")), text(i.get("altText"))) for i in multi if isinstance(i, Mapping)]
    if isinstance(content.get("url"), str):
        return [Attachment("photo" if content.get("type") == "IMAGE" else "other", url(content.get("url")))]
    return []
