"""Per-thread archive state: the head version, when it was last captured, and its change signal.

One row per archived thread. Writes are single upserts whose merge is monotone (a higher version wins, capture
times only move forward), so concurrent workers and replays cannot move a thread backwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, case, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StorageError
from ..schedule import ThreadState

__all__ = ["Catalog", "ThreadState"]

metadata = MetaData()
threads = Table(
    "threads", metadata,
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(512), primary_key=True),
    Column("post_id", String(512), primary_key=True),
    Column("account_key", String(64), nullable=False),
    Column("created_at", String(20)),
    Column("activity", String(200)),
    Column("head_version", Integer, nullable=False),
    Column("head_path", String(2000), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("first_captured_at", String(20), nullable=False),
    Column("last_captured_at", String(20), nullable=False),
    Column("last_changed_at", String(20), nullable=False),
    Column("gone_at", String(20)),
)


class Catalog:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = _engine(url)
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot open the catalog at {_safe(url)}: {exc.__class__.__name__}; check "
                               "[archive] catalog in the configuration and that the database is reachable") from exc

    def thread(self, platform: str, account_id: str, post_id: str) -> ThreadState | None:
        query = select(threads).where(threads.c.platform == platform, threads.c.account_id == account_id,
                                      threads.c.post_id == post_id)
        with self._connect() as connection:
            row = connection.execute(query).mappings().first()
        return ThreadState(**row) if row else None

    def threads(self, platform: str, account_id: str) -> Iterator[ThreadState]:
        query = (select(threads).where(threads.c.platform == platform, threads.c.account_id == account_id)
                 .order_by(threads.c.post_id))
        with self._connect() as connection:
            rows = connection.execute(query).mappings().all()
        return (ThreadState(**row) for row in rows)

    def record(self, state: ThreadState) -> None:
        """Insert or merge: the higher head version wins; capture times never move back; ``gone_at`` is
        cleared when a later version is found present (the thread came back)."""
        values = {f.name: getattr(state, f.name) for f in fields(state)}
        insert = (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)(threads)
        new = insert.excluded
        newer = new.head_version > threads.c.head_version
        keep_or = {name: case((newer, getattr(new, name)), else_=getattr(threads.c, name))
                   for name in ("head_version", "head_path", "content_hash", "last_changed_at", "gone_at")}
        statement = insert.values(**values).on_conflict_do_update(
            index_elements=[threads.c.platform, threads.c.account_id, threads.c.post_id],
            set_={
                **keep_or,
                "account_key": new.account_key,
                "created_at": case((new.created_at.is_(None), threads.c.created_at), else_=new.created_at),
                "activity": case((new.activity.is_(None), threads.c.activity), else_=new.activity),
                "last_captured_at": case((new.last_captured_at > threads.c.last_captured_at, new.last_captured_at),
                                         else_=threads.c.last_captured_at),
            })
        with self._connect() as connection, connection.begin():
            connection.execute(statement)

    def close(self) -> None:
        self.engine.dispose()

    def _connect(self) -> Any:
        try:
            return self.engine.connect()
        except SQLAlchemyError as exc:
            raise StorageError(f"the catalog at {_safe(self.url)} is unreachable: {exc.__class__.__name__}") from exc


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL is reported as given, minus anything before the last "@"
        return url.rsplit("@", 1)[-1]
