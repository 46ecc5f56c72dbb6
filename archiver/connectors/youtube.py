"""YouTube Data API v3: the channel's uploads playlist, each video's comment threads and every reply.

Reference: ../shared/reference/PLATFORM_APIS.md section 4. Requests (1 quota unit each; ``search.list``,
100 units and not exhaustive, is never used): ``channels?part=contentDetails`` for the uploads playlist,
``playlistItems`` newest first until a video is older than the window, ``videos`` for the post,
``commentThreads?part=snippet,replies&order=time`` and, whenever a thread holds more replies than it embeds,
``comments?parentId=``. Pages follow ``nextPageToken`` -> ``pageToken``.

Errors are told apart by ``error.errors[].reason``: ``quotaExceeded`` stops the account until the daily reset
(midnight Pacific time); ``rateLimitExceeded``/``userRateLimitExceeded`` and 5xx back off exponentially;
``commentsDisabled`` is kept and recorded as such, not as an empty thread; ``videoNotFound`` is a deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import format_ts, parse_ts
from ..errors import GoneAtSource
from .base import ThreadRef
from .common import HttpConnector, Record, oldest_first
from .http import Classification, Outcome
from .pagination import StopBefore, TokenParam, items_of

__all__ = ["YouTubeConnector", "error_reasons"]

PACIFIC = ZoneInfo("America/Los_Angeles")
EMBEDDED_REPLIES = 5  # commentThreads embeds at most this many replies in practice


def error_reasons(body: Any) -> list[str]:
    errors = body.get("error", {}).get("errors") if isinstance(body, Mapping) and \
        isinstance(body.get("error"), Mapping) else None
    return [str(e.get("reason")) for e in errors or [] if isinstance(e, Mapping)]


class YouTubeConnector(HttpConnector):
    platform = "youtube"
    name = "socialarkiv.youtube-data"
    auth_param = "key"

    def api_root(self) -> str:
        return f"{self.account.base_url}/youtube/{self.account.api_version}"

    def classify(self, status: int, headers: Mapping[str, str], body: Any) -> Classification:
        reasons = error_reasons(body)
        error = body.get("error") if isinstance(body, Mapping) else None
        message = str(error.get("message") or "") if isinstance(error, Mapping) else ""
        what = f"YouTube HTTP {status} {','.join(reasons) or ''}".rstrip()
        if "quotaExceeded" in reasons:
            now = self.clock.now()
            local = now.astimezone(PACIFIC)
            reset = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            return Classification(Outcome.QUOTA, f"{what}: the project's daily quota units are used up",
                                  (reset - local).total_seconds(), status, format_ts(reset))
        if {"rateLimitExceeded", "userRateLimitExceeded"} & set(reasons) or status >= 500:
            return Classification(Outcome.TRANSIENT, f"{what}: backing off", code=status)
        if "commentsDisabled" in reasons:
            return Classification(Outcome.OK)  # kept as evidence; the normaliser records it
        if status == 401 or {"keyInvalid", "authError", "forbidden", "insufficientPermissions"} & set(reasons):
            return Classification(Outcome.AUTH, f"{what}: the API key or OAuth token is invalid or lacks access "
                                  "(an OAuth app left in 'testing' loses its refresh token after 7 days); renew it "
                                  "and update the credential", code=status)
        if status == 404 or {"videoNotFound", "commentNotFound", "playlistNotFound"} & set(reasons):
            return Classification(Outcome.GONE, f"{what}: deleted or private at the source", code=status)
        if status >= 400:
            return Classification(Outcome.FATAL, f"{what}: {message}", code=status)
        if not isinstance(body, Mapping):
            return Classification(Outcome.FATAL, "YouTube answered with something other than a JSON object")
        return Classification(Outcome.OK)

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        channel = self.get(f"{self.root}/channels", self.params(part="contentDetails", id=self.account.account_id),
                           "list-channel", lambda e: None)
        items = channel.get("items") or []
        uploads = next((i.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads") for i in items
                        if isinstance(i, Mapping)), None)
        if not isinstance(uploads, str):
            raise GoneAtSource(f"YouTube channel {self.account.account_id} not found or has no uploads playlist")
        refs: dict[str, ThreadRef] = {}
        params = self.params(part="snippet,contentDetails,status", playlistId=uploads,
                             maxResults=str(min(50, self.account.page_size)))
        for body in self.pages(f"{self.root}/playlistItems", params, StopBefore(
                TokenParam("pageToken", "nextPageToken"), since, lambda b: map(_published, items_of(b, "items"))),
            "list-posts", lambda e: None):
            for item in body.get("items") or []:
                video = _video_id(item)
                published = _published(item)
                if video and published is not None and since <= published < until:
                    refs.setdefault(video, ThreadRef(self.account.key, video, format_ts(published)))
        return oldest_first(refs.values())

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        video = self.get(f"{self.root}/videos", self.params(part="snippet,statistics,status,contentDetails",
                                                            id=ref.post_id), "post", record)
        if not (video.get("items") if isinstance(video, Mapping) else None):
            raise GoneAtSource(f"YouTube video {ref.post_id} is deleted or private")
        params = self.params(part="snippet,replies", videoId=ref.post_id, maxResults=str(self.account.page_size),
                             order="time", textFormat="plainText")
        more: list[str] = []
        for page in self.pages(f"{self.root}/commentThreads", params, TokenParam("pageToken", "nextPageToken"),
                               "comment-threads", record):
            for thread in page.get("items") or []:
                snippet = thread.get("snippet") if isinstance(thread, Mapping) else None
                if not isinstance(snippet, Mapping):
                    continue
                embedded = (thread.get("replies") or {}).get("comments") or []
                total = snippet.get("totalReplyCount")
                if isinstance(total, int) and total > len(embedded):
                    more.append(str(thread.get("id")))
        for parent in more:
            reply_params = self.params(part="snippet", parentId=parent, maxResults=str(self.account.page_size),
                                       textFormat="plainText")
            for _ in self.pages(f"{self.root}/comments", reply_params, TokenParam("pageToken", "nextPageToken"),
                                "replies", record):
                pass


def _video_id(item: Any) -> str | None:
    if not isinstance(item, Mapping):
        return None
    value = (item.get("contentDetails") or {}).get("videoId") or \
        ((item.get("snippet") or {}).get("resourceId") or {}).get("videoId")
    return value if isinstance(value, str) else None


def _published(item: Any) -> datetime | None:
    if not isinstance(item, Mapping):
        return None
    value = (item.get("contentDetails") or {}).get("videoPublishedAt") or (item.get("snippet") or {}).get("publishedAt")
    try:
        return parse_ts(value) if isinstance(value, str) else None
    except ValueError:
        return None
