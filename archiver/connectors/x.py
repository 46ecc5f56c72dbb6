"""X API v2: the account's posts since a time and each conversation through ``conversation_id`` search.

Reference: ../shared/reference/PLATFORM_APIS.md section 3. Requests:
``/2/users/:id/tweets?start_time&end_time&exclude=retweets,replies`` (``meta.next_token`` ->
``pagination_token``), ``/2/tweets/:id`` with expansions for the post, ``/2/tweets/search/recent`` (or
``/search/all`` for conversations older than the recent-search window) with
``query=conversation_id:<id>`` (``meta.next_token`` -> ``next_token``), and ``/2/tweets?ids=`` for the
earlier versions of edited posts (every version has its own id and is archived).

Signals: HTTP 429 with ``x-rate-limit-reset`` (epoch s; wait reset - now + 10 s, clamped to [10, 901] s;
a 429 with ``remaining > 0`` is the one-per-second limit: 10 s); ``UsageCapExceeded`` is the monthly cap
(stop until next month); deletions come as ``errors[]`` inside HTTP 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..clock import format_ts, parse_ts
from ..errors import GoneAtSource
from .base import ThreadRef
from .common import HttpConnector, Record, oldest_first, stamp
from .http import Classification, Outcome, pace_until_reset
from .pagination import TokenParam

__all__ = ["EXPANSIONS", "TWEET_FIELDS", "XConnector", "snowflake_time"]

TWEET_FIELDS = ",".join([
    "id", "text", "created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets",
    "attachments", "entities", "public_metrics", "edit_history_tweet_ids", "edit_controls", "reply_settings",
    "possibly_sensitive", "lang", "source", "withheld", "note_tweet",
])
EXPANSIONS = ",".join([
    "author_id", "in_reply_to_user_id", "referenced_tweets.id", "referenced_tweets.id.author_id",
    "attachments.media_keys", "edit_history_tweet_ids",
])
USER_FIELDS = "id,name,username,created_at,verified,protected"
MEDIA_FIELDS = "media_key,type,url,preview_image_url,variants,alt_text,width,height,duration_ms"
RECENT_SEARCH_DAYS = 7
X_EPOCH_MS = 1288834974657


def snowflake_time(tweet_id: str) -> datetime | None:
    """When an X id was made: ``(id >> 22) + 1288834974657`` ms (ids since November 2010)."""
    try:
        return datetime.fromtimestamp(((int(tweet_id) >> 22) + X_EPOCH_MS) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


class XConnector(HttpConnector):
    platform = "x"
    name = "socialarkiv.x-v2"

    def api_root(self) -> str:
        return f"{self.account.base_url}/{self.account.api_version}"

    def classify(self, status: int, headers: Mapping[str, str], body: Any) -> Classification:
        title = str(body.get("title") or "") if isinstance(body, Mapping) else ""
        detail = str(body.get("detail") or "") if isinstance(body, Mapping) else ""
        kind = str(body.get("type") or "") if isinstance(body, Mapping) else ""
        what = f"X API HTTP {status}" + (f" {title}" if title else "") + (f": {detail}" if detail and detail != title
                                                                          else "")
        if status == 429 and (title == "UsageCapExceeded" or "usage-capped" in kind):
            now = self.clock.now()
            month = (now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + timedelta(days=32)).replace(day=1)
            return Classification(Outcome.QUOTA, f"{what} (the project's monthly post-read cap)",
                                  (month - now).total_seconds(), status, format_ts(month))
        if status == 429:
            return Classification(Outcome.RATE_LIMITED, what, self._rate_wait(headers), status)
        if status == 401:
            return Classification(Outcome.AUTH, f"{what}: the bearer token is invalid or revoked; issue a new one "
                                  "and update the credential", code=status)
        if status == 403:
            return Classification(Outcome.AUTH, f"{what}: the app's access level does not include this endpoint "
                                  "(client-not-enrolled) or the account is protected", code=status)
        if status >= 500:
            return Classification(Outcome.TRANSIENT, what, code=status)
        if status >= 400:
            return Classification(Outcome.FATAL, what, code=status)
        if not isinstance(body, Mapping):
            return Classification(Outcome.FATAL, "X answered with something other than a JSON object")
        if "data" not in body and _not_found(body):
            return Classification(Outcome.GONE, "X: the post was deleted or is unavailable (Not Found Error)")
        return Classification(Outcome.OK)

    def pace(self, headers: Mapping[str, str]) -> float | None:
        reset = headers.get("x-rate-limit-reset")
        seconds = int(reset) - self.clock.now().timestamp() if reset and reset.isdecimal() else None
        return pace_until_reset(headers.get("x-rate-limit-remaining"), headers.get("x-rate-limit-limit"), seconds)

    def _rate_wait(self, headers: Mapping[str, str]) -> float:
        remaining = headers.get("x-rate-limit-remaining")
        reset = headers.get("x-rate-limit-reset")
        if remaining and remaining.isdecimal() and int(remaining) > 0:
            return 10.0  # the hidden one-request-per-second limit of full-archive search
        if reset and reset.isdecimal():
            return min(901.0, max(10.0, int(reset) - self.clock.now().timestamp() + 10))
        return 60.0

    def _fields(self, **extra: str) -> dict[str, str]:
        return {"tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user.fields": USER_FIELDS,
                "media.fields": MEDIA_FIELDS, **extra}

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        refs: dict[str, ThreadRef] = {}
        params = {"start_time": format_ts(since), "end_time": format_ts(until), "exclude": "retweets,replies",
                  "max_results": str(max(5, self.account.page_size)),
                  "tweet.fields": "id,created_at,conversation_id,edit_history_tweet_ids"}
        for body in self.pages(f"{self.root}/users/{self.account.account_id}/tweets", params,
                               TokenParam("pagination_token", "meta", "next_token"), "list-posts", lambda e: None):
            for tweet in body.get("data") or []:
                if isinstance(tweet, Mapping) and isinstance(tweet.get("id"), str):
                    original = original_id(tweet)  # an edited post keeps its first id as its identity
                    refs.setdefault(original, ThreadRef(self.account.key, original, stamp(tweet.get("created_at"))))
        return oldest_first(refs.values())

    def fetch_thread(self, ref: ThreadRef, record: Record) -> None:
        post = self.get(f"{self.root}/tweets/{ref.post_id}", self._fields(), "post", record)
        data = post.get("data") if isinstance(post, Mapping) else None
        latest = [str(i) for i in data.get("edit_history_tweet_ids") or []][-1:] if isinstance(data, Mapping) else []
        if latest and latest[0] != ref.post_id:  # the thread is keyed by the first version: read the latest too
            post = self.get(f"{self.root}/tweets/{latest[0]}", self._fields(), "post", record)
            data = post.get("data") if isinstance(post, Mapping) else data
        conversation = str(data.get("conversation_id") or ref.post_id) if isinstance(data, Mapping) else ref.post_id
        created = _created(data) or snowflake_time(ref.post_id) or self.clock.now()
        endpoint = "recent" if self.clock.now() - created < timedelta(days=RECENT_SEARCH_DAYS - 0.5) else "all"
        params = self._fields(query=f"conversation_id:{conversation}", max_results=str(self.account.page_size))
        if endpoint == "all":
            params["start_time"] = format_ts(created - timedelta(seconds=1))
        earlier: list[str] = []
        for page in self.pages(f"{self.root}/tweets/search/{endpoint}", params, TokenParam("next_token", "meta",
                               "next_token"), "conversation", record):
            for tweet in [data, *(page.get("data") or [])]:
                if isinstance(tweet, Mapping):
                    history = [str(i) for i in tweet.get("edit_history_tweet_ids") or []]
                    earlier.extend(i for i in history[:-1] if i not in earlier)
        for start in range(0, len(earlier), 100):  # every earlier version of an edited post, 100 ids a request
            try:
                self.get(f"{self.root}/tweets", self._fields(ids=",".join(earlier[start:start + 100])), "versions",
                         record)
            except GoneAtSource:
                pass  # every earlier version was deleted: the errors[] response is kept as evidence


def _created(tweet: Any) -> datetime | None:
    try:
        return parse_ts(tweet["created_at"]) if isinstance(tweet, Mapping) else None
    except (KeyError, TypeError, ValueError):
        return None


def _not_found(body: Mapping[str, Any]) -> bool:
    errors = body.get("errors")
    return isinstance(errors, list) and any(
        isinstance(e, Mapping) and (e.get("title") == "Not Found Error" or "resource-not-found" in str(e.get("type")))
        for e in errors)


def original_id(tweet: Mapping[str, Any]) -> str:
    """The first id of an edited post's chain (X gives each version its own id), else the post's id."""
    history = tweet.get("edit_history_tweet_ids")
    return str(history[0]) if isinstance(history, list) and history else str(tweet["id"])
