"""A fake Instagram Graph API (business account), shaped like the recorded responses in
../shared/reference/api-samples/instagram: media newest first with cursor paging, comments newest first with
the ``replies`` expansion (cut at three with a ``paging.next``, so the connector must read ``/replies``),
``hidden`` returned to the owner, ``user{id}`` only on the account's own comments, and the Graph error
envelope with BUC type ``instagram`` and code 80002.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from ..clock import Clock
from .graph import GraphApi
from .server import Reply, Request
from .world import FakeAccount, FakeItem, FakeThread

__all__ = ["FakeInstagramServer"]

EMBEDDED_REPLIES = 25  # Graph's default limit of a nested edge; ``replies.limit(n)`` asks for up to 100


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class FakeInstagramServer(GraphApi):
    buc_type = "instagram"
    buc_code = 80002

    def __init__(self, account: FakeAccount, *, port: int = 0, clock: Clock | None = None,
                 api_version: str = "v23.0") -> None:
        super().__init__(account.token, port=port, api_version=api_version, account_id=account.me.id,
                         clock=clock)
        self.account = account

    def route_name(self, path: str) -> str:
        last = path.rstrip("/").rsplit("/", 1)[-1]
        return last if last in ("media", "comments", "replies") else "object"

    def route(self, segments: list[str], request: Request) -> Reply:
        if len(segments) == 2 and segments[0] == self.account.me.id and segments[1] == "media":
            threads = sorted(self.account.threads, key=lambda t: t.post.created, reverse=True)
            return Reply(200, self.cursor_page([self.media(t) for t in threads], request))
        found = self.account.item(segments[0]) if segments else None
        if found is None:
            return self.gone("/".join(segments))
        thread, item = found
        if len(segments) == 1:
            if item is thread.post:
                return Reply(200, self.media(thread))
            return Reply(200, self.comment(thread, item, EMBEDDED_REPLIES))
        if segments[1] == "comments" and item is thread.post:
            tops = sorted(thread.children(None), key=lambda c: c.created, reverse=True)
            match = re.search(r"replies\.limit\((\d+)\)", request.query.get("fields", ""))
            nested = min(int(match.group(1)), 100) if match else EMBEDDED_REPLIES
            return Reply(200, self.cursor_page([self.comment(thread, c, nested) for c in tops], request))
        if segments[1] == "replies" and item is not thread.post:
            replies = sorted(thread.children(item.id), key=lambda c: c.created)
            return Reply(200, self.cursor_page([self.comment(thread, r, 0) for r in replies], request))
        return self.gone("/".join(segments))

    def media(self, thread: FakeThread) -> dict[str, Any]:
        post = thread.post
        body: dict[str, Any] = {
            "id": post.id, "caption": post.text, "media_type": "IMAGE", "media_product_type": "FEED",
            "media_url": f"https://scontent.cdninstagram.com/v/t51/{post.id}_n.jpg",
            "permalink": f"https://www.instagram.com/p/{post.id[-11:]}/", "shortcode": post.id[-11:],
            "timestamp": _ts(post.created), "username": self.account.me.handle, "owner": {"id": self.account.me.id},
            "like_count": post.likes, "comments_count": len(thread.comments) + thread.unseen_comments,
            "is_comment_enabled": True,
        }
        if post.media:
            body["media_url"] = post.media[0].url
        return body

    def comment(self, thread: FakeThread, item: FakeItem, embed: int) -> dict[str, Any]:
        """A comment; a top-level one embeds its first ``embed`` replies and a next link for the rest."""
        body: dict[str, Any] = {"id": item.id, "text": item.text, "timestamp": _ts(item.created),
                                "username": item.author.handle, "like_count": item.likes, "hidden": item.hidden,
                                "from": {"id": item.author.id, "username": item.author.handle}}
        if item.author.id == self.account.me.id:
            body["user"] = {"id": item.author.id}
        if item.parent:
            body["parent_id"] = item.parent
        replies = sorted(thread.children(item.id), key=lambda c: c.created)
        if embed and replies and item.parent is None:
            shown = replies[:embed]
            embedded: dict[str, Any] = {"data": [self.comment(thread, r, 0) for r in shown]}
            if len(replies) > embed:
                query = {"fields": "id,text,timestamp", "limit": str(embed), "after": "Mw",
                         "access_token": self.token}
                embedded["paging"] = {"cursors": {"after": "Mw"},
                                      "next": f"{self.url}/{self.api_version}/{item.id}/replies?{urlencode(query)}"}
            body["replies"] = embedded
        return body
