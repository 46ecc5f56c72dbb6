"""A fake X API v2, shaped like the recorded responses in ../shared/reference/api-samples/x: ``data`` /
``includes.users`` / ``meta{result_count,newest_id,oldest_id,next_token}``, ``pagination_token`` for
timelines and ``next_token`` for search, ``edit_history_tweet_ids`` with every earlier version fetchable by
id, partial ``errors[]`` inside HTTP 200, ``x-rate-limit-*`` headers, 429 ``Too Many Requests`` and
``UsageCapExceeded``. Search returns newest first, as X does.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..clock import Clock, parse_ts
from .server import FakeApi, Fault, Reply, Request
from .world import FakeAccount, FakeItem, FakeThread

__all__ = ["FakeXServer"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _token(offset: int) -> str:
    return base64.b32encode(f"o{offset:08d}".encode()).decode().rstrip("=").lower()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode()[1:])
    except (ValueError, UnicodeDecodeError):
        return 0


class FakeXServer(FakeApi):
    def __init__(self, account: FakeAccount, *, port: int = 0, clock: Clock | None = None) -> None:
        super().__init__(port=port, clock=clock)
        self.account = account

    def extra_headers(self, request: Request, reply: Reply) -> Mapping[str, str]:
        if reply.status == 429:
            return {}
        return {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449",
                "x-rate-limit-reset": str(int(self.clock.now().timestamp()) + 900),
                "x-access-level": "read", "api-version": "2.150"}

    def route_name(self, path: str) -> str:
        if "/search/" in path:
            return "search"
        return "timeline" if path.endswith("/tweets") and "/users/" in path else "lookup"

    def handle(self, request: Request) -> Reply:
        if request.bearer != self.account.token:
            return self._unauthorized()
        parts = [p for p in request.path.split("/") if p]
        if parts[:1] != ["2"]:
            return Reply(404, {"title": "Not Found", "type": "about:blank", "status": 404, "detail": "Not Found"})
        rest = parts[1:]
        if len(rest) == 3 and rest[0] == "users" and rest[2] == "tweets":
            return self._timeline(rest[1], request)
        if rest[:2] == ["tweets", "search"] and len(rest) == 3:
            return self._search(request)
        if rest == ["tweets"]:
            return self._lookup(request.query.get("ids", "").split(","), single=False)
        if len(rest) == 2 and rest[0] == "tweets":
            return self._lookup([rest[1]], single=True)
        return Reply(404, {"title": "Not Found", "type": "about:blank", "status": 404, "detail": "Not Found"})

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        if fault.kind == "rate_limit":
            reset = int(self.clock.now().timestamp()) + fault.regain_minutes * 60
            return Reply(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                               "status": 429},
                         {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
        if fault.kind == "quota":
            return Reply(429, {"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap",
                               "type": "https://api.twitter.com/2/problems/usage-capped", "period": "Monthly",
                               "scope": "Product"})
        if fault.kind == "auth_expired":
            return self._unauthorized()
        if fault.kind == "gone":
            return Reply(200, {"errors": [self._not_found(request.path.rsplit("/", 1)[-1], "id")]})
        if fault.kind == "http_500":
            return Reply(503, {"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank",
                               "status": 503})
        if fault.kind == "cursor_loop":
            token = request.query.get("next_token") or request.query.get("pagination_token") or _token(0)
            return Reply(200, {"data": [], "meta": {"result_count": 0, "next_token": token}})
        return super().fault_reply(fault, request)

    # ------------------------------------------------------------------------------------------ bodies

    @staticmethod
    def _unauthorized() -> Reply:
        return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})

    @staticmethod
    def _not_found(tweet_id: str, parameter: str) -> dict[str, Any]:
        return {"value": tweet_id, "detail": f"Could not find tweet with {parameter}: [{tweet_id}].",
                "title": "Not Found Error", "resource_type": "tweet", "parameter": parameter,
                "resource_id": tweet_id, "type": "https://api.twitter.com/2/problems/resource-not-found"}

    def _page(self, items: list[dict[str, Any]], request: Request, token_param: str,
              extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        limit = max(5, min(int(request.query.get("max_results") or 10), 100))
        offset = _offset(request.query.get(token_param))
        chunk = items[offset:offset + limit]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if chunk:
            meta.update(newest_id=chunk[0]["id"], oldest_id=chunk[-1]["id"])
        if offset + limit < len(items):
            meta["next_token"] = _token(offset + limit)
        if offset > 0:
            meta["previous_token"] = _token(max(0, offset - limit))
        body: dict[str, Any] = {"data": chunk} if chunk else {}
        if chunk:
            body["includes"] = {"users": self._users(chunk)}
        body.update(extra or {})
        body["meta"] = meta
        return body

    def _timeline(self, user_id: str, request: Request) -> Reply:
        if user_id != self.account.me.id:
            return Reply(200, {"errors": [{"value": user_id, "detail": f"Could not find user with id: [{user_id}].",
                                           "title": "Not Found Error", "resource_type": "user", "parameter": "id",
                                           "type": "https://api.twitter.com/2/problems/resource-not-found"}]})
        since = parse_ts(request.query["start_time"]) if request.query.get("start_time") else None
        until = parse_ts(request.query["end_time"]) if request.query.get("end_time") else None
        posts = sorted((t for t in self.account.threads), key=lambda t: t.post.created, reverse=True)
        items = [self.tweet(t, t.post) for t in posts
                 if (since is None or t.post.created >= since) and (until is None or t.post.created < until)]
        return Reply(200, self._page(items, request, "pagination_token"))

    def _search(self, request: Request) -> Reply:
        query = request.query.get("query", "")
        if not query.startswith("conversation_id:"):
            return Reply(400, {"errors": [{"parameters": {"query": [query]}, "message": "unsupported query"}],
                               "title": "Invalid Request", "detail": "One or more parameters to your request was "
                               "invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
        thread = self.account.thread(query.split(":", 1)[1])
        if thread is None:
            return Reply(200, {"meta": {"result_count": 0}})
        items = [self.tweet(thread, c) for c in sorted(thread.comments, key=lambda c: c.created, reverse=True)]
        extra = {}
        if thread.deleted_parent_refs:
            extra["errors"] = [{**self._not_found(f"{1000 + n}", "referenced_tweets.id"), "section": "includes"}
                               for n in range(thread.deleted_parent_refs)]
        return Reply(200, self._page(items, request, "next_token", extra))

    def _lookup(self, ids: list[str], *, single: bool) -> Reply:
        found, errors = [], []
        for tweet_id in (i for i in ids if i):
            hit = self._find(tweet_id)
            if hit is None:
                errors.append(self._not_found(tweet_id, "id" if single else "ids"))
            else:
                found.append(hit)
        body: dict[str, Any] = {}
        if found:
            body["data"] = found[0] if single else found
            body["includes"] = {"users": self._users(found)}
        if errors:
            body["errors"] = errors
        return Reply(200, body)

    def _find(self, tweet_id: str) -> dict[str, Any] | None:
        hit = self.account.item(tweet_id)
        if hit is not None:
            return self.tweet(*hit)
        for thread in self.account.threads:
            for item in [thread.post, *thread.comments]:
                for old_id, old_text in item.versions:
                    if old_id == tweet_id:
                        # X returns an earlier version with the whole edit chain, oldest first
                        return {**self.tweet(thread, item), "id": old_id, "text": old_text,
                                "created_at": _iso(item.created)}
        return None

    def _users(self, tweets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        people = {p.id: p for t in self.account.threads for p in [t.post.author, *(c.author for c in t.comments)]}
        seen = dict.fromkeys(t["author_id"] for t in tweets)
        return [{"id": p.id, "name": p.name, "username": p.handle, "verified": False, "protected": False}
                for pid in seen if (p := people.get(pid))]

    def tweet(self, thread: FakeThread, item: FakeItem) -> dict[str, Any]:
        is_post = item is thread.post
        replies = len(thread.children(None if is_post else item.id))
        body: dict[str, Any] = {
            "id": item.id, "text": item.text, "author_id": item.author.id,
            "conversation_id": thread.post.versions[0][0] if thread.post.versions else thread.post.id,
            "created_at": _iso(item.edited or item.created), "lang": "no", "possibly_sensitive": False,
            "reply_settings": "everyone",
            "edit_history_tweet_ids": [*(v for v, _ in item.versions), item.id],
            "public_metrics": {"retweet_count": 0, "reply_count": replies, "like_count": item.likes,
                               "quote_count": 0, "bookmark_count": 0, "impression_count": 10 * item.likes},
        }
        if not is_post:
            parent = item.parent or thread.post.id
            body["referenced_tweets"] = [{"type": "replied_to", "id": parent}]
            parent_item = self.account.item(parent)
            body["in_reply_to_user_id"] = parent_item[1].author.id if parent_item else thread.post.author.id
        return body
