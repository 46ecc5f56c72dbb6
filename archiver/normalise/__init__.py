"""Normalisers: pure functions from a platform's raw capture to the platform-neutral ``Thread``.

One module per platform, each with ``normalise(raw, account)`` and ``read(body)`` (every post or comment a
single response holds; used to check the normalisers against the recorded samples).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import ConfigError
from ..model import PLATFORMS, Thread

__all__ = ["normaliser_for", "normaliser_module"]


def normaliser_module(platform: str) -> ModuleType:
    if platform not in PLATFORMS:
        raise ConfigError(f"no normaliser for platform {platform!r}; known: {', '.join(PLATFORMS)}")
    return importlib.import_module(f"{__name__}.{platform}")


def normaliser_for(platform: str) -> Callable[[RawCapture, AccountConfig], Thread]:
    normalise: Callable[[RawCapture, AccountConfig], Thread] = normaliser_module(platform).normalise
    return normalise
