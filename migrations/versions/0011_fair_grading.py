"""Fair grading: exercise_versions.cost_ms (estimated grading cost of one submission),
submissions.lease_until (a claim's lease, renewed by its live worker) and submissions.solo
(claimed alone after a batch it was in was abandoned)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exercise_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_ms", sa.Float(), nullable=True))
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("solo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("solo")
        batch_op.drop_column("lease_until")
    with op.batch_alter_table("exercise_versions", schema=None) as batch_op:
        batch_op.drop_column("cost_ms")
