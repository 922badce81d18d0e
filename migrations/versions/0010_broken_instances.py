"""broken_instances: students' seeds an exercise version cannot be built for (shown to
instructors, answered from the record instead of rebuilt)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from grader.db.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broken_instances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_version_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("params", sa.String(length=1000), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_version_id"],
            ["exercise_versions.id"],
            name=op.f("fk_broken_instances_exercise_version_id_exercise_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broken_instances")),
        sa.UniqueConstraint(
            "exercise_version_id", "seed", name=op.f("uq_broken_instances_exercise_version_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("broken_instances")
