"""Bluesky (AT Protocol AppView): the account's posts and each post's thread at full depth.

Reference: ../shared/reference/PLATFORM_APIS.md section 6. Requests:
``app.bsky.feed.getAuthorFeed?actor=<did>&filter=posts_no_replies&limit=100`` newest first (``cursor``),
until a post was indexed before the window (``indexedAt``, not the client-set ``createdAt``), skipping reposts;
``app.bsky.feed.getPostThread?uri=&depth=1000&parentHeight=0`` for the thread; and the same call anchored on
any reply whose ``replyCount`` exceeds the replies returned under it. Unauthenticated reads work against the
public AppView (credential ``none``); with a token, the account's own view (blocks, threadgate) is used.

Rate limits: 429 with ``Retry-After``, else ``RateLimit-Reset`` (epoch s). ``ExpiredToken``/``InvalidToken``
are auth failures; ``NotFound`` for the anchor is a deletion.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ..clock import parse_ts
from .base import ThreadRef
from .common import HttpConnector, Record, oldest_first, stamp
from .http import Classification, Outcome, pace_until_reset
from .pagination import StopBefore, TokenParam, items_of

__all__ = ["BlueskyConnector", "thread_nodes"]

MAX_DEPTH = "1000"
AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing", "BadJwt"})


def thread_nodes(node: Any) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """Every node below and including ``node`` with its parent's uri, iteratively (threads can be deep)."""
    stack: list[tuple[Any, str | None]] = [(node, None)]
    while stack:
        current, parent = stack.pop()
        if not isinstance(current, Mapping):
            continue
        yield current, parent
        uri = (current.get("post") or {}).get("uri") if isinstance(current.get("post"), Mapping) else None
        for reply in reversed(current.get("replies") or []):
            stack.append((reply, uri))


class BlueskyConnector(HttpConnector):
    platform = "bluesky"
    name = "socialarkiv.bluesky-appview"
    lists_everything = True

    def api_root(self) -> str:
        return f"{self.account.base_url}/xrpc"

    def classify(self, status: int, headers: Mapping[str, str], body: Any) -> Classification:
        error = str(body.get("error") or "") if isinstance(body, Mapping) else ""
        message = str(body.get("message") or "") if isinstance(body, Mapping) else ""
        what = f"Bluesky HTTP {status}" + (f" {error}" if error else "") + (f": {message}" if message else "")
        if status == 429:
            return Classification(Outcome.RATE_LIMITED, what, self._wait(headers), status)
        if status == 401 or error in AUTH_ERRORS:
            return Classification(Outcome.AUTH, f"{what}; create a new session (app password) or OAuth token, or "
                                  "use credential 'none' for the public AppView", code=status)
        if error == "NotFound":
            return Classification(Outcome.GONE, f"{what} (deleted or taken down)", code=status)
        if status >= 500:
            return Classification(Outcome.TRANSIENT, what, code=status)
        if status >= 400:
            return Classification(Outcome.FATAL, what + (" (check the account's DID or handle)"
                                                         if error in ("InvalidRequest", "BlockedActor",
                                                                      "BlockedByActor") else ""), code=status)
        if not isinstance(body, Mapping):
            return Classification(Outcome.FATAL, "Bluesky answered with something other than a JSON object")
        return Classification(Outcome.OK)

    def pace(self, headers: Mapping[str, str]) -> float | None:
        reset = headers.get("ratelimit-reset")
        seconds = int(reset) - self.clock.now().timestamp() if reset and reset.isdecimal() else None
        return pace_until_reset(headers.get("ratelimit-remaining"), headers.get("ratelimit-limit"), seconds)

    def _wait(self, headers: Mapping[str, str]) -> float | None:
        retry = headers.get("retry-after")
        if retry and retry.isdecimal():
            return float(retry)
        reset = headers.get("ratelimit-reset")
        if reset and reset.isdecimal():
            return max(1.0, int(reset) - self.clock.now().timestamp())
        return None

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        refs: dict[str, ThreadRef] = {}
        params = {"actor": self.account.account_id, "filter": "posts_no_replies",
                  "limit": str(self.account.page_size)}
        for body in self.pages(f"{self.root}/app.bsky.feed.getAuthorFeed", params,
                               StopBefore(TokenParam("cursor", "cursor"), since,
                                          lambda b: [_indexed(i) for i in items_of(b, "feed")]),
                               "list-posts", lambda e: None):
            for item in items_of(body, "feed"):
                post = item.get("post") if isinstance(item, Mapping) else None
                reason = str((item.get("reason") or {}).get("$type", "")) if isinstance(item, Mapping) else ""
                if not isinstance(post, Mapping) or "reasonRepost" in reason or item.get("reply"):
                    continue
                if (post.get("author") or {}).get("did") != self.account.account_id:
                    continue
                indexed = _indexed(item)
                if indexed is not None and since <= indexed < until and isinstance(post.get("uri"), str):
                    refs.setdefault(post["uri"], ThreadRef(
                        self.account.key, post["uri"], stamp((post.get("record") or {}).get("createdAt"))
                        or stamp(post.get("indexedAt")), f"replies={post.get('replyCount')}"))
        return oldest_first(refs.values())

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        url = f"{self.root}/app.bsky.feed.getPostThread"
        pending = [(ref.post_id, "thread")]
        anchored: set[str] = set()
        while pending:
            uri, purpose = pending.pop(0)
            anchored.add(uri)
            body = self.get(url, {"uri": uri, "depth": MAX_DEPTH, "parentHeight": "0"}, purpose, record)
            for node, _ in thread_nodes(body.get("thread") if isinstance(body, Mapping) else None):
                post = node.get("post") if isinstance(node.get("post"), Mapping) else None
                if post is None or node is body.get("thread"):
                    continue
                shown = len(node.get("replies") or [])
                count = post.get("replyCount")
                if isinstance(count, int) and count > shown and post.get("uri") not in anchored:
                    pending.append((str(post["uri"]), "subthread"))  # deeper than the AppView returned


def _indexed(item: Any) -> datetime | None:
    post = item.get("post") if isinstance(item, Mapping) else None
    try:
        return parse_ts(post["indexedAt"]) if isinstance(post, Mapping) else None
    except (KeyError, TypeError, ValueError):
        return None
