"""Every recorded sample in ../shared/reference/api-samples is read by its platform's normaliser or
recognised by its connector's classifier (skipped when the reference material is absent).

For each file: every response body is extracted (bare body, exchange file, snapshot file). An error response
must be classified as a failure (never OK); any other body is read with ``read(body)``, and every content
object in it (a post or comment, found by the platform's own marks) must come out as a model item with its
id, time and text. Files that hold no thread content (token exchanges, usage counters, edit sources, ...) are
listed below with the reason, so a new sample cannot be skipped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archiver.clock import FixedClock
from archiver.config import Secret, parse_settings
from archiver.connectors import connector_class
from archiver.connectors.http import Outcome
from archiver.model import PLATFORMS, Comment, Post
from archiver.normalise import normaliser_module
from tests.conftest import SHARED

SAMPLES = SHARED / "api-samples"
CLOCK = FixedClock(datetime(2026, 11, 1, tzinfo=UTC))

# Files with no post or comment in them, and why that is right.
NOT_THREAD_CONTENT = {
    "facebook/pysdk_debug_token.json": "token introspection",
    "facebook/pysdk_me_accounts_page_tokens.json": "Page list with Page tokens (set-up, not content)",
    "facebook/pysdk_oauth_long_lived_token_exchange.json": "token exchange",
    "facebook/restfb_header_x_business_use_case_usage_value.json": "a rate-limit header value",
    "facebook/restfb_batch_response_second_error.json": "batch envelope (socialarkiv does not batch)",
    "facebook/restfb_batch_response_with_error_and_x_app_usage_headers.json": "batch envelope",
    "facebook/restfb_comment_reactions_paged_summary.json": "reactions list (counts come from summaries)",
    "facebook/restfb_webhook_comment_remove.json": "webhook deletion event (issue 4: history)",
    "facebook/restfb_webhook_post_remove.json": "webhook deletion event (issue 4: history)",
    "facebook/restfb_webhook_comment_hide.json": "webhook hide event (issue 4: history)",
    "facebook/restfb_webhook_comment_unhide.json": "webhook unhide event (issue 4: history)",
    "x/pysdk_tw_usage_tweets.json": "monthly usage counter",
    "x/twarc_compliance_job_tweet_deletes.json": "compliance deletions (issue 4: history)",
    "x/tweepy_get_me_user_context.json": "the authenticated user",
    "x/tweepy_hide_unhide_reply.json": "hide/unhide write calls",
    "youtube/pyyt_channels_info.json": "channel resource (the uploads playlist id is read by the connector)",
    "mastodon/bigbone_status_edit_history.json": "edit history versions (kept as evidence; issue 4: versions)",
    "mastodon/bigbone_status_source.json": "plain-text source of a status",
    "mastodon/mastopy_422_localized_error.json": "write-call validation errors",
    "mastodon/mastopy_status_context_empty.json": "the context of a status without replies (empty lists)",
    "mastodon/mastopy_account_lookup.json": "account lookup (set-up: the account id)",
    "bluesky/atproto_getPostThread_blockedPost_anchor.json": "the anchor itself is blocked: no post content",
}

# Error responses a connector deliberately lets through, and why.
KEPT_AS_DATA = {
    "youtube/derived/yt_403_commentsDisabled.json": "commentsDisabled is recorded as a gap of the video, not an error",
}


def _bodies(path: Path) -> Iterator[tuple[int | None, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, Mapping) and isinstance(data.get("exchanges"), list):
        for exchange in data["exchanges"]:
            if exchange["request"]["method"] == "GET" or exchange["response"].get("body"):
                yield int(exchange["response"]["status"]), exchange["response"].get("body")
    elif isinstance(data, Mapping) and "snapshot" in data:
        yield 200, data["body"]
    else:
        yield None, data


def _connector(platform: str) -> Any:
    account = parse_settings({"archive": {"organisation": "X"}, "accounts": [{
        "key": "k", "platform": platform, "account_id": "1", "name": "Sample", "base_url": "https://example.org",
        "api_version": "v1", "credential": "value:t"}]}, base=Path(".")).accounts[0]
    return connector_class(platform)(account, Secret("t"), CLOCK)


def _looks_like_error(body: Any) -> bool:
    if not isinstance(body, Mapping):
        return False
    return "error" in body or ("errors" in body and "data" not in body and "includes" not in body) or \
        (body.get("status") in (401, 403, 404, 426, 429) and "code" in body)


def _is_content(platform: str, node: Mapping[str, Any], key: str | None) -> bool:
    """The platform's marks of a post or comment object (not a user, media, page or embed)."""
    if platform == "facebook":
        return "id" in node and "created_time" in node and key not in ("from", "parent", "object")
    if platform == "instagram":
        return "id" in node and ("text" in node or "caption" in node or "timestamp" in node) and key != "children"
    if platform == "x":
        return "id" in node and "text" in node and "username" not in node and key not in ("errors",)
    if platform == "youtube":
        return node.get("kind") in ("youtube#video", "youtube#comment") and "id" in node
    if platform == "mastodon":
        return "id" in node and "content" in node and "created_at" in node and key not in ("reblog", "quote")
    if platform == "bluesky":
        return "uri" in node and "record" in node and key in ("post", None) and "author" in node
    if platform == "linkedin":
        return "commentUrn" in node or str(node.get("id", "")).startswith(("urn:li:share:", "urn:li:ugcPost:"))
    return False


