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
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..clock import parse_ts

__all__ = ["FakeGraphServer", "FakePage", "FakePost", "Fault"]

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


@dataclass
class Fault:
    """One injected failure. ``kind``: rate_limit (with ``code``), http_500, slow (``delay`` s), timeout,
    auth_expired, truncated, cursor_loop, gone. Applies to requests whose path matches ``path`` for ``times``
    requests (after ``skip`` matching requests)."""

    kind: str
    path: str = ".*"
    times: int = 1
    skip: int = 0
    code: int = 80001
    delay: float = 0.0
    regain_minutes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class FakeGraphServer:
    """Serve ``page`` over real HTTP on 127.0.0.1. Use as a context manager or call start()/stop()."""

    def __init__(self, page: FakePage, *, port: int = 0, api_version: str = "v23.0") -> None:
        self.page = page
        self.api_version = api_version
        self.stats: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._seen: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGraphServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-graph", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeGraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._seen.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.times > 0 and re.search(fault.path, path):
                    self._seen[index] += 1
                    if self._seen[index] <= fault.skip:
                        continue
                    fault.times -= 1
                    return fault
        return None

    # ------------------------------------------------------------------------------------------- routing

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server._serve(self, "GET")

            def do_POST(self) -> None:
                server._serve(self, "POST")

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        path = parts.path
        if path.startswith("/__fake__/"):
            return self._control(request, method, path)
        with self._lock:
            self.stats["requests"] += 1
            self.stats[_route_name(path)] += 1
        fault = self._take_fault(path)
        if fault is not None:
            if self._fault(request, fault, path, query):
                return
        prefix = f"/{self.api_version}/"
        if not path.startswith(prefix):
            return self._error(request, 400, 2635, "OAuthException",
                               f"(#2635) You are calling a deprecated version of the Ads API. Use {self.api_version}.")
        token = query.get("access_token") or _bearer(request.headers.get("Authorization"))
        if token != self.page.token:
            return self._error(request, 400, 190, "OAuthException", "Invalid OAuth access token - Cannot parse "
                               "access token", subcode=None)
        segments = [s for s in path[len(prefix):].split("/") if s]
        if len(segments) == 2 and segments[0] == self.page.id and segments[1] in ("feed", "posts", "published_posts"):
            return self._send(request, 200, self._feed(query, path))
        if len(segments) == 2 and segments[1] == "comments":
            post = self.page.post(segments[0])
            if post is None:
                return self._gone(request, segments[0])
            return self._send(request, 200, self._comments(post, query, path))
        if len(segments) == 1:
            if segments[0] == self.page.id:
                return self._send(request, 200, {"id": self.page.id, "name": self.page.name})
            post = self.page.post(segments[0])
            if post is None:
                return self._gone(request, segments[0])
            return self._send(request, 200, self._post(post))
        return self._gone(request, "/".join(segments))

    def _control(self, request: BaseHTTPRequestHandler, method: str, path: str) -> None:
        if path == "/__fake__/stats":
            with self._lock:
                return self._send(request, 200, dict(self.stats), usage=False)
        if path == "/__fake__/faults" and method == "POST":
            length = int(request.headers.get("Content-Length") or 0)
            items = json.loads(request.rfile.read(length) or b"[]")
            self.inject(*(Fault(**item) for item in items))
            return self._send(request, 200, {"injected": len(items)}, usage=False)
        return self._send(request, 404, {"error": "unknown control path"}, usage=False)

    # ------------------------------------------------------------------------------------------- bodies

    def _page(self, items: list[dict[str, Any]], query: Mapping[str, str], path: str,
              extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        limit = max(1, min(int(query.get("limit") or 25), 100))
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
                paging["next"] = f"{self.url}{path}?{urlencode(next_query)}"
            if offset > 0:
                previous_query = {k: v for k, v in query.items() if k not in ("after", "before")}
                previous_query["before"] = _encode_cursor(offset)
                paging["previous"] = f"{self.url}{path}?{urlencode(previous_query)}"
            body["paging"] = paging
        if extra:
            body.update(extra)
        return body

    def _feed(self, query: Mapping[str, str], path: str) -> dict[str, Any]:
        since = _epoch(query.get("since"))
        until = _epoch(query.get("until"))
        posts = sorted(self.page.posts, key=lambda p: p.created_time, reverse=True)
        items = [
            {"id": p.id, "created_time": p.created_time, "updated_time": p.updated_time or p.created_time}
            for p in posts
            if (since is None or (_epoch(p.created_time) or 0.0) >= since)
            and (until is None or (_epoch(p.created_time) or 0.0) < until)
        ]
        return self._page(items, query, path)

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

    def _comments(self, post: FakePost, query: Mapping[str, str], path: str) -> dict[str, Any]:
        stream = query.get("filter") == "stream"
        items = [self._comment_view(c) for c in post.comments if stream or "parent" not in c]
        if query.get("order", "chronological") == "reverse_chronological":
            items.reverse()
        summary = {"order": "chronological" if stream else "ranked",
                   "total_count": len(post.comments) + post.extra_reported_comments, "can_comment": True}
        return self._page(items, query, path, {"summary": summary} if query.get("summary") in ("true", "1") else None)

    def _comment_view(self, comment: Mapping[str, Any]) -> dict[str, Any]:
        view = dict(comment)
        author = view.get("from")
        if self.page.withhold_authors and isinstance(author, Mapping) and author.get("id") != self.page.id:
            view.pop("from")
        return view

    # ------------------------------------------------------------------------------------------- output

    def _fault(self, request: BaseHTTPRequestHandler, fault: Fault, path: str, query: Mapping[str, str]) -> bool:
        """Answer with the fault; False when the fault only delays and normal handling should go on."""
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return False
        if fault.kind == "timeout":
            time.sleep(fault.delay or 5.0)
            request.close_connection = True
            return True
        if fault.kind == "rate_limit":
            headers = {"x-business-use-case-usage": json.dumps({self.page.id: [{
                "type": "pages", "call_count": 100, "total_cputime": 24, "total_time": 37,
                "estimated_time_to_regain_access": fault.regain_minutes}]}, separators=(",", ":"))}
            self._error(request, 400 if fault.code != 4 else 403, fault.code, "OAuthException",
                        RATE_LIMIT_MESSAGES.get(fault.code, f"(#{fault.code}) rate limit"), headers=headers)
            return True
        if fault.kind == "http_500":
            self._error(request, 500, 2, "OAuthException", "An unexpected error has occurred. Please retry your "
                        "request later.", transient=True)
            return True
        if fault.kind == "auth_expired":
            self._error(request, 400, 190, "OAuthException", "Error validating access token: Session has expired on "
                        "Wednesday, 14-Feb-18 18:00:00 PST.", subcode=463)
            return True
        if fault.kind == "gone":
            self._gone(request, path.rsplit("/", 1)[-1])
            return True
        if fault.kind == "truncated":
            raw = b'{"data": [{"id": "1_2", "message": "Hei, dette svar'
            self._write(request, 200, raw, {"content-type": "application/json; charset=UTF-8"})
            return True
        if fault.kind == "cursor_loop":
            loop = dict(query)
            body = {"data": [], "paging": {"cursors": {"after": "bG9vcA"},
                                           "next": f"{self.url}{path}?{urlencode(loop)}"}}
            self._send(request, 200, body)
            return True
        raise ValueError(f"unknown fault kind {fault.kind!r}")

    def _gone(self, request: BaseHTTPRequestHandler, object_id: str) -> None:
        self._error(request, 400, 100, "GraphMethodException",
                    f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
                    "missing permissions, or does not support this operation. Please read the Graph API "
                    "documentation at https://developers.facebook.com/docs/graph-api", subcode=33)

    def _error(self, request: BaseHTTPRequestHandler, status: int, code: int, kind: str, message: str, *,
               subcode: int | None = None, transient: bool | None = None,
               headers: Mapping[str, str] | None = None) -> None:
        error: dict[str, Any] = {"message": message, "type": kind, "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        if transient is not None:
            error["is_transient"] = transient
        error["fbtrace_id"] = "AfakeTrace" + str(self.stats["requests"])
        self._send(request, status, {"error": error}, headers=headers)

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: Any, *,
              headers: Mapping[str, str] | None = None, usage: bool = True) -> None:
        raw = json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        all_headers = {"content-type": "application/json; charset=UTF-8"}
        if usage:
            all_headers["facebook-api-version"] = self.api_version
            all_headers["x-app-usage"] = json.dumps({"call_count": 1, "total_cputime": 1, "total_time": 1},
                                                    separators=(",", ":"))
        all_headers.update(headers or {})
        self._write(request, status, raw, all_headers)

    @staticmethod
    def _write(request: BaseHTTPRequestHandler, status: int, raw: bytes, headers: Mapping[str, str]) -> None:
        try:
            request.send_response(status)
            for name, value in headers.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(raw)))
            request.end_headers()
            request.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts): nothing to do
            pass


def _route_name(path: str) -> str:
    if path.endswith("/comments"):
        return "comments"
    if path.endswith(("/feed", "/posts", "/published_posts")):
        return "feed"
    return "object"


def _bearer(value: str | None) -> str | None:
    if value and value.lower().startswith(("bearer ", "oauth ")):
        return value.split(" ", 1)[1].strip()
    return None


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
