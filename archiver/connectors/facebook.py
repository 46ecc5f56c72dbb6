"""Facebook Pages through the Graph API: list a Page's posts, capture each post's whole comment tree.

Reference: ../shared/reference/PLATFORM_APIS.md section 1. Requests are the documented ones:
``/{page-id}/feed?since&until`` for posts, ``/{post-id}`` for the post, and
``/{post-id}/comments?filter=stream&order=chronological&summary=true`` for every comment and reply as one
flat list (each reply carries ``parent``), following ``paging.next`` exactly as given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .base import ThreadRef
from .common import HttpConnector, Record, oldest_first, stamp
from .http import Classification, Outcome
from .pagination import NextUrl

__all__ = ["COMMENT_FIELDS", "POST_FIELDS", "FacebookConnector", "classify_graph_response"]

POST_FIELDS = ",".join([
    "id", "created_time", "updated_time", "message", "story", "permalink_url", "from", "status_type",
    "is_hidden", "is_published", "parent_id",
    "attachments{media_type,type,url,title,description,media,target,subattachments}",
    "comments.summary(true).limit(0)", "reactions.summary(total_count).limit(0)",
    *(f"reactions.type({kind.upper()}).limit(0).summary(total_count).as({kind})"
      for kind in ("like", "love", "wow", "haha", "sad", "angry", "care")),
])
COMMENT_FIELDS = ",".join([
    "id", "parent{id}", "created_time", "from", "message", "message_tags", "attachment", "comment_count",
    "like_count", "reactions.summary(total_count).limit(0)", "is_hidden", "is_private", "permalink_url",
])
LIST_FIELDS = "id,created_time,updated_time"

# Graph API error codes (PLATFORM_APIS.md 1.6 and section 8).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
TRANSIENT_CODES = frozenset({1, 2})
AUTH_CODES = frozenset({190, 102, 10}) | frozenset(range(200, 300))


def classify_graph_response(status: int, headers: Mapping[str, str], body: Any) -> Classification:
    """Classify by ``error.code``/``error_subcode``/``is_transient``, never by HTTP status alone."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        if status >= 500:
            return Classification(Outcome.TRANSIENT, f"HTTP {status}")
        if status >= 400:
            return Classification(Outcome.FATAL, f"HTTP {status} without a Graph error envelope")
        if not isinstance(body, Mapping):
            return Classification(Outcome.FATAL, "Graph API answered with something other than a JSON object")
        return Classification(Outcome.OK)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode")
    kind = f"Graph API error {code}" + (f"/{subcode}" if subcode else "")
    if code in RATE_LIMIT_CODES:
        return Classification(Outcome.RATE_LIMITED, f"{kind}: rate limit", _regain_seconds(headers), code)
    if code == 190:
        return Classification(Outcome.AUTH, f"{kind}: the Page access token is expired or revoked; renew it "
                              "(a system-user Page token does not expire) and update the credential", code=code)
    if code in AUTH_CODES:
        return Classification(Outcome.AUTH, f"{kind}: the token lacks a permission (pages_read_engagement, "
                              "pages_read_user_content) or a task on the Page", code=code)
    if code == 100 and subcode == 33:
        return Classification(Outcome.GONE, f"{kind}: the object does not exist (deleted at the source, or "
                              "no permission)", code=code)
    if error.get("is_transient") is True or code in TRANSIENT_CODES or status >= 500:
        return Classification(Outcome.TRANSIENT, f"{kind}: transient", code=code)
    return Classification(Outcome.FATAL, f"{kind}: {error.get('type') or 'error'!s}", code=code)


def _regain_seconds(headers: Mapping[str, str]) -> float | None:
    """``estimated_time_to_regain_access`` (minutes) from X-Business-Use-Case-Usage, as seconds."""
    raw = headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except json.JSONDecodeError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access", 0)
        for entries in (usage.values() if isinstance(usage, Mapping) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping) and isinstance(entry.get("estimated_time_to_regain_access"), int | float)
    ]
    return max(minutes) * 60.0 if minutes and max(minutes) > 0 else None


class FacebookConnector(HttpConnector):
    platform = "facebook"
    name = "socialarkiv.facebook-graph"
    auth_param = "access_token"
    classify = staticmethod(classify_graph_response)
    lists_everything = True  # the feed listing is cheap and carries updated_time, which moves on new comments

    def api_root(self) -> str:
        return f"{self.account.base_url}/{self.account.api_version}"

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        refs: dict[str, ThreadRef] = {}
        params = self.params(fields=LIST_FIELDS, since=str(int(since.timestamp())),
                             until=str(int(until.timestamp())), limit=str(self.account.page_size))
        for body in self.pages(f"{self.root}/{self.account.account_id}/feed", params, NextUrl("paging", "next"),
                               "list-posts", lambda e: None):
            for item in body.get("data") or []:
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    refs.setdefault(item["id"], ThreadRef(self.account.key, item["id"], stamp(item.get("created_time")),
                                                           item.get("updated_time")))
        return oldest_first(refs.values())

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        self.get(f"{self.root}/{ref.post_id}", self.params(fields=POST_FIELDS), "post", record)
        params = self.params(filter="stream", order="chronological", summary="true",
                             limit=str(self.account.page_size), fields=COMMENT_FIELDS)
        for _ in self.pages(f"{self.root}/{ref.post_id}/comments", params, NextUrl("paging", "next"), "comments",
                            record):
            pass
