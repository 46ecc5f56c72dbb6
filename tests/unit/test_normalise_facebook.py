"""The Facebook normaliser against the recorded Graph API samples in ../shared (skipped when absent)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.clock import format_ts
from archiver.config import parse_settings
from archiver.connectors.base import Exchange, RawCapture, ThreadRef
from archiver.normalise.facebook import normalise, normalise_attachments, normalise_comment, normalise_post
from archiver.schema import thread_problems
from tests.conftest import shared

NOW = format_ts(datetime(2026, 11, 1, tzinfo=UTC))


def _account(page_id: str = "19292868552"):
    return parse_settings({"archive": {"organisation": "X"}, "accounts": [{
        "key": "fb", "platform": "facebook", "account_id": page_id, "name": "Facebook for Developers",
        "base_url": "https://graph.facebook.com", "api_version": "v11.0", "credential": "value:xxxx"}]},
        base=Path(".")).accounts[0]


def _exchange(purpose: str, body: object, headers: dict | None = None) -> Exchange:
    return Exchange("GET", "https://graph.facebook.com/v11.0/x?access_token=REDACTED", 200, headers or {}, body,
                    "0" * 64, NOW, purpose)


def _load(name: str) -> object:
    return json.loads(shared("api-samples", "facebook", name).read_text(encoding="utf-8"))


def test_stream_pages_without_ids_rebuild_the_tree_from_permalinks():
    post = {"id": "19292868552_10158407654328553", "created_time": "2021-08-10T18:00:00+0000", "message": "Hi",
            "from": {"id": "19292868552", "name": "Facebook for Developers"}}
    p1, p2 = _load("pysdk_post_comments_filter_stream_p1.json"), _load("pysdk_post_comments_filter_stream_p2.json")
    raw = RawCapture("facebook", ThreadRef("fb", post["id"]), "c", "1", "v11.0", NOW, NOW,
                     (_exchange("post", post), _exchange("comments", p1), _exchange("comments", p2)))
    thread = normalise(raw, _account())
    assert thread_problems(thread.to_dict()) == []
    assert len(thread.comments) == len(p1["data"]) + len(p2["data"])
    replies = [c for c in thread.comments if c.parent_id]
    assert replies and all(r.parent_id in {c.id for c in thread.comments} for r in replies)
    completeness = thread.provenance.completeness
    assert completeness.reported_comment_count == 18
    assert completeness.captured_comment_count == 15 and not completeness.complete
    assert any("withheld" in gap for gap in completeness.gaps)
    assert all(c.author.id is None for c in thread.comments)


def test_full_comment_keeps_author_hidden_state_and_attachment():
    comment = normalise_comment(_load("pysdk_comment_full_fields_with_attachment_from_is_hidden.json"))
    assert comment.author.display_name == "Kun Liu" and comment.author.id == "2711636948859886"
    assert comment.attachments[0].type == "photo" and comment.attachments[0].url.startswith("https://")
    hidden = normalise_comment(_load("restfb_comment_by_page_can_hide_is_hidden.json"), own_ids=["x"])
    assert hidden.visibility == ("hidden" if _load("restfb_comment_by_page_can_hide_is_hidden.json")["is_hidden"]
                                 else "visible")


def test_page_comment_is_the_organisation():
    sample = _load("restfb_comment_by_page_can_hide_is_hidden.json")
    comment = normalise_comment(sample, own_ids=[sample["from"]["id"]])
    assert comment.author.is_organisation


def test_posts_with_album_and_subattachments_and_reaction_aliases():
    post = normalise_post(_load("pysdk_post_full_fields_album_attachments.json"))
    assert len(post.attachments) >= 2 and {a.type for a in post.attachments} == {"photo"}
    assert post.reactions["total"] >= 0 and "love" in post.reactions
    sub = normalise_attachments(_load("restfb_post_attachments_subattachments.json")["attachments"])
    assert sub and all(a.url for a in sub)
    hidden = normalise_post(_load("restfb_post_is_hidden_true.json"))
    assert hidden.visibility == "hidden"


@pytest.mark.parametrize("name", ["pysdk_page_feed_default_fields_p1.json", "restfb_page_feed_v2_1.json",
                                  "pysdk_page_posts_time_paging_p1.json"])
def test_feed_pages_normalise_every_post(name):
    for item in _load(name)["data"]:
        post = normalise_post(item)
        assert post.id == item["id"]
