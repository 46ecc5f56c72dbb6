"""Time and identifiers. The only module that reads the wall clock or draws random ids.

Everything else receives a ``Clock`` so that tests (and reruns) can fix time and get byte-identical output.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

_NAMESPACE = uuid.UUID("6f1d7a52-0c4b-4e0e-9a53-6b0f1f0a5a11")

__all__ = ["Clock", "FixedClock", "SystemClock", "format_ts", "parse_ts"]


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...

    def new_id(self) -> str:
        """A fresh unique identifier (UUID text)."""
        ...


class SystemClock:
    """The real clock and random UUIDs."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def new_id(self) -> str:
        return str(uuid.uuid4())


@dataclass
class FixedClock:
    """A deterministic clock: starts at ``start`` and advances ``step`` per call; ids are UUIDv5 of a counter."""

    start: datetime
    step: timedelta = timedelta(0)
    namespace: uuid.UUID = field(default_factory=lambda: _NAMESPACE)
    _calls: int = field(default=0, init=False)
    _ids: int = field(default=0, init=False)

    def now(self) -> datetime:
        value = self.start + self.step * self._calls
        self._calls += 1
        return value

    def new_id(self) -> str:
        self._ids += 1
        return str(uuid.uuid5(self.namespace, str(self._ids)))


def format_ts(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` and whole seconds: the one timestamp spelling in our files."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: timestamps must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(text: str) -> datetime:
    """Parse the timestamp spellings platforms use (``+0000``, ``Z``, offsets, fractions) into UTC."""
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    if len(cleaned) >= 5 and cleaned[-5] in "+-" and cleaned[-3] != ":":  # Graph API: 2021-08-10T18:45:03+0000
        cleaned = cleaned[:-2] + ":" + cleaned[-2:]
    parsed = datetime.fromisoformat(cleaned)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
