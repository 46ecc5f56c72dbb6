"""Rebuild the catalog from the store alone: every stored version (``package.json``, the thread, the lock as
stored now) and the audit log's events in order (captures and reviews carry the scheduling row they wrote;
holds, releases and dispositions carry theirs). The result equals the catalog the runs wrote."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from ..audit import AuditLog, check
from ..model import Thread
from ..package.build import PACKAGE_JSON, THREAD_JSON, parse_version
from ..schedule import ThreadState
from ..storage import Store
from .threads import Catalog

__all__ = ["RebuildReport", "rebuild"]

log = logging.getLogger(__name__)


@dataclass
class RebuildReport:
    versions: int = 0
    events: int = 0
    threads_without_events: int = 0
    problems: list[str] = field(default_factory=list)


def rebuild(store: Store, audit: AuditLog, catalog: Catalog) -> RebuildReport:
    """Fill ``catalog`` (empty, freshly migrated) from ``store``."""
    report = RebuildReport()
    # per thread, what a thread without audit events needs from its head version (not the whole thread: a
    # large store has millions of comments)
    heads: dict[tuple[str, str, str], tuple[int, str, dict[str, Any], str, str | None]] = {}
    for platform in store.children("packages"):
        for account in store.children(f"packages/{platform}"):
            for post in store.children(f"packages/{platform}/{account}"):
                for name in store.children(f"packages/{platform}/{account}/{post}"):
                    if parse_version(name) is None:
                        continue
                    relative = f"packages/{platform}/{account}/{post}/{name}"
                    try:
                        meta = json.loads(store.read(f"{relative}/{PACKAGE_JSON}"))
                        thread = Thread.from_dict(json.loads(store.read(f"{relative}/{THREAD_JSON}")))
                        lock = store.lock(relative)
                    except (OSError, ValueError, KeyError) as exc:
                        report.problems.append(f"{relative}: cannot be read ({exc.__class__.__name__}: {exc}); "
                                               "run 'archiver verify' on it")
                        continue
                    catalog.index_version(relative, meta, thread, lock)
                    report.versions += 1
                    source = thread.source
                    key = (source.platform, source.account_id, source.post_id)
                    if key not in heads or heads[key][0] < meta["version"]:
                        history = thread.post.history
                        heads[key] = (meta["version"], relative, meta, thread.post.created_at,
                                      history.missing_since if history else None)
    segments = audit.segments()
    problems, head = check(segments)
    report.problems.extend(problems)
    replayed: set[tuple[str, str, str]] = set()
    for event in audit.events():
        report.events += 1
        details = event["details"]
        if event["kind"] in ("capture", "review") and "state" in details:
            state = ThreadState(**details["state"])
            catalog.record(state)
            replayed.add((state.platform, state.account_id, state.post_id))
        elif event["kind"] in ("hold", "release", "disposition"):
            platform, account_id, post_id = details["thread"]
            if event["kind"] == "hold":
                catalog.hold(platform, account_id, post_id, event["at"], event["actor"], details["reason"])
            elif event["kind"] == "release":
                catalog.release(platform, account_id, post_id, event["at"], event["actor"], details["reason"])
            else:
                catalog.disposed(platform, account_id, post_id, details["record"])
    for key, (version, relative, meta, created_at, gone_at) in sorted(heads.items()):
        if key in replayed:
            continue
        # no audit event for this thread (a store from before the audit log): its head package tells enough
        report.threads_without_events += 1
        records = meta.get("records") or {}
        created = str(meta["created"])
        catalog.record(ThreadState(
            platform=key[0], account_id=key[1], post_id=key[2], account_key=str(records.get("account_key", "")),
            created_at=created_at, activity=None, head_version=version, head_path=relative,
            content_hash=str(meta["content_hash"]["value"]),
            first_captured_at=created, last_captured_at=created, last_changed_at=created,
            gone_at=gone_at))
    if head is not None:
        catalog.set_audit_head(head.segment, head.seq, head.hash)
    log.info("catalog rebuilt: %d versions, %d audit events, %d problem(s)", report.versions, report.events,
             len(report.problems))
    return report
