"""The catalog's tables (SQLAlchemy Core). Migrations in ``migrations/`` create and evolve them; the
search index is backend-specific: an FTS5 table ``entries_fts`` on SQLite, a ``tsv`` column with a GIN index
on PostgreSQL (``norwegian`` and ``danish`` text search configurations)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, MetaData, String, Table, Text

__all__ = ["accounts", "audit_head", "dispositions", "entries", "findings", "holds", "metadata", "thread_index",
           "threads", "versions"]

metadata = MetaData()

# per thread: what scheduling needs (written on every capture, monotone merge)
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
    Column("capture_fingerprint", String(64)),  # the head's last capture (pipeline.capture_fingerprint)
    # the store may hold versions from this one on that this row does not record yet: set before a version is
    # stored, cleared when a version at least as high is recorded; 0 (``catalog recheck``): check the store
    Column("unrecorded_from", Integer),
)

accounts = Table(
    "accounts", metadata,
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(512), primary_key=True),
    Column("name", String(500), nullable=False),
)

# per thread: what search filters need (written when a version is stored, and by holds and dispositions)
thread_index = Table(
    "thread_index", metadata,
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(512), primary_key=True),
    Column("post_id", String(512), primary_key=True),
    Column("account_key", String(64), nullable=False),
    Column("classification", String(200), nullable=False),
    Column("head_version", Integer, nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("comment_count", Integer, nullable=False),
    Column("restricted", Boolean, nullable=False),
    Column("has_sensitive", Boolean, nullable=False),
    Column("retain_until", String(20)),
    Column("permanent", Boolean, nullable=False),
    Column("legal_hold", Boolean, nullable=False),
)

versions = Table(
    "versions", metadata,
    Column("package_id", String(600), primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("account_id", String(512), nullable=False),
    Column("post_id", String(512), nullable=False),
    Column("version", Integer, nullable=False),
    Column("path", String(2000), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created", String(20), nullable=False),
    Column("previous_id", String(600)),
    Column("access", String(20), nullable=False),
    Column("retain_until", String(20)),
    Column("retention_rule", String(200)),
    Column("retention_basis", Text),
    Column("permanent", Boolean, nullable=False),
)

# the head version's post and comments, for full-text search
entries = Table(
    "entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False, index=True),
    Column("account_id", String(512), nullable=False),
    Column("post_id", String(512), nullable=False),
    Column("entry_id", String(512), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("author", String(500)),
    Column("created_at", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("restricted", Boolean, nullable=False),
)

findings = Table(
    "findings", metadata,
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(512), primary_key=True),
    Column("post_id", String(512), primary_key=True),
    Column("finding_id", String(600), primary_key=True),
    Column("entry_id", String(512), nullable=False),
    Column("category", String(40), nullable=False),
    Column("subtype", String(40)),
    Column("confidence", Float, nullable=False),
    Column("verdict", String(20)),
    Column("decided_by", String(200)),
    Column("decided_at", String(20)),
    Column("note", Text),
)

holds = Table(
    "holds", metadata,
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(512), primary_key=True),
    Column("post_id", String(512), primary_key=True),
    Column("held_at", String(20), primary_key=True),
    Column("held_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("released_at", String(20)),
    Column("released_by", String(200)),
    Column("release_reason", Text),
)

dispositions = Table(
    "dispositions", metadata,
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(512), primary_key=True),
    Column("post_id", String(512), primary_key=True),
    Column("disposed_at", String(20), nullable=False),
    Column("approved_by", String(200), nullable=False),
    Column("approved_at", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decision_ref", String(500), nullable=False),
    Column("packages", Text, nullable=False),
)

audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("segment", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("run_id", String(300), primary_key=True),
    Column("started_at", String(20), nullable=False),
    Column("ended_at", String(20), nullable=False, index=True),
    Column("threads", Integer, nullable=False),
    Column("packages_written", Integer, nullable=False),
    Column("problems", Integer, nullable=False),
    Column("report_path", Text, nullable=False),
    Column("summary", Text, nullable=False),   # the report's summary as JSON: counts, changes, gaps, findings
)
