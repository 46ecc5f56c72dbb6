"""Legal holds and disposition (kassasjon): deletion only on a recorded approval.

* ``hold`` / ``release``: a legal hold on every stored version of a thread (S3 legal hold, or the
  filesystem's lock record), with who and why in the audit log; new versions of a held thread are stored
  held.
* ``propose``: the threads whose every version is past its retention (not permanent, not held) become a
  proposal, stored write-once under ``dispositions/proposals/<id>``.
* ``approve``: a records officer's approval of a proposal (who, when, reason, the decision's reference),
  stored write-once under ``dispositions/approvals/<id>``.
* ``execute``: for each approved proposal not yet done, each thread is checked again (a hold set since the
  proposal, or a lock the store still enforces, keeps it) and only then deleted; each deletion is written to
  the permanent disposition list ``dispositions/list/<platform>/<account>/<post>`` (what was deleted, its
  checksums, the rule and basis, the approval) and to the audit log.

Nothing is deleted without an approval; nothing under a legal hold or still locked is deleted: the store
refuses (``Locked``) even if the catalog were wrong.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import format_ts
from .connectors.base import dump_json
from .errors import AlreadyStored, ConfigError, Locked
from .package.build import MANIFEST, PACKAGE_JSON, parse_version, safe_component, thread_dir
from .retention import Lock

if TYPE_CHECKING:
    from .pipeline import Services

__all__ = ["DispositionResult", "approve", "execute", "hold", "pending_proposals", "propose", "release"]

log = logging.getLogger(__name__)
PROPOSALS, APPROVALS, DONE, LIST = ("dispositions/proposals", "dispositions/approvals", "dispositions/done",
                                    "dispositions/list")


def _permanent(services: Services, what: str) -> Lock:
    lock = services.settings.retention.lock_for("dispositions", "dispositions", format_ts(services.clock.now()))
    return Lock(lock.retain_until, what, "Disposition records are kept as long as the archive", True)


def _versions(services: Services, platform: str, account_id: str, post_id: str) -> list[str]:
    base = thread_dir(platform, account_id, post_id)
    return [f"{base}/{name}" for name in services.store.children(base) if parse_version(name) is not None]


def hold(services: Services, account_key: str, post_id: str, by: str, reason: str) -> int:
    """Put every version of the thread under a legal hold; return how many."""
    return _set_hold(services, account_key, post_id, by, reason, on=True)


def release(services: Services, account_key: str, post_id: str, by: str, reason: str) -> int:
    """Release the thread's legal hold on every version; return how many."""
    return _set_hold(services, account_key, post_id, by, reason, on=False)


def _set_hold(services: Services, account_key: str, post_id: str, by: str, reason: str, *, on: bool) -> int:
    from .pipeline import audit, seal_audit
    account = services.settings.account(account_key)
    _require(by, "--by")
    _require(reason, "--reason")
    platform, account_id = account.platform, account.account_id
    if not on and not services.catalog.active_hold(platform, account_id, post_id):
        raise ConfigError(f"thread {post_id} of {account_key} is not under a legal hold")
    versions = _versions(services, platform, account_id, post_id)
    if not versions:
        raise ConfigError(f"no archived thread {post_id} for account {account_key}")
    for relative in versions:
        services.store.set_legal_hold(relative, on)
    now, who, why = format_ts(services.clock.now()), by.strip(), reason.strip()
    (services.catalog.hold if on else services.catalog.release)(platform, account_id, post_id, now, who, why)
    audit(services, "hold" if on else "release", f"{platform}/{account_id}/{post_id}", actor=who,
          details={"thread": [platform, account_id, post_id], "reason": why, "versions": versions})
    seal_audit(services)
    return len(versions)


def propose(services: Services) -> str | None:
    """Store a proposal of every thread due for disposition now; its id, or None when nothing is due (or the
    same list is already proposed and waiting)."""
    from .pipeline import audit, seal_audit
    now = format_ts(services.clock.now())
    due = services.catalog.due_for_disposition(now)
    if not due:
        return None
    threads = [{"platform": d["platform"], "account_id": d["account_id"], "post_id": d["post_id"],
                "account_key": d["account_key"], "retain_until": d["retain_until"],
                "versions": services.catalog.version_paths(d["platform"], d["account_id"], d["post_id"])}
               for d in due]
    digest = hashlib.sha256(json.dumps(threads, sort_keys=True).encode()).hexdigest()[:12]
    proposal_id = f"P-{now[:10]}-{digest}"
    if any(p["threads"] == threads for p in pending_proposals(services)):
        return None
    body = {"format": "socialarkiv-disposition-proposal/1", "id": proposal_id, "proposed_at": now,
            "threads": threads}
    try:
        services.store.publish(f"{PROPOSALS}/{proposal_id}", {"proposal.json": dump_json(body)},
                               _permanent(services, "disposition-proposal"))
    except AlreadyStored:
        return proposal_id
    audit(services, "disposition-proposed", proposal_id, details={"threads": len(threads)})
    seal_audit(services)
    log.info("disposition proposal %s: %d thread(s) past retention await approval", proposal_id, len(threads))
    return proposal_id


