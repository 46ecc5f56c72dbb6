"""The webhook receiver: a small HTTP service (loopback by default; put a TLS reverse proxy in front).

GET  <path>?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C   -> 200 C when T is the verify token
POST <path>  (X-Hub-Signature-256 over the raw body)                  -> 200 once every event is on disk

Unsigned, forged, oversized or unparsable deliveries are refused (403 / 413 / 400) and logged without their
body. A 500 (the spool could not be written) makes Meta deliver again later, so nothing acknowledged is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..clock import format_ts
from ..errors import RecordError
from .events import parse_delivery, signature_valid
from .spool import Spool

__all__ = ["WebhookServer"]

log = logging.getLogger(__name__)


class WebhookServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, spool: Spool, *, app_secret: str, verify_token: str, host: str = "127.0.0.1",
                 port: int = 0, path: str = "/webhooks/meta", max_body_bytes: int = 1_000_000,
                 now: Callable[[], datetime]) -> None:
        self.spool, self.app_secret, self.verify_token = spool, app_secret, verify_token
        self.path, self.max_body_bytes, self.now = path, max_body_bytes, now
        self.stats = {"accepted": 0, "duplicates": 0, "rejected": 0}
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    def refuse(self, peer: str, reason: str) -> None:
        self.stats["rejected"] += 1
        self.spool.reject(f"{format_ts(self.now())} {peer} {reason}")
        log.warning("webhook refused from %s: %s", peer, reason)


class _Handler(BaseHTTPRequestHandler):
    server: WebhookServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall per reply
    timeout = 30  # seconds a client may take to send its request: a stalled one cannot hold a thread forever

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != self.server.path:
            return self._reply(404, b"not found")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if query.get("hub.mode") == "subscribe" and query.get("hub.verify_token") == self.server.verify_token \
                and self.server.verify_token:
            return self._reply(200, query.get("hub.challenge", "").encode("utf-8"))
        self.server.refuse(self._peer(), "verification handshake with a wrong verify token")
        return self._reply(403, b"forbidden")

    def do_POST(self) -> None:
        server = self.server
        if urlsplit(self.path).path != server.path:
            return self._reply(404, b"not found")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            server.refuse(self._peer(), "no Content-Length")
            return self._reply(411, b"length required", close=True)
        if length > server.max_body_bytes:
            server.refuse(self._peer(), f"body of {length} bytes is over the limit")
            return self._reply(413, b"too large", close=True)
        body = self.rfile.read(length)
        if not signature_valid(body, self.headers.get("X-Hub-Signature-256"), server.app_secret):
            reason = "unsigned" if not self.headers.get("X-Hub-Signature-256") else "signature does not match"
            server.refuse(self._peer(), f"{reason} ({length} bytes)")
            return self._reply(403, b"forbidden")
        try:
            events = parse_delivery(body)
        except RecordError as exc:
            server.refuse(self._peer(), f"signed but unreadable: {exc}")
            return self._reply(400, b"bad request")
        received = format_ts(server.now())
        try:
            fresh = [server.spool.put(event, received) for event in events]
        except OSError as exc:
            log.error("webhook spool unwritable (%s); not acknowledging, Meta will deliver again", exc.strerror)
            return self._reply(500, b"try again")
        server.stats["accepted"] += sum(fresh)
        server.stats["duplicates"] += len(fresh) - sum(fresh)
        log.info("webhook: %d event(s) kept, %d duplicate(s)", sum(fresh), len(fresh) - sum(fresh))
        return self._reply(200, b"EVENT_RECEIVED")

    def _peer(self) -> str:
        forwarded = self.headers.get("X-Forwarded-For")
        return f"{self.client_address[0]}" + (f" (for {forwarded.split(',')[0].strip()})" if forwarded else "")

    def _reply(self, status: int, body: bytes, *, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Access lines without the query string (it may hold the verify token)."""
        log.debug("webhook %s %s", self.command, urlsplit(self.path).path)
