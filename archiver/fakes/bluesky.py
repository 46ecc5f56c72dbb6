"""A fake Bluesky AppView (XRPC), shaped like the recorded thread views and the lexicons in
../shared/reference/api-samples/bluesky: ``getAuthorFeed`` with ``cursor``, ``getPostThread`` with nested
``threadViewPost`` nodes honouring ``depth`` (capped at ``max_depth`` to emulate an AppView that cuts deep
threads), a ``threadgate`` whose ``hiddenReplies`` lists hidden replies (returned last, as the AppView
sorts them), ``RateLimit-*`` headers, ``Retry-After`` on 429 and ``{"error", "message"}`` bodies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..clock import Clock
from .server import FakeApi, Fault, Reply, Request
from .world import FakeAccount, FakeItem, FakeThread

__all__ = ["FakeBlueskyServer"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _cid(*parts: object) -> str:
    return "bafyrei" + hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:52]


class FakeBlueskyServer(FakeApi):
    def __init__(self, account: FakeAccount, *, port: int = 0, clock: Clock | None = None,
                 max_depth: int = 1000) -> None:
        super().__init__(port=port, clock=clock)
        self.account = account
        self.max_depth = max_depth

    def extra_headers(self, request: Request, reply: Reply) -> Mapping[str, str]:
        if reply.status == 429:
            return {}
        return {"ratelimit-limit": "3000", "ratelimit-remaining": "2999",
                "ratelimit-reset": str(int(self.clock.now().timestamp()) + 300), "ratelimit-policy": "3000;w=300"}

    def route_name(self, path: str) -> str:
        return path.rsplit(".", 1)[-1]

    def handle(self, request: Request) -> Reply:
        if self.account.token and request.bearer != self.account.token:
            if request.bearer is None:
                return Reply(401, {"error": "AuthMissing", "message": "Authentication Required"})
            return Reply(400, {"error": "InvalidToken", "message": "Bad token scope"})
        if request.path == "/xrpc/app.bsky.feed.getAuthorFeed":
            return self._feed(request)
        if request.path == "/xrpc/app.bsky.feed.getPostThread":
            return self._thread(request)
        return Reply(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        if fault.kind in ("rate_limit", "quota"):
            wait = fault.regain_minutes * 60
            return Reply(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                         {"ratelimit-limit": "3000", "ratelimit-remaining": "0",
                          "ratelimit-reset": str(int(self.clock.now().timestamp()) + wait),
                          "ratelimit-policy": "3000;w=300",
                          "retry-after": str(wait)})
        if fault.kind == "auth_expired":
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if fault.kind == "gone":
            return Reply(400, {"error": "NotFound", "message": f"Post not found: {request.query.get('uri', '')}"})
        if fault.kind == "http_500":
            return Reply(502, {"error": "UpstreamFailure", "message": "Upstream Failure"})
        if fault.kind == "cursor_loop":
            return Reply(200, {"feed": [], "cursor": request.query.get("cursor") or "loop"})
        return super().fault_reply(fault, request)

    # ------------------------------------------------------------------------------------------ bodies

    def _feed(self, request: Request) -> Reply:
        actor = request.query.get("actor")
        if actor not in (self.account.me.id, self.account.me.handle):
            return Reply(400, {"error": "InvalidRequest", "message": "Profile not found"})
        limit = max(1, min(int(request.query.get("limit") or 50), 100))
        threads = sorted(self.account.threads, key=lambda t: t.post.created, reverse=True)
        cursor = request.query.get("cursor")
        if cursor:
            threads = [t for t in threads if _iso(t.post.created) < cursor]
        page = threads[:limit]
        body: dict[str, Any] = {"feed": [{"post": self.view(t, t.post)} for t in page]}
        if len(threads) > limit:
            body["cursor"] = _iso(page[-1].post.created)
        return Reply(200, body)

    def _thread(self, request: Request) -> Reply:
        uri = request.query.get("uri", "")
        found = self.account.item(uri)
        if found is None:
            return Reply(400, {"error": "NotFound", "message": f"Post not found: {uri}"})
        thread, item = found
        depth = min(int(request.query.get("depth") or 6), self.max_depth)
        body: dict[str, Any] = {"thread": self._node(thread, item, depth)}
        hidden = [c.id for c in thread.comments if c.hidden]
        if hidden:
            body["threadgate"] = {
                "uri": f"at://{self.account.me.id}/app.bsky.feed.threadgate/{thread.post.id.rsplit('/', 1)[-1]}",
                "cid": _cid("gate", thread.post.id),
                "record": {"$type": "app.bsky.feed.threadgate", "post": thread.post.id, "hiddenReplies": hidden,
                           "createdAt": _iso(thread.post.created)},
                "lists": []}
        return Reply(200, body)

    def _node(self, thread: FakeThread, item: FakeItem, depth: int) -> dict[str, Any]:
        """Iterative construction of the nested view down to ``depth`` levels of replies."""
        root: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.view(thread, item),
                                "threadContext": {}}
        stack = [(root, item, 0)]
        while stack:
            node, current, level = stack.pop()
            children = thread.children(None if current is thread.post else current.id)
            if level >= depth or not children:
                if children:
                    continue  # cut: replyCount says there is more
                node["replies"] = []
                continue
            ordered = sorted(children, key=lambda c: (c.hidden, c.created))
            node["replies"] = []
            for child in ordered:
                child_node = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.view(thread, child),
                              "threadContext": {}}
                node["replies"].append(child_node)
                stack.append((child_node, child, level + 1))
        return root

    def view(self, thread: FakeThread, item: FakeItem) -> dict[str, Any]:
        is_post = item is thread.post
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": _iso(item.created), "text": item.text,
                                  "langs": ["no"]}
        if not is_post:
            parent = item.parent or thread.post.id
            record["reply"] = {"root": {"uri": thread.post.id, "cid": _cid(thread.post.id)},
                               "parent": {"uri": parent, "cid": _cid(parent)}}
        view: dict[str, Any] = {
            "uri": item.id, "cid": _cid(item.id, item.text),
            "author": {"did": item.author.id, "handle": item.author.handle.replace("_", "-").replace(".", "-")
                       + ".bsky.social" if item.author is not self.account.me else self.account.me.handle,
                       "displayName": item.author.name, "labels": [], "viewer": {"muted": False, "blockedBy": False},
                       "createdAt": "2024-01-01T00:00:00.000Z"},
            "record": record,
            "replyCount": len(thread.children(None if is_post else item.id)) + (thread.unseen_comments if is_post
                                                                                 else 0),
            "repostCount": 0, "likeCount": item.likes, "quoteCount": 0, "bookmarkCount": 0,
            "indexedAt": _iso(item.created), "labels": [], "viewer": {"threadMuted": False},
        }
        if item.media:
            view["embed"] = {"$type": "app.bsky.embed.images#view", "images": [
                {"thumb": m.url, "fullsize": m.url, "alt": m.alt} for m in item.media]}
        return view
