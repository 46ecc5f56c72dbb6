"""schedule.due_threads: what a nightly run captures, and why; schedule.batches: how the DAG's tasks share it."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.connectors.base import ThreadRef
from archiver.schedule import (
    MAX_BATCHES,
    RECAPTURE_COST,
    ThreadState,
    batches,
    capture_cost,
    due_threads,
    listing_window,
    nightly_batches,
)

NOW = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
DAY = timedelta(days=1)


def _ref(post: str, age_days: float, activity: str | None = None) -> ThreadRef:
    return ThreadRef("acc", post, (NOW - age_days * DAY).strftime("%Y-%m-%dT%H:%M:%SZ"), activity)


def _state(ref: ThreadRef, captured_days_ago: float, activity: str | None = None,
           gone: bool = False) -> ThreadState:
    captured = (NOW - captured_days_ago * DAY).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ThreadState("facebook", "1", ref.post_id, "acc", ref.created_at, activity if activity else ref.activity,
                       1, "p", "h", captured, captured, captured, captured if gone else None)


def _due(listed: list[ThreadRef], known: list[ThreadState], window_days: float = 3650) -> dict[str, str]:
    return {d.ref.post_id: d.reason for d in due_threads(
        listed, known, account_key="acc", now=NOW, window=(NOW - window_days * DAY, NOW), lookback=30 * DAY,
        revisit=7 * DAY)}


def test_reasons() -> None:
    new, young, quiet, moved = _ref("new", 100), _ref("young", 5, "u1"), _ref("quiet", 100, "u1"), \
        _ref("moved", 100, "u2")
    known = [_state(young, 1), _state(quiet, 1), _state(moved, 1, activity="u1")]
    assert _due([new, young, quiet, moved], known) == {"new": "new", "young": "young", "moved": "activity"}


def test_old_threads_are_revisited_on_the_slower_schedule_spread_over_days() -> None:
    refs = [_ref(f"p{i}", 400) for i in range(200)]
    for days, expected in ((3, 0), (7, 200)):
        assert len(_due(refs, [_state(r, days) for r in refs])) == expected
    spread = len(_due(refs, [_state(r, 5) for r in refs]))
    assert 0 < spread < 200, "revisits are spread over the second half of the interval"


def test_unlisted_threads_inside_the_window_are_checked_but_gone_ones_are_not() -> None:
    vanished, gone, old = _ref("vanished", 100), _ref("gone", 100), _ref("old", 400)
    known = [_state(vanished, 1), _state(gone, 1, gone=True), _state(old, 1)]
    assert _due([], known, window_days=365) == {"vanished": "unlisted"}


def test_listing_window() -> None:
    start = datetime(2000, 1, 1, tzinfo=UTC)
    assert listing_window(first_run=True, lists_everything=False, initial_since=start, end=NOW,
                          lookback=30 * DAY) == (start, NOW)
    assert listing_window(first_run=False, lists_everything=True, initial_since=start, end=NOW,
                          lookback=30 * DAY) == (start, NOW)
    assert listing_window(first_run=False, lists_everything=False, initial_since=start, end=NOW,
                          lookback=30 * DAY) == (NOW - 30 * DAY, NOW)


def test_batches_of_a_night() -> None:
    assert batches([], size=50, at_least=8) == []
    assert batches(list(range(3)), size=50, at_least=8) == [[0], [1], [2]]       # never an empty batch
    assert [len(b) for b in batches(list(range(23)), size=50, at_least=8)] == [3] * 7 + [2]
    assert [len(b) for b in batches(list(range(1000)), size=50, at_least=8)] == [50] * 20
    assert [len(b) for b in batches(list(range(101)), size=50)] == [34, 34, 33]
    big = batches(list(range(120_000)), size=50, at_least=8)   # more than Airflow maps: the batches grow
    assert len(big) == MAX_BATCHES < 1024 and {len(b) for b in big} == {120}


def test_batch_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        batches([1], size=0)
    with pytest.raises(ValueError, match="one positive weight per item"):
        batches([1, 2], size=5, weights=[1.0])
    with pytest.raises(ValueError, match="one positive weight per item"):
        batches([1, 2], size=5, weights=[1.0, 0.0])


def test_batches_weighted_by_expected_cost() -> None:
    assert capture_cost("new") == capture_cost("activity") == 1.0
    assert capture_cost("young") == capture_cost("revisit") == capture_cost("unlisted") == RECAPTURE_COST < 0.1
    # a night of recaptures: 50 units of work, so the at_least batches, each longer
    assert [len(b) for b in batches(list(range(1000)), size=50, at_least=8, weights=[0.05] * 1000)] == [125] * 8
    # new threads among recaptures spread over the batches instead of crowding the first ones
    weights = [1.0 if n % 10 == 0 else 0.05 for n in range(1000)]
    out = batches(list(range(1000)), size=50, at_least=8, weights=weights)
    costs = [sum(weights[n] for n in batch) for batch in out]
    assert len(out) == 8 and max(costs) - min(costs) <= 1.0, costs
    # all new: as without weights
    assert batches(list(range(1000)), size=50, at_least=8, weights=[1.0] * 1000) == batches(
        list(range(1000)), size=50, at_least=8)


def test_a_cheap_night_takes_fewer_batches_than_tasks_may_run() -> None:
    recaptures = [RECAPTURE_COST] * 1000            # 50 units: two batches of half a batch's work, not eight
    assert [len(b) for b in nightly_batches(list(range(1000)), recaptures, size=50, parallel=8)] == [500, 500]
    assert [len(b) for b in batches(list(range(1000)), size=50, at_least=8, weights=recaptures,
                                    min_cost=12.5)] == [250] * 4
    assert len(nightly_batches(list(range(10)), [1.0] * 10, size=50, parallel=8)) == 1   # under min_cost: one
    # a night worth more than PARALLEL_TASKS half batches spreads as before, and full batches are never merged
    assert [len(b) for b in nightly_batches(list(range(300)), [1.0] * 300, size=50, parallel=8)] == [38] * 4 + [37] * 4
    assert [len(b) for b in nightly_batches(list(range(1000)), [1.0] * 1000, size=50, parallel=8)] == [50] * 20
    assert [len(b) for b in nightly_batches(list(range(120)), [1.0] * 120, size=50, parallel=8)] == [30] * 4
    with pytest.raises(ValueError, match="min_cost"):
        batches([1], size=5, min_cost=6)


@given(st.lists(st.sampled_from([1.0, RECAPTURE_COST, 0.3]), max_size=600), st.integers(1, 60), st.integers(1, 16),
       st.integers(1, 400), st.sampled_from([0.0, 0.25, 0.5, 1.0]))
def test_weighted_batches_keep_every_item_once_in_order_and_balance(weights: list[float], size: int, at_least: int,
                                                                    at_most: int, min_share: float) -> None:
    n, min_cost = len(weights), size * min_share
    out = batches(list(range(n)), size=size, at_least=at_least, at_most=at_most, weights=weights, min_cost=min_cost)
    assert [item for batch in out for item in batch] == list(range(n))
    assert all(out) and len(out) <= at_most
    if out:
        total = sum(weights)
        worth = max(1, math.floor(total / min_cost + 1e-9)) if min_cost else n
        assert len(out) >= min(n, at_least, at_most, worth)
        assert len(out) <= max(math.ceil(total / size - 1e-9), min(at_least, worth), 1)
        share = sum(weights) / len(out)
        assert all(sum(weights[i] for i in batch) <= share + 2 * max(weights) for batch in out)


@given(st.integers(0, 5000), st.integers(1, 200), st.integers(1, 16), st.integers(1, 1000))
def test_batches_keep_every_item_once_in_order(n: int, size: int, at_least: int, at_most: int) -> None:
    out = batches(list(range(n)), size=size, at_least=at_least, at_most=at_most)
    assert [item for batch in out for item in batch] == list(range(n))
    assert all(out) and len(out) <= at_most
    if out:
        lengths = [len(b) for b in out]
        assert max(lengths) - min(lengths) <= 1
        assert len(out) >= min(n, at_least, at_most)
        assert max(lengths) <= size or len(out) == at_most or len(out) == min(n, at_least)
