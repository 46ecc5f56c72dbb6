"""The machinery every fake platform API shares: real HTTP on 127.0.0.1, fault injection, request counts.

A platform fake subclasses ``FakeApi`` and implements ``handle`` (answer a request the way the platform
does) and ``fault_reply`` (the platform's own shape of a rate limit, quota, expired credential, server error
or deletion). Faults are injected per request path (regex) for a number of requests, from Python
(``server.inject``) or over HTTP (``POST /__fake__/faults`` with a JSON list); ``GET /__fake__/stats``
reports request counts by route.

Fault kinds: ``rate_limit``, ``quota``, ``http_500``, ``auth_expired``, ``gone``, ``cursor_loop`` (answered by
the platform), and ``slow``, ``timeout``, ``truncated`` (answered here, the same for every platform).
"""

from __future__ import annotations

import json
import re
import threading
import time
import traceback
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..clock import Clock, SystemClock

__all__ = ["FakeApi", "Fault", "Reply", "Request"]


@dataclass
class Fault:
    """One injected failure for ``times`` requests whose path matches ``path`` (after ``skip`` of them).

    ``code`` selects a platform's variant (Graph error code; for the others see each fake), ``delay`` is for
    slow/timeout, ``regain_minutes`` is the wait the platform announces for rate limits."""

    kind: str
    path: str = ".*"
    times: int = 1
    skip: int = 0
    code: int = 80001
    delay: float = 0.0
    regain_minutes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("authorization")
        if value and value.lower().startswith(("bearer ", "oauth ")):
            return value.split(" ", 1)[1].strip()
        return None


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is instead of ``body`` (truncated JSON)


class FakeApi:
    """Serve a platform over real HTTP on 127.0.0.1. Use as a context manager or call start()/stop()."""

    content_type = "application/json; charset=utf-8"

    def __init__(self, *, port: int = 0, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()  # rate-limit reset headers are computed from it
        self.stats: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._seen: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self._serving: threading.Thread | None = None

    # ------------------------------------------------------------------------------- what a fake supplies

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        raise ValueError(f"{type(self).__name__} does not emulate fault {fault.kind!r}")

    def route_name(self, path: str) -> str:
        return path.rstrip("/").rsplit("/", 1)[-1] or "root"

    def extra_headers(self, request: Request, reply: Reply) -> Mapping[str, str]:
        """Headers the platform adds to every response (rate-limit counters, API version)."""
        return {}

    # ------------------------------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        host, port = self._httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeApi:
        self._serving = threading.Thread(target=self._httpd.serve_forever, name=type(self).__name__, daemon=True)
        self._serving.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Any:
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

    # ------------------------------------------------------------------------------------- serving

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body are two writes: with Nagle's algorithm the body waits for the client's delayed
            # ACK of the headers, 40 ms per request on a kept-alive connection (a real API does not do that)
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server._serve(self, "GET")

            def do_POST(self) -> None:
                server._serve(self, "POST")

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        request = Request(method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                          {k.lower(): v for k, v in handler.headers.items()})
        if request.path.startswith("/__fake__/"):
            return self._write(handler, self._control(handler, request))
        with self._lock:
            self.stats["requests"] += 1
            self.stats[self.route_name(request.path)] += 1
        fault = self._take_fault(request.path)
        reply: Reply | None = None
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "timeout":
                time.sleep(fault.delay or 5.0)
                handler.close_connection = True
                return
            elif fault.kind == "truncated":
                reply = Reply(200, raw=b'{"data": [{"id": "1_2", "text": "Hei, dette svar')
            else:
                reply = self.fault_reply(fault, request)
        if reply is None:
            try:
                reply = self.handle(request)
            except Exception as exc:  # a bug in the fake: answer 500 and say so, rather than hang up
                traceback.print_exc()
                reply = Reply(500, {"error": "FakeServerBug", "message": repr(exc)})
        reply.headers = {**self.extra_headers(request, reply), **reply.headers}
        self._write(handler, reply)

    def _control(self, handler: BaseHTTPRequestHandler, request: Request) -> Reply:
        if request.path == "/__fake__/stats":
            with self._lock:
                return Reply(200, dict(self.stats))
        if request.path == "/__fake__/faults" and request.method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            items = json.loads(handler.rfile.read(length) or b"[]")
            self.inject(*(Fault(**item) for item in items))
            return Reply(200, {"injected": len(items)})
        return Reply(404, {"error": "unknown control path"})

    def _write(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        raw = reply.raw if reply.raw is not None else \
            json.dumps(reply.body, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        headers = {"content-type": self.content_type, **reply.headers}
        try:
            handler.send_response(reply.status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(raw)))
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts): nothing to do
            pass
