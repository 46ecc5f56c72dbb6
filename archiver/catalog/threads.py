"""The catalog: what the store holds, indexed for scheduling and for records officers' searches.

* ``threads``: per thread, the head version, last capture and change signal (one upsert per capture, whose
  merge is monotone: a higher version wins, capture times only move forward, so concurrent workers and
  replays cannot move a thread backwards);
* ``thread_index``, ``accounts``, ``versions``, ``entries`` (+ full text), ``findings``: written when a version
  is stored (``index_version``), from the package alone;
* ``holds``, ``dispositions``, ``audit_head``: written by those actions, from their audit events.

Every write is a function of one stored package or one audit event, so ``rebuild`` (``archiver catalog
rebuild``) gives the same catalog from the store alone. One exception, a hint that a rebuilt catalog has no
need of: ``threads.unrecorded_from`` marks a version being stored until it is recorded, so that an unchanged
capture needs no store listing to know that the catalog is not behind. SQLite (embedded default, FTS5) or PostgreSQL
(``norwegian`` + ``danish`` text search); the schema is created and upgraded by Alembic migrations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, create_engine, delete, event, func, insert, inspect, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StorageError
from ..model import Comment, Post, Thread
from ..retention import Lock
from ..schedule import ThreadState
from . import tables as t
from .search import fts5_query, stems

__all__ = ["Catalog", "Indexed", "SearchHit", "ThreadState"]

MIGRATIONS = Path(__file__).with_name("migrations")
SCHEMA_HEAD = "0007"   # the latest migration's revision (a test holds it to alembic's head)
VERSION_TABLE = "socialarkiv_alembic_version"
_STATE = tuple(t.threads.c[f.name] for f in fields(ThreadState))   # the columns a ThreadState holds


@dataclass(frozen=True)
class Indexed:
    """What the unchanged capture's path reads of one thread (``Catalog.thread_for_unchanged_capture``)."""

    state: ThreadState
    comment_count: int | None   # the head version's, when it is the indexed version
    unrecorded: bool            # the store may hold a version the catalog does not record: check it


@dataclass(frozen=True)
class SearchHit:
    platform: str
    account_key: str
    account_id: str
    post_id: str
    entry_id: str
    kind: str
    created_at: str
    restricted: bool
    text: str | None   # None when restricted and not asked for


