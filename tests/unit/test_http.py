"""The retry and rate-limit policy, with the Graph API classifier, over httpx.MockTransport (no sockets)."""

import json
from datetime import UTC, datetime

import httpx
import pytest

from archiver.clock import FixedClock
from archiver.connectors.facebook import classify_graph_response
from archiver.connectors.http import HttpClient, RetryPolicy
from archiver.errors import AuthError, GoneAtSource, MalformedResponse, RateLimited, TransientSourceError

CLOCK = FixedClock(datetime(2026, 11, 1, tzinfo=UTC))


def _client(responses, budget=60.0, attempts=5):
    queue = list(responses)
    slept: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    client = HttpClient(classify=classify_graph_response, clock=CLOCK, secrets=("EAATOKEN",),
                        policy=RetryPolicy(max_attempts=attempts, wait_budget=budget),
                        transport=httpx.MockTransport(handler), sleep=slept.append)
    return client, slept


def _error(code, status=400, subcode=None, headers=None, transient=None):
    error = {"message": "m", "type": "OAuthException", "code": code, "fbtrace_id": "t"}
    if subcode:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    return httpx.Response(status, json={"error": error}, headers=headers or {})


OK = httpx.Response(200, json={"data": [], "paging": {"next": "https://g/x?access_token=EAATOKEN"}})
URL = "https://graph.example/v23.0/1/feed?access_token=EAATOKEN"


def _get(client):
    kept = []
    body, _ = client.get_json(URL, purpose="test", record=kept.append)
    return body, kept


def test_buc_rate_limit_waits_the_platforms_hint_then_succeeds():
    usage = json.dumps({"1": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 1}]})
    client, slept = _client([_error(80001, headers={"x-business-use-case-usage": usage}), OK], budget=120)
    body, kept = _get(client)
    assert slept == [60.0] and body["data"] == [] and len(kept) == 2
    assert all("EAATOKEN" not in json.dumps(e.to_dict()) for e in kept)


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_rate_limit_beyond_the_budget_is_a_retryable_typed_error(code):
    client, slept = _client([_error(code)], budget=10)
    with pytest.raises(RateLimited) as caught:
        _get(client)
    assert caught.value.retryable and caught.value.wait_seconds >= 30 and slept == []
    assert "EAATOKEN" not in str(caught.value) and "EAATOKEN" not in (caught.value.url or "")


def test_expired_token_fails_fast_and_says_what_to_renew():
    client, slept = _client([_error(190, subcode=463)])
    with pytest.raises(AuthError) as caught:
        _get(client)
    assert "renew" in str(caught.value) and not caught.value.retryable and slept == []


def test_server_errors_are_retried_with_bounded_backoff():
    client, slept = _client([httpx.Response(500, text="oops"), _error(2, status=500, transient=True), OK])
    _get(client)
    assert len(slept) == 2 and all(0 < s <= 60 for s in slept)
    client, slept = _client([httpx.Response(503, text="down")], attempts=3)
    with pytest.raises(TransientSourceError):
        _get(client)
    assert len(slept) == 2


def test_truncated_json_is_retried_once_then_reported_as_malformed():
    client, slept = _client([httpx.Response(200, content=b'{"data": [{"id": "1_2", "mess')])
    with pytest.raises(MalformedResponse):
        _get(client)
    assert len(slept) == 1


def test_deleted_object_is_gone_not_an_error():
    client, _ = _client([_error(100, subcode=33)])
    with pytest.raises(GoneAtSource):
        _get(client)


def test_timeouts_are_transient():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    slept: list[float] = []
    client = HttpClient(classify=classify_graph_response, clock=CLOCK, policy=RetryPolicy(max_attempts=2),
                        transport=httpx.MockTransport(handler), sleep=slept.append)
    with pytest.raises(TransientSourceError, match="timeout"):
        _get(client)
