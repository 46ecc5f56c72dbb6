"""Stores: where packages live. One write-once protocol (``Store``), one module per technology."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["Store"]


class Store(Protocol):
    def publish(self, relative_dir: str, files: Mapping[str, bytes]) -> str:
        """Write all files of one package atomically and create-only; return its location.

        Raises ``AlreadyStored`` when the package is already there (the caller's idempotence signal).
        """
        ...

    def exists(self, relative_dir: str) -> bool:
        ...

    def location(self, relative_dir: str) -> str:
        ...