def pending_proposals(services: Services) -> list[dict[str, Any]]:
    """Proposals not yet executed, with their approval if there is one."""
    out = []
    for proposal_id in services.store.children(PROPOSALS):
        if services.store.exists(f"{DONE}/{proposal_id}"):
            continue
        proposal = json.loads(services.store.read(f"{PROPOSALS}/{proposal_id}/proposal.json"))
        if services.store.exists(f"{APPROVALS}/{proposal_id}"):
            proposal["approval"] = json.loads(services.store.read(f"{APPROVALS}/{proposal_id}/approval.json"))
        out.append(proposal)
    return out


def approve(services: Services, proposal_id: str, by: str, reason: str, decision_ref: str) -> dict[str, Any]:
    from .pipeline import audit, seal_audit
    for value, option in ((by, "--by"), (reason, "--reason"), (decision_ref, "--decision")):
        _require(value, option)
    if not services.store.exists(f"{PROPOSALS}/{safe_component(proposal_id)}"):
        raise ConfigError(f"no disposition proposal {proposal_id}; list them with 'archiver disposition list'")
    approval = {"format": "socialarkiv-disposition-approval/1", "proposal": proposal_id, "approved_by": by.strip(),
                "approved_at": format_ts(services.clock.now()), "reason": reason.strip(),
                "decision_ref": decision_ref.strip()}
    try:
        services.store.publish(f"{APPROVALS}/{proposal_id}", {"approval.json": dump_json(approval)},
                               _permanent(services, "disposition-approval"))
    except AlreadyStored:
        raise ConfigError(f"proposal {proposal_id} is already approved") from None
    audit(services, "disposition-approved", proposal_id, actor=by.strip(),
          details={"reason": reason.strip(), "decision_ref": decision_ref.strip()})
    seal_audit(services)
    return approval


@dataclass
class DispositionResult:
    disposed: list[str] = field(default_factory=list)      # platform/account/post
    kept: dict[str, str] = field(default_factory=dict)     # thread -> why it was not deleted
    waiting: list[str] = field(default_factory=list)       # proposals without an approval


def execute(services: Services) -> DispositionResult:
    """Carry out every approved proposal; proposals without an approval wait."""
    from .pipeline import audit, seal_audit
    result = DispositionResult()
    for proposal in pending_proposals(services):
        approval = proposal.get("approval")
        if approval is None:
            result.waiting.append(proposal["id"])
            continue
        for item in proposal["threads"]:
            name = f"{item['platform']}/{item['account_id']}/{item['post_id']}"
            record, why = _dispose_thread(services, item, approval, proposal["id"])
            if record is not None:
                result.disposed.append(name)
                audit(services, "disposition", name, actor=approval["approved_by"],
                      details={"thread": [item["platform"], item["account_id"], item["post_id"]],
                               "proposal": proposal["id"], "record": record})
            else:
                result.kept[name] = why
        services.store.publish(f"{DONE}/{proposal['id']}", {"result.json": dump_json({
            "proposal": proposal["id"], "done_at": format_ts(services.clock.now()),
            "disposed": list(result.disposed), "kept": result.kept})}, _permanent(services, "disposition"))
        seal_audit(services)
    return result


def _dispose_thread(services: Services, item: dict[str, Any], approval: dict[str, Any],
                    proposal_id: str) -> tuple[dict[str, Any] | None, str]:
    """Delete one thread's versions; (the disposition record, "") or (None, why it was kept)."""
    platform, account_id, post_id = item["platform"], item["account_id"], item["post_id"]
    if services.catalog.active_hold(platform, account_id, post_id):
        return None, "under a legal hold set after the proposal"
    versions = _versions(services, platform, account_id, post_id)
    now = format_ts(services.clock.now())
    packages, account_name = [], ""
    for relative in versions:
        lock = services.store.lock(relative)
        if lock is None or lock.legal_hold or lock.permanent or lock.retain_until > now:
            return None, f"{relative} is still locked or held"
        meta = json.loads(services.store.read(f"{relative}/{PACKAGE_JSON}"))
        account_name = meta["source"]["account_name"]
        packages.append({"id": meta["id"], "path": relative, "content_hash": meta["content_hash"]["value"],
                         "manifest_sha256": hashlib.sha256(services.store.read(f"{relative}/{MANIFEST}")).hexdigest(),
                         "retain_until": lock.retain_until, "rule": lock.rule, "basis": lock.basis})
    record = {"format": "socialarkiv-disposition/1", "thread": {"platform": platform, "account_id": account_id,
                                                                 "post_id": post_id},
              "account_name": account_name, "packages": packages, "proposal": proposal_id,
              "approved_by": approval["approved_by"], "approved_at": approval["approved_at"],
              "reason": approval["reason"], "decision_ref": approval["decision_ref"], "disposed_at": now}
    # the record first (write-once, permanent): a crash after it leaves a thread that the next run deletes
    try:
        services.store.publish(f"{LIST}/{platform}/{safe_component(account_id)}/{safe_component(post_id)}",
                               {"disposition.json": dump_json(record)}, _permanent(services, "disposition"))
    except AlreadyStored:
        pass
    for relative in versions:
        try:
            services.store.dispose(relative, now)
        except Locked as exc:
            return None, str(exc)
    services.catalog.disposed(platform, account_id, post_id, record)
    return record, ""


def _require(value: str, option: str) -> None:
    if not value or not value.strip():
        raise ConfigError(f"{option} is required: a records decision names who and why")