class Catalog:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = _engine(url)
            self._migrate()
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot open the catalog at {_safe(url)}: {exc.__class__.__name__}; check "
                               "[archive] catalog in the configuration and that the database is reachable") from exc
        self.dialect = self.engine.dialect.name
        self._record_sql: Any = None

    def _migrate(self) -> None:
        """Bring the catalog to the latest schema. A catalog there already (every open but the first after
        an install or upgrade: each Airflow task opens it) is known by its version row, without loading
        alembic, which took a task 0.1 to 0.3 s and logged two lines each time."""
        if self._revisions() == [SCHEMA_HEAD]:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.migration import MigrationContext

        with self.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            current = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}
                                                 ).get_current_revision()
            if current is None and inspect(connection).has_table("threads"):
                command.stamp(config, "0001")   # a catalog from before migrations: it holds exactly 0001
            command.upgrade(config, "head")

    def _revisions(self) -> list[str]:
        """The revisions the catalog's version table holds (none: a new catalog, or one from before
        migrations)."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return []
            return sorted(str(row[0]) for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")))

    # ------------------------------------------------------------------------------------------- scheduling

    def thread(self, platform: str, account_id: str, post_id: str) -> ThreadState | None:
        query = select(*_STATE).where(t.threads.c.platform == platform, t.threads.c.account_id == account_id,
                                      t.threads.c.post_id == post_id)
        with self._connect() as connection:
            row = connection.execute(query).mappings().first()
        return ThreadState(**row) if row else None

    def thread_for_unchanged_capture(self, platform: str, account_id: str, post_id: str) -> Indexed | None:
        """The thread's scheduling row, how many comments its head version holds when that version is the
        indexed one, and whether the store may hold a version the row does not record: one query, for the
        unchanged capture's path."""
        return self.threads_for_unchanged_capture([(platform, account_id, post_id)]).get(
            (platform, account_id, post_id))

    def threads_for_unchanged_capture(self, keys: Iterable[tuple[str, str, str]]
                                      ) -> dict[tuple[str, str, str], Indexed]:
        """``thread_for_unchanged_capture`` for many threads (platform, account id, post id) in one connection
        and a query per 500 threads of an account, as a batch reads them before its captures: each query is
        three round trips to PostgreSQL (the pool's ping, the query, the rollback), 2 to 3 ms a thread when
        asked one by one. Threads the catalog does not hold are left out."""
        threads, index = t.threads, t.thread_index
        indexed = and_(index.c.platform == threads.c.platform, index.c.account_id == threads.c.account_id,
                       index.c.post_id == threads.c.post_id, index.c.head_version == threads.c.head_version)
        columns = (*_STATE, threads.c.unrecorded_from, index.c.comment_count.label("indexed_comment_count"))
        by_account: dict[tuple[str, str], list[str]] = {}
        for platform, account_id, post_id in keys:
            by_account.setdefault((platform, account_id), []).append(post_id)
        found: dict[tuple[str, str, str], Indexed] = {}
        with self._connect() as connection:
            for (platform, account_id), post_ids in sorted(by_account.items()):
                unique = sorted(set(post_ids))
                for start in range(0, len(unique), 500):
                    query = (select(*columns).select_from(threads.outerjoin(index, indexed))
                             .where(threads.c.platform == platform, threads.c.account_id == account_id,
                                    threads.c.post_id.in_(unique[start:start + 500])))
                    for row in connection.execute(query).mappings():
                        values = dict(row)
                        count, unrecorded = values.pop("indexed_comment_count"), values.pop("unrecorded_from")
                        state = ThreadState(**values)
                        found[(state.platform, state.account_id, state.post_id)] = Indexed(
                            state, None if count is None else int(count), unrecorded is not None)
        return found

    def threads(self, platform: str, account_id: str) -> Iterator[ThreadState]:
        query = (select(*_STATE).where(t.threads.c.platform == platform, t.threads.c.account_id == account_id)
                 .order_by(t.threads.c.post_id))
        with self._connect() as connection:
            rows = connection.execute(query).mappings().all()
        return (ThreadState(**row) for row in rows)

    def knows_account(self, platform: str, account_id: str) -> bool:
        """Whether the catalog holds any thread of the account (one row read, not the account's all)."""
        query = select(t.threads.c.post_id).where(t.threads.c.platform == platform,
                                                  t.threads.c.account_id == account_id).limit(1)
        with self._connect() as connection:
            return connection.execute(query).first() is not None

    def storing(self, platform: str, account_id: str, post_id: str, version: int) -> None:
        """Before ``version`` of a thread is stored: until a version at least as high is recorded, the thread's
        unchanged captures check the store (the writer may stop between storing and recording)."""
        threads = t.threads
        mark = case((or_(threads.c.unrecorded_from.is_(None), threads.c.unrecorded_from < version), version),
                    else_=threads.c.unrecorded_from)
        with self._connect() as connection, connection.begin():
            connection.execute(update(threads).where(threads.c.platform == platform,
                                                     threads.c.account_id == account_id,
                                                     threads.c.post_id == post_id).values(unrecorded_from=mark))

    def recheck(self) -> int:
        """After the catalog was restored from a backup: every thread's next capture checks the store for
        versions this catalog does not record. Returns the number of threads marked."""
        with self._connect() as connection, connection.begin():
            return int(connection.execute(update(t.threads).where(t.threads.c.unrecorded_from.is_(None))
                                          .values(unrecorded_from=0)).rowcount)

    def record(self, state: ThreadState) -> None:
        """Insert or merge: the higher head version wins; capture times never move back; ``gone_at`` is
        cleared when a later version is found present (the thread came back); the capture fingerprint is the
        latest capture's of the head version."""
        self.record_many([state])

    def record_many(self, states: list[ThreadState]) -> None:
        """``record`` for several threads in one transaction (a batch's unchanged captures), in key order, so
        that two such transactions lock their rows in the same order and cannot deadlock."""
        if not states:
            return
        ordered = sorted(states, key=lambda s: (s.platform, s.account_id, s.post_id))
        values = [{f.name: getattr(state, f.name) for f in fields(state)} for state in ordered]
        with self._connect() as connection, connection.begin():
            connection.execute(self._record_statement(), values)

    def _record_statement(self) -> Any:
        """Built once per catalog (building and compiling it cost more than running it), then run with each
        state's values as parameters."""
        if self._record_sql is not None:
            return self._record_sql
        threads = t.threads
        statement_ = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(threads)
        new = statement_.excluded
        newer = new.head_version > threads.c.head_version
        keep_or = {name: case((newer, getattr(new, name)), else_=getattr(threads.c, name))
                   for name in ("head_version", "head_path", "content_hash", "last_changed_at", "gone_at")}
        self._record_sql = statement_.on_conflict_do_update(
            index_elements=[threads.c.platform, threads.c.account_id, threads.c.post_id],
            set_={
                **keep_or,
                "account_key": new.account_key,
                "created_at": case((new.created_at.is_(None), threads.c.created_at), else_=new.created_at),
                "activity": case((new.activity.is_(None), threads.c.activity), else_=new.activity),
                "last_captured_at": case((new.last_captured_at > threads.c.last_captured_at, new.last_captured_at),
                                         else_=threads.c.last_captured_at),
                # a version being stored is recorded (or a higher one is): the row is whole again
                "unrecorded_from": case((and_(threads.c.unrecorded_from > new.head_version,
                                              threads.c.unrecorded_from > threads.c.head_version),
                                         threads.c.unrecorded_from), else_=None),
                "capture_fingerprint": case(
                    (newer, new.capture_fingerprint),
                    (and_(new.head_version == threads.c.head_version,
                          new.last_captured_at >= threads.c.last_captured_at), new.capture_fingerprint),
                    else_=threads.c.capture_fingerprint),
            })
        return self._record_sql

    # ------------------------------------------------------------------------------------------- the index

    def index_version(self, relative: str, meta: Mapping[str, Any], thread: Thread, lock: Lock | None) -> None:
        """Index one stored version. Versions may come in any order: the thread's entries and findings follow
        the highest version seen."""
        source = thread.source
        key = {"platform": source.platform, "account_id": source.account_id, "post_id": source.post_id}
        records = meta.get("records") or {}
        access = meta.get("access") or {}
        restricted = bool(access.get("skjerming"))
        screening = thread.screening
        restricted_entries = set(screening.skjerming.restricted_entries) if screening and screening.skjerming else set()
        with self._connect() as connection, connection.begin():
            self._lock_thread(connection, key)
            self._upsert(connection, t.accounts, {"platform": source.platform, "account_id": source.account_id,
                                                  "name": source.account_name}, ("platform", "account_id"))
            previous = meta.get("previous") or {}
            self._upsert(connection, t.versions, {
                "package_id": meta["id"], **key, "version": meta["version"], "path": relative,
                "content_hash": meta["content_hash"]["value"], "created": meta["created"],
                "previous_id": previous.get("id"), "access": "restricted" if restricted else "open",
                "retain_until": lock.retain_until if lock else None,
                "retention_rule": lock.rule if lock else None, "retention_basis": lock.basis if lock else None,
                "permanent": bool(lock.permanent) if lock else True}, ("package_id",))
            indexed = connection.execute(select(t.thread_index.c.head_version).where(*_match(t.thread_index, key))
                                         ).scalar()
            retain = connection.execute(select(func.max(t.versions.c.retain_until), func.max(
                case((t.versions.c.permanent, 1), else_=0))).where(*_match(t.versions, key))).one()
            if indexed is not None and indexed > meta["version"]:
                connection.execute(update(t.thread_index).where(*_match(t.thread_index, key)).values(
                    retain_until=retain[0], permanent=bool(retain[1])))
                return
            held = connection.execute(select(t.thread_index.c.legal_hold).where(*_match(t.thread_index, key))
                                      ).scalar()
            self._upsert(connection, t.thread_index, {
                **key, "account_key": records.get("account_key", ""),
                "classification": records.get("classification", ""), "head_version": meta["version"],
                "created_at": thread.post.created_at, "comment_count": len(thread.comments),
                "restricted": restricted, "has_sensitive": bool(screening and screening.findings),
                "retain_until": retain[0], "permanent": bool(retain[1]),
                "legal_hold": bool(held) or bool(lock and lock.legal_hold)},
                ("platform", "account_id", "post_id"))
            self._replace_entries(connection, key, thread, restricted_entries)
            connection.execute(delete(t.findings).where(*_match(t.findings, key)))
            found = [{**key, "finding_id": finding.id, "entry_id": finding.entry_id, "category": finding.category,
                      "subtype": finding.subtype, "confidence": finding.confidence,
                      "verdict": decision.verdict if decision else None,
                      "decided_by": decision.by if decision else None, "decided_at": decision.at if decision else None,
                      "note": decision.note if decision else None}
                     for finding in (screening.findings if screening else ())
                     for decision in (finding.decision,)]
            if found:
                connection.execute(insert(t.findings), found)

    def _lock_thread(self, connection: Connection, key: Mapping[str, str]) -> None:
        """Serialise the index writers of one thread until the transaction ends: two workers indexing versions
        2 and 3 at once must not interleave their read of the head and their replacement of its entries.
        (SQLite has one writer at a time anyway.)"""
        if self.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                               {"key": "socialarkiv-thread:" + "/".join((key["platform"], key["account_id"],
                                                                         key["post_id"]))})

    def _replace_entries(self, connection: Connection, key: Mapping[str, str], thread: Thread,
                         restricted_entries: set[str]) -> None:
        if self.dialect == "sqlite":
            connection.execute(text("DELETE FROM entries_fts WHERE rowid IN (SELECT id FROM entries WHERE "
                                    "platform = :platform AND account_id = :account_id AND post_id = :post_id)"),
                               dict(key))
        connection.execute(delete(t.entries).where(*_match(t.entries, key)))
        listed: list[tuple[str, Post | Comment]] = [("post", thread.post), *(("comment", c) for c in thread.comments)]
        rows = [{**key, "entry_id": entry.id, "kind": kind, "author": entry.author.display_name,
                 "created_at": entry.created_at, "text": entry.text, "restricted": entry.id in restricted_entries}
                for kind, entry in listed]
        if not rows:
            return
        connection.execute(insert(t.entries), rows)
        if self.dialect == "sqlite":  # the stems come from socialarkiv_stems(), registered on every connection
            connection.execute(text(
                "INSERT INTO entries_fts(rowid, stems) SELECT id, socialarkiv_stems(text) FROM entries "
                "WHERE platform = :platform AND account_id = :account_id AND post_id = :post_id"), dict(key))
        elif self.dialect == "postgresql":
            connection.execute(text(
                "UPDATE entries SET tsv = to_tsvector('norwegian', text) || to_tsvector('danish', text) "
                "WHERE platform = :platform AND account_id = :account_id AND post_id = :post_id"), dict(key))

    # ------------------------------------------------------------------------------- holds and dispositions

    def hold(self, platform: str, account_id: str, post_id: str, at: str, by: str, reason: str) -> None:
        key = {"platform": platform, "account_id": account_id, "post_id": post_id}
        with self._connect() as connection, connection.begin():
            self._upsert(connection, t.holds, {**key, "held_at": at, "held_by": by, "reason": reason},
                         ("platform", "account_id", "post_id", "held_at"))
            connection.execute(update(t.thread_index).where(*_match(t.thread_index, key)).values(legal_hold=True))

    def release(self, platform: str, account_id: str, post_id: str, at: str, by: str, reason: str) -> None:
        key = {"platform": platform, "account_id": account_id, "post_id": post_id}
        with self._connect() as connection, connection.begin():
            connection.execute(update(t.holds).where(*_match(t.holds, key), t.holds.c.released_at.is_(None))
                               .values(released_at=at, released_by=by, release_reason=reason))
            connection.execute(update(t.thread_index).where(*_match(t.thread_index, key)).values(legal_hold=False))

    def active_hold(self, platform: str, account_id: str, post_id: str) -> bool:
        key = {"platform": platform, "account_id": account_id, "post_id": post_id}
        with self._connect() as connection:
            return connection.execute(select(func.count()).select_from(t.holds).where(
                *_match(t.holds, key), t.holds.c.released_at.is_(None))).scalar() > 0

    def disposed(self, platform: str, account_id: str, post_id: str, record: Mapping[str, Any]) -> None:
        key = {"platform": platform, "account_id": account_id, "post_id": post_id}
        with self._connect() as connection, connection.begin():
            self._upsert(connection, t.dispositions, {
                **key, "disposed_at": record["disposed_at"], "approved_by": record["approved_by"],
                "approved_at": record["approved_at"], "reason": record["reason"],
                "decision_ref": record["decision_ref"], "packages": json.dumps(record["packages"], sort_keys=True)},
                ("platform", "account_id", "post_id"))
            self._upsert(connection, t.accounts, {"platform": platform, "account_id": account_id,
                                                  "name": record["account_name"]}, ("platform", "account_id"))
            if self.dialect == "sqlite":
                connection.execute(text("DELETE FROM entries_fts WHERE rowid IN (SELECT id FROM entries WHERE "
                                        "platform = :platform AND account_id = :account_id AND post_id = "
                                        ":post_id)"), key)
            for table in (t.entries, t.findings, t.versions, t.thread_index):
                connection.execute(delete(table).where(*_match(table, key)))

    def due_for_disposition(self, now: str) -> list[dict[str, Any]]:
        """Threads whose every version's retention has passed, not permanent, not held (disposed threads have
        left the index)."""
        ti = t.thread_index
        query = (select(ti).where(ti.c.permanent.is_(False), ti.c.legal_hold.is_(False),
                                  ti.c.retain_until.is_not(None), ti.c.retain_until <= now)
                 .order_by(ti.c.platform, ti.c.account_id, ti.c.post_id))
        with self._connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def version_paths(self, platform: str, account_id: str, post_id: str) -> list[str]:
        key = {"platform": platform, "account_id": account_id, "post_id": post_id}
        with self._connect() as connection:
            return list(connection.execute(select(t.versions.c.path).where(*_match(t.versions, key))
                                           .order_by(t.versions.c.version)).scalars())

    def set_audit_head(self, segment: int, seq: int, digest: str) -> None:
        with self._connect() as connection, connection.begin():
            current = connection.execute(select(t.audit_head.c.seq).where(t.audit_head.c.id == 1)).scalar()
            if current is None:
                connection.execute(insert(t.audit_head).values(id=1, segment=segment, seq=seq, hash=digest))
            elif seq >= current:
                connection.execute(update(t.audit_head).where(t.audit_head.c.id == 1).values(
                    segment=segment, seq=seq, hash=digest))

    def record_run(self, summary: Mapping[str, Any], problems: int, report_path: str) -> None:
        """One row per run report (a rerun of the same run id replaces its row)."""
        row = {"run_id": summary["run_id"], "started_at": summary["started_at"], "ended_at": summary["ended_at"],
               "threads": summary["threads"], "packages_written": summary["packages_written"], "problems": problems,
               "report_path": report_path, "summary": json.dumps(summary, sort_keys=True, ensure_ascii=False)}
        with self._connect() as connection, connection.begin():
            self._upsert(connection, t.runs, row, ("run_id",))

    def runs(self, limit: int = 30) -> list[dict[str, Any]]:
        """The newest run reports, newest first: their summaries and where each report file is."""
        with self._connect() as connection:
            rows = connection.execute(select(t.runs).order_by(t.runs.c.ended_at.desc(), t.runs.c.run_id.desc())
                                      .limit(limit)).mappings().all()
        return [{**json.loads(row["summary"]), "problems": row["problems"], "report": row["report_path"]}
                for row in rows]

    def audit_head(self) -> tuple[int, int, str] | None:
        with self._connect() as connection:
            row = connection.execute(select(t.audit_head)).mappings().first()
        return (row["segment"], row["seq"], row["hash"]) if row else None

    # ------------------------------------------------------------------------------------------------ search

    def search(self, query: str | None = None, *, platform: str | None = None, account: str | None = None,
               since: str | None = None, until: str | None = None, sensitive: bool | None = None,
               classification: str | None = None, retention: str | None = None, now: str | None = None,
               show_restricted: bool = False, public_only: bool = False, limit: int = 50,
               offset: int = 0) -> list[SearchHit]:
        """Entries matching every query word (Norwegian or Danish stem) in threads matching every filter.
        ``retention``: "held", "permanent", "retained" (lock running), "due" (past, awaiting disposition;
        disposed threads are in ``dispositions``, no longer searchable). Restricted entries come without their
        text unless ``show_restricted``; with ``public_only`` they are not searched at all (a public reader must
        not learn that a restricted comment holds a word)."""
        e, ti = t.entries, t.thread_index
        columns = [ti.c.platform, ti.c.account_key, ti.c.account_id, ti.c.post_id, e.c.entry_id, e.c.kind,
                   e.c.created_at, e.c.restricted, e.c.text]
        statement = select(*columns).select_from(e.join(ti, and_(e.c.platform == ti.c.platform,
                                                                  e.c.account_id == ti.c.account_id,
                                                                  e.c.post_id == ti.c.post_id)))
        conditions: list[Any] = []
        params: dict[str, Any] = {}
        if query:
            if self.dialect == "sqlite":
                match = fts5_query(query)
                if match is None:
                    return []
                conditions.append(text("entries.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH :match)"))
                params["match"] = match
            else:
                tsquery = ("(websearch_to_tsquery('norwegian', :query) || websearch_to_tsquery('danish', :query))")
                conditions.append(text(f"entries.tsv @@ {tsquery}"))
                params["query"] = query
        if public_only:
            conditions.append(e.c.restricted.is_(False))
        if platform:
            conditions.append(ti.c.platform == platform)
        if account:
            conditions.append(ti.c.account_key == account)
        if since:
            conditions.append(e.c.created_at >= since)
        if until:
            conditions.append(e.c.created_at < until)
        if sensitive is not None:
            conditions.append(ti.c.has_sensitive.is_(sensitive))
        if classification:
            conditions.append(ti.c.classification == classification)
        if retention:
            conditions.append(_retention_condition(retention, now))
        # newest first: a page of hits is found without ranking every match (ix_entries_created)
        statement = (statement.where(*conditions).order_by(e.c.created_at.desc(), e.c.entry_id.desc())
                     .limit(limit).offset(offset))
        with self._connect() as connection:
            rows = connection.execute(statement, params).all()
        return [SearchHit(r.platform, r.account_key, r.account_id, r.post_id, r.entry_id, r.kind, r.created_at,
                          bool(r.restricted), r.text if (show_restricted or not r.restricted) else None)
                for r in rows]

    # --------------------------------------------------------------------------------------------- utilities

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every records table's rows in a stable order, without surrogate ids (to compare two catalogs). The
        run history (``runs``) is operational, not a record: a rebuild from the store leaves it empty."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        with self._connect() as connection:
            for table in t.metadata.sorted_tables:
                if table.name == t.runs.name:
                    continue
                columns = [c for c in table.columns if c.name != "id" or table.name == "audit_head"]
                rows = connection.execute(select(*columns)).all()
                out[table.name] = sorted((tuple(r) for r in rows), key=repr)
        return out

    def close(self) -> None:
        self.engine.dispose()

    def _upsert(self, connection: Connection, table: Any, values: Mapping[str, Any], keys: tuple[str, ...]) -> None:
        statement = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table).values(**values)
        connection.execute(statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={k: statement.excluded[k] for k in values if k not in keys}))

    def _connect(self) -> Any:
        try:
            return self.engine.connect()
        except SQLAlchemyError as exc:
            raise StorageError(f"the catalog at {_safe(self.url)} is unreachable: {exc.__class__.__name__}") from exc


def _match(table: Any, key: Mapping[str, str]) -> list[Any]:
    return [table.c[name] == value for name, value in key.items()]


def _retention_condition(state: str, now: str | None) -> Any:
    ti = t.thread_index
    if state == "held":
        return ti.c.legal_hold.is_(True)
    if state == "permanent":
        return ti.c.permanent.is_(True)
    if now is None:
        raise ValueError("retention states 'retained' and 'due' need the current time")
    live = ti.c.permanent.is_(False)
    if state == "retained":
        return and_(live, or_(ti.c.retain_until.is_(None), ti.c.retain_until > now))
    if state == "due":
        return and_(live, ti.c.legal_hold.is_(False), ti.c.retain_until <= now)
    raise ValueError(f"unknown retention state {state!r}; use held, permanent, retained or due")


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()
            connection.create_function("socialarkiv_stems", 1, stems, deterministic=True)

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
