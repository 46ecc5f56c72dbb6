"""HTTP for connectors: timeouts, one retry and rate-limit policy, redaction, evidence recording.

The platform decides what a response means (``Classifier``); this module decides what to do about it:

    OK            keep it
    RATE_LIMITED  wait the platform's hint if it fits the wait budget, else raise ``RateLimited`` (retryable)
    QUOTA         raise ``QuotaExhausted`` at once: a calendar quota (daily, monthly) is used up
    TRANSIENT     jittered exponential backoff, at most ``max_attempts``, then ``TransientSourceError``
    AUTH          raise ``AuthError`` at once (renew the credential)
    GONE          raise ``GoneAtSource`` (the object was deleted; not an error for the run)
    FATAL         raise ``SourceError``

Every attempt, successful or not, is kept as an ``Exchange`` with a scrubbed URL and body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

import httpx

from ..clock import Clock, format_ts
from ..errors import (
    AuthError,
    GoneAtSource,
    MalformedResponse,
    QuotaExhausted,
    RateLimited,
    SourceError,
    TransientSourceError,
)
from ..redact import scrub_json, scrub_text, scrub_url
from .base import Exchange

__all__ = ["KEPT_HEADERS", "Classification", "HttpClient", "Outcome", "RetryPolicy", "pace_until_reset"]

log = logging.getLogger(__name__)
# httpx logs every request's full URL at INFO, and Graph puts the access token in the query (and in every
# pagination URL): under `archiver -v` or an Airflow task log that would write tokens to logs. Our own log
# lines name requests by their scrubbed URL instead.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

# Response headers worth keeping as evidence: rate-limit and usage signals, API version, paging, tracing.
KEPT_HEADERS = frozenset({
    "content-type", "etag", "last-modified", "link", "retry-after",
    "facebook-api-version", "x-app-usage", "x-business-use-case-usage", "x-page-usage", "x-fb-trace-id",
    "x-fb-rev", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset",
    "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
    "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy",
    "x-restli-protocol-version", "linkedin-version", "x-access-level", "api-version", "mastodon-async-refresh",
})


class Outcome(Enum):
    OK = "ok"
    RATE_LIMITED = "rate_limited"
    QUOTA = "quota"
    TRANSIENT = "transient"
    AUTH = "auth"
    GONE = "gone"
    FATAL = "fatal"


@dataclass(frozen=True)
class Classification:
    outcome: Outcome
    message: str = ""
    wait_seconds: float | None = None
    code: int | None = None
    resume_at: str | None = None


Classifier = Callable[[int, Mapping[str, str], Any], Classification]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_backoff: float = 1.0
    max_backoff: float = 60.0
    wait_budget: float = 60.0  # total seconds one request may spend waiting for rate limits in-process


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0


@dataclass
class HttpClient:
    """A small synchronous client. ``transport`` is injectable (``httpx.MockTransport`` in unit tests)."""

    classify: Classifier
    clock: Clock
    secrets: tuple[str, ...] = ()
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 30.0
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    user_agent: str = "socialarkiv"
    stats: Stats = field(default_factory=Stats)
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    pace: Callable[[Mapping[str, str]], float | None] | None = None  # seconds to wait after a success

    def __post_init__(self) -> None:
        self._client = httpx.Client(transport=self.transport, timeout=self.timeout, follow_redirects=False,
                                    verify=_tls_context(), headers={"User-Agent": self.user_agent,
                                                                    **self.extra_headers})

    def close(self) -> None:
        self._client.close()

    def get_json(self, url: str, params: Mapping[str, str] | None = None, *, purpose: str,
                 record: Callable[[Exchange], None]) -> tuple[Any, Mapping[str, str]]:
        """GET and parse JSON, applying the policy. Each attempt is passed to ``record`` as evidence."""
        waited = 0.0
        attempt = 0
        # built once, URL parsed once (the client would parse a long query string three times), sent at
        # each attempt; without redirects the response's request is this one, so its safe URL is this one
        request = self._client.build_request("GET", httpx.URL(url, params=params) if params else httpx.URL(url))
        safe_url = self.safe(str(request.url))
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                response = self._client.send(request)
            except httpx.TimeoutException as exc:
                problem: Classification = Classification(Outcome.TRANSIENT, f"timeout after {self.timeout:g} s")
                cause: BaseException | None = exc
                body: Any = None
                headers: Mapping[str, str] = {}
            except httpx.TransportError as exc:
                problem, cause, body, headers = Classification(Outcome.TRANSIENT, type(exc).__name__), exc, None, {}
            else:
                headers = {k.lower(): v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
                raw = response.content
                body, parse_error = _parse(raw)
                record(Exchange(method="GET", url=safe_url, status=response.status_code,
                                headers={k: self.safe(v) for k, v in headers.items()},
                                body=scrub_json(body if parse_error is None else raw.decode("utf-8", "replace"),
                                                self.secrets),
                                body_sha256=hashlib.sha256(raw).hexdigest(),
                                retrieved_at=format_ts(self.clock.now()), purpose=purpose))
                cause = None
                if parse_error is not None:
                    problem = Classification(
                        Outcome.TRANSIENT if response.status_code >= 500 else Outcome.FATAL,
                        f"response is not valid JSON ({parse_error})")
                    if problem.outcome is Outcome.FATAL and attempt < min(2, self.policy.max_attempts):
                        problem = Classification(Outcome.TRANSIENT, problem.message)  # retry a cut-off body once
                    elif problem.outcome is Outcome.FATAL:
                        raise MalformedResponse(f"{problem.message} from {safe_url}", url=safe_url,
                                                status=response.status_code)
                else:
                    problem = self.classify(response.status_code, headers, body)
                    if problem.outcome is Outcome.OK:
                        self._pace(headers)
                        return body, headers
            waited = self._act(problem, attempt, waited, safe_url, cause)

    def _act(self, problem: Classification, attempt: int, waited: float, url: str,
             cause: BaseException | None) -> float:
        """Raise for final outcomes; otherwise sleep and return the new total waited."""
        outcome = problem.outcome
        if outcome is Outcome.AUTH:
            raise AuthError(problem.message, url=url, code=problem.code) from cause
        if outcome is Outcome.GONE:
            raise GoneAtSource(problem.message, url=url, code=problem.code) from cause
        if outcome is Outcome.FATAL:
            raise SourceError(problem.message, url=url, code=problem.code) from cause
        if outcome is Outcome.QUOTA:
            resume = f"; it resets at {problem.resume_at}" if problem.resume_at else ""
            raise QuotaExhausted(f"{problem.message}{resume}; this account stops until the next run",
                                 wait_seconds=problem.wait_seconds or 0.0, resume_at=problem.resume_at, url=url,
                                 code=problem.code) from cause
        if outcome is Outcome.RATE_LIMITED:
            wait = problem.wait_seconds if problem.wait_seconds is not None else self._backoff(attempt, 60.0)
            if waited + wait > self.policy.wait_budget or attempt >= self.policy.max_attempts:
                raise RateLimited(f"{problem.message}; retry after about {wait:.0f} s", wait_seconds=wait, url=url,
                                  code=problem.code) from cause
            self.stats.rate_limit_waits += 1
            log.warning("rate limited by %s: waiting %.1f s (%s)", url, wait, problem.message)
        else:  # TRANSIENT
            if attempt >= self.policy.max_attempts:
                raise TransientSourceError(f"{problem.message} (gave up after {attempt} attempts)", url=url,
                                           code=problem.code) from cause
            wait = self._backoff(attempt, self.policy.base_backoff)
            log.info("transient failure from %s (%s): retry %d in %.1f s", url, problem.message, attempt, wait)
        self.stats.retries += 1
        self.stats.waited_seconds += wait
        self.sleep(wait)
        return waited + wait

    def _pace(self, headers: Mapping[str, str]) -> None:
        """Spread the remaining calls until the reset when the platform says few are left (section 8)."""
        wait = self.pace(headers) if self.pace is not None else None
        if wait is not None and wait > 0:
            wait = min(wait, self.policy.wait_budget)
            self.stats.waited_seconds += wait
            log.info("pacing: %.1f s before the next request (rate-limit budget nearly used)", wait)
            self.sleep(wait)

    def _backoff(self, attempt: int, base: float) -> float:
        ceiling = min(self.policy.max_backoff, base * (2 ** (attempt - 1)))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)  # "equal jitter"

    def safe(self, text: str) -> str:
        """A URL or header value with every credential removed: the only form that may be logged or kept."""
        if "://" in text:
            return scrub_url(text, self.secrets)
        return scrub_text(text, self.secrets)


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi, or SSL_CERT_FILE/SSL_CERT_DIR), built once: building it loads the
    CA bundle, about 25 ms, which every thread's client would otherwise pay."""
    return httpx.create_ssl_context()


def _parse(raw: bytes) -> tuple[Any, str | None]:
    if not raw:
        return None, "empty body"
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{type(exc).__name__} at byte {getattr(exc, 'pos', '?')}"


def pace_until_reset(remaining: str | None, limit: str | None, seconds_to_reset: float | None,
                     threshold: float = 0.1) -> float | None:
    """Below ``threshold`` of the limit, wait (time to reset) / (calls left), so the budget lasts to the reset."""
    if not (remaining and limit and remaining.isdecimal() and limit.isdecimal()) or seconds_to_reset is None:
        return None
    left, total = int(remaining), int(limit)
    if total <= 0 or left >= total * threshold:
        return None
    return max(0.0, seconds_to_reset) / max(left, 1)
