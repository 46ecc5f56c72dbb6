"""runs: one row per run report (threads captured, new versions, failures, gaps, findings, rate-limit waits)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(300), primary_key=True),
        sa.Column("started_at", sa.String(20), nullable=False),
        sa.Column("ended_at", sa.String(20), nullable=False),
        sa.Column("threads", sa.Integer, nullable=False),
        sa.Column("packages_written", sa.Integer, nullable=False),
        sa.Column("problems", sa.Integer, nullable=False),
        sa.Column("report_path", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_index("ix_runs_ended_at", "runs", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_ended_at", "runs")
    op.drop_table("runs")
