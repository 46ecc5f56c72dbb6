"""What every HTTP connector shares: the client, credentials, paging, the evidence envelope.

A platform connector subclasses ``HttpConnector`` and supplies four things: ``classify`` (what a response
means: the platform's rate-limit, quota, auth and deletion signals), ``root`` (where its API lives),
``list_threads`` and ``fetch_thread`` (which requests make up a thread). Retries, waiting, redaction,
pagination loops and the provenance envelope (``RawCapture``) are done here, once.

Credentials go either into a query parameter (``auth_param``: Graph ``access_token``, YouTube ``key``) or
into an ``Authorization: Bearer`` header. Either way they are only ever sent to the account's own
``base_url``: a pagination URL that leads elsewhere is refused, never followed with the credential.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from .. import __version__
from ..clock import Clock, format_ts, parse_ts
from ..config import AccountConfig, Secret
from ..errors import SourceError
from .base import Exchange, RawCapture, ThreadRef
from .http import Classification, HttpClient, RetryPolicy
from .pagination import Paginator, follow

__all__ = ["HttpConnector", "Record", "oldest_first", "stamp"]

Record = Callable[[Exchange], None]


class HttpConnector:
    platform = ""
    name = ""
    version = __version__
    auth_param: str | None = None  # None: Authorization: Bearer
    # True when listing the account's whole history is cheap and each listed post carries a change signal
    # (``ThreadRef.activity``): the planner then lists everything and recaptures what moved. False: it lists
    # the look-back window and revisits older threads on the slower schedule.
    lists_everything = False

    def __init__(self, account: AccountConfig, token: Secret | None, clock: Clock, *,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.account = account
        self.clock = clock
        self._token = token if token is not None and token.reveal() else None  # credential "none": no auth
        token = self._token
        headers = dict(self.headers())
        if token is not None and self.auth_param is None:
            headers["Authorization"] = f"Bearer {token.reveal()}"
        self.client = HttpClient(
            classify=self.classify, clock=clock, secrets=(token.reveal(),) if token else (),
            policy=RetryPolicy(max_attempts=account.max_attempts, wait_budget=account.max_wait_seconds),
            timeout=account.timeout_seconds, user_agent=f"socialarkiv/{__version__}", transport=transport,
            sleep=sleep, extra_headers=headers, pace=self.pace)
        self.root = self.api_root()

    # -------------------------------------------------------------------------- what a platform supplies

    def api_root(self) -> str:
        return self.account.base_url

    def headers(self) -> Mapping[str, str]:
        return {}

    def classify(self, status: int, headers: Mapping[str, str], body: Any) -> Classification:
        raise NotImplementedError

    def pace(self, headers: Mapping[str, str]) -> float | None:
        """Seconds to wait after a successful response, from the platform's remaining-budget headers."""
        return None

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        raise NotImplementedError

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        """Make every request of one thread, passing each exchange to ``record``."""
        raise NotImplementedError

    # ------------------------------------------------------------------------------------ shared machinery

    def capture_thread(self, ref: ThreadRef) -> RawCapture:
        exchanges: list[Exchange] = []
        started = format_ts(self.clock.now())

        def evidence() -> RawCapture:
            return RawCapture(platform=self.platform, ref=ref, connector=self.name, connector_version=self.version,
                              api_version=self.account.api_version, started_at=started,
                              ended_at=format_ts(self.clock.now()), exchanges=tuple(exchanges))

        try:
            self.fetch_thread(ref, exchanges.append)
        except SourceError as exc:
            exc.evidence = evidence()  # what we got so far, for the quarantine report
            raise
        return evidence()

    def params(self, **extra: str) -> dict[str, str]:
        if self.auth_param and self._token is not None:
            return {**extra, self.auth_param: self._token.reveal()}
        return dict(extra)

    def get(self, url: str, params: Mapping[str, str] | None, purpose: str, record: Record) -> Any:
        return self._fetch(url, params, purpose, record)[0]

    def pages(self, url: str, params: Mapping[str, str] | None, paginator: Paginator, purpose: str,
              record: Record) -> Iterator[Any]:
        return follow(url, params, paginator, lambda u, p: self._fetch(u, p, purpose, record),
                      describe=self.client.safe)

    def _fetch(self, url: str, params: Mapping[str, str] | None, purpose: str,
               record: Record) -> tuple[Any, Mapping[str, str]]:
        if not _same_origin(url, self.account.base_url):
            raise SourceError(f"{self.platform} pointed to {self.client.safe(url)}, outside "
                              f"{self.account.base_url}; not sending the account's credential there")
        if params is None and self.auth_param and self._token is not None \
                and f"{self.auth_param}=" not in urlsplit(url).query:
            url += ("&" if "?" in url else "?") + urlencode({self.auth_param: self._token.reveal()})
        return self.client.get_json(url, params, purpose=purpose, record=record)

    def close(self) -> None:
        self.client.close()


def oldest_first(refs: Iterable[ThreadRef]) -> list[ThreadRef]:
    """The order ``list_threads`` promises: by creation, then id, so runs are reproducible."""
    return sorted(refs, key=lambda r: (r.created_at or "", r.post_id))


def stamp(value: Any) -> str | None:
    """A platform's timestamp as the archive's canonical string, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return format_ts(parse_ts(value))
    except ValueError:
        return None


def _same_origin(url: str, base: str) -> bool:
    target, home = urlsplit(url), urlsplit(base)
    return (target.scheme, target.netloc.lower()) == (home.scheme, home.netloc.lower())
