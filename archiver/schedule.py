"""Which threads a run captures: incremental capture with a look-back window. Pure.

A thread is captured when
  * it is new to the archive;
  * its change signal in the listing moved since the last capture (Facebook's ``updated_time``, a reply
    count: ``ThreadRef.activity``);
  * it is younger than the look-back window (default 30 days): late comments, edits and deletions leave no
    signal on most platforms;
  * the listing covers its creation time but no longer lists it (deleted at the source? the capture finds
    out and marks it);
  * or, for an older thread, its last capture is older than the revisit interval (default 7 days), spread
    over the second half of that interval by a stable hash of its id so revisits do not all fall on one night.

So a run's cost grows with what changed and with the young threads, not with the size of the archive.

``batches`` then deals the due threads out to the DAG's mapped tasks: one task per thread would cost Airflow
a task instance (a process, its start-up, its state in the metadata database) per thread, and Airflow refuses
to map more than ``[core] max_map_length`` (1024) items.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from .clock import parse_ts
from .connectors.base import ThreadRef

__all__ = ["MAX_BATCHES", "RECAPTURE_COST", "Due", "ThreadState", "batches", "capture_cost", "due_threads",
           "listing_window", "nightly_batches"]

T = TypeVar("T")
MAX_BATCHES = 1000   # below Airflow's default [core] max_map_length of 1024
RECAPTURE_COST = 0.05   # a recapture that likely finds the thread unchanged, against a new thread's 1


@dataclass(frozen=True)
class ThreadState:
    """What the catalog holds of one archived thread (the store holds the thread itself)."""

    platform: str
    account_id: str
    post_id: str
    account_key: str
    created_at: str | None
    activity: str | None
    head_version: int
    head_path: str
    content_hash: str
    first_captured_at: str
    last_captured_at: str
    last_changed_at: str
    gone_at: str | None = None
    # what the last capture of the head version saw (``pipeline.capture_fingerprint``); None after a review
    # or a "gone" answer, when the next capture must be merged in full
    capture_fingerprint: str | None = None


@dataclass(frozen=True)
class Due:
    ref: ThreadRef
    reason: str  # new | activity | young | unlisted | revisit


def listing_window(*, first_run: bool, lists_everything: bool, initial_since: datetime, end: datetime,
                   lookback: timedelta) -> tuple[datetime, datetime]:
    """What to ask the platform to list: everything when that is cheap or on the first run, else the
    look-back window (older threads come from the catalog)."""
    if first_run or lists_everything:
        return initial_since, end
    return max(initial_since, end - lookback), end


def due_threads(listed: Sequence[ThreadRef], known: Iterable[ThreadState], *, account_key: str, now: datetime,
                window: tuple[datetime, datetime], lookback: timedelta, revisit: timedelta) -> list[Due]:
    """The threads to capture now, each with the reason, in listing order then catalog order."""
    states: Mapping[str, ThreadState] = {s.post_id: s for s in known}
    due: list[Due] = []
    for ref in listed:
        state = states.get(ref.post_id)
        reason = _why(ref.created_at, state, now, lookback, revisit)
        if state is None:
            reason = "new"
        elif reason is None and ref.activity is not None and ref.activity != state.activity:
            reason = "activity"
        if reason:
            due.append(Due(ref, reason))
    listed_ids = {ref.post_id for ref in listed}
    since, until = window
    for state in states.values():
        if state.post_id in listed_ids or state.gone_at is not None:
            continue
        ref = ThreadRef(account_key, state.post_id, state.created_at, state.activity)
        created = _time(state.created_at)
        if created is not None and since <= created < until:
            due.append(Due(ref, "unlisted"))
        elif (reason := _why(state.created_at, state, now, lookback, revisit)) is not None:
            due.append(Due(ref, reason))
    return due


def _why(created_at: str | None, state: ThreadState | None, now: datetime, lookback: timedelta,
         revisit: timedelta) -> str | None:
    created = _time(created_at)
    if created is None or now - created < lookback:
        return "young"  # an unknown age counts as young: capture rather than miss
    if state is not None and now - parse_ts(state.last_captured_at) >= _spread(state.post_id, revisit):
        return "revisit"
    return None


def _spread(post_id: str, revisit: timedelta) -> timedelta:
    fraction = int(hashlib.sha256(post_id.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return revisit * (0.5 + 0.5 * fraction)


def _time(value: str | None) -> datetime | None:
    try:
        return parse_ts(value) if value else None
    except ValueError:
        return None


def capture_cost(reason: str) -> float:
    """A due thread's expected cost in units of a new thread's (capture, render, package, store): a thread
    new to the archive or whose change signal moved will likely be stored; any other recapture likely finds
    it unchanged, about a twentieth of that (17 against 340 ms of worker time, bench/RESULTS.md)."""
    return 1.0 if reason in ("new", "activity") else RECAPTURE_COST


def nightly_batches(items: Sequence[T], costs: Sequence[float], *, size: int, parallel: int) -> list[list[T]]:
    """The nightly run's batches: about ``size`` units of expected cost each (``capture_cost``), spread over
    at least ``parallel`` tasks while each keeps at least half a batch of work. A task instance costs Airflow
    1 to 2 s whatever its batch holds (measured: 0.3 to 0.7 s of imports and services inside it, and about
    1 s between a slot's task ending and its next one starting, with ``[workers] min_heartbeat_interval`` 1;
    5 s more with Airflow's default), and half a batch (25 new threads) is about 10 s of work,
    so a cheap night (1,000 unchanged recaptures are 50 units) takes two tasks, not eight that mostly start
    and stop (bench/RESULTS.md)."""
    return batches(items, size=size, at_least=parallel, weights=costs, min_cost=size / 2)


def batches(items: Sequence[T], *, size: int, at_least: int = 1, at_most: int = MAX_BATCHES,
            weights: Sequence[float] | None = None, min_cost: float = 0.0) -> list[list[T]]:
    """``items`` in order, cut into consecutive batches of about ``size`` (in units of ``weights``, each item's
    expected cost, ``capture_cost``; 1 each without them): at least ``at_least`` batches (so that that many
    workers share a small night; never an empty batch) and at most ``at_most`` (the batches grow instead).
    ``min_cost``: the least work worth a batch of its own, against a task's fixed cost: ``at_least`` spreads
    a small night only as far as each batch still carries that much (a night cheaper than ``min_cost`` is one
    batch; batches of ``size`` or more are never merged for it).
    Every item is in exactly one batch. Equal weights give batch lengths that differ by one at most; unequal
    ones are cut where the running cost comes closest to each batch's share, so the new threads of a night of
    cheap recaptures spread over its batches, and such a night takes fewer, longer batches."""
    if size < 1 or at_least < 1 or at_most < 1:
        raise ValueError(f"batch size {size}, at_least {at_least} and at_most {at_most} must all be at least 1")
    if not 0 <= min_cost <= size:
        raise ValueError(f"min_cost {min_cost} must be between 0 and the batch size {size}")
    if weights is not None and (len(weights) != len(items) or any(not w > 0 for w in weights)):
        raise ValueError("batches need one positive weight per item")
    if not items:
        return []
    total = float(len(items)) if weights is None else math.fsum(weights)
    spread = min(at_least, len(items))
    if min_cost > 0:
        spread = min(spread, max(1, math.floor(total / min_cost + 1e-9)))
    count = min(max(math.ceil(total / size - 1e-9), spread), at_most, len(items))
    if weights is None or len(set(weights)) == 1:
        small, extra = divmod(len(items), count)
        ends = list(itertools.accumulate(small + (1 if number < extra else 0) for number in range(count)))
    else:
        prefix = list(itertools.accumulate(weights))   # prefix[i]: the cost of items[:i + 1]
        ends, start = [], 0
        for number in range(1, count):
            share = total * number / count
            end = bisect.bisect_left(prefix, share) + 1                   # the first cut at or past the share
            if end - 1 > start and share - prefix[end - 2] < prefix[end - 1] - share:
                end -= 1                                                  # the cut before it comes closer
            end = min(max(end, start + 1), len(items) - (count - number))   # no batch left empty
            ends.append(end)
            start = end
        ends.append(len(items))
    out, start = [], 0
    for end in ends:
        out.append(list(items[start:end]))
        start = end
    return out
