"""threads.unrecorded_from: a version being stored that the catalog has not recorded yet, so an unchanged
capture trusts the catalog's head version without listing the store unless a run stopped in between

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("unrecorded_from", sa.Integer, nullable=True))
    # catalogs from before this column never marked a version being stored: check each thread once
    op.execute("UPDATE threads SET unrecorded_from = 0")


def downgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("unrecorded_from")
