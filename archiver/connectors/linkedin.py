"""LinkedIn organisation pages (Community Management API): posts, their comments and nested comments.

Reference: ../shared/reference/PLATFORM_APIS.md section 7 (no recorded responses exist; shapes follow the
documentation and the derived samples). Every call carries ``LinkedIn-Version: <api_version>`` (YYYYMM;
sunset versions are refused with 426) and ``X-Restli-Protocol-Version: 2.0.0``. Requests:
``/rest/posts?q=author&author=<org urn>&sortBy=LAST_MODIFIED`` with ``start``/``count`` offsets until a post
was last modified before the window; ``/rest/posts/{urn}``; ``/rest/socialMetadata/{urn}`` for counts;
``/rest/socialActions/{urn}/comments`` and, for each comment with replies,
``/rest/socialActions/{commentUrn}/comments``. URNs in paths are percent-encoded.

429 is a daily application or member quota with no documented Retry-After: the account stops until the next
UTC day. 401 is an expired or revoked token (about 60 days), 403 a missing role or scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from ..clock import format_ts
from .base import ThreadRef
from .common import HttpConnector, Record, oldest_first
from .http import Classification, Outcome
from .pagination import Offset, StopBefore, items_of

__all__ = ["LinkedInConnector", "urn_path"]


def urn_path(urn: str) -> str:
    return quote(urn, safe="")


class LinkedInConnector(HttpConnector):
    platform = "linkedin"
    name = "socialarkiv.linkedin-community"

    def api_root(self) -> str:
        return f"{self.account.base_url}/rest"

    def headers(self) -> Mapping[str, str]:
        return {"LinkedIn-Version": self.account.api_version, "X-Restli-Protocol-Version": "2.0.0"}

    def classify(self, status: int, headers: Mapping[str, str], body: Any) -> Classification:
        code = str(body.get("code") or "") if isinstance(body, Mapping) else ""
        message = str(body.get("message") or "") if isinstance(body, Mapping) else ""
        what = f"LinkedIn HTTP {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")
        if status == 429:
            now = self.clock.now().astimezone(UTC)
            tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            return Classification(Outcome.QUOTA, f"{what} (a daily application or member quota)",
                                  (tomorrow - now).total_seconds(), status, format_ts(tomorrow))
        if status == 426:
            return Classification(Outcome.AUTH, f"{what}: LinkedIn-Version {self.account.api_version} is sunset; "
                                  "set api_version to a current YYYYMM version in the configuration", code=status)
        if status in (401, 403):
            return Classification(Outcome.AUTH, f"{what}: renew the access token (about 60 days) or give the "
                                  "member an ADMINISTRATOR role and the r_organization_social scope", code=status)
        if status in (404, 410):
            return Classification(Outcome.GONE, f"{what}: deleted at the source", code=status)
        if status >= 500:
            return Classification(Outcome.TRANSIENT, what, code=status)
        if status >= 400:
            return Classification(Outcome.FATAL, what, code=status)
        if not isinstance(body, Mapping):
            return Classification(Outcome.FATAL, "LinkedIn answered with something other than a JSON object")
        return Classification(Outcome.OK)

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        refs: dict[str, ThreadRef] = {}
        params = {"q": "author", "author": self.account.account_id, "count": str(self.account.page_size),
                  "start": "0", "sortBy": "LAST_MODIFIED"}
        since_ms, until_ms = since.timestamp() * 1000, until.timestamp() * 1000
        for body in self.pages(f"{self.root}/posts", params,
                               StopBefore(Offset(), since, lambda b: [_ms(p.get("lastModifiedAt"))
                                                                      for p in items_of(b, "elements")]),
                               "list-posts", lambda e: None):
            for post in items_of(body, "elements"):
                if not isinstance(post, Mapping) or not isinstance(post.get("id"), str):
                    continue
                times = [t for t in (post.get("createdAt"), post.get("lastModifiedAt")) if isinstance(t, int)]
                if any(since_ms <= t < until_ms for t in times):
                    created, modified = _ms(post.get("createdAt")), post.get("lastModifiedAt")
                    refs.setdefault(post["id"], ThreadRef(self.account.key, post["id"],
                                                          format_ts(created) if created else None,
                                                          f"modified={modified}" if modified else None))
        return oldest_first(refs.values())

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        urn = urn_path(ref.post_id)
        self.get(f"{self.root}/posts/{urn}", None, "post", record)
        self.get(f"{self.root}/socialMetadata/{urn}", None, "metadata", record)
        nested: list[str] = []
        pending = [(ref.post_id, "comments")]
        while pending:
            target, purpose = pending.pop(0)
            params = {"start": "0", "count": str(self.account.page_size)}
            for page in self.pages(f"{self.root}/socialActions/{urn_path(target)}/comments", params, Offset(),
                                   purpose, record):
                for comment in items_of(page, "elements"):
                    if not isinstance(comment, Mapping) or not isinstance(comment.get("commentUrn"), str):
                        continue
                    summary = comment.get("commentsSummary")
                    summary = summary if isinstance(summary, Mapping) else {}
                    replies = summary.get("aggregatedTotalComments") or summary.get("totalFirstLevelComments")
                    if isinstance(replies, int) and replies > 0 and comment["commentUrn"] not in nested:
                        nested.append(comment["commentUrn"])
                        pending.append((comment["commentUrn"], "replies"))


def _ms(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if isinstance(value, int) else None
