"""What the benchmarks share: settings for one Facebook account served by the fake Graph API."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from archiver.config import AccountConfig, Settings, parse_settings
from archiver.fakes.graph import FakeGraphServer, FakePage
from archiver.pipeline import Services

T = TypeVar("T")


def facebook_settings(out: Path, fake: FakeGraphServer, *, initial_since: str) -> Settings:
    """An archive under ``out`` with the fake's page as its one account (key ``bench``)."""
    page = fake.page
    return parse_settings({
        "archive": {"organisation": "Bench", "store": str(out / "archive"), "work": str(out / "work"),
                    "initial_since": initial_since},
        "accounts": [{"key": "bench", "platform": "facebook", "account_id": page.id, "name": "Bench",
                      "base_url": fake.url, "api_version": "v23.0", "credential": f"value:{page.token}"}]},
        base=out)


def timed_services(services: Services, timings: MutableMapping[str, float]) -> Services:
    """``services`` with its stages timed: seconds are added to ``timings`` under each stage's name."""

    def timed(name: str, function: Callable[..., T]) -> Callable[..., T]:
        def wrapper(*args: Any, **kwargs: Any) -> T:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    make_connector, make_normaliser = services.connector_for, services.normaliser_for

    def connector_for(account: AccountConfig) -> Any:
        connector = make_connector(account)
        connector.list_threads = timed("list", connector.list_threads)  # type: ignore[method-assign]
        connector.capture_thread = timed("capture (HTTP + evidence)", connector.capture_thread)  # type: ignore[method-assign]
        return connector

    services.connector_for = connector_for
    services.normaliser_for = lambda platform: timed("normalise", make_normaliser(platform))
    services.render_pdf = timed("render PDF/A", services.render_pdf)
    if services.screen is not None:
        services.screen = timed("screen (detect personal data)", services.screen)
    services.store.publish = timed("store (stage + publish)", services.store.publish)  # type: ignore[method-assign]
    return services


def machine_reference() -> float:
    """Seconds for a fixed single-core workload (JSON, hashing, a Python loop): printed with the results, so runs
    on a shared machine whose speed drifts can be compared (on 2026-12-03 the same first run measured 190 s at
    08:50 and 227 s at 09:45, while one WeasyPrint rendering took 0.50 s and then 1.02 s)."""
    start = time.perf_counter()
    data = json.dumps([{"id": str(n), "text": "Vi lurer på når veien åpner igjen " * 3} for n in range(20000)])
    for _ in range(20):
        hashlib.sha256(data.encode()).hexdigest()
        json.loads(data)
    total = 0
    for n in range(3_000_000):
        total += n % 7
    return round(time.perf_counter() - start, 2)


@dataclass(frozen=True)
class RemoteGraph:
    """The fake Graph API served by a process of its own: what ``FakeGraphServer`` offers a benchmark."""

    page: FakePage
    url: str
    pid: int   # the serving process

    @property
    def stats(self) -> Counter[str]:
        with urllib.request.urlopen(f"{self.url}/__fake__/stats", timeout=10) as response:
            return Counter(json.loads(response.read()))


def _serve(page: FakePage, pipe: Any) -> None:
    with FakeGraphServer(page) as fake:
        pipe.send(fake.url)
        pipe.recv()   # until the benchmark is done


@contextmanager
def graph_in_own_process(page: FakePage) -> Iterator[RemoteGraph]:
    """The fake Graph API in a process of its own, as the platform is never in the process that schedules the
    run: served from the benchmark's process, its work would hold the interpreter lock that Airflow's loop in
    ``dag.test`` needs between tasks."""
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(page, theirs), daemon=True)
    process.start()
    try:
        if not ours.poll(60):
            raise SystemExit("the fake Graph API process did not start within 60 s")
        yield RemoteGraph(page, ours.recv(), process.pid or 0)
    finally:
        ours.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()
