"""Fixity and retention compliance of a whole store, through the ``Store`` protocol (filesystem or S3).

For every version the catalog lists: every file in its manifest is read back and its SHA-256 compared (the
S3 store also checks the server's own checksum on each read), files missing from the store are named, and
the stored lock is compared with what the retention schedule demands today (a lock shorter than the schedule,
or a permanent record without a permanent lock, is a compliance problem). The report is written to
``<store>/reports/fixity/`` and recorded in the audit log. ``archiver verify`` remains the deep, offline check
of package structure (METS, PREMIS, XSD, PDF/A) on a local folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .catalog import Catalog
from .catalog import tables as t
from .package.manifest import MANIFEST, parse_manifest
from .retention import RetentionSchedule
from .storage import Store

__all__ = ["REPORTS", "latest_report", "verify_store", "write_report"]

log = logging.getLogger(__name__)

REPORTS = "reports/fixity"


def verify_store(store: Store, catalog: Catalog, schedule: RetentionSchedule, *, now: str, store_name: str,
                 progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """The fixity and retention compliance report of every version in the catalog."""
    with catalog.engine.connect() as connection:
        rows = connection.execute(
            select(t.versions.c.path, t.versions.c.package_id, t.versions.c.created,
                   t.thread_index.c.account_key, t.thread_index.c.classification)
            .select_from(t.versions.outerjoin(t.thread_index, (t.versions.c.platform == t.thread_index.c.platform)
                                              & (t.versions.c.account_id == t.thread_index.c.account_id)
                                              & (t.versions.c.post_id == t.thread_index.c.post_id)))
            .order_by(t.versions.c.path)).all()
    failing: list[dict[str, Any]] = []
    short: list[dict[str, Any]] = []
    files = 0
    for number, row in enumerate(rows, start=1):
        problems, checked = _package_problems(store, row.path)
        files += checked
        if problems:
            failing.append({"package": row.package_id, "path": row.path, "problems": problems})
        if row.account_key is not None:
            shortfall = _retention_shortfall(store, schedule, row.path, row.account_key, row.classification or "",
                                             row.created)
            if shortfall:
                short.append({"package": row.package_id, "path": row.path, **shortfall})
        if progress:
            progress(number, len(rows))
    report = {"kind": "fixity", "store": store_name, "at": now, "packages": len(rows), "files": files,
              "failing": failing, "retention_shortfalls": short,
              "result": "passed" if not failing and not short else "failed"}
    log.info("fixity of %s: %d packages, %d files, %d failing, %d retention shortfalls", store_name, len(rows),
             files, len(failing), len(short))
    return report


def _package_problems(store: Store, relative: str) -> tuple[list[str], int]:
    try:
        manifest = store.read(f"{relative}/{MANIFEST}").decode("utf-8")
    except FileNotFoundError:
        return [f"{MANIFEST} is missing"], 0
    except Exception as exc:  # a store error is this package's problem, the run goes on
        return [f"{MANIFEST} cannot be read: {exc.__class__.__name__}"], 0
    entries, problems = parse_manifest(manifest)
    found = [f"{p.where}: {p.message}" for p in problems]
    for path, digest in sorted(entries.items()):
        try:
            data = store.read(f"{relative}/{path}")
        except FileNotFoundError:
            found.append(f"{path} is missing")
            continue
        except Exception as exc:
            found.append(f"{path} cannot be read or failed the store's checksum ({exc.__class__.__name__})")
            continue
        if hashlib.sha256(data).hexdigest() != digest:
            found.append(f"{path} has changed (SHA-256 differs from the manifest)")
    return found, len(entries)


def _retention_shortfall(store: Store, schedule: RetentionSchedule, relative: str, account_key: str,
                         classification: str, created: str) -> dict[str, Any] | None:
    demanded = schedule.lock_for(account_key, classification, created)
    stored = store.lock(relative)
    if stored is None:
        return {"demanded_until": demanded.retain_until, "stored_until": None, "rule": demanded.rule,
                "problem": "no lock is stored"}
    if demanded.permanent and not stored.permanent:
        return {"demanded_until": demanded.retain_until, "stored_until": stored.retain_until, "rule": demanded.rule,
                "problem": "the schedule demands permanent preservation"}
    if stored.retain_until < demanded.retain_until:
        return {"demanded_until": demanded.retain_until, "stored_until": stored.retain_until, "rule": demanded.rule,
                "problem": "the lock ends before the schedule's retention"}
    return None


def write_report(reports: Path, report: dict[str, Any]) -> Path:
    """Write the report atomically as ``<reports>/<at>.json``."""
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"{str(report['at']).replace(':', '')}.json"
    data = json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    with tempfile.NamedTemporaryFile(dir=reports, delete=False, suffix=".tmp") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, path)
    return path


def latest_report(reports: Path) -> dict[str, Any] | None:
    found: Iterable[Path] = sorted(reports.glob("*.json")) if reports.is_dir() else []
    for path in reversed(list(found)):
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return None
