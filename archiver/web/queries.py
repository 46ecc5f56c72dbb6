"""Read-only catalog queries the web app's pages need (the catalog's writers live in ``archiver.catalog``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from ..catalog import Catalog
from ..catalog import tables as t

__all__ = ["active_holds", "dispositions", "retention_summary", "review_queue", "thread_row", "versions"]


def _same_thread(a: Any, b: Any) -> Any:
    return and_(a.c.platform == b.c.platform, a.c.account_id == b.c.account_id, a.c.post_id == b.c.post_id)


def thread_row(catalog: Catalog, platform: str, account_id: str, post_id: str) -> dict[str, Any] | None:
    ti = t.thread_index
    with catalog.engine.connect() as connection:
        row = connection.execute(select(ti).where(ti.c.platform == platform, ti.c.account_id == account_id,
                                                  ti.c.post_id == post_id)).mappings().first()
    return dict(row) if row else None


def versions(catalog: Catalog, platform: str, account_id: str, post_id: str) -> list[dict[str, Any]]:
    v = t.versions
    with catalog.engine.connect() as connection:
        rows = connection.execute(select(v).where(v.c.platform == platform, v.c.account_id == account_id,
                                                  v.c.post_id == post_id).order_by(v.c.version)).mappings().all()
    return [dict(r) for r in rows]


def review_queue(catalog: Catalog, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Threads with undecided findings (newest first), and how many such threads there are."""
    f, ti = t.findings, t.thread_index
    undecided = f.c.verdict.is_(None)
    with catalog.engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(
            select(f.c.platform, f.c.account_id, f.c.post_id).where(undecided).distinct().subquery())).scalar_one()
        rows = connection.execute(
            select(ti.c.platform, ti.c.account_id, ti.c.post_id, ti.c.account_key, ti.c.created_at,
                   func.count().label("undecided"))
            .select_from(f.join(ti, _same_thread(f, ti))).where(undecided)
            .group_by(ti.c.platform, ti.c.account_id, ti.c.post_id, ti.c.account_key, ti.c.created_at)
            .order_by(ti.c.created_at.desc(), ti.c.post_id).limit(limit).offset(offset)).mappings().all()
    return [dict(r) for r in rows], int(total)


def active_holds(catalog: Catalog) -> list[dict[str, Any]]:
    h, ti = t.holds, t.thread_index
    with catalog.engine.connect() as connection:
        rows = connection.execute(
            select(h, ti.c.account_key).select_from(h.outerjoin(ti, _same_thread(h, ti)))
            .where(h.c.released_at.is_(None)).order_by(h.c.held_at.desc())).mappings().all()
    return [dict(r) for r in rows]


def dispositions(catalog: Catalog, *, limit: int = 200) -> list[dict[str, Any]]:
    d = t.dispositions
    with catalog.engine.connect() as connection:
        rows = connection.execute(select(d).order_by(d.c.disposed_at.desc()).limit(limit)).mappings().all()
    return [dict(r) for r in rows]


def retention_summary(catalog: Catalog) -> list[dict[str, Any]]:
    """Per retention rule: how many versions, kept until when (earliest and latest), on what legal basis."""
    v = t.versions
    with catalog.engine.connect() as connection:
        rows = connection.execute(
            select(v.c.retention_rule, v.c.retention_basis, v.c.permanent, func.count().label("versions"),
                   func.min(v.c.retain_until).label("earliest"), func.max(v.c.retain_until).label("latest"))
            .group_by(v.c.retention_rule, v.c.retention_basis, v.c.permanent)
            .order_by(v.c.retention_rule)).mappings().all()
    return [dict(r) for r in rows]
