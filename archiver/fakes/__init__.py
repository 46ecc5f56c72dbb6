"""Faithful fake platform APIs (real HTTP on 127.0.0.1) for the demo, the tests and the benchmarks.

``fake_for(platform, account)`` serves a platform-neutral ``FakeAccount`` (``world.py``) in that platform's
shape; ``API_VERSIONS`` are the versions the fakes answer to. Facebook's fake (``graph.py``) serves its own
``FakePage`` built by ``demo.py``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .server import FakeApi
from .world import FakeAccount

__all__ = ["API_VERSIONS", "FAKES", "fake_for"]

FAKES = {
    "instagram": "instagram:FakeInstagramServer",
    "x": "x:FakeXServer",
    "youtube": "youtube:FakeYouTubeServer",
    "linkedin": "linkedin:FakeLinkedInServer",
    "mastodon": "mastodon:FakeMastodonServer",
    "bluesky": "bluesky:FakeBlueskyServer",
}
API_VERSIONS = {"facebook": "v23.0", "instagram": "v23.0", "x": "2", "youtube": "v3", "linkedin": "202508",
                "mastodon": "v1", "bluesky": "app.bsky"}


def fake_for(platform: str, account: FakeAccount, **options: Any) -> FakeApi:
    module, name = FAKES[platform].split(":")
    server: FakeApi = getattr(importlib.import_module(f"{__name__}.{module}"), name)(account, **options)
    return server
