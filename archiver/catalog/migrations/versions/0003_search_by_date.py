"""search by date: results come newest first, so the catalog can stop after a page of hits instead of ranking
every match (a common word matches hundreds of thousands of comments in a large archive)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_entries_created", "entries", ["created_at", "entry_id"])


def downgrade() -> None:
    op.drop_index("ix_entries_created", "entries")
