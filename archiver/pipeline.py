"""The pipeline: capture -> normalise -> validate -> (dedupe) -> render -> package -> store.

The only module that composes adapters. The CLI, the DAGs and the benchmarks call these functions, so an
Airflow run and a command-line run do the same thing. Steps exchange small values and paths:

    plan_window(...)            -> the [since, until) window for an account
    list_threads(...)           -> [ThreadRef]
    capture(...)                -> CaptureResult (evidence file written atomically in the work folder)
    process(...)                -> ThreadOutcome (archived | unchanged | quarantined)
    archive_account(...) / run  -> the two above for every thread, one bad thread never stops the others
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import __version__
from .clock import Clock, SystemClock, format_ts, parse_ts
from .config import AccountConfig, CredentialResolver, Settings, resolve_credential
from .connectors.base import Connector, RawCapture, ThreadRef, dump_json
from .errors import (
    AlreadyStored,
    ArchiverError,
    AuthError,
    ConfigError,
    GoneAtSource,
    MalformedResponse,
    QuotaExhausted,
    RecordError,
    SchemaViolation,
    SourceError,
)
from .history import content_hash
from .model import Thread
from .package.build import account_dir, assemble, package_dir, package_id, safe_component
from .package.manifest import fixity
from .schema import validate_thread
from .storage.filesystem import FileStore

__all__ = [
    "CaptureResult", "RunReport", "Services", "ThreadOutcome", "archive_thread", "capture", "list_threads",
    "plan_window", "process", "run", "services_for",
]

log = logging.getLogger(__name__)
Normaliser = Callable[[RawCapture, AccountConfig], Thread]


@dataclass
class Services:
    """Everything the pipeline needs, built once per process (``services_for``) and passed in."""

    settings: Settings
    clock: Clock
    store: FileStore
    connector_for: Callable[[AccountConfig], Connector]
    normaliser_for: Callable[[str], Normaliser]
    render_pdf: Callable[[Thread, str], bytes]


@dataclass(frozen=True)
class CaptureResult:
    ref: ThreadRef
    evidence: str | None = None
    outcome: ThreadOutcome | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref.to_dict(), "evidence": self.evidence,
                "outcome": self.outcome.to_dict() if self.outcome else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaptureResult:
        outcome = data.get("outcome")
        return cls(ThreadRef.from_dict(data["ref"]), data.get("evidence"),
                   ThreadOutcome(**outcome) if outcome else None)


@dataclass(frozen=True)
class ThreadOutcome:
    """What happened to one thread. ``status``: archived, unchanged, quarantined, gone, failed."""

    account_key: str
    post_id: str
    status: str
    package_id: str | None = None
    location: str | None = None
    comments: int = 0
    complete: bool = True
    message: str = ""
    retryable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunReport:
    run_id: str
    started_at: str
    ended_at: str = ""
    outcomes: list[ThreadOutcome] = field(default_factory=list)
    account_errors: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts

    def summary(self) -> dict[str, Any]:
        archived = [o for o in self.outcomes if o.status in ("archived", "unchanged")]
        return {
            "run_id": self.run_id, "started_at": self.started_at, "ended_at": self.ended_at,
            "threads": len(self.outcomes), "comments": sum(o.comments for o in archived),
            "packages_written": sum(1 for o in self.outcomes if o.status == "archived"),
            "packages_unchanged": sum(1 for o in self.outcomes if o.status == "unchanged"),
            "quarantined": sum(1 for o in self.outcomes if o.status == "quarantined"),
            "failed": sum(1 for o in self.outcomes if o.status == "failed"),
            "gone_at_source": sum(1 for o in self.outcomes if o.status == "gone"),
            "incomplete_threads": sum(1 for o in archived if not o.complete),
            "account_errors": dict(self.account_errors),
        }

    @property
    def problems(self) -> int:
        return sum(1 for o in self.outcomes if o.status in ("quarantined", "failed")) + len(self.account_errors)

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "outcomes": [o.to_dict() for o in self.outcomes]}


# --------------------------------------------------------------------------------------------- composition

def services_for(settings: Settings, *, clock: Clock | None = None,
                 resolvers: Mapping[str, CredentialResolver] | None = None,
                 transport: Any = None) -> Services:
    """The default adapters: platform connectors over HTTP, the filesystem store, wkhtmltopdf + Ghostscript."""
    from .connectors import connector_class
    from .normalise import normaliser_for
    from .render.html import pdf_title, render_html
    from .render.pdf import PdfRenderer

    clock = clock or SystemClock()
    renderer: list[PdfRenderer] = []

    def connector_for(account: AccountConfig) -> Connector:
        connector: Connector = connector_class(account.platform)(account, resolve_credential(account, resolvers),
                                                                 clock, transport=transport)
        return connector

    def render_pdf(thread: Thread, rendered_at: str) -> bytes:
        if not renderer:
            renderer.append(PdfRenderer())
        out = io.BytesIO()
        renderer[0].render(render_html(thread, rendered_at=rendered_at), out, title=pdf_title(thread),
                           created=parse_ts(rendered_at))
        return out.getvalue()

    return Services(settings=settings, clock=clock, store=FileStore(settings.store_path),
                    connector_for=connector_for, normaliser_for=normaliser_for, render_pdf=render_pdf)


# ------------------------------------------------------------------------------------------------- steps

def plan_window(services: Services, account: AccountConfig, start: datetime, end: datetime,
                lookback: timedelta = timedelta(days=30)) -> tuple[datetime, datetime]:
    """The capture window: the data interval widened by the look-back; an account never archived before
    is captured from ``initial_since``."""
    first_run = not services.store.exists(account_dir(account.platform, account.account_id))
    since = parse_ts(services.settings.initial_since) if first_run else start - lookback
    return since, end


def list_threads(services: Services, account_key: str, since: datetime, until: datetime) -> list[ThreadRef]:
    account = services.settings.account(account_key)
    connector = services.connector_for(account)
    try:
        return connector.list_threads(since, until)
    finally:
        _close(connector)


def capture(services: Services, ref: ThreadRef) -> CaptureResult:
    """Fetch one thread and keep the evidence. Source failures that concern only this thread become an
    outcome (gone, quarantined); account-wide ones (auth, rate limits, outages) propagate."""
    account = services.settings.account(ref.account_key)
    connector = services.connector_for(account)
    try:
        raw = connector.capture_thread(ref)
    except GoneAtSource as exc:
        return CaptureResult(ref, outcome=ThreadOutcome(ref.account_key, ref.post_id, "gone", message=str(exc)))
    except MalformedResponse as exc:
        evidence = exc.evidence if isinstance(exc.evidence, RawCapture) else None
        return CaptureResult(ref, outcome=_quarantine(services, ref, evidence, [str(exc)], "malformed-response"))
    finally:
        _close(connector)
    return CaptureResult(ref, evidence=str(_write_evidence(services, raw)))


def process(services: Services, result: CaptureResult) -> ThreadOutcome:
    """Normalise, validate, render, package and store one captured thread."""
    if result.outcome is not None:
        return result.outcome
    assert result.evidence is not None
    ref = result.ref
    raw = RawCapture.from_dict(json.loads(Path(result.evidence).read_text(encoding="utf-8")))
    account = services.settings.account(ref.account_key)
    try:
        thread = services.normaliser_for(account.platform)(raw, account)
        validate_thread(thread.to_dict(), f"thread {ref.post_id} of {ref.account_key}")
    except SchemaViolation as exc:
        return _quarantine(services, ref, raw, [str(p) for p in exc.problems], "schema-violation")
    except RecordError as exc:
        return _quarantine(services, ref, raw, [str(exc)], "unusable-record")
    volatile = services.settings.volatile_fields
    digest = content_hash(thread, volatile)
    identifier = package_id(thread, digest)
    relative = package_dir(account.platform, account.account_id, thread.source.post_id, identifier)
    complete = thread.provenance.completeness.complete
    base: dict[str, Any] = {"account_key": ref.account_key, "post_id": ref.post_id, "package_id": identifier,
            "location": services.store.location(relative), "comments": len(thread.comments), "complete": complete}
    if services.store.exists(relative):
        return ThreadOutcome(status="unchanged", message="content unchanged since the stored package", **base)
    created = thread.provenance.capture_ended_at
    package = assemble(thread, raw, services.render_pdf(thread, created), digest=digest, created=created,
                       volatile=volatile)
    try:
        services.store.publish(package.relative_dir, package.files)
    except AlreadyStored:
        return ThreadOutcome(status="unchanged", message="stored concurrently by another worker", **base)
    log.info("archived %s thread %s as %s (%d comments)", account.platform, ref.post_id, identifier,
             len(thread.comments))
    return ThreadOutcome(status="archived", **base)


def archive_thread(services: Services, ref: ThreadRef) -> ThreadOutcome:
    return process(services, capture(services, ref))


def run(services: Services, start: datetime, end: datetime, *, run_id: str | None = None,
        accounts: Iterable[str] | None = None,
        progress: Callable[[ThreadOutcome], None] | None = None) -> RunReport:
    """Archive every configured account for the data interval [start, end). Serial; the DAG parallelises."""
    report = RunReport(run_id=run_id or f"run-{format_ts(services.clock.now())}",
                       started_at=format_ts(services.clock.now()))
    keys = list(accounts) if accounts is not None else [a.key for a in services.settings.accounts]
    for key in keys:
        account = services.settings.account(key)
        try:
            since, until = plan_window(services, account, start, end)
            refs = list_threads(services, key, since, until)
            for ref in refs:
                try:
                    outcome = archive_thread(services, ref)
                except (AuthError, ConfigError, QuotaExhausted):
                    raise  # the whole account stops: the next thread would fail the same way
                except SourceError as exc:
                    outcome = ThreadOutcome(key, ref.post_id, "failed", message=str(exc), retryable=exc.retryable)
                report.outcomes.append(outcome)
                if progress:
                    progress(outcome)
        except (AuthError, ConfigError, QuotaExhausted) as exc:
            report.account_errors[key] = str(exc)
            log.error("account %s stopped: %s", key, exc)
        except ArchiverError as exc:
            report.account_errors[key] = str(exc)
            log.error("account %s failed: %s", key, exc)
    report.ended_at = format_ts(services.clock.now())
    write_report(services, report)
    return report


def write_report(services: Services, report: RunReport) -> Path:
    path = services.settings.store_path / "reports" / f"{safe_component(report.run_id)}.json"
    _atomic_write(path, dump_json({"software": f"socialarkiv {__version__}", **report.to_dict()}))
    return path


# ----------------------------------------------------------------------------------------------- helpers

def _write_evidence(services: Services, raw: RawCapture) -> Path:
    data = raw.to_json_bytes()
    digest = fixity(io.BytesIO(data))
    path = (services.settings.work_path / "captures" / raw.platform / safe_component(raw.ref.account_key)
            / safe_component(raw.ref.post_id) / f"{digest[:20]}.json")
    if not path.exists():
        _atomic_write(path, data)
    return path


def _quarantine(services: Services, ref: ThreadRef, raw: RawCapture | None, problems: list[str],
                reason: str) -> ThreadOutcome:
    """Keep what we have and a report listing every problem; the run goes on."""
    evidence = raw.to_json_bytes() if raw is not None else b""
    digest = fixity(io.BytesIO(evidence + reason.encode() + "\n".join(problems).encode("utf-8", "replace")))
    account = services.settings.account(ref.account_key)
    relative = "/".join(("quarantine", account.platform, safe_component(account.account_id),
                         f"{safe_component(ref.post_id)}-{digest[:16]}"))
    report = {
        "format": "socialarkiv-quarantine/1", "reason": reason, "account_key": ref.account_key,
        "post_id": ref.post_id, "problems": problems,
        "what_to_do": "Read the problems; fix the connector or normaliser (or the data at the source) and rerun. "
                      "The evidence file holds exactly what the platform returned.",
    }
    text = f"Quarantined thread {ref.post_id} of {ref.account_key}: {reason}\n" + "".join(
        f"  - {p}\n" for p in problems)
    files = {"report.json": dump_json(report), "report.txt": text.encode("utf-8", "replace")}
    if raw is not None:
        files["capture.json"] = evidence
    try:
        location = services.store.publish(relative, files)
    except AlreadyStored:
        location = services.store.location(relative)
    log.warning("quarantined thread %s of %s (%s, %d problem(s)) at %s", ref.post_id, ref.account_key, reason,
                len(problems), location)
    return ThreadOutcome(ref.account_key, ref.post_id, "quarantined", location=location,
                         message=f"{reason}: {len(problems)} problem(s); see {location}/report.txt")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _close(connector: Any) -> None:
    close = getattr(connector, "close", None)
    if callable(close):
        close()
