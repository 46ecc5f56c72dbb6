"""A fake LinkedIn Community Management API, shaped like the derived samples in
../shared/reference/api-samples/linkedin (no recorded LinkedIn responses exist): ``elements`` with
``paging{start,count,total?,links}``, URNs percent-encoded in paths, ``commentUrn``/``parentComment``,
``likesSummary``/``commentsSummary``, ``socialMetadata`` counts, and ``{status, serviceErrorCode, code,
message}`` errors. It insists on ``LinkedIn-Version`` (426 for a missing or sunset version) and
``X-Restli-Protocol-Version``, as LinkedIn does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlencode

from ..clock import Clock
from .server import FakeApi, Fault, Reply, Request
from .world import FakeAccount, FakeItem, FakeThread

__all__ = ["FakeLinkedInServer"]

OLDEST_ACTIVE_VERSION = "202411"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _error(status: int, code: str, message: str, service: int | None = None) -> Reply:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service is not None:
        body["serviceErrorCode"] = service
    return Reply(status, body)


class FakeLinkedInServer(FakeApi):
    content_type = "application/json"

    def __init__(self, account: FakeAccount, *, port: int = 0, clock: Clock | None = None) -> None:
        super().__init__(port=port, clock=clock)
        self.account = account
        self.activity = {t.post.id: f"urn:li:activity:{t.post.id.rsplit(':', 1)[-1]}" for t in account.threads}

    def route_name(self, path: str) -> str:
        parts = [unquote(p) for p in path.split("/") if p]
        if parts[-1:] == ["comments"]:
            return "replies" if ":comment:" in parts[-2] else "comments"
        return parts[1] if len(parts) > 1 else "root"

    def handle(self, request: Request) -> Reply:
        if request.bearer != self.account.token:
            return _error(401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65600)
        version = request.headers.get("linkedin-version", "")
        if not (version.isdigit() and len(version) == 6 and version >= OLDEST_ACTIVE_VERSION):
            return _error(426, "NONEXISTENT_VERSION", f"Requested version {version or '(none)'} is not active")
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return _error(400, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 is required")
        parts = [unquote(p) for p in request.path.split("/") if p]
        if parts[:1] != ["rest"]:
            return _error(404, "NOT_FOUND", "Resource not found")
        rest = parts[1:]
        if rest == ["posts"]:
            return self._posts(request)
        if len(rest) == 2 and rest[0] == "posts":
            thread = self.account.thread(rest[1])
            return Reply(200, self.post(thread)) if thread else _error(404, "NOT_FOUND", f"Post {rest[1]} not found")
        if len(rest) == 2 and rest[0] == "socialMetadata":
            thread = self.account.thread(rest[1])
            if thread is None:
                return _error(404, "NOT_FOUND", f"Entity {rest[1]} not found")
            return Reply(200, {"entity": rest[1], "commentsState": "OPEN",
                               "reactionSummaries": {"LIKE": {"reactionType": "LIKE", "count": thread.post.likes}},
                               "commentSummary": {"count": len(thread.comments) + thread.unseen_comments,
                                                  "topLevelCount": len(thread.children(None))}})
        if len(rest) == 3 and rest[0] == "socialActions" and rest[2] == "comments":
            return self._comments(rest[1], request)
        return _error(404, "NOT_FOUND", "Resource not found")

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        if fault.kind in ("rate_limit", "quota"):
            return _error(429, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for calls to this "
                          "resource is reached.", 101)
        if fault.kind == "auth_expired":
            return _error(401, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user",
                          65601)
        if fault.kind == "gone":
            return _error(404, "NOT_FOUND", "Not found")
        if fault.kind == "http_500":
            return _error(500, "INTERNAL_SERVER_ERROR", "Internal Server Error")
        if fault.kind == "cursor_loop":  # a full page that, followed, repeats itself
            count = int(request.query.get("count") or 10)
            return Reply(200, {"elements": [{"id": "urn:li:share:1"}] * count,
                               "paging": {"start": 0, "count": count, "links": []}})
        return super().fault_reply(fault, request)

    # ------------------------------------------------------------------------------------------ bodies

    def _collection(self, items: list[dict[str, Any]], request: Request, total: bool) -> Reply:
        start = int(request.query.get("start") or 0)
        count = max(1, min(int(request.query.get("count") or 10), 100))
        chunk = items[start:start + count]
        paging: dict[str, Any] = {"start": start, "count": count, "links": []}
        if total:
            paging["total"] = len(items)
        if start + count < len(items):
            query = {**request.query, "start": str(start + count)}
            paging["links"].append({"type": "application/json", "rel": "next",
                                    "href": f"{request.path}?{urlencode(query)}"})
        return Reply(200, {"elements": chunk, "paging": paging})

    def _posts(self, request: Request) -> Reply:
        if request.query.get("q") != "author" or request.query.get("author") != self.account.me.id:
            return _error(400, "ILLEGAL_ARGUMENT", "q=author with the organisation's URN is required")
        threads = sorted(self.account.threads, key=lambda t: t.post.edited or t.post.created, reverse=True)
        return self._collection([self.post(t) for t in threads], request, total=False)

    def _comments(self, target: str, request: Request) -> Reply:
        thread = self.account.thread(target)
        if thread is not None:
            items = [self.comment(thread, c) for c in sorted(thread.children(None), key=lambda c: c.created)]
            return self._collection(items, request, total=True)
        for thread in self.account.threads:
            for comment in thread.comments:
                if self.urn(thread, comment) == target:
                    replies = sorted(thread.children(comment.id), key=lambda c: c.created)
                    return self._collection([self.comment(thread, r) for r in replies], request, total=True)
        return _error(404, "NOT_FOUND", f"Entity {target} not found")

    def urn(self, thread: FakeThread, item: FakeItem) -> str:
        return f"urn:li:comment:({self.activity[thread.post.id]},{item.id})"

    def post(self, thread: FakeThread) -> dict[str, Any]:
        post = thread.post
        body: dict[str, Any] = {
            "id": post.id, "author": self.account.me.id, "commentary": post.text, "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED", "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                                                            "thirdPartyDistributionChannels": []},
            "createdAt": _ms(post.created), "publishedAt": _ms(post.created),
            "lastModifiedAt": _ms(post.edited or post.created), "isReshareDisabledByAuthor": False,
        }
        if post.media:
            body["content"] = {"media": {"id": f"urn:li:image:{quote(post.id[-8:])}", "altText": post.media[0].alt}}
        return body

    def comment(self, thread: FakeThread, item: FakeItem) -> dict[str, Any]:
        actor = item.author.id
        replies = thread.children(item.id)
        body: dict[str, Any] = {
            "actor": actor, "commentUrn": self.urn(thread, item), "id": item.id,
            "created": {"actor": actor, "time": _ms(item.created)},
            "lastModified": {"actor": actor, "time": _ms(item.edited or item.created)},
            "message": {"text": item.text, "attributes": []}, "object": self.activity[thread.post.id],
            "likesSummary": {"totalLikes": item.likes, "aggregatedTotalLikes": item.likes, "likedByCurrentUser": False,
                             "selectedLikes": []},
            "commentsSummary": {"totalFirstLevelComments": len(replies), "aggregatedTotalComments": len(replies)},
        }
        if actor == self.account.me.id:
            body["agent"] = "urn:li:person:DemoAdmin01"
        if item.parent:
            parent = self.account.item(item.parent)
            if parent is not None:
                body["parentComment"] = self.urn(thread, parent[1])
        return body
