"""metric_counts: the embedded pool's histograms for /metrics

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_counts",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", "bucket"),
    )


def downgrade() -> None:
    op.drop_table("metric_counts")
