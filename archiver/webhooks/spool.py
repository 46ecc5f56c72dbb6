"""The durable webhook spool: an event is on disk (fsynced) before the receiver acknowledges it.

    <work>/webhooks/incoming/<event-id>.json   received, waiting to be processed
    <work>/webhooks/done/<event-id>.json       processed (its thread captured, the event kept as evidence)
    <work>/webhooks/unmatched/<event-id>.json  for a Page or account that is not configured
    <work>/webhooks/rejected.log               one line per refused request (time, peer, reason; no body)

Files are created with a hard link from a fsynced temporary file, so a crash leaves either no event or a
whole one, and a second delivery of the same event (same id) is recognised as a duplicate.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..connectors.base import dump_json
from .events import WebhookEvent

__all__ = ["Spool", "SpooledEvent"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpooledEvent:
    event: WebhookEvent
    received_at: str
    path: Path


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        for name in ("incoming", "done", "unmatched"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def put(self, event: WebhookEvent, received_at: str) -> bool:
        """Keep the event durably; False when it was already received (a duplicate delivery)."""
        name = f"{event.id}.json"
        if any((self.root / folder / name).exists() for folder in ("done", "unmatched")):
            return False
        data = dump_json({"format": "socialarkiv-webhook-event/1", "received_at": received_at,
                          "event": event.to_dict()})
        return _create(self.root / "incoming" / name, data)

    def pending(self) -> Iterator[SpooledEvent]:
        """Waiting events, oldest change first (deliveries may arrive out of order)."""
        events = []
        for path in sorted((self.root / "incoming").glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                events.append(SpooledEvent(WebhookEvent.from_dict(data["event"]), data["received_at"], path))
            except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
                # not written by the receiver (it writes whole files): set aside, the others go on
                os.replace(path, self.root / "unmatched" / f"{path.stem}.unreadable")
                log.error("webhook spool file %s is unreadable (%s); moved to unmatched/", path.name,
                          exc.__class__.__name__)
        return iter(sorted(events, key=lambda e: (e.event.time, e.received_at, e.event.id)))

    def finish(self, spooled: SpooledEvent, folder: str = "done") -> None:
        target = self.root / folder / spooled.path.name
        os.replace(spooled.path, target)
        _fsync_dir(target.parent)

    def reject(self, line: str) -> None:
        with open(self.root / "rejected.log", "a", encoding="utf-8") as log:
            log.write(line.replace("\n", " ") + "\n")
            log.flush()
            os.fsync(log.fileno())

    def count(self, folder: str) -> int:
        return sum(1 for _ in (self.root / folder).glob("*.json"))


def _create(path: Path, data: bytes) -> bool:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        _fsync_dir(path.parent)
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

