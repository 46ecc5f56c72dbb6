"""search: accounts, versions, retention, holds, findings, dispositions, the audit head, and full-text search
(FTS5 on SQLite; tsvector with norwegian and danish on PostgreSQL)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from archiver.catalog import tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW = ("accounts", "thread_index", "versions", "entries", "findings", "holds", "dispositions", "audit_head")


def upgrade() -> None:
    bind = op.get_bind()
    for name in NEW:
        tables.metadata.tables[name].create(bind)
    op.create_index("ix_thread_index_filters", "thread_index", ["platform", "account_key", "created_at"])
    op.create_index("ix_entries_thread", "entries", ["platform", "account_id", "post_id"])
    op.create_index("ix_versions_thread", "versions", ["platform", "account_id", "post_id"])
    if bind.dialect.name == "sqlite":
        # the stems of both languages, written by the catalog (archiver.catalog.search.stems)
        op.execute("CREATE VIRTUAL TABLE entries_fts USING fts5(stems, tokenize = 'unicode61 remove_diacritics 0')")
    elif bind.dialect.name == "postgresql":
        op.add_column("entries", sa.Column("tsv", postgresql.TSVECTOR))
        op.execute("CREATE INDEX ix_entries_tsv ON entries USING gin (tsv)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE entries_fts")
    for name in reversed(NEW):
        op.drop_table(name)
