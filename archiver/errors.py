"""The exception tree of socialarkiv. Every error the package raises on purpose is one of these.

    ArchiverError                       base; ``retryable`` says whether a later attempt may succeed
    ├── ConfigError                     bad or missing configuration (CLI exit 3)
    ├── SourceError                     a platform API could not give us what we asked for
    │   ├── AuthError                   token expired, revoked or lacking permission: renew it (exit 3)
    │   ├── RateLimited      retryable  the platform asked us to slow down beyond our wait budget
    │   │   └── QuotaExhausted          a daily/monthly quota is used up: stop the account until it resets
    │   ├── TransientSourceError  retr. 5xx, timeouts, network errors after bounded retries (exit 4)
    │   ├── GoneAtSource                the object was deleted at the source (recorded, not a failure)
    │   └── MalformedResponse           the response could not be parsed (truncated JSON, wrong shape)
    ├── RecordError                     one record is unusable; it is quarantined, the batch goes on
    │   └── SchemaViolation             a thread failed the JSON Schema; carries every violation
    ├── RenderError                     a PDF engine failed on one thread; it is quarantined, the run goes on
    ├── StorageError                    the store refused or failed a write or read (exit 4)
    │   └── AlreadyStored               create-only write of something already there (idempotence)
    └── VerificationError               a package failed verification; carries every problem

Library errors (httpx, lxml, OSError) are wrapped at the adapter edge with the original as ``__cause__``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AlreadyStored",
    "ArchiverError",
    "AuthError",
    "ConfigError",
    "GoneAtSource",
    "Locked",
    "MalformedResponse",
    "Problem",
    "QuotaExhausted",
    "RateLimited",
    "RecordError",
    "RenderError",
    "SchemaViolation",
    "SourceError",
    "StorageError",
    "TransientSourceError",
    "VerificationError",
]


class ArchiverError(Exception):
    """Base of every socialarkiv error."""

    retryable: bool = False


class ConfigError(ArchiverError):
    """The configuration is missing, malformed or names something that does not exist."""


class SourceError(ArchiverError):
    """A platform API failed. ``url`` is always sanitised (no tokens)."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.code = code
        self.evidence: object | None = None  # the partial RawCapture, attached by the connector


class AuthError(SourceError):
    """The credential is expired, revoked or lacks a permission. Not retryable: renew the token."""


class RateLimited(SourceError):
    """The platform throttled us longer than the in-process wait budget allows."""

    retryable = True

    def __init__(self, message: str, *, wait_seconds: float, url: str | None = None,
                 status: int | None = None, code: int | None = None) -> None:
        super().__init__(message, url=url, status=status, code=code)
        self.wait_seconds = wait_seconds


class QuotaExhausted(RateLimited):
    """A quota that resets on a calendar (YouTube's daily units, X's monthly cap, LinkedIn's daily quota) is
    used up. Retrying within the run is pointless: the account stops and the next run's look-back window
    captures what was missed. ``resume_at`` is when the quota resets, when the platform says or we know."""

    retryable = False

    def __init__(self, message: str, *, wait_seconds: float, resume_at: str | None = None,
                 url: str | None = None, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message, wait_seconds=wait_seconds, url=url, status=status, code=code)
        self.resume_at = resume_at


class TransientSourceError(SourceError):
    """Server errors, timeouts and network failures that persisted through bounded retries."""

    retryable = True


class GoneAtSource(SourceError):
    """The platform says the object no longer exists (deleted or removed at the source)."""


class MalformedResponse(SourceError):
    """The platform answered with something we cannot parse; the evidence is kept for the report."""


class RecordError(ArchiverError):
    """One record (a thread) cannot be archived as it is. It is quarantined; the batch goes on."""


@dataclass(frozen=True)
class Problem:
    """One finding of validation or verification: where (file or JSON path) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class _Problems(ArchiverError):
    """An error that carries every problem found, collected before raising once."""

    verdict = "has problems"

    def __init__(self, subject: str, problems: list[Problem]) -> None:
        self.subject = subject
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{subject} {self.verdict} ({len(problems)} problem(s)):\n{lines}")


class SchemaViolation(_Problems, RecordError):
    """A document failed its schema. ``problems`` lists every violation, not only the first."""

    verdict = "is invalid"


class RenderError(ArchiverError):
    """A PDF engine failed on one thread (a tool's error, or output that is not the PDF/A asked for). An engine
    that cannot run at all (a missing tool or library) is a ``ConfigError`` instead."""


class StorageError(ArchiverError):
    """The store could not complete an operation."""


class AlreadyStored(StorageError):
    """A create-only write found the object already present. Callers treat this as idempotence."""


class SlotAbandoned(StorageError):
    """A version's slot holds part of a package that was never sealed, written by a writer that stopped long
    ago (S3 keeps what Object Lock protects). The slot cannot be reused: the pipeline takes the next version
    and records the skipped one in the package."""


class Locked(StorageError):
    """A deletion was refused: the object is under retention or a legal hold."""


class VerificationError(_Problems):
    """A package failed verification. ``problems`` names each fault and its file."""

    verdict = "failed verification"
