"""The tamper-evident audit log: every capture, package, access to restricted content, review decision, legal
hold and disposition, as a hash chain kept in the store in write-once segments.

Each event carries its sequence number and the SHA-256 of the event before it (``prev``); its own ``hash``
covers every other field. Events are first written to a local spool (``<work>/audit/pending``, one fsynced
file per event or per batch of events, so parallel workers never contend), then ``seal`` chains the waiting
ones onto the head and publishes them as the next segment ``audit/<n>`` (create-only; permanently locked).
A crash between the publish and the spool clean-up is harmless: the next seal skips events the last segment
already holds.

``check`` (run by ``archiver verify`` and ``archiver audit verify``) walks the chain and names every changed
event (its hash no longer matches), removed event or segment (a gap in the numbers), and reordered event (its
``prev`` is not the hash of the event before it). Removing the *last* segments leaves a shorter chain that is
whole; the catalog therefore records the head (sequence and hash) after every seal, and ``check`` compares.
Events name threads, packages and people acting in their role; never comment text or matched personal data.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AlreadyStored

if TYPE_CHECKING:
    from .retention import Lock
    from .storage import Store

__all__ = ["AUDIT_DIR", "KINDS", "AuditHead", "AuditLog", "Event", "chain", "check", "event_hash"]

AUDIT_DIR = "audit"
SEGMENT_FILE = "segment.json"
GENESIS = "0" * 64
KINDS = ("capture", "package", "access", "review", "hold", "release", "disposition-proposed",
         "disposition-approved", "disposition", "catalog-rebuild", "innsyn", "fixity", "login",
         "slot-abandoned")


@dataclass(frozen=True)
class AuditHead:
    segment: int
    seq: int
    hash: str


def event_hash(event: Mapping[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                          .encode("utf-8")).hexdigest()


def chain(pending: Iterable[Mapping[str, Any]], head: AuditHead | None) -> list[dict[str, Any]]:
    """The pending events (``id``, ``at``, ``kind``, ``actor``, ``subject``, ``details``) chained after
    ``head``, in the order given."""
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    out = []
    for item in pending:
        seq += 1
        event = {"seq": seq, "prev": prev, **{k: item[k] for k in ("id", "at", "kind", "actor", "subject",
                                                                     "details")}}
        event["hash"] = prev = event_hash(event)
        out.append(event)
    return out


def check(segments: Sequence[tuple[int, bytes]],
          recorded: AuditHead | None = None) -> tuple[list[str], AuditHead | None]:
    """Every fault of the chain, each naming the segment and event; and the head found."""
    problems: list[str] = []
    expected_seq, prev, head = 1, GENESIS, None
    numbers = [n for n, _ in segments]
    for missing in sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers)):
        problems.append(f"audit segment {missing:09d} is missing: removed from the store")
    for number, data in sorted(segments):
        where = f"audit segment {number:09d}"
        try:
            segment = json.loads(data)
            events = segment["events"]
            assert segment.get("segment") == number and isinstance(events, list)
        except Exception:
            problems.append(f"{where} is not a readable audit segment")
            continue
        for position, event in enumerate(events):
            label = (f"{where}, event {position + 1} (seq {event.get('seq')}, {event.get('kind')} "
                     f"{event.get('subject')})")
            if event.get("hash") != event_hash(event):
                problems.append(f"{label} was changed: its hash does not match its content")
            if event.get("seq") != expected_seq:
                if isinstance(event.get("seq"), int) and event["seq"] > expected_seq:
                    problems.append(f"{label}: events {expected_seq}..{event['seq'] - 1} are missing (removed)")
                else:
                    problems.append(f"{label} is out of order: expected seq {expected_seq}")
            elif event.get("prev") != prev:
                problems.append(f"{label} does not follow the event before it: removed, inserted or reordered")
            expected_seq = (event["seq"] if isinstance(event.get("seq"), int) else expected_seq) + 1
            prev = str(event.get("hash"))
            head = AuditHead(number, expected_seq - 1, prev)
    if recorded is not None:
        if head is None or head.seq < recorded.seq:
            problems.append(f"the audit log ends at seq {head.seq if head else 0}, but the catalog recorded seq "
                            f"{recorded.seq} (segment {recorded.segment:09d}): events were removed at the end")
        elif head.seq == recorded.seq and head.hash != recorded.hash:
            problems.append(f"the audit event seq {recorded.seq} differs from the one the catalog recorded")
    return problems, head


@dataclass(frozen=True)
class Event:
    """An audit event to record: the log adds its id, and its place in the chain when sealed."""

    kind: str
    subject: str
    at: str
    actor: str = "socialarkiv"
    details: Mapping[str, Any] | None = None


def _spooled(path: Path) -> list[dict[str, Any]]:
    """The events of one spool file: one event, or a list of them (``record_many``)."""
    data = json.loads(path.read_bytes())
    return data if isinstance(data, list) else [data]


class AuditLog:
    """Append to the spool (any process), seal into the store (one at a time per spool)."""

    def __init__(self, store: Store, spool: Path, lock: Lock | None = None) -> None:
        self.store = store
        self.spool = Path(spool)
        self.lock = lock   # the segments' lock: permanent preservation

    def record(self, kind: str, subject: str, at: str, *, actor: str = "socialarkiv",
               details: Mapping[str, Any] | None = None) -> None:
        self.record_many([Event(kind, subject, at, actor, details)])

    def record_many(self, events: Sequence[Event]) -> None:
        """Several events in one fsynced spool file (a JSON list): a batch's events cost one disk flush."""
        if not events:
            return
        items: list[dict[str, Any]] = []
        for event in events:
            if event.kind not in KINDS:
                raise ValueError(f"unknown audit event kind {event.kind!r}")
            items.append({"id": uuid.uuid4().hex, "at": event.at, "kind": event.kind, "actor": event.actor,
                          "subject": event.subject, "details": dict(event.details or {})})
        pending = self.spool / "pending"
        pending.mkdir(parents=True, exist_ok=True)
        path = pending / f"{items[0]['at'].replace(':', '')}-{items[0]['id']}.json"
        temporary = path.with_suffix(".tmp")
        with open(temporary, "wb") as handle:
            handle.write(json.dumps(items[0] if len(items) == 1 else items, sort_keys=True,
                                    ensure_ascii=False).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    def pending(self) -> int:
        """How many events wait in the spool."""
        folder = self.spool / "pending"
        return sum(len(_spooled(path)) for path in folder.glob("*.json")) if folder.is_dir() else 0

    def seal(self) -> AuditHead | None:
        """Chain every waiting event into a new segment; return the head (None: the log is empty)."""
        self.spool.mkdir(parents=True, exist_ok=True)
        with open(self.spool / "seal.lock", "a") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            files = sorted((self.spool / "pending").glob("*.json")) if (self.spool / "pending").is_dir() else []
            for _attempt in range(10):
                head, last_ids = self._head()
                items = [event for path in files for event in _spooled(path)]
                fresh = sorted((e for e in items if e["id"] not in last_ids), key=lambda e: (e["at"], e["id"]))
                if not fresh:
                    break
                number = (head.segment if head else 0) + 1
                events = chain(fresh, head)
                segment = {"format": "socialarkiv-audit/1", "segment": number, "events": events}
                data = (json.dumps(segment, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
                try:
                    self.store.publish(f"{AUDIT_DIR}/{number:09d}", {SEGMENT_FILE: data}, self.lock)
                except AlreadyStored:
                    continue   # another sealer took this number: chain onto its segment
                head = AuditHead(number, events[-1]["seq"], events[-1]["hash"])
                break
            for path in files:
                path.unlink(missing_ok=True)
            return head if files else self._head()[0]

    def segments(self) -> list[tuple[int, bytes]]:
        out = []
        for name in self.store.children(AUDIT_DIR):
            if name.isascii() and name.isdigit():
                out.append((int(name), self.store.read(f"{AUDIT_DIR}/{name}/{SEGMENT_FILE}")))
        return out

    def events(self, segments: list[tuple[int, bytes]] | None = None) -> list[dict[str, Any]]:
        """Every event in order; ``segments`` when they were read already."""
        listed = self.segments() if segments is None else segments
        return [event for _, data in sorted(listed) for event in json.loads(data)["events"]]

    def _head(self) -> tuple[AuditHead | None, set[str]]:
        numbers = [int(n) for n in self.store.children(AUDIT_DIR) if n.isascii() and n.isdigit()]
        if not numbers:
            return None, set()
        number = max(numbers)
        events = json.loads(self.store.read(f"{AUDIT_DIR}/{number:09d}/{SEGMENT_FILE}"))["events"]
        return AuditHead(number, events[-1]["seq"], events[-1]["hash"]), {e["id"] for e in events}
