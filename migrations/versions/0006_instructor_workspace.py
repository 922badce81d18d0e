"""instructor workspace: users.display_name, archived courses, best/last scores, preview submissions, earlier
grades kept by a regrade, extensions and score overrides

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from grader.db.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")




def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("score_policy", sa.String(length=8), server_default="best", nullable=False)
        )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preview", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "earlier_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("exercise_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("results", JSON, nullable=True),
        sa.Column("graded_at", UTCDateTime(), nullable=True),
        sa.Column("replaced_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_version_id"],
            ["exercise_versions.id"],
            name=op.f("fk_earlier_grades_exercise_version_id_exercise_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_earlier_grades_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earlier_grades")),
    )
    op.create_index(
        op.f("ix_earlier_grades_submission_id"), "earlier_grades", ["submission_id"], unique=False
    )
    for table, columns in (
        (
            "extensions",
            [
                sa.Column("due_at", UTCDateTime(), nullable=True),
                sa.Column("extra_attempts", sa.Integer(), nullable=False),
            ],
        ),
        (
            "score_overrides",
            [
                sa.Column("score", sa.Float(), nullable=False),
                sa.Column("reason", sa.Text(), nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("assignment_id", sa.Integer(), nullable=False),
            sa.Column("student_id", sa.Integer(), nullable=False),
            *columns,
            sa.Column("created_by", sa.Integer(), nullable=True),
            sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                ["assignment_id"],
                ["assignments.id"],
                name=op.f(f"fk_{table}_assignment_id_assignments"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["created_by"],
                ["users.id"],
                name=op.f(f"fk_{table}_created_by_users"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["student_id"],
                ["users.id"],
                name=op.f(f"fk_{table}_student_id_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(
                "assignment_id", "student_id", name=op.f(f"uq_{table}_assignment_id")
            ),
        )


def downgrade() -> None:
    op.drop_table("score_overrides")
    op.drop_table("extensions")
    op.drop_index(op.f("ix_earlier_grades_submission_id"), table_name="earlier_grades")
    op.drop_table("earlier_grades")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("preview")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("score_policy")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("display_name")
