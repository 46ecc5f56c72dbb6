"""Normalisers: pure functions from a platform's raw capture to the platform-neutral ``Thread``."""

from __future__ import annotations

from collections.abc import Callable

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..errors import ConfigError
from ..model import Thread

__all__ = ["normaliser_for"]


def normaliser_for(platform: str) -> Callable[[RawCapture, AccountConfig], Thread]:
    if platform == "facebook":
        from .facebook import normalise

        return normalise
    raise ConfigError(f"no normaliser for platform {platform!r} yet")