def _content_ids(platform: str, body: Any) -> set[str]:
    found: set[str] = set()
    stack: list[tuple[Any, str | None]] = [(body, None)]
    while stack:
        node, key = stack.pop()
        if isinstance(node, list):
            stack.extend((item, key) for item in node)
        elif isinstance(node, Mapping):
            if _is_content(platform, node, key):
                chain = node.get("edit_history_tweet_ids") if platform == "x" else None  # X: the first id
                found.add(str(node.get("commentUrn") or (node.get("uri") if platform == "bluesky" else None)
                              or (chain[0] if isinstance(chain, list) and chain else None) or node.get("id")))
            for child_key, child in node.items():
                if child_key not in ("embed", "embeds", "reply", "reason", "children", "media",
                                     "value" if platform == "bluesky" else ""):
                    stack.append((child, child_key))
    return found


def _sample_files() -> list[str]:
    if not SAMPLES.exists():
        return []
    return sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.json")
                  if "lexicons" not in p.parts and p.parent != SAMPLES)


def test_reference_samples_are_present():
    if not SAMPLES.exists():
        pytest.skip(f"reference material {SAMPLES} is absent (expected ../shared/reference beside the checkout)")
    assert {p.split("/")[0] for p in _sample_files()} == set(PLATFORMS)


@pytest.mark.parametrize("name", _sample_files())
def test_every_sample_is_read_or_recognised(name: str):
    platform = name.split("/")[0]
    module = normaliser_module(platform)
    connector = _connector(platform)
    read_any = False
    for status, body in _bodies(SAMPLES / name):
        if (status is not None and status >= 400) or (status is None and _looks_like_error(body)):
            outcome = connector.classify(status or 400, {}, body).outcome
            assert (outcome is Outcome.OK) == (name in KEPT_AS_DATA), f"{name}: classified as {outcome}"
            continue
        items = module.read(body)
        expected = _content_ids(platform, body)
        got = {i.id for i in items}
        assert expected <= got, f"{name}: the normaliser lost {sorted(expected - got)[:5]}"
        for item in items:
            assert isinstance(item, Post | Comment) and item.id and item.created_at.endswith("Z")
        read_any = read_any or bool(items)
    if name in NOT_THREAD_CONTENT:
        assert not read_any, f"{name} is listed as holding no thread content, but items were read from it"
    elif not read_any:
        statuses = [s for s, _ in _bodies(SAMPLES / name)]
        assert statuses and all((s or 400) >= 400 or _looks_like_error(b) for s, b in _bodies(SAMPLES / name)), \
            f"{name}: no post or comment was read; list it in NOT_THREAD_CONTENT with a reason if that is right"
