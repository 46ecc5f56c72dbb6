"""Pacing: when a platform says few calls are left, the connector spreads them until the reset (no network:
httpx.MockTransport)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from archiver.clock import FixedClock
from archiver.config import Secret, parse_settings
from archiver.connectors import connector_class
from archiver.connectors.http import pace_until_reset

NOW = datetime(2026, 11, 20, 3, tzinfo=UTC)


def _account(platform: str):
    return parse_settings({"archive": {"organisation": "X"}, "accounts": [{
        "key": "k", "platform": platform, "account_id": "1", "name": "N", "base_url": "https://api.example",
        "api_version": "v1", "credential": "value:t"}]}, base=Path(".")).accounts[0]


@pytest.mark.parametrize(("platform", "headers"), [
    ("mastodon", {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "5",
                  "x-ratelimit-reset": (NOW + timedelta(seconds=100)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")}),
    ("x", {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "5",
           "x-rate-limit-reset": str(int(NOW.timestamp()) + 100)}),
    ("bluesky", {"ratelimit-limit": "3000", "ratelimit-remaining": "5",
                 "ratelimit-reset": str(int(NOW.timestamp()) + 100)}),
])
def test_few_calls_left_spreads_them_until_the_reset(platform, headers):
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"data": []}, headers=headers))
    slept: list[float] = []
    connector = connector_class(platform)(_account(platform), Secret("t"), FixedClock(NOW), transport=transport,
                                          sleep=slept.append)
    connector.get("https://api.example/anything", None, "test", lambda e: None)
    assert slept == [pytest.approx(20.0)]  # 100 s to the reset / 5 calls left


def test_no_pacing_with_budget_left_or_without_headers():
    assert pace_until_reset("299", "300", 100) is None
    assert pace_until_reset(None, "300", 100) is None
    assert pace_until_reset("0", "300", 100) == 100
