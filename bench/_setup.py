"""What the benchmarks share: settings for one Facebook account served by the fake Graph API."""

from __future__ import annotations

from pathlib import Path

from archiver.config import Settings, parse_settings
from archiver.fakes.graph import FakeGraphServer


def facebook_settings(out: Path, fake: FakeGraphServer, *, initial_since: str) -> Settings:
    """An archive under ``out`` with the fake's page as its one account (key ``bench``)."""
    page = fake.page
    return parse_settings({
        "archive": {"organisation": "Bench", "store": str(out / "archive"), "work": str(out / "work"),
                    "initial_since": initial_since},
        "accounts": [{"key": "bench", "platform": "facebook", "account_id": page.id, "name": "Bench",
                      "base_url": fake.url, "api_version": "v23.0", "credential": f"value:{page.token}"}]},
        base=out)
