"""Platform connectors: adapters that fetch raw evidence over HTTP. See ``base.Connector`` and
``common.HttpConnector``; ``connector_class`` maps a platform to its connector."""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import ConfigError

__all__ = ["CONNECTORS", "connector_class"]

CONNECTORS = {
    "facebook": "facebook:FacebookConnector",
    "instagram": "instagram:InstagramConnector",
    "x": "x:XConnector",
    "youtube": "youtube:YouTubeConnector",
    "linkedin": "linkedin:LinkedInConnector",
    "mastodon": "mastodon:MastodonConnector",
    "bluesky": "bluesky:BlueskyConnector",
}


def connector_class(platform: str) -> Any:
    """The connector class (an ``HttpConnector`` subclass) of a platform."""
    entry = CONNECTORS.get(platform)
    if entry is None:
        raise ConfigError(f"no connector for platform {platform!r}; known: {', '.join(CONNECTORS)}")
    module, name = entry.split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
