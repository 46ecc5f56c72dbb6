"""X API v2 responses -> Thread. Pure.

* The tree comes from ``referenced_tweets[type=replied_to]``; replies to the root have ``parent_id`` null.
* Authors come from ``includes.users`` by ``author_id``; a missing expansion leaves the name empty.
* ``created_at`` falls back to the time in the snowflake id when the field was not requested.
* Edits: every version has its own id (``edit_history_tweet_ids``, oldest first). A post is archived under
  its first id, so its history stays one entry across edits (replies to any version point to it), with the
  latest version's text and permalink; ``created_at`` is the first version's time and ``edited_at`` the
  latest's. The earlier versions (fetched by id) become ``Version`` entries kept by the platform.
* Long posts: ``note_tweet.text`` is the full text (``text`` is cut).
* ``errors[]`` inside HTTP 200 (deleted or suspended authors' posts, protected accounts) become gaps.
* X does not say which replies the account hid: recorded as a standing gap of every X thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ..clock import format_ts
from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..connectors.x import original_id, snowflake_time
from ..errors import RecordError
from ..model import Attachment, Author, Comment, History, Post, Thread, Version
from .common import assemble_thread, dig, integer, mapping, segment, text, timestamp, url

__all__ = ["HIDDEN_REPLIES_GAP", "normalise", "normalise_comment", "normalise_post", "read"]

API = "X API v2"
HIDDEN_REPLIES_GAP = ("X API v2 does not report which replies the account hid; hidden replies that search "
                      "returns are archived as visible")
_MEDIA = {"photo": "photo", "video": "video", "animated_gif": "animated_image"}
_METRICS = (("like", "like_count"), ("repost", "retweet_count"), ("quote", "quote_count"),
            ("bookmark", "bookmark_count"))


class _Includes:
    def __init__(self) -> None:
        self.users: dict[str, Mapping[str, Any]] = {}
        self.media: dict[str, Mapping[str, Any]] = {}

    def add(self, body: Any) -> None:
        includes = body.get("includes") if isinstance(body, Mapping) else None
        if not isinstance(includes, Mapping):
            return
        for user in includes.get("users") or []:
            if isinstance(user, Mapping) and isinstance(user.get("id"), str):
                self.users.setdefault(user["id"], user)
        for media in includes.get("media") or []:
            if isinstance(media, Mapping) and isinstance(media.get("media_key"), str):
                self.media.setdefault(media["media_key"], media)


def normalise(raw: RawCapture, account: AccountConfig) -> Thread:
    includes = _Includes()
    posts = [e.body for e in raw.by_purpose("post") if isinstance(e.body, Mapping)]
    root = next((b["data"] for b in reversed(posts) if isinstance(b.get("data"), Mapping)), None)
    if root is None:
        raise RecordError(f"capture of post {raw.ref.post_id} holds no successful post lookup")
    own = account.own_author_ids
    tweets: dict[str, Mapping[str, Any]] = {}
    errors: list[Mapping[str, Any]] = []
    for exchange in [*raw.by_purpose("post"), *raw.by_purpose("conversation"), *raw.by_purpose("versions")]:
        includes.add(exchange.body)
        body = exchange.body if isinstance(exchange.body, Mapping) else {}
        errors.extend(e for e in body.get("errors") or [] if isinstance(e, Mapping))
        if exchange.purpose == "conversation":
            for tweet in body.get("data") or []:
                if isinstance(tweet, Mapping) and isinstance(tweet.get("id"), str):
                    key, held = original_id(tweet), tweets.get(original_id(tweet))
                    if held is None or len(_chain(tweet)) > len(_chain(held)):  # keep the latest version
                        tweets[key] = tweet
    earlier: dict[str, Mapping[str, Any]] = {
        str(t["id"]): t for e in raw.by_purpose("versions") for t in (mapping(e.body).get("data") or [])
        if isinstance(t, Mapping) and isinstance(t.get("id"), str)}
    post = _with_versions(normalise_post(root, includes, own), root, earlier)
    tweets.pop(post.id, None)
    originals = {version: original_id(t) for t in [root, *tweets.values(), *earlier.values()]
                 for version in _chain(t)}
    replies = sorted(tweets.values(), key=lambda t: (str(t.get("created_at") or ""), int(str(t["id"]))
                                                     if str(t["id"]).isdecimal() else 0))
    comments = [_with_versions(normalise_comment(t, post.id, includes, own, originals), t, earlier) for t in replies]
    ids = {post.id, *(c.id for c in comments)}
    gaps = [HIDDEN_REPLIES_GAP]
    orphans = sum(1 for c in comments if c.parent_id is not None and c.parent_id not in ids)
    if orphans:
        gaps.append(f"{orphans} repl(ies) answer a post that was not returned (deleted, protected or from a "
                    "suspended account); they are shown at the top level")
    titles: dict[str, int] = {}
    for error in errors:
        label = str(error.get("title") or "error")
        titles[label] = titles.get(label, 0) + 1
    for label, count in sorted(titles.items()):
        gaps.append(f"X reported {count} partial error(s) '{label}' (posts it could not return: deleted, "
                    "suspended or protected authors)")
    withheld = sum(1 for t in [root, *replies] if isinstance(t.get("withheld"), Mapping))
    if withheld:
        gaps.append(f"{withheld} post(s) are withheld in some countries")
    reported = sum(integer(dig(t, "public_metrics", "reply_count")) or 0 for t in [root, *replies])
    return assemble_thread(raw, account, api=API, post=post, comments=comments, reported=reported, gaps=gaps,
                           served=None)


def normalise_post(tweet: Mapping[str, Any], includes: _Includes | None = None, own_ids: Iterable[str] = ()) -> Post:
    return Post(**_fields(tweet, includes or _Includes(), frozenset(own_ids)))


def normalise_comment(tweet: Mapping[str, Any], root_id: str | None = None, includes: _Includes | None = None,
                      own_ids: Iterable[str] = (), originals: Mapping[str, str] | None = None) -> Comment:
    parent = next((text(r.get("id")) for r in tweet.get("referenced_tweets") or []
                   if isinstance(r, Mapping) and r.get("type") == "replied_to"), None)
    parent = (originals or {}).get(parent or "", parent)  # a reply to an earlier version of an edited post
    return Comment(parent_id=None if parent == root_id else parent,
                   **_fields(tweet, includes or _Includes(), frozenset(own_ids)))


def read(body: Any) -> list[Post | Comment]:
    """Every post in a response (lookup, timeline, search page, an includes object, a bare post)."""
    includes = _Includes()
    includes.add(body)
    if isinstance(body, Mapping) and "data" in body:
        data = body["data"]
        items = data if isinstance(data, list) else [data]
        extra = dig(body, "includes", "tweets") or []
        return [normalise_comment(t, None, includes) for t in [*items, *extra]
                if isinstance(t, Mapping) and "text" in t]
    if isinstance(body, Mapping) and isinstance(body.get("tweets"), list):  # an includes object on its own
        return [normalise_comment(t) for t in body["tweets"] if isinstance(t, Mapping)]
    if isinstance(body, Mapping) and "id" in body and "text" in body:
        return [normalise_comment(body)]
    return []


def _chain(tweet: Mapping[str, Any]) -> list[str]:
    return [str(i) for i in tweet.get("edit_history_tweet_ids") or []] or [str(tweet.get("id"))]


def _fields(tweet: Mapping[str, Any], includes: _Includes, own_ids: frozenset[str]) -> dict[str, Any]:
    tweet_id = text(tweet.get("id"))
    if not tweet_id:
        raise RecordError("X post has no id")
    latest_id, tweet_id = tweet_id, original_id(tweet)
    author_id = text(tweet.get("author_id"))
    user = includes.users.get(author_id or "", {})
    history = [str(i) for i in tweet.get("edit_history_tweet_ids") or []]
    current = timestamp(tweet.get("created_at"), f"post {latest_id} created_at", required=False) \
        or _from_id(latest_id)
    first = _from_id(history[0]) if len(history) > 1 else None
    attachments = []
    for key in dig(tweet, "attachments", "media_keys") or []:
        media = includes.media.get(str(key), {})
        attachments.append(Attachment(_MEDIA.get(str(media.get("type")), "other"),
                                      url(media.get("url")) or url(media.get("preview_image_url")),
                                      text(media.get("alt_text"))))
    metrics = mapping(tweet.get("public_metrics"))
    reactions = {name: v for name, key in _METRICS if (v := integer(metrics.get(key))) is not None}
    username = text(user.get("username"))
    return {
        "id": tweet_id,
        "author": Author(id=author_id, display_name=text(user.get("name")) or username,
                         is_organisation=author_id is not None and author_id in own_ids),
        "created_at": first or current,
        "edited_at": current if first else None,
        "text": text(dig(tweet, "note_tweet", "text")) or (tweet.get("text") if isinstance(tweet.get("text"), str)
                                                           else ""),
        "attachments": tuple(attachments),
        "reactions": reactions,
        "visibility": "visible",
        "permalink": f"https://x.com/{segment(username) if username else 'i/web'}/status/{segment(latest_id)}",
    }


def _with_versions(entry: Any, tweet: Mapping[str, Any], earlier: Mapping[str, Mapping[str, Any]]) -> Any:
    """Attach the earlier versions of an edited post that the capture fetched (oldest first)."""
    ids = [str(i) for i in tweet.get("edit_history_tweet_ids") or []][:-1]
    versions = []
    for number, old_id in enumerate(ids):
        old = earlier.get(old_id)
        if old is None:
            continue
        moment = timestamp(old.get("created_at"), f"post {old_id} created_at", required=False) or _from_id(old_id)
        old_text = text(dig(old, "note_tweet", "text")) or text(old.get("text")) or ""
        versions.append(Version(old_text, moment if number else None, moment, "platform"))
    return replace(entry, history=History(versions=tuple(versions))) if versions else entry


def _from_id(tweet_id: str) -> str:
    moment = snowflake_time(tweet_id)
    if moment is None:
        raise RecordError(f"post {tweet_id} has no created_at and its id holds no time")
    return format_ts(moment)
