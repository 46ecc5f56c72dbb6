"""A fake Facebook Graph API on 127.0.0.1 for the demo, the tests and the benchmarks.

Shaped like the recorded responses in ../shared/reference/api-samples/facebook: cursor paging with
``paging.cursors`` and an absolute ``paging.next`` that carries ``access_token`` (as Graph does, which is why
the archiver must scrub it), ``summary{order,total_count,can_comment}``, the Graph error envelope with
``code``/``error_subcode``/``fbtrace_id``, ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` as JSON strings,
``Facebook-API-Version``, and non-ASCII escaped as ``\\uXXXX``.

Faults are injected per request path (regex) for a number of times: see ``Fault``. They can be set from
Python (``server.inject``) or over HTTP (``POST /__fake__/faults`` with a JSON list), and ``GET
/__fake__/stats`` reports request counts.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..clock import Clock, parse_ts
from .server import FakeApi, Fault, Reply, Request

__all__ = ["FakeGraphServer", "FakePage", "FakePost", "Fault", "GraphApi"]

RATE_LIMIT_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more "
           "info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}


@dataclass
class FakePost:
    """A post and its comments in Graph API shape (comments as Graph returns them with filter=stream)."""

    id: str
    created_time: str
    message: str
    updated_time: str | None = None
    author: Mapping[str, str] | None = None
    permalink_url: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    is_hidden: bool = False
    reactions: Mapping[str, int] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    extra_reported_comments: int = 0  # comments the platform counts but never returns (deleted, restricted)


@dataclass
class FakePage:
    id: str
    name: str
    posts: list[FakePost]
    token: str = "demo-page-token"
    withhold_authors: bool = False  # behave as with a non-Page token: no 'from' on people's comments

    def post(self, post_id: str) -> FakePost | None:
        return next((p for p in self.posts if p.id == post_id), None)


class GraphApi(FakeApi):
    """What the Facebook and Instagram fakes share: the versioned path, token check, error envelope,
    usage headers and cursor paging."""

    content_type = "application/json; charset=UTF-8"

    def __init__(self, token: str, *, port: int = 0, api_version: str = "v23.0", account_id: str = "",
                 clock: Clock | None = None) -> None:
        super().__init__(port=port, clock=clock)
        self.token = token
        self.api_version = api_version
        self.account_id = account_id

    def route_name(self, path: str) -> str:
        return _route_name(path)

    def extra_headers(self, request: Request, reply: Reply) -> Mapping[str, str]:
        return {"facebook-api-version": self.api_version,
                "x-app-usage": json.dumps({"call_count": 1, "total_cputime": 1, "total_time": 1},
                                          separators=(",", ":"))}

    def handle(self, request: Request) -> Reply:
        prefix = f"/{self.api_version}/"
        if not request.path.startswith(prefix):
            return self.error(400, 2635, "OAuthException", "(#2635) You are calling a deprecated version of the "
                              f"Ads API. Use {self.api_version}.")
        token = request.query.get("access_token") or request.bearer
        if token != self.token:
            return self.error(400, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
        return self.route([s for s in request.path[len(prefix):].split("/") if s], request)

    def route(self, segments: list[str], request: Request) -> Reply:
        raise NotImplementedError

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        if fault.kind in ("rate_limit", "quota"):
            headers = {"x-business-use-case-usage": json.dumps({self.account_id: [{
                "type": self.buc_type, "call_count": 100, "total_cputime": 24, "total_time": 37,
                "estimated_time_to_regain_access": fault.regain_minutes}]}, separators=(",", ":"))}
            code = fault.code if fault.kind == "rate_limit" else self.buc_code
            return self.error(400 if code != 4 else 403, code, "OAuthException",
                              RATE_LIMIT_MESSAGES.get(code, f"(#{code}) rate limit"), headers=headers)
        if fault.kind == "http_500":
            return self.error(500, 2, "OAuthException", "An unexpected error has occurred. Please retry your "
                              "request later.", transient=True)
        if fault.kind == "auth_expired":
            return self.error(400, 190, "OAuthException", "Error validating access token: Session has expired on "
                              "Wednesday, 14-Feb-18 18:00:00 PST.", subcode=463)
        if fault.kind == "gone":
            return self.gone(request.path.rsplit("/", 1)[-1])
        if fault.kind == "cursor_loop":
            body = {"data": [], "paging": {"cursors": {"after": "bG9vcA"},
                                           "next": f"{self.url}{request.path}?{urlencode(dict(request.query))}"}}
            return Reply(200, body)
        return super().fault_reply(fault, request)

    buc_type = "pages"
    buc_code = 80001

    def cursor_page(self, items: list[dict[str, Any]], request: Request, extra: Mapping[str, Any] | None = None,
             default_limit: int = 25) -> dict[str, Any]:
        query = request.query
        limit = max(1, min(int(query.get("limit") or default_limit), 100))
        offset = _decode_cursor(query.get("after"))
        chunk = items[offset:offset + limit]
        body: dict[str, Any] = {"data": chunk}
        if chunk:
            paging: dict[str, Any] = {"cursors": {"before": _encode_cursor(offset),
                                                  "after": _encode_cursor(offset + len(chunk))}}
            if offset + len(chunk) < len(items):
                next_query = {k: v for k, v in query.items() if k not in ("after", "before")}
                next_query["limit"] = str(limit)
                next_query["after"] = _encode_cursor(offset + len(chunk))
                paging["next"] = f"{self.url}{request.path}?{urlencode(next_query)}"
            if offset > 0:
                previous_query = {k: v for k, v in query.items() if k not in ("after", "before")}
                previous_query["before"] = _encode_cursor(offset)
                paging["previous"] = f"{self.url}{request.path}?{urlencode(previous_query)}"
            body["paging"] = paging
        if extra:
            body.update(extra)
        return body

    def gone(self, object_id: str) -> Reply:
        return self.error(400, 100, "GraphMethodException",
                          f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded "
                          "due to missing permissions, or does not support this operation. Please read the Graph "
                          "API documentation at https://developers.facebook.com/docs/graph-api", subcode=33)

    def error(self, status: int, code: int, kind: str, message: str, *, subcode: int | None = None,
              transient: bool | None = None, headers: Mapping[str, str] | None = None) -> Reply:
        error: dict[str, Any] = {"message": message, "type": kind, "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        if transient is not None:
            error["is_transient"] = transient
        error["fbtrace_id"] = "AfakeTrace" + str(self.stats["requests"])
        return Reply(status, {"error": error}, dict(headers or {}))


class FakeGraphServer(GraphApi):
    """A Facebook Page over the fake Graph API."""

    def __init__(self, page: FakePage, *, port: int = 0, api_version: str = "v23.0") -> None:
        super().__init__(page.token, port=port, api_version=api_version, account_id=page.id)
        self.page = page

    def route(self, segments: list[str], request: Request) -> Reply:
        if len(segments) == 2 and segments[0] == self.page.id and segments[1] in ("feed", "posts", "published_posts"):
            return Reply(200, self._feed(request))
        if len(segments) == 2 and segments[1] == "comments":
            post = self.page.post(segments[0])
            if post is None:
                return self.gone(segments[0])
            return Reply(200, self._comments(post, request))
        if len(segments) == 1:
            if segments[0] == self.page.id:
                return Reply(200, {"id": self.page.id, "name": self.page.name})
            post = self.page.post(segments[0])
            if post is None:
                return self.gone(segments[0])
            return Reply(200, self._post(post))
        return self.gone("/".join(segments))

    def _feed(self, request: Request) -> dict[str, Any]:
        since = _epoch(request.query.get("since"))
        until = _epoch(request.query.get("until"))
        posts = sorted(self.page.posts, key=lambda p: p.created_time, reverse=True)
        items = [
            {"id": p.id, "created_time": p.created_time, "updated_time": p.updated_time or p.created_time}
            for p in posts
            if (since is None or (_epoch(p.created_time) or 0.0) >= since)
            and (until is None or (_epoch(p.created_time) or 0.0) < until)
        ]
        return self.cursor_page(items, request)

    def _post(self, post: FakePost) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": post.id, "created_time": post.created_time, "updated_time": post.updated_time or post.created_time,
            "message": post.message, "from": dict(post.author or {"name": self.page.name, "id": self.page.id}),
            "permalink_url": post.permalink_url or f"https://www.facebook.com/{self.page.id}/posts/{post.id.split('_')[-1]}",
            "status_type": "added_photos" if post.attachments else "mobile_status_update",
            "is_hidden": post.is_hidden, "is_published": True,
            "comments": {"data": [], "summary": {"order": "chronological",
                                                 "total_count": len(post.comments) + post.extra_reported_comments,
                                                 "can_comment": True}},
            "reactions": {"data": [], "summary": {"total_count": sum(post.reactions.values()),
                                                  "viewer_reaction": "NONE"}},
        }
        if post.attachments:
            body["attachments"] = {"data": post.attachments}
        for kind, count in post.reactions.items():
            body[kind] = {"data": [], "summary": {"total_count": count}}
        return body

    def _comments(self, post: FakePost, request: Request) -> dict[str, Any]:
        query = request.query
        stream = query.get("filter") == "stream"
        items = [self._comment_view(c) for c in post.comments if stream or "parent" not in c]
        if query.get("order", "chronological") == "reverse_chronological":
            items.reverse()
        summary = {"order": "chronological" if stream else "ranked",
                   "total_count": len(post.comments) + post.extra_reported_comments, "can_comment": True}
        return self.cursor_page(items, request, {"summary": summary} if query.get("summary") in ("true", "1") else None)

    def _comment_view(self, comment: Mapping[str, Any]) -> dict[str, Any]:
        view = dict(comment)
        author = view.get("from")
        if self.page.withhold_authors and isinstance(author, Mapping) and author.get("id") != self.page.id:
            view.pop("from")
        return view


def _route_name(path: str) -> str:
    if path.endswith("/comments"):
        return "comments"
    if path.endswith(("/feed", "/posts", "/published_posts")):
        return "feed"
    return "object"




def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(text.split(":", 1)[1]))
    except (ValueError, IndexError):
        return 0


def _epoch(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    if re.fullmatch(r"\d+", value):
        return float(value)
    return parse_ts(value).timestamp()
