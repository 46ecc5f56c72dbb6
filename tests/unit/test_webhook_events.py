"""Meta webhook deliveries: every recorded sample parses, signatures are checked exactly, ids find duplicates."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from archiver.errors import RecordError
from archiver.webhooks.events import as_comment, parse_delivery, signature_valid
from tests.conftest import shared

SAMPLES = [
    ("facebook", "restfb_webhook_comment_add_with_photo.json", "comment", "add"),
    ("facebook", "restfb_webhook_comment_edited.json", "comment", "edited"),
    ("facebook", "restfb_webhook_comment_hide.json", "comment", "hide"),
    ("facebook", "restfb_webhook_comment_unhide.json", "comment", "unhide"),
    ("facebook", "restfb_webhook_comment_remove.json", "comment", "remove"),
    ("facebook", "restfb_webhook_post_edit.json", "post", "edit"),
    ("facebook", "restfb_webhook_post_remove.json", "post", "remove"),
    ("instagram", "restfb_ig_webhook_comments.json", "comment", "add"),
]


@pytest.mark.parametrize(("platform", "name", "item", "verb"), [pytest.param(*s, id=s[1]) for s in SAMPLES])
def test_every_recorded_delivery_parses(platform: str, name: str, item: str, verb: str) -> None:
    body = shared("api-samples", platform, name).read_bytes()
    events = parse_delivery(body)
    assert len(events) == 1
    event = events[0]
    assert (event.platform, event.item, event.verb) == (platform, item, verb)
    assert event.post_id and event.time.endswith("Z")
    assert parse_delivery(body)[0].id == event.id, "the same change has the same id (duplicates are found)"
    comment = as_comment(event)
    if verb in ("add", "edited"):
        assert comment is not None and comment.text == json.loads(body)["entry"][0]["changes"][0]["value"].get(
            "message", json.loads(body)["entry"][0]["changes"][0]["value"].get("text"))
    else:
        assert comment is None


def test_a_reply_keeps_its_parent_and_a_top_comment_has_none() -> None:
    body = shared("api-samples", "instagram", "restfb_ig_webhook_comments.json").read_bytes()
    comment = as_comment(parse_delivery(body)[0])
    assert comment is not None and comment.parent_id == "987654321" and comment.author.display_name == "testuser"
    fb = as_comment(parse_delivery(shared("api-samples", "facebook",
                                          "restfb_webhook_comment_edited.json").read_bytes())[0])
    assert fb is not None and fb.parent_id is None, "parent_id equal to the post id means a top-level comment"


def test_signature_must_match_the_exact_body_under_the_app_secret() -> None:
    body = b'{"object":"page","entry":[]}'
    good = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert signature_valid(body, good, "app-secret")
    assert not signature_valid(body + b" ", good, "app-secret")
    assert not signature_valid(body, good, "other-secret")
    assert not signature_valid(body, None, "app-secret")
    assert not signature_valid(body, good.replace("sha256=", "sha1="), "app-secret")
    assert not signature_valid(body, good, "")


@pytest.mark.parametrize(("body", "message"), [
    pytest.param(b"not json", "not JSON", id="not-json"),
    pytest.param(b'{"object":"page"}', "no 'entry' list", id="no-entry"),
    pytest.param(b'{"object":"user","entry":[]}', "is not 'page' or 'instagram'", id="other-object"),
    pytest.param(b'{"object":"page","entry":[{"id":"1","time":"yesterday","changes":[]}]}', "webhook time",
                 id="bad-time"),
])
def test_unreadable_deliveries_name_the_problem(body: bytes, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        parse_delivery(body)
