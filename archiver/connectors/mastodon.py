"""Mastodon (any instance; ``base_url`` per account): statuses, the thread through ``/context``, edit history.

Reference: ../shared/reference/PLATFORM_APIS.md section 5. Requests:
``/api/v1/accounts/:id/statuses?exclude_reblogs=true&limit=40&max_id=<snowflake(until)>`` newest first,
following the ``Link`` header's ``rel="next"`` until a status is older than the window;
``/api/v1/statuses/:id`` for the post, ``/api/v1/statuses/:id/context`` for every reply the instance knows,
and ``/api/v1/statuses/:id/history`` for each status with ``edited_at`` (Mastodon is the one platform with
real edit history). Rate limits come from ``X-RateLimit-*`` (the reset is an ISO 8601 time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..clock import parse_ts
from .base import ThreadRef
from .common import HttpConnector, Record, oldest_first, stamp
from .http import Classification, Outcome, pace_until_reset
from .pagination import LinkHeader, StopBefore

__all__ = ["MastodonConnector", "snowflake"]

CONTEXT_LIMIT_NOTE = "Mastodon-Async-Refresh"


def snowflake(moment: datetime) -> str:
    """The smallest Mastodon id at ``moment``: ``unix_ms << 16``."""
    return str(int(moment.timestamp() * 1000) << 16)


class MastodonConnector(HttpConnector):
    platform = "mastodon"
    name = "socialarkiv.mastodon"
    lists_everything = True

    def api_root(self) -> str:
        return f"{self.account.base_url}/api/{self.account.api_version}"

    def classify(self, status: int, headers: Mapping[str, str], body: Any) -> Classification:
        message = body.get("error") if isinstance(body, Mapping) else None
        detail = f"HTTP {status}" + (f": {message}" if isinstance(message, str) else "")
        if status == 429:
            return Classification(Outcome.RATE_LIMITED, f"Mastodon rate limit ({detail})",
                                  _until(headers.get("x-ratelimit-reset"), self.clock.now()), code=status)
        if status in (401, 403):
            return Classification(Outcome.AUTH, f"Mastodon refused the token ({detail}); create a new access "
                                  "token with scope read for the account and update the credential", code=status)
        if status in (404, 410):
            return Classification(Outcome.GONE, f"{detail}: the status was deleted or removed by moderators",
                                  code=status)
        if status >= 500:
            return Classification(Outcome.TRANSIENT, detail, code=status)
        if status >= 400:
            return Classification(Outcome.FATAL, detail, code=status)
        if not isinstance(body, Mapping | list):
            return Classification(Outcome.FATAL, "Mastodon answered with something other than JSON")
        return Classification(Outcome.OK)

    def pace(self, headers: Mapping[str, str]) -> float | None:
        return pace_until_reset(headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-limit"),
                                _until(headers.get("x-ratelimit-reset"), self.clock.now()))

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        refs: dict[str, ThreadRef] = {}
        params = {"limit": str(min(40, self.account.page_size)), "exclude_reblogs": "true",
                  "max_id": snowflake(until)}
        for body in self.pages(f"{self.root}/accounts/{self.account.account_id}/statuses", params,
                               StopBefore(LinkHeader("next"), since, _statuses_times),
                               "list-posts", lambda e: None):
            for status in body if isinstance(body, list) else []:
                if not isinstance(status, Mapping) or not isinstance(status.get("id"), str):
                    continue
                if status.get("reblog") or status.get("in_reply_to_id"):
                    continue  # boosts of others' posts and replies are not threads of the account
                created = _created(status)
                if created is not None and since <= created < until:
                    activity = f"replies={status.get('replies_count')};edited={status.get('edited_at')}"
                    refs.setdefault(status["id"], ThreadRef(self.account.key, status["id"],
                                                            stamp(status.get("created_at")), activity))
        return oldest_first(refs.values())

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        root = self.get(f"{self.root}/statuses/{ref.post_id}", None, "post", record)
        context = self.get(f"{self.root}/statuses/{ref.post_id}/context", None, "context", record)
        statuses = [root, *(context.get("descendants") or [] if isinstance(context, Mapping) else [])]
        for status in statuses:
            if isinstance(status, Mapping) and status.get("edited_at") and isinstance(status.get("id"), str):
                self.get(f"{self.root}/statuses/{status['id']}/history", None, f"history:{status['id']}", record)


def _statuses_times(body: Any) -> list[datetime | None]:
    return [_created(s) for s in body] if isinstance(body, list) else []


def _created(status: Any) -> datetime | None:
    try:
        return parse_ts(status["created_at"]) if isinstance(status, Mapping) else None
    except (KeyError, TypeError, ValueError):
        return None


def _until(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    try:
        return max(1.0, (parse_ts(value) - now).total_seconds())
    except ValueError:
        try:
            return max(1.0, float(value) - now.timestamp())
        except ValueError:
            return None
