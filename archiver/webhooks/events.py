"""Meta webhook deliveries -> events. Pure.

Shapes: ../shared/reference/api-samples/facebook/restfb_webhook_*.json (Page ``feed``: ``item`` comment or
post, ``verb`` add | edited | edit | remove | hide | unhide) and
../shared/reference/api-samples/instagram/restfb_ig_webhook_comments.json (``comments``: a new comment).

Authenticity: Meta signs the raw body with the app secret, ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256>``.
An event's id is the SHA-256 of its canonical JSON (page or account id, entry time, change), so a redelivery
of the same change is recognised as a duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ..clock import format_ts, parse_ts
from ..errors import RecordError
from ..model import Author, Comment, Version

__all__ = ["WebhookEvent", "as_comment", "as_version", "parse_delivery", "signature_valid"]

PLATFORM_OF_OBJECT = {"page": "facebook", "instagram": "instagram"}


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    platform: str
    account_id: str        # the Page id or Instagram account id the entry is for
    time: str              # the entry's time (when Meta says the change happened)
    field: str
    item: str              # comment | post | ...
    verb: str              # add | edited | edit | remove | hide | unhide
    post_id: str | None
    comment_id: str | None
    parent_id: str | None
    message: str | None
    author_id: str | None
    author_name: str | None
    created_time: str | None
    change: Mapping[str, Any]  # the change exactly as delivered

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebhookEvent:
        return cls(**data)


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """True only for ``sha256=<hex>`` matching HMAC-SHA256 of the exact body under the app secret."""
    if not header or not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def parse_delivery(body: bytes) -> list[WebhookEvent]:
    """Every change in a delivery as an event. Raises ``RecordError`` naming what is wrong."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"webhook body is not JSON: {exc}") from exc
    if not isinstance(payload, Mapping) or not isinstance(payload.get("entry"), list):
        raise RecordError("webhook body has no 'entry' list (not a Meta webhook delivery)")
    platform = PLATFORM_OF_OBJECT.get(str(payload.get("object")))
    if platform is None:
        raise RecordError(f"webhook object {payload.get('object')!r} is not 'page' or 'instagram'")
    events = []
    for entry in payload["entry"]:
        if not isinstance(entry, Mapping):
            raise RecordError("webhook entry is not an object")
        account_id = str(entry.get("id", ""))
        when = _time(entry.get("time"))
        for change in entry.get("changes") or []:
            if isinstance(change, Mapping) and isinstance(change.get("value"), Mapping):
                events.append(_event(platform, account_id, when, change))
    return events


def as_comment(event: WebhookEvent) -> Comment | None:
    """The comment an ``add``/``edited`` event carries (text and all), for when it is gone before a capture."""
    if event.item != "comment" or event.verb not in ("add", "edited") or event.comment_id is None \
            or event.message is None:
        return None
    parent = event.parent_id if event.parent_id not in (None, event.post_id) else None
    return Comment(id=event.comment_id, parent_id=parent,
                   author=Author(event.author_id, event.author_name, event.author_id == event.account_id),
                   created_at=event.created_time or event.time, text=event.message)


def as_version(event: WebhookEvent) -> Version | None:
    comment = as_comment(event)
    if comment is None:
        return None
    return Version(comment.text, event.time if event.verb == "edited" else None, event.time, "webhook")


def _event(platform: str, account_id: str, when: str, change: Mapping[str, Any]) -> WebhookEvent:
    value: Mapping[str, Any] = change["value"]
    field = str(change.get("field", ""))
    author: Mapping[str, Any] = value["from"] if isinstance(value.get("from"), Mapping) else {}
    if platform == "instagram":  # comments field: a new comment on media
        media: Mapping[str, Any] = value["media"] if isinstance(value.get("media"), Mapping) else {}
        item, verb = "comment", "add"
        post_id, comment_id = _str(media.get("id")), _str(value.get("id"))
        parent_id, message = _str(value.get("parent_id")), _text(value.get("text"))
        author_id, author_name = _str(author.get("id")), _str(author.get("username"))
        created = None
    else:
        item, verb = str(value.get("item", "")), str(value.get("verb", ""))
        post_id, comment_id = _str(value.get("post_id")), _str(value.get("comment_id"))
        parent_id, message = _str(value.get("parent_id")), _text(value.get("message"))
        author_id = _str(value.get("sender_id")) or _str(author.get("id"))
        author_name = _str(value.get("sender_name")) or _str(author.get("name"))
        created = _time(value.get("created_time")) if value.get("created_time") is not None else None
    canonical = json.dumps({"platform": platform, "account": account_id, "time": when, "change": change},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return WebhookEvent(
        id=hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest(), platform=platform,
        account_id=account_id, time=when, field=field, item=item, verb=verb, post_id=post_id,
        comment_id=comment_id, parent_id=parent_id, message=message, author_id=author_id,
        author_name=author_name, created_time=created, change=dict(change))


def _time(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_ts(datetime.fromtimestamp(value, UTC))
    if isinstance(value, str):
        try:
            return format_ts(parse_ts(value))
        except ValueError:
            pass
    raise RecordError(f"webhook time {value!r} is not a Unix time or an ISO timestamp")


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) and str(value) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
