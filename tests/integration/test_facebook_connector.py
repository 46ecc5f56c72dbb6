"""The Facebook connector against the fake Graph API over real HTTP on 127.0.0.1."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from archiver.clock import FixedClock
from archiver.config import Secret
from archiver.connectors.base import ThreadRef
from archiver.connectors.facebook import FacebookConnector
from archiver.errors import AuthError, MalformedResponse, RateLimited, TransientSourceError
from archiver.fakes.demo import DEMO_TOKEN, synthetic_page
from archiver.fakes.graph import FakeGraphServer, Fault
from archiver.normalise.facebook import normalise

CLOCK = FixedClock(datetime(2026, 11, 1, 2, tzinfo=UTC))
SINCE, UNTIL = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


def _connector(fake, settings_factory, slept=None, **account):
    settings = settings_factory(fake.url, fake.page, **account)
    sleep = (slept.append if slept is not None else (lambda s: None))
    return FacebookConnector(settings.accounts[0], Secret(fake.page.token), CLOCK, sleep=sleep), settings


def test_lists_posts_and_captures_every_comment_across_pages(fake_graph, settings_factory):
    connector, settings = _connector(fake_graph, settings_factory)
    refs = connector.list_threads(SINCE, UNTIL)
    assert len(refs) == 5
    snow = next(r for r in refs if r.post_id.endswith("2"))
    raw = connector.capture_thread(snow)
    pages = [e for e in raw.exchanges if e.purpose == "comments"]
    assert len(pages) == 4  # 330 comments at 100 a page
    thread = normalise(raw, settings.accounts[0])
    assert len(thread.comments) == 330 and thread.provenance.completeness.complete
    assert thread.provenance.api_version_served == "v23.0"
    assert any(c.author.is_organisation for c in thread.comments)
    assert {c.parent_id for c in thread.comments if c.parent_id} <= {c.id for c in thread.comments}


def test_since_and_until_filter_posts_and_small_pages_paginate(fake_graph, settings_factory):
    connector, _ = _connector(fake_graph, settings_factory, page_size=2)
    assert len(connector.list_threads(datetime(2026, 11, 1, tzinfo=UTC), UNTIL)) == 2
    assert len(connector.list_threads(SINCE, UNTIL)) == 5
    assert fake_graph.stats["feed"] == 1 + 3  # no extra request after the last page


def test_access_token_never_reaches_the_evidence(fake_graph, settings_factory):
    connector, _ = _connector(fake_graph, settings_factory)
    ref = connector.list_threads(SINCE, UNTIL)[3]
    text = connector.capture_thread(ThreadRef("demo-facebook", ref.post_id)).to_json_bytes().decode()
    assert DEMO_TOKEN not in text and "access_token=REDACTED" in text


def test_rate_limit_with_short_regain_waits_then_completes(fake_graph, settings_factory):
    slept: list[float] = []
    connector, _ = _connector(fake_graph, settings_factory, slept, max_wait_seconds=120)
    fake_graph.inject(Fault("rate_limit", path="/comments$", code=80001, regain_minutes=1))
    raw = connector.capture_thread(connector.list_threads(SINCE, UNTIL)[0])
    assert slept == [60.0]
    assert [e.status for e in raw.exchanges if e.purpose == "comments"][:2] == [400, 200]


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_rate_limit_beyond_budget_raises_retryable(fake_graph, settings_factory, code):
    connector, _ = _connector(fake_graph, settings_factory, max_wait_seconds=5)
    fake_graph.inject(Fault("rate_limit", path="/comments$", code=code, times=10, regain_minutes=30))
    with pytest.raises(RateLimited) as caught:
        connector.capture_thread(connector.list_threads(SINCE, UNTIL)[0])
    assert caught.value.retryable and caught.value.wait_seconds == 1800


def test_server_errors_are_retried_and_then_given_up(fake_graph, settings_factory):
    slept: list[float] = []
    connector, _ = _connector(fake_graph, settings_factory, slept)
    ref = connector.list_threads(SINCE, UNTIL)[0]
    fake_graph.inject(Fault("http_500", path="/comments$", times=2))
    connector.capture_thread(ref)
    assert len(slept) == 2
    fake_graph.inject(Fault("http_500", path="/comments$", times=50))
    with pytest.raises(TransientSourceError):
        connector.capture_thread(ref)


def test_slow_responses_time_out_and_are_retried(fake_graph, settings_factory):
    connector, _ = _connector(fake_graph, settings_factory, timeout_seconds=0.3, max_attempts=3)
    ref = connector.list_threads(SINCE, UNTIL)[0]
    fake_graph.inject(Fault("timeout", path="/comments$", times=1, delay=1.0))
    raw = connector.capture_thread(ref)
    assert any(e.purpose == "comments" and e.status == 200 for e in raw.exchanges)
    fake_graph.inject(Fault("slow", path="/comments$", times=5, delay=1.0))
    with pytest.raises(TransientSourceError, match="timeout"):
        connector.capture_thread(ref)


def test_expired_token_mid_pagination_fails_fast(fake_graph, settings_factory):
    slept: list[float] = []
    connector, _ = _connector(fake_graph, settings_factory, slept)
    snow = next(r for r in connector.list_threads(SINCE, UNTIL) if r.post_id.endswith("2"))
    fake_graph.inject(Fault("auth_expired", path="/comments$", skip=2))
    with pytest.raises(AuthError, match="renew") as caught:
        connector.capture_thread(snow)
    assert slept == [] and caught.value.evidence is not None


def test_truncated_json_and_cursor_loops_are_malformed(fake_graph, settings_factory):
    connector, _ = _connector(fake_graph, settings_factory)
    ref = connector.list_threads(SINCE, UNTIL)[0]
    fake_graph.inject(Fault("truncated", path="/comments$", times=2))
    with pytest.raises(MalformedResponse) as caught:
        connector.capture_thread(ref)
    assert caught.value.evidence.exchanges  # what was received is kept for the quarantine report
    fake_graph.inject(Fault("cursor_loop", path="/comments$", times=3))
    with pytest.raises(MalformedResponse, match="cursor loop"):
        connector.capture_thread(ref)


def test_synthetic_pages_are_seeded_and_sized():
    a, b = synthetic_page(3, 7, seed=5), synthetic_page(3, 7, seed=5)
    assert [p.comments for p in a.posts] == [p.comments for p in b.posts]
    assert len(a.posts) == 3 and all(len(p.comments) == 7 for p in a.posts)
    with FakeGraphServer(a) as fake:
        connector = FacebookConnector(
            dataclasses.replace(_account_for(fake)), Secret(a.token), CLOCK)
        refs = connector.list_threads(SINCE, UNTIL)
        raw = connector.capture_thread(refs[0])
        assert len(json.loads(raw.to_json_bytes())["exchanges"]) == 2


def _account_for(fake):
    from archiver.config import AccountConfig

    return AccountConfig(key="s", platform="facebook", account_id=fake.page.id, name="S", base_url=fake.url,
                         api_version="v23.0", credential="value:x")
