"""Instagram Graph API (business and creator accounts): media since a time, comments and their replies.

Reference: ../shared/reference/PLATFORM_APIS.md section 2. Requests: ``/{ig-user-id}/media`` newest first
until a media is older than the window, ``/{media-id}`` for the post, ``/{media-id}/comments`` with the
``replies.limit(page_size){...}`` expansion (top-level comments, newest first), and ``/{comment-id}/replies``
whenever the embedded replies still have a next page. Instagram has exactly one reply level. Errors and rate
limits are the Graph API's (``X-Business-Use-Case-Usage`` with type ``instagram``, code 80002), so the
Facebook classifier is used as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..clock import parse_ts
from .base import ThreadRef
from .common import HttpConnector, Record, oldest_first, stamp
from .facebook import classify_graph_response
from .pagination import NextUrl, StopBefore, items_of

__all__ = ["MEDIA_FIELDS", "InstagramConnector", "comment_fields"]

MEDIA_FIELDS = ",".join([
    "id", "caption", "media_type", "media_product_type", "media_url", "thumbnail_url", "permalink", "shortcode",
    "timestamp", "username", "owner", "like_count", "comments_count", "is_comment_enabled",
    "children{id,media_type,media_url,thumbnail_url,permalink,timestamp}",
])
_COMMENT = "id,text,timestamp,username,like_count,hidden,from{id,username},user{id},parent_id"


def comment_fields(replies_per_comment: int) -> str:
    """Comment fields with the replies expansion asking for up to ``replies_per_comment`` replies at once."""
    return f"{_COMMENT},replies.limit({replies_per_comment}){{{_COMMENT}}}"


class InstagramConnector(HttpConnector):
    platform = "instagram"
    name = "socialarkiv.instagram-graph"
    lists_everything = True
    auth_param = "access_token"
    classify = staticmethod(classify_graph_response)

    def api_root(self) -> str:
        return f"{self.account.base_url}/{self.account.api_version}"

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        refs: dict[str, ThreadRef] = {}
        params = self.params(fields="id,timestamp,comments_count", limit=str(self.account.page_size))
        for body in self.pages(f"{self.root}/{self.account.account_id}/media", params,
                               StopBefore(NextUrl(), since, lambda b: map(_time, items_of(b, "data"))),
                               "list-posts", lambda e: None):
            for item in body.get("data") or []:
                created = _time(item)
                if created is not None and since <= created < until:
                    refs.setdefault(item["id"], ThreadRef(self.account.key, item["id"], stamp(item.get("timestamp")),
                                                           _activity(item)))
        return oldest_first(refs.values())

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        self.get(f"{self.root}/{ref.post_id}", self.params(fields=MEDIA_FIELDS), "post", record)
        params = self.params(fields=comment_fields(self.account.page_size), limit=str(self.account.page_size))
        more: list[str] = []
        for page in self.pages(f"{self.root}/{ref.post_id}/comments", params, NextUrl(), "comments", record):
            for comment in page.get("data") or []:
                replies = comment.get("replies") if isinstance(comment, Mapping) else None
                if isinstance(replies, Mapping) and (replies.get("paging") or {}).get("next"):
                    more.append(str(comment.get("id")))
        for parent in more:  # the embedded replies were cut: read the whole replies edge
            reply_params = self.params(fields=_COMMENT, limit=str(self.account.page_size))
            for _ in self.pages(f"{self.root}/{parent}/replies", reply_params, NextUrl(), "replies", record):
                pass


def _time(item: Any) -> datetime | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
        return None
    try:
        return parse_ts(item["timestamp"])
    except (KeyError, TypeError, ValueError):
        return None


def _activity(item: Mapping[str, Any]) -> str | None:
    count = item.get("comments_count")
    return f"comments={count}" if isinstance(count, int) else None
