"""The connector protocol and the values connectors hand to the rest of the pipeline.

A connector lists an account's threads in a time window and captures one thread as raw evidence
(``RawCapture``): every HTTP exchange with a sanitised URL, status, relevant headers, body and time. It does
not interpret content; normalisers (``archiver.normalise``) turn raw captures into ``Thread`` values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = ["EVIDENCE_FORMAT", "Connector", "Exchange", "RawCapture", "ThreadRef"]

EVIDENCE_FORMAT = "socialarkiv-evidence/1"


@dataclass(frozen=True)
class ThreadRef:
    """A thread to capture. Small and JSON-able: this is what travels between Airflow tasks."""

    account_key: str
    post_id: str
    created_at: str | None = None
    activity: str | None = None  # the listing's change signal (Facebook's updated_time, a reply count...)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ThreadRef:
        return cls(str(data["account_key"]), str(data["post_id"]), data.get("created_at"), data.get("activity"))


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as kept for evidence. ``url`` carries no credentials."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: Any
    body_sha256: str
    retrieved_at: str
    purpose: str

    def to_dict(self) -> dict[str, Any]:
        # The same shape as the recorded samples in ../shared (request/response), so a fake server can
        # replay production evidence.
        return {
            "purpose": self.purpose,
            "retrieved_at": self.retrieved_at,
            "request": {"method": self.method, "uri": self.url},
            "response": {"status": self.status, "headers": dict(self.headers), "body": self.body,
                         "body_sha256": self.body_sha256},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Exchange:
        response = data["response"]
        return cls(method=data["request"]["method"], url=data["request"]["uri"], status=int(response["status"]),
                   headers=dict(response.get("headers") or {}), body=response.get("body"),
                   body_sha256=response.get("body_sha256", ""), retrieved_at=data.get("retrieved_at", ""),
                   purpose=data.get("purpose", ""))


@dataclass(frozen=True)
class RawCapture:
    """Everything a connector fetched for one thread, in request order."""

    platform: str
    ref: ThreadRef
    connector: str
    connector_version: str
    api_version: str
    started_at: str
    ended_at: str
    exchanges: tuple[Exchange, ...]

    def by_purpose(self, purpose: str) -> Iterator[Exchange]:
        return (e for e in self.exchanges if e.purpose == purpose and 200 <= e.status < 300)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": EVIDENCE_FORMAT,
            "platform": self.platform,
            "thread": self.ref.to_dict(),
            "connector": self.connector,
            "connector_version": self.connector_version,
            "api_version": self.api_version,
            "capture_started_at": self.started_at,
            "capture_ended_at": self.ended_at,
            "exchanges": [e.to_dict() for e in self.exchanges],
        }

    def to_json_bytes(self) -> bytes:
        return dump_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RawCapture:
        if data.get("format") != EVIDENCE_FORMAT:
            raise ValueError(f"not socialarkiv evidence (format {data.get('format')!r})")
        return cls(platform=data["platform"], ref=ThreadRef.from_dict(data["thread"]),
                   connector=data["connector"], connector_version=data["connector_version"],
                   api_version=data["api_version"], started_at=data["capture_started_at"],
                   ended_at=data["capture_ended_at"],
                   exchanges=tuple(Exchange.from_dict(e) for e in data["exchanges"]))


class Connector(Protocol):
    """What the pipeline needs from a platform."""

    platform: str
    name: str
    version: str
    lists_everything: bool  # listing the whole history is cheap and carries ThreadRef.activity

    def list_threads(self, since: datetime, until: datetime) -> list[ThreadRef]:
        """Threads with activity in [since, until), oldest first."""
        ...

    def capture_thread(self, ref: ThreadRef) -> RawCapture:
        """The complete thread as raw evidence. Raises ``SourceError`` subclasses."""
        ...


def dump_json(value: Any) -> bytes:
    """Our one JSON spelling for stored files: UTF-8, sorted keys, two-space indent, newline at the end.

    Lone surrogates (possible in platform JSON) are written as ``\\udXXX`` escapes, which JSON readers decode
    back to the same code unit: nothing is lost and the file stays valid UTF-8.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    return text.encode("utf-8", errors="backslashreplace")


def dump_work_json(value: Any) -> bytes:
    """The same JSON without indentation, for working files that are never stored (a capture's evidence in the
    work folder): json's C encoder writes it, several times faster than the indented spelling, which only the
    pure-Python encoder writes."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    return text.encode("utf-8", errors="backslashreplace")
