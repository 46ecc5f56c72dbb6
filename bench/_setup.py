"""What the benchmarks share: settings for one Facebook account served by the fake Graph API."""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

from archiver.config import AccountConfig, Settings, parse_settings
from archiver.fakes.graph import FakeGraphServer
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
