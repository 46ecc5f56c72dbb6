"""The pipeline: capture -> normalise -> history -> validate -> render -> package -> store.

The only module that composes adapters. The CLI, the DAGs and the benchmarks call these functions, so an
Airflow run and a command-line run do the same thing. Steps exchange small values and paths:

    plan_window(...)            -> the [since, until) listing window for an account
    list_threads(...)           -> [ThreadRef] due for capture (``schedule.due_threads`` over the catalog)
    capture(...)                -> CaptureResult (evidence file written atomically in the work folder)
    process(...)                -> ThreadOutcome (archived | unchanged | quarantined | gone): the snapshot is
                                   merged into the thread's latest version (``history.merge``); a new version
                                   is written only when the content hash changed
    archive_thread(...) / run   -> the two above for every thread, one bad thread never stops the others
    archive_batch(...)          -> the same for one batch of threads (``schedule.batches``): one mapped task
                                   of the nightly DAG
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .audit import AuditLog, Event
from .catalog import Catalog, Indexed
from .clock import Clock, FixedClock, SystemClock, format_ts, parse_ts
from .config import AccountConfig, CredentialResolver, Settings, resolve_credential
from .connectors.base import Connector, RawCapture, ThreadRef, dump_json, dump_work_json
from .errors import (
    AlreadyStored,
    ArchiverError,
    AuthError,
    ConfigError,
    GoneAtSource,
    MalformedResponse,
    QuotaExhausted,
    RecordError,
    RenderError,
    SchemaViolation,
    SlotAbandoned,
    SourceError,
    StorageError,
)
from .history import ObservedChange, canonical_content, content_hash, mark_gone, merge, observe
from .model import SCHEMA_VERSION, Decision, Thread
from .package.build import (
    EVIDENCE,
    PACKAGE_JSON,
    THREAD_JSON,
    Package,
    Previous,
    account_dir,
    assemble,
    package_dir,
    package_id,
    parse_version,
    safe_component,
    thread_dir,
)
from .package.manifest import MANIFEST, fixity
from .retention import Lock
from .schedule import Due, ThreadState, due_threads, listing_window
from .schema import validate_thread
from .sensitive.detector import VERSION as DETECTOR_VERSION
from .sensitive.policy import ScreeningRules
from .storage import Store, store_for
from .webhooks.events import WebhookEvent, as_comment
from .webhooks.spool import Spool

if TYPE_CHECKING:
    from .render.pdf import ThreadRenderer

__all__ = [
    "CaptureResult", "RunReport", "Services", "ThreadOutcome", "archive_thread", "capture", "list_threads",
    "plan_window", "process", "process_webhook_events", "review", "run", "services_for",
]

log = logging.getLogger(__name__)
# Errors that stop a whole account: the next thread of that account would fail the same way.
ACCOUNT_WIDE = (AuthError, ConfigError, QuotaExhausted)
Normaliser = Callable[[RawCapture, AccountConfig], Thread]


@dataclass
class Services:
    """Everything the pipeline needs, built once per process (``services_for``) and passed in."""

    settings: Settings
    clock: Clock
    store: Store
    connector_for: Callable[[AccountConfig], Connector]
    normaliser_for: Callable[[str], Normaliser]
    render_pdf: Callable[[Thread, str], bytes]
    catalog: Catalog
    lists_everything: Callable[[str], bool] = lambda platform: False
    # (thread, when) -> the thread with its screening, or None when screening is off
    screen: Callable[[Thread, str], Thread] | None = None
    public_version: Callable[[Thread], Thread] | None = None
    audit: AuditLog | None = None
    resolvers: Mapping[str, CredentialResolver] | None = None  # credential schemes beyond env: and value:
    # what, besides the capture, decides the merged thread (``fingerprint_salt``); part of capture fingerprints
    fingerprint_salt: str = ""


@dataclass(frozen=True)
class CaptureResult:
    """A capture's evidence file, or an outcome already decided. ``gone``: the platform said the thread no
    longer exists (the evidence holds that answer)."""

    ref: ThreadRef
    evidence: str | None = None
    outcome: ThreadOutcome | None = None
    gone: str | None = None
    rate_limit_waits: int = 0     # how often the capture waited for the platform's rate limit
    # the evidence itself, when the capture is processed in the same process (not serialised): spares
    # reading the file back
    raw: RawCapture | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref.to_dict(), "evidence": self.evidence,
                "outcome": self.outcome.to_dict() if self.outcome else None, "gone": self.gone,
                "rate_limit_waits": self.rate_limit_waits}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaptureResult:
        outcome = data.get("outcome")
        return cls(ThreadRef.from_dict(data["ref"]), data.get("evidence"),
                   ThreadOutcome(**outcome) if outcome else None, data.get("gone"),
                   int(data.get("rate_limit_waits", 0)))


@dataclass(frozen=True)
class ThreadOutcome:
    """What happened to one thread. ``status``: archived, unchanged, quarantined, gone, failed.
    ``changes``: what the merge found (counts by kind: added, edited, hidden, missing...)."""

    account_key: str
    post_id: str
    status: str
    package_id: str | None = None
    location: str | None = None
    comments: int = 0
    complete: bool = True
    message: str = ""
    retryable: bool = False
    version: int | None = None
    changes: dict[str, int] = field(default_factory=dict)
    rate_limit_waits: int = 0

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
            "rate_limit_waits": sum(o.rate_limit_waits for o in self.outcomes),
            "changes": _total_changes(self.outcomes),
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
    """The default adapters: platform connectors over HTTP, the filesystem store, the configured PDF engine."""
    from .connectors import connector_class
    from .normalise import normaliser_for

    clock = clock or (FixedClock(parse_ts(settings.fixed_clock)) if settings.fixed_clock else SystemClock())
    renderer: list[ThreadRenderer] = []

    def connector_for(account: AccountConfig) -> Connector:
        connector: Connector = connector_class(account.platform)(account, resolve_credential(account, resolvers),
                                                                 clock, transport=transport)
        return connector

    def render_pdf(thread: Thread, rendered_at: str) -> bytes:
        if not renderer:   # the PDF engines load with the first thread to draw, not with every task
            from .render.pdf import pdf_renderer

            renderer.append(pdf_renderer(settings.pdf_engine))
        out = io.BytesIO()
        renderer[0].render_thread(thread, out, rendered_at=rendered_at)
        return out.getvalue()

    screen, public = _screening(settings)
    store = store_for(settings, resolvers)
    return Services(settings=settings, clock=clock, store=store,
                    connector_for=connector_for, normaliser_for=normaliser_for, render_pdf=render_pdf,
                    catalog=Catalog(settings.catalog),
                    lists_everything=lambda platform: bool(connector_class(platform).lists_everything),
                    screen=screen, public_version=public, audit=audit_log(settings, store, clock),
                    resolvers=resolvers, fingerprint_salt=fingerprint_salt(settings, clock))


def fingerprint_salt(settings: Settings, clock: Clock) -> str:
    """Everything besides a capture that decides what it merges to: the software, the thread schema, the
    detector and the screening rules, the volatile fields, and the year (the detector reads birth dates
    against today's date; a date of birth in the future is no identifier, and two-digit years turn century
    at the new year). A change of any of them makes the next capture of every thread a full merge."""
    return json.dumps({"software": __version__, "schema": SCHEMA_VERSION, "detector": DETECTOR_VERSION,
                       "screening": asdict(settings.screening), "volatile": sorted(settings.volatile_fields),
                       "year": clock.now().year}, sort_keys=True, default=str)


def capture_fingerprint(snapshot: Thread, salt: str, volatile: Iterable[str],
                        data: Mapping[str, Any] | None = None) -> str:
    """What a capture saw, as one hash: the normalised snapshot's content (what ``content_hash`` reads) and
    its provenance but for when and in how many requests, with ``salt``. Two captures with one fingerprint
    merge into the same thread. ``data``: the snapshot's ``to_dict()`` where the caller has it already."""
    data = snapshot.to_dict() if data is None else data
    provenance = dict(data["provenance"])
    for moment in ("capture_started_at", "capture_ended_at", "requests"):
        provenance.pop(moment)
    text = json.dumps({"content": canonical_content(snapshot, volatile, data), "provenance": provenance, "salt": salt},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def audit_log(settings: Settings, store: Store, clock: Clock) -> AuditLog:
    """The audit log in the store; its segments are preserved permanently."""
    lock = settings.retention.lock_for("audit", "audit", format_ts(clock.now()))
    permanent = Lock(lock.retain_until, "audit-log", "The audit log is kept as long as the archive", True)
    return AuditLog(store, settings.work_path / "audit", permanent)


def audit(services: Services, kind: str, subject: str, *, actor: str = "socialarkiv",
          details: Mapping[str, Any] | None = None) -> None:
    if services.audit is not None:
        services.audit.record(kind, subject, format_ts(services.clock.now()), actor=actor, details=details)


def seal_audit(services: Services) -> None:
    """Chain the waiting audit events into the store and remember the head in the catalog."""
    if services.audit is None:
        return
    head = services.audit.seal()
    if head is not None:
        services.catalog.set_audit_head(head.segment, head.seq, head.hash)


def _screening(settings: Settings) -> tuple[Callable[[Thread, str], Thread] | None, Callable[[Thread], Thread] | None]:
    """The screening step from ``[screening]``: the detector with the organisation's own contact points."""
    config = settings.screening
    if not config.enabled:
        return None, None
    from .sensitive import Detector, OrganisationProfile
    from .sensitive.policy import public_version, screen

    profile = OrganisationProfile.build(phones=config.phones, mail_domains=config.mail_domains,
                                        accounts=config.accounts, addresses=config.addresses, names=config.names)
    rules = ScreeningRules(config.min_confidence, config.tilgangsrestriksjon, config.skjermingshjemmel)

    def screen_thread(thread: Thread, at: str) -> Thread:
        return screen(thread, Detector(today=parse_ts(at).date(), profile=profile), rules, at)

    return screen_thread, lambda thread: public_version(thread, rules)


# ------------------------------------------------------------------------------------------------- steps

def plan_window(services: Services, account: AccountConfig, start: datetime, end: datetime
                ) -> tuple[datetime, datetime]:
    """The listing window for the data interval [start, end): the whole history on an account's first run or
    where listing is cheap and carries a change signal, else the look-back window (at least the interval)."""
    first_run = (not services.catalog.knows_account(account.platform, account.account_id)
                 and not services.store.exists(account_dir(account.platform, account.account_id)))  # the
    # store decides when the catalog knows no thread (it may have been lost); else the store is not asked
    lookback = max(timedelta(days=services.settings.lookback_days), end - start)
    return listing_window(first_run=first_run, lists_everything=services.lists_everything(account.platform),
                          initial_since=parse_ts(services.settings.initial_since), end=end, lookback=lookback)


def list_threads(services: Services, account_key: str, since: datetime, until: datetime, *,
                 now: datetime | None = None) -> list[ThreadRef]:
    """The account's threads due for capture: listed in [since, until), chosen by ``schedule.due_threads``
    against the catalog. ``now`` (default ``until``, the end of the data interval) dates the decisions."""
    return [item.ref for item in list_due(services, account_key, since, until, now=now)]


def list_due(services: Services, account_key: str, since: datetime, until: datetime, *,
             now: datetime | None = None) -> list[Due]:
    """``list_threads`` with the reason each thread is due (its expected cost: ``schedule.capture_cost``)."""
    account = services.settings.account(account_key)
    connector = services.connector_for(account)
    try:
        listed = connector.list_threads(since, until)
    finally:
        _close(connector)
    settings = services.settings
    due = due_threads(listed, services.catalog.threads(account.platform, account.account_id),
                      account_key=account_key, now=now or until, window=(since, until),
                      lookback=timedelta(days=settings.lookback_days), revisit=timedelta(days=settings.revisit_days))
    reasons: dict[str, int] = {}
    for item in due:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    log.info("%s: %d thread(s) listed, %d due (%s)", account_key, len(listed), len(due),
             ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none")
    return due


def capture(services: Services, ref: ThreadRef, connector: Connector | None = None, *,
            keep: bool = True) -> CaptureResult:
    """Fetch one thread. Source failures that concern only this thread become an outcome (gone, quarantined);
    account-wide ones (auth, rate limits, outages) propagate. ``connector``: the account's, kept open by the
    caller for several threads (else one is opened and closed here). ``keep``: write the evidence to the work
    folder, for a process elsewhere; False when this process goes on with it at once (``archive_thread``,
    ``archive_batch``): the package or the quarantine keeps it, and only a capture that cannot be stored now
    is written there (a folder that grew by every capture of every night would be no evidence, only bulk)."""
    own = connector is None
    if connector is None:
        connector = services.connector_for(services.settings.account(ref.account_key))
    waits = _waits(connector)
    try:
        raw = connector.capture_thread(ref)
    except GoneAtSource as exc:
        if isinstance(exc.evidence, RawCapture):  # the platform's answer is the evidence of the deletion
            return CaptureResult(ref, evidence=_keep(services, exc.evidence, keep), gone=str(exc),
                                 rate_limit_waits=_waits(connector) - waits, raw=exc.evidence)
        return CaptureResult(ref, outcome=ThreadOutcome(ref.account_key, ref.post_id, "gone", message=str(exc)))
    except MalformedResponse as exc:
        evidence = exc.evidence if isinstance(exc.evidence, RawCapture) else None
        return CaptureResult(ref, outcome=_quarantine(services, ref, evidence, [str(exc)], "malformed-response"))
    finally:
        if own:
            _close(connector)
    return CaptureResult(ref, evidence=_keep(services, raw, keep), rate_limit_waits=_waits(connector) - waits,
                         raw=raw)


def _keep(services: Services, raw: RawCapture, keep: bool) -> str | None:
    return str(_write_evidence(services, raw)) if keep else None


def _waits(connector: Any) -> int:
    stats = getattr(getattr(connector, "client", None), "stats", None)
    return int(getattr(stats, "rate_limit_waits", 0))


def process(services: Services, result: CaptureResult, events: Sequence[WebhookEvent] = (), *,
            unchanged: list[Unchanged] | None = None,
            indexed: Mapping[tuple[str, str, str], Indexed] | None = None) -> ThreadOutcome:
    """Normalise and validate one captured thread, merge it into the thread's history, and store a new
    version when its content changed. ``events``: webhook events about this thread, whose comments are kept
    even when the capture no longer finds them (they are stored with the package as evidence).
    ``unchanged``: where a capture found unchanged waits to be recorded (``record_unchanged``), so that a
    batch's unchanged captures cost one catalog transaction and one audit flush; None: recorded at once.
    ``indexed``: the catalog rows of the batch's threads, read for all of them before its captures
    (``Catalog.threads_for_unchanged_capture``; a thread not in it is new to the catalog); None: read here."""
    if result.outcome is not None:
        return result.outcome
    outcome = _process(services, result, events, unchanged, indexed)
    return replace(outcome, rate_limit_waits=result.rate_limit_waits) if result.rate_limit_waits else outcome


def _process(services: Services, result: CaptureResult, events: Sequence[WebhookEvent],
             unchanged: list[Unchanged] | None, indexed: Mapping[tuple[str, str, str], Indexed] | None
             ) -> ThreadOutcome:
    ref = result.ref
    if result.raw is not None:
        raw = result.raw
    else:
        assert result.evidence is not None, "a capture result without its evidence"
        raw = RawCapture.from_dict(json.loads(Path(result.evidence).read_text(encoding="utf-8")))
    account = services.settings.account(ref.account_key)
    seen = [(comment, event.time) for event in events if (comment := as_comment(event)) is not None]
    evidence = dump_json([event.to_dict() for event in events]) if events else None
    if result.gone is not None:
        reason = result.gone

        def gone(head: Head | None) -> tuple[Thread, list[ObservedChange]] | None:
            if head is None:
                return None
            thread, found = observe(head.thread, seen)
            marked, more = mark_gone(thread, raw.ended_at, reason, seen_until=head.last_captured_at)
            provenance = replace(marked.provenance, capture_started_at=raw.started_at, capture_ended_at=raw.ended_at,
                                 requests=max(1, len(raw.exchanges)))  # this version's evidence: the "gone" answer
            return replace(marked, provenance=provenance), found + more

        return _archive(services, ref, account, raw, raw.ended_at, gone, evidence)
    try:
        snapshot = services.normaliser_for(account.platform)(raw, account)
        snapshot_data = snapshot.to_dict()
        validate_thread(snapshot_data, f"thread {ref.post_id} of {ref.account_key}")
        if snapshot.source.post_id != ref.post_id:  # the thread's versions are found under the listed id
            raise RecordError(f"the capture of {ref.post_id} normalised to post {snapshot.source.post_id}; "
                              "the connector and normaliser disagree on the thread's id")
    except SchemaViolation as exc:
        return _quarantine(services, ref, raw, [str(p) for p in exc.problems], "schema-violation")
    except RecordError as exc:
        return _quarantine(services, ref, raw, [str(exc)], "unusable-record")
    observed = snapshot.provenance.capture_ended_at
    fingerprint = capture_fingerprint(snapshot, services.fingerprint_salt, services.settings.volatile_fields,
                                      snapshot_data)
    if not seen:
        found_unchanged = _unchanged_capture(services, ref, account, snapshot, fingerprint, unchanged, indexed)
        if found_unchanged is not None:
            return found_unchanged

    def update(head: Head | None) -> tuple[Thread, list[ObservedChange]]:
        base = head.thread if head else None
        found: list[ObservedChange] = []
        if seen:
            if base is None:  # a first capture: start from the post, so webhook comments join before the merge
                base, found = merge(None, replace(snapshot, comments=()), observed)
            base, more = observe(base, seen)
            found += more
        merged, more = merge(base, snapshot, observed, seen_until=head.last_captured_at if head else None)
        return merged, found + more

    return _archive(services, ref, account, raw, observed, update, evidence, fingerprint=fingerprint)


def thread_key(account: AccountConfig, post_id: str) -> tuple[str, str, str]:
    """A thread's key in the catalog (``Catalog.threads_for_unchanged_capture``): platform, account, post."""
    return account.platform, account.account_id, post_id


def _unchanged_capture(services: Services, ref: ThreadRef, account: AccountConfig, snapshot: Thread,
                       fingerprint: str, waiting: list[Unchanged] | None,
                       indexed: Mapping[tuple[str, str, str], Indexed] | None) -> ThreadOutcome | None:
    """A capture that saw what the head version's last capture saw merges to the head version again: record
    it without reading that version back from the store. The catalog must have indexed that version, and it
    must not be behind the store: when a version was being stored and is not recorded yet (its run stopped
    in between, or the catalog was restored from a backup), the store says which version is the latest.
    Otherwise (None) the capture is merged in full."""
    key = thread_key(account, ref.post_id)
    found = services.catalog.thread_for_unchanged_capture(*key) if indexed is None else indexed.get(key)
    platform, account_id, post_id = key
    if found is None:
        return None
    state = found.state
    observed = snapshot.provenance.capture_ended_at
    if state.capture_fingerprint != fingerprint or observed < state.last_captured_at or found.comment_count is None:
        return None
    if found.unrecorded and _latest_stored(services, platform, account_id, post_id) != state.head_version:
        return None
    recorded = replace(state, account_key=account.key, created_at=ref.created_at or state.created_at,
                       activity=ref.activity, last_captured_at=observed)
    if waiting is None:
        _record(services, recorded, "unchanged", True, "socialarkiv", None)
    else:
        waiting.append(Unchanged(recorded, format_ts(services.clock.now())))
    return ThreadOutcome(ref.account_key, post_id, "unchanged", package_id(snapshot, state.head_version),
                         services.store.location(state.head_path), found.comment_count,
                         snapshot.provenance.completeness.complete, "content unchanged since the stored version",
                         version=state.head_version)


@dataclass(frozen=True)
class Head:
    """The latest stored version of a thread."""

    version: int
    id: str
    thread: Thread
    content_hash: str
    last_captured_at: str  # the last capture that found it (unchanged captures move this in the catalog)
    state: ThreadState | None
    meta: Mapping[str, Any] = field(default_factory=dict)  # its package.json


def head(services: Services, platform: str, account_id: str, post_id: str) -> Head | None:
    """The thread's latest version: the store says which is latest (the catalog may lag), the catalog adds
    the captures that found it unchanged since."""
    latest = _latest_stored(services, platform, account_id, post_id)
    if not latest:
        return None
    relative = package_dir(platform, account_id, post_id, latest)
    meta = json.loads(services.store.read(f"{relative}/{PACKAGE_JSON}"))
    thread = Thread.from_dict(json.loads(services.store.read(f"{relative}/{THREAD_JSON}")))
    state = services.catalog.thread(platform, account_id, post_id)
    captured = thread.provenance.capture_ended_at
    if state is not None and state.head_version == latest and state.last_captured_at > captured:
        captured = state.last_captured_at
    return Head(latest, str(meta["id"]), thread, str(meta["content_hash"]["value"]), captured, state, meta)


def _latest_stored(services: Services, platform: str, account_id: str, post_id: str) -> int:
    """The highest version the store holds for the thread (0: none); the store, not the catalog, decides."""
    names = services.store.children(thread_dir(platform, account_id, post_id))
    return max((v for v in map(parse_version, names) if v is not None), default=0)


Update = Callable[[Head | None], tuple[Thread, list[ObservedChange]] | None]
MAX_SKIPPED_SLOTS = 3
ABANDONED_SLOT = ("the slot holds part of a package that was never sealed: its writer stopped part-way, and the "
                  "store's retention lock keeps what it wrote")


def _archive(services: Services, ref: ThreadRef, account: AccountConfig, raw: RawCapture, observed: str,
             update: Update, webhook_events: bytes | None = None, *, capture: bool = True,
             actor: str = "socialarkiv", event: Mapping[str, Any] | None = None,
             fingerprint: str | None = None) -> ThreadOutcome:
    """Merge into the latest version and publish the next one; when another worker publishes that version
    first, merge again on top of it (optimistic concurrency on the write-once version slot). ``fingerprint``:
    the capture's (``capture_fingerprint``), recorded with the head it merged to; None for what is no plain
    capture (a review, a "gone" answer, webhook events)."""
    platform, account_id = account.platform, account.account_id
    volatile = services.settings.volatile_fields
    for _attempt in range(5):
        latest = head(services, platform, account_id, ref.post_id)
        captured_at = observed if capture or latest is None else latest.last_captured_at  # a review is no capture
        if latest is not None and observed < latest.last_captured_at:
            return _outcome(ref, "unchanged", latest.thread, latest, services,
                            message=f"capture of {observed} is older than the archived one of "
                                    f"{latest.last_captured_at}; kept as evidence only")
        updated = update(latest)
        if updated is None:
            return ThreadOutcome(ref.account_key, ref.post_id, "gone", message="gone at the source and never archived")
        thread, found = updated
        if services.screen is not None:
            thread = services.screen(thread, observed)
        try:
            validate_thread(thread.to_dict(), f"merged thread {ref.post_id} of {ref.account_key}")
        except SchemaViolation as exc:
            return _quarantine(services, ref, raw, [str(p) for p in exc.problems], "schema-violation")
        digest = content_hash(thread, volatile)
        if latest is not None and digest == latest.content_hash:
            _catch_up(services, latest)
            _record(services, _state(ref, account, thread, latest.version, latest.id, digest, captured_at,
                                     latest.state, changed=False, fingerprint=fingerprint),
                    "unchanged", capture, actor, event)
            return _outcome(ref, "unchanged", thread, latest, services,
                            message="content unchanged since the stored version")
        version = latest.version + 1 if latest else 1
        previous = Previous(latest.id, latest.version, latest.content_hash) if latest else None
        kinds = _count(found)
        public = services.public_version(thread) if services.public_version and thread.screening else None
        try:
            pdf = services.render_pdf(thread, observed)
            # an open thread's public rendition shows the same page: render it once
            public_pdf = None if public is None else (
                pdf if thread.screening is None or thread.screening.skjerming is None
                else services.render_pdf(public, observed))
        except RenderError as exc:
            return _quarantine(services, ref, raw, [str(exc)], "render-failed", what_to_do=(
                "The PDF engine could not render this thread. Read the problem; try another engine ([archive] "
                "pdf_engine) or report it, then rerun: the evidence file holds the whole capture."))
        lock = services.settings.retention.lock_for(
            account.key, account.classification, observed,
            legal_hold=services.catalog.active_hold(platform, account_id, ref.post_id))
        records = {"account_key": account.key, "classification": account.classification,
                   "retention": {k: v for k, v in lock.to_dict().items() if k != "legal_hold"}}
        build = partial(assemble, thread, raw, pdf, digest=digest, created=observed, previous=previous,
                        changes=kinds, volatile=volatile, webhook_events=webhook_events,
                        public=(public, public_pdf) if public is not None and public_pdf is not None else None,
                        organisation=services.settings.organisation,
                        organisation_id=services.settings.organisation_id, records=records)
        services.catalog.storing(platform, account_id, ref.post_id, version)  # until recorded: not trusted
        package, location = _publish_first_free_slot(services, ref, platform, version, build, lock)
        version = package.version
        if location is None:
            continue
        audit(services, "package", package.id, details={
            "path": package.relative_dir, "content_hash": digest, "manifest_sha256": fixity(
                io.BytesIO(package.files[MANIFEST])), "retain_until": lock.retain_until, "rule": lock.rule})
        services.catalog.index_version(package.relative_dir, json.loads(package.files[PACKAGE_JSON]), thread, lock)
        _record(services, _state(ref, account, thread, version, package.id, digest, captured_at,
                                 latest.state if latest else None, changed=True, fingerprint=fingerprint),
                "archived", capture, actor, event)
        log.info("archived %s thread %s as version %d (%d comments; %s)", platform, ref.post_id, version,
                 len(thread.comments), ", ".join(f"{k} {v}" for k, v in kinds.items()) or "no changes")
        return ThreadOutcome(ref.account_key, ref.post_id, "archived", package.id, location, len(thread.comments),
                             thread.provenance.completeness.complete, version=version, changes=kinds)
    # this thread only: the account's other threads go on, and the next run archives this capture's comments
    kept = _write_evidence(services, raw)
    return ThreadOutcome(ref.account_key, ref.post_id, "failed", retryable=True, message=(
        f"another writer was storing version {version} of this thread and has not sealed it yet "
        f"({services.store.location(package_dir(platform, account_id, ref.post_id, version))}); the next run "
        f"archives this capture's comments (the capture is kept as evidence in {kept})"))


def _publish_first_free_slot(services: Services, ref: ThreadRef, platform: str, version: int,
                             build: Callable[..., Package], lock: Lock
                             ) -> tuple[Package, str | None]:
    """Publish the package of ``version``, or of the first later version whose slot is not abandoned (each
    abandoned slot is audited and named in the package's ``skipped_versions``). The location is None when
    another worker stored that version first: the caller merges again on top of it."""
    skipped: list[dict[str, Any]] = []
    while True:
        package = build(version=version, skipped=skipped)
        try:
            return package, services.store.publish(package.relative_dir, package.files, lock)
        except AlreadyStored:
            log.info("%s thread %s: version %d was stored by another worker; merging again", platform,
                     ref.post_id, version)
            return package, None
        except SlotAbandoned as exc:
            if len(skipped) >= MAX_SKIPPED_SLOTS:
                raise StorageError(f"{platform} thread {ref.post_id}: {len(skipped) + 1} version slots in a "
                                   f"row were left unsealed ({exc}); check the S3 server") from exc
            log.warning("%s thread %s: %s; storing version %d instead", platform, ref.post_id, exc, version + 1)
            audit(services, "slot-abandoned", package.relative_dir, details={"reason": str(exc)})
            skipped.append({"version": version, "reason": ABANDONED_SLOT})
            version += 1


def _catch_up(services: Services, latest: Head) -> None:
    """Index and audit a stored version the catalog does not know: the run that published it stopped (killed,
    database down) between storing the package and recording it. The store is the truth; this repairs."""
    if latest.state is not None and latest.state.head_version >= latest.version:
        return
    source = latest.thread.source
    relative = package_dir(source.platform, source.account_id, source.post_id, latest.version)
    retention = (latest.meta.get("records") or {}).get("retention")
    lock = Lock.from_dict(retention) if retention else services.store.lock(relative)
    services.catalog.index_version(relative, latest.meta, latest.thread, lock)
    audit(services, "package", latest.id, details={
        "path": relative, "content_hash": latest.content_hash, "recorded_late": True,
        "note": "stored by an earlier run that stopped before recording it"})
    log.warning("%s thread %s: version %d was stored but not recorded (an earlier run stopped); recorded now",
                source.platform, source.post_id, latest.version)


def _outcome(ref: ThreadRef, status: str, thread: Thread, latest: Head, services: Services,
             message: str) -> ThreadOutcome:
    relative = package_dir(thread.source.platform, thread.source.account_id, ref.post_id, latest.version)
    return ThreadOutcome(ref.account_key, ref.post_id, status, latest.id, services.store.location(relative),
                         len(thread.comments), thread.provenance.completeness.complete, message,
                         version=latest.version)


def _state(ref: ThreadRef, account: AccountConfig, thread: Thread, version: int, identifier: str, digest: str,
           observed: str, before: ThreadState | None, *, changed: bool, fingerprint: str | None) -> ThreadState:
    post_history = thread.post.history
    return ThreadState(
        platform=account.platform, account_id=account.account_id, post_id=ref.post_id, account_key=account.key,
        created_at=ref.created_at or thread.post.created_at, activity=ref.activity, head_version=version,
        head_path=package_dir(account.platform, account.account_id, ref.post_id, version), content_hash=digest,
        first_captured_at=before.first_captured_at if before else observed, last_captured_at=observed,
        last_changed_at=observed if changed or before is None else before.last_changed_at,
        gone_at=post_history.missing_since if post_history else None, capture_fingerprint=fingerprint)


def _record(services: Services, state: ThreadState, outcome: str, capture: bool, actor: str,
            event: Mapping[str, Any] | None) -> None:
    """The catalog's scheduling row, and its audit event (from which ``catalog rebuild`` replays it)."""
    services.catalog.record(state)
    if services.audit is not None:
        services.audit.record_many([_state_event(state, outcome, format_ts(services.clock.now()), capture=capture,
                                                 actor=actor, event=event)])


def _state_event(state: ThreadState, outcome: str, at: str, *, capture: bool = True, actor: str = "socialarkiv",
                 event: Mapping[str, Any] | None = None) -> Event:
    """The audit event of one scheduling row written (a capture's or a review's)."""
    return Event("capture" if capture else "review", f"{state.platform}/{state.account_id}/{state.post_id}", at,
                 actor, {**(event or {}), "outcome": outcome, "state": asdict(state)})


@dataclass(frozen=True)
class Unchanged:
    """An unchanged capture waiting to be recorded with the others of its batch."""

    state: ThreadState
    at: str   # when it was found unchanged: its audit event's time


def record_unchanged(services: Services, waiting: Sequence[Unchanged]) -> None:
    """Record a batch's unchanged captures as ``_record`` does each: the scheduling rows in one transaction,
    the audit events in one spool file. A crash before this loses nothing but the news that they were
    unchanged: the next run captures them again."""
    services.catalog.record_many([item.state for item in waiting])
    if services.audit is not None:
        services.audit.record_many([_state_event(item.state, "unchanged", item.at) for item in waiting])


def _count(found: Iterable[ObservedChange]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for change in found:
        counts[change.change] = counts.get(change.change, 0) + 1
    return dict(sorted(counts.items()))


def _total_changes(outcomes: Iterable[ThreadOutcome]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for outcome in outcomes:
        for kind, count in outcome.changes.items():
            totals[kind] = totals.get(kind, 0) + count
    return dict(sorted(totals.items()))


def archive_thread(services: Services, ref: ThreadRef) -> ThreadOutcome:
    return process(services, capture(services, ref, keep=False))


def archive_batch(services: Services, refs: Sequence[ThreadRef]) -> list[ThreadOutcome]:
    """Capture and process each thread of one batch (one mapped task of the nightly DAG), as ``run`` does: a
    source error that concerns one thread becomes its "failed" outcome and the batch goes on; account-wide
    and retryable errors (auth, quota, rate limits, outages) and store or catalog failures propagate, so the
    task fails or is retried as a whole (every step is idempotent: a retried batch finds its finished threads
    unchanged). The unchanged captures are recorded together at the end (one catalog transaction, one audit
    flush), and when the batch fails, before it fails."""
    waiting: list[Unchanged] = []
    outcomes = []
    accounts = {ref.account_key: services.settings.account(ref.account_key) for ref in refs}
    indexed = services.catalog.threads_for_unchanged_capture(   # one read for the batch, not one per thread
        thread_key(accounts[ref.account_key], ref.post_id) for ref in refs)
    connectors: dict[str, Connector] = {}   # one per account for the batch: its credential read once, its
    try:                                    # connections and rate-limit pacing shared by the threads
        for ref in refs:
            try:
                connector = connectors.get(ref.account_key)
                if connector is None:
                    connector = services.connector_for(accounts[ref.account_key])
                    connectors[ref.account_key] = connector
                result = capture(services, ref, connector, keep=False)
            except ACCOUNT_WIDE:
                raise
            except SourceError as exc:
                if exc.retryable:
                    raise
                outcomes.append(ThreadOutcome(ref.account_key, ref.post_id, "failed", message=str(exc)))
                continue
            outcomes.append(process(services, result, unchanged=waiting, indexed=indexed))
    finally:
        for connector in connectors.values():
            _close(connector)
        record_unchanged(services, waiting)
    return outcomes


def unlisted(planned: Iterable[str], listed: Iterable[str]) -> dict[str, str]:
    """An account error for every planned account whose threads were not listed (its list task failed for
    good): the run report names it, and the other accounts' threads are archived all the same."""
    done = set(listed)
    return {key: "its threads could not be listed: the Airflow task log of list_threads says why (an expired "
                 "token, a quota, an outage); the next night lists it again" for key in planned if key not in done}


def unaccounted(batches: Iterable[Iterable[Mapping[str, Any]]],
                outcomes: Iterable[ThreadOutcome]) -> list[ThreadOutcome]:
    """A "failed" outcome for every thread of ``batches`` (ThreadRef dicts) that has no outcome: its batch's
    capture or process task failed for good. The run report names them instead of leaving them out; the
    next run captures them again (they are new, young or unchanged in the catalog)."""
    have = {(o.account_key, o.post_id) for o in outcomes}
    return [ThreadOutcome(str(ref["account_key"]), str(ref["post_id"]), "failed", retryable=True,
                          message="its batch's capture or process task failed: the Airflow task log says why")
            for batch in batches for ref in batch if (ref["account_key"], ref["post_id"]) not in have]


def run(services: Services, start: datetime, end: datetime, *, run_id: str | None = None,
        accounts: Iterable[str] | None = None,
        progress: Callable[[ThreadOutcome | None, int], None] | None = None) -> RunReport:
    """Archive every configured account for the data interval [start, end). Serial; the DAG parallelises.
    ``progress``: called with (None, due) when an account's due threads are known, then (outcome, 0) per thread."""
    report = RunReport(run_id=run_id or f"run-{format_ts(services.clock.now())}",
                       started_at=format_ts(services.clock.now()))
    keys = list(accounts) if accounts is not None else [a.key for a in services.settings.accounts]
    for key in keys:
        account = services.settings.account(key)
        try:
            since, until = plan_window(services, account, start, end)
            refs = list_threads(services, key, since, until)
            if progress:
                progress(None, len(refs))
            for ref in refs:
                try:
                    outcome = archive_thread(services, ref)
                except ACCOUNT_WIDE:
                    raise
                except SourceError as exc:
                    outcome = ThreadOutcome(key, ref.post_id, "failed", message=str(exc), retryable=exc.retryable)
                report.outcomes.append(outcome)
                if progress:
                    progress(outcome, 0)
        except ACCOUNT_WIDE as exc:
            report.account_errors[key] = str(exc)
            log.error("account %s stopped: %s", key, exc)
        except ArchiverError as exc:
            report.account_errors[key] = str(exc)
            log.error("account %s failed: %s", key, exc)
    report.ended_at = format_ts(services.clock.now())
    write_report(services, report)
    return report


def process_webhook_events(services: Services, *, run_id: str | None = None) -> RunReport:
    """Capture every thread that spooled webhook events name, keeping the events' comments, then move the
    events to ``done``. Events for an unconfigured Page or account go to ``unmatched``. When the source or
    the store fails, the thread's events stay waiting for the next call: none is lost."""
    spool = Spool(services.settings.webhook_spool)
    report = RunReport(run_id=run_id or f"webhooks-{format_ts(services.clock.now())}",
                       started_at=format_ts(services.clock.now()))
    threads: dict[tuple[str, str], list[Any]] = {}
    for spooled in spool.pending():
        event = spooled.event
        account = next((a for a in services.settings.accounts
                        if a.platform == event.platform and a.account_id == event.account_id), None)
        if account is None or not event.post_id:
            log.warning("webhook event %s for %s account %s is not for a configured account; kept in unmatched",
                        event.id[:12], event.platform, event.account_id)
            spool.finish(spooled, "unmatched")
            continue
        threads.setdefault((account.key, event.post_id), []).append(spooled)
    for (key, post_id), spooled_events in threads.items():
        ref = ThreadRef(key, post_id)
        try:
            outcome = process(services, capture(services, ref, keep=False), [s.event for s in spooled_events])
        except (SourceError, StorageError) as exc:
            report.outcomes.append(ThreadOutcome(key, post_id, "failed", message=f"{exc} (events kept for the "
                                                 "next attempt)", retryable=exc.retryable))
            continue
        report.outcomes.append(outcome)
        if outcome.status != "failed":
            for spooled in spooled_events:
                spool.finish(spooled)
    report.ended_at = format_ts(services.clock.now())
    if report.outcomes:
        write_report(services, report)
    return report


def review(services: Services, account_key: str, post_id: str, finding_id: str, verdict: str, by: str,
           note: str | None = None) -> ThreadOutcome:
    """A records officer confirms or rejects one finding: the thread gets a new version whose screening holds
    the decision (who, when, why) and whose skjerming and public rendition follow it."""
    from .sensitive.policy import decide

    if verdict not in ("confirmed", "rejected"):
        raise ConfigError(f"a decision is 'confirmed' or 'rejected', not {verdict!r}")

    def change(thread: Thread, decision: Decision, rules: ScreeningRules) -> tuple[Thread, str]:
        try:
            decided = decide(thread, finding_id, decision, rules)
        except KeyError:
            raise ConfigError(f"thread {post_id} has no finding {finding_id}; list them with "
                              "'archiver review list'") from None
        return decided, next(f.entry_id for f in decided.screening.findings  # type: ignore[union-attr]
                             if f.id == finding_id)

    return _screening_decision(services, account_key, post_id, verdict, by, note, change,
                               {"finding": finding_id, "verdict": verdict})


def add_finding(services: Services, account_key: str, post_id: str, entry_id: str, field_name: str,
                spans: Sequence[tuple[int, int]], category: str, by: str, note: str | None = None) -> ThreadOutcome:
    """A records officer marks personal data the detector missed (spans of one entry's text): the thread gets
    a new version with the findings, confirmed, and the skjerming and public rendition follow them."""
    from .sensitive.policy import add_finding as add

    if not spans:
        raise ConfigError("mark at least one span of the text")

    def change(thread: Thread, decision: Decision, rules: ScreeningRules) -> tuple[Thread, str]:
        try:
            for start, end in spans:
                thread = add(thread, entry_id, field_name, start, end, category, decision, rules)
            return thread, entry_id
        except KeyError:
            raise ConfigError(f"thread {post_id} has no entry {entry_id} with a text {field_name!r}") from None
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    return _screening_decision(services, account_key, post_id, "confirmed", by, note, change,
                               {"added": {"entry": entry_id, "field": field_name, "spans": [list(s) for s in spans],
                                          "category": category}, "verdict": "confirmed"})


def _screening_decision(services: Services, account_key: str, post_id: str, verdict: str, by: str,
                        note: str | None, change: Callable[[Thread, Decision, ScreeningRules], tuple[Thread, str]],
                        event: dict[str, Any]) -> ThreadOutcome:
    account = services.settings.account(account_key)
    latest = head(services, account.platform, account.account_id, post_id)
    if latest is None:
        raise ConfigError(f"no archived thread {post_id} for account {account_key}")
    if not by.strip():
        raise ConfigError("a decision needs the name of who made it (--by)")
    config = services.settings.screening
    rules = ScreeningRules(config.min_confidence, config.tilgangsrestriksjon, config.skjermingshjemmel)
    relative = package_dir(account.platform, account.account_id, post_id, latest.version)
    raw = RawCapture.from_dict(json.loads(services.store.read(f"{relative}/{EVIDENCE}")))
    now = format_ts(services.clock.now())
    decision = Decision(verdict, by.strip(), now, note)  # type: ignore[arg-type]

    def update(current: Head | None) -> tuple[Thread, list[ObservedChange]]:
        assert current is not None
        changed, entry = change(current.thread, decision, rules)
        return changed, [ObservedChange(entry, "reviewed")]

    log.info("screening decision in %s thread %s (%s) by a records officer", account.platform, post_id,
             ", ".join(f"{k}" for k in event))
    outcome = _archive(services, ThreadRef(account_key, post_id), account, raw, now, update, capture=False,
                       actor=by.strip(), event=event)
    seal_audit(services)
    return outcome


def write_report(services: Services, report: RunReport) -> Path:
    """The run's report, written at its end, after the run's audit events are sealed into the store. When the
    store is down the events stay spooled on local disk for the next run to seal, and the report says so."""
    data: dict[str, Any] = {"software": f"socialarkiv {__version__}", **report.to_dict()}
    try:
        seal_audit(services)
    except StorageError as exc:
        data["audit_not_sealed"] = f"{exc}; the events wait in the audit spool and the next run seals them"
        log.error("the run's audit events could not be sealed into the store (%s); they stay spooled", exc)
    name = f"{safe_component(report.run_id)}.json"
    path = services.settings.store_path / "reports" / name
    try:
        _atomic_write(path, dump_json(data))
    except OSError as exc:  # the store's disk is full or gone: keep the report on the work disk
        fallback = services.settings.work_path / "reports" / name
        log.error("cannot write the run report under %s (%s); writing it to %s", path.parent, exc.strerror, fallback)
        try:
            _atomic_write(fallback, dump_json(data))
        except OSError as again:
            raise StorageError(f"cannot write the run report to {path} ({exc.strerror}) nor to {fallback} "
                               f"({again.strerror}); free space on those disks") from again
        path = fallback
    try:
        services.catalog.record_run(report.summary(), report.problems, str(path))
    except StorageError as exc:
        log.error("the run report %s is not in the catalog: %s", path, exc)
    _operate(services, report, path)
    return path


def _operate(services: Services, report: RunReport, path: Path) -> None:
    """Metrics for monitoring and, when configured, a notification; neither may fail the run."""
    from .operations import notify, write_metrics

    summary = report.summary()
    kind = "webhooks" if report.run_id.startswith("webhooks-") else "nightly"
    try:
        write_metrics(services.settings, summary, ended=services.clock.now().timestamp(), kind=kind)
    except OSError as exc:
        log.error("cannot write the metrics file: %s", exc.strerror)
    try:
        notify(services.settings, summary, report.problems, str(path), resolvers=services.resolvers)
    except ArchiverError as exc:
        log.error("cannot send the run notification: %s", exc)


# ----------------------------------------------------------------------------------------------- helpers

def _write_evidence(services: Services, raw: RawCapture) -> Path:
    data = dump_work_json(raw.to_dict())  # the package's evidence.json is written again, indented, by build
    digest = fixity(io.BytesIO(data))
    path = (services.settings.work_path / "captures" / raw.platform / safe_component(raw.ref.account_key)
            / safe_component(raw.ref.post_id) / f"{digest[:20]}.json")
    if not path.exists():
        _atomic_write(path, data)
    return path


_WHAT_TO_DO = ("Read the problems; fix the connector or normaliser (or the data at the source) and rerun. "
               "The evidence file holds exactly what the platform returned.")


def _quarantine(services: Services, ref: ThreadRef, raw: RawCapture | None, problems: list[str],
                reason: str, *, what_to_do: str = _WHAT_TO_DO) -> ThreadOutcome:
    """Keep what we have and a report listing every problem; the run goes on."""
    evidence = raw.to_json_bytes() if raw is not None else b""
    digest = fixity(io.BytesIO(evidence + reason.encode() + "\n".join(problems).encode("utf-8", "replace")))
    account = services.settings.account(ref.account_key)
    relative = "/".join(("quarantine", account.platform, safe_component(account.account_id),
                         f"{safe_component(ref.post_id)}-{digest[:16]}"))
    report = {
        "format": "socialarkiv-quarantine/1", "reason": reason, "account_key": ref.account_key,
        "post_id": ref.post_id, "problems": problems,
        "what_to_do": what_to_do,
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
