"""threads.capture_fingerprint: what the last capture of the head version saw, so an unchanged capture is
recognised without reading the head version back from the store

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("capture_fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("capture_fingerprint")
