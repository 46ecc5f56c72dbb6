"""threads: head version, last capture and change signal per thread (the first catalog)

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("account_id", sa.String(512), primary_key=True),
        sa.Column("post_id", sa.String(512), primary_key=True),
        sa.Column("account_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(20)),
        sa.Column("activity", sa.String(200)),
        sa.Column("head_version", sa.Integer, nullable=False),
        sa.Column("head_path", sa.String(2000), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_captured_at", sa.String(20), nullable=False),
        sa.Column("last_captured_at", sa.String(20), nullable=False),
        sa.Column("last_changed_at", sa.String(20), nullable=False),
        sa.Column("gone_at", sa.String(20)),
    )


def downgrade() -> None:
    op.drop_table("threads")
