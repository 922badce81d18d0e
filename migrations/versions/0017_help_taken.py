"""help taken: hints revealed and steps opened per student, question and part (#26), and an
assignment's follow-through share

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from grader.db.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_taken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.String(length=64), nullable=False),
        sa.Column("hints", sa.Integer(), server_default="0", nullable=False),
        sa.Column("steps", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_help_taken_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["assignment_questions.id"],
            name=op.f("fk_help_taken_question_id_assignment_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_help_taken_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_taken")),
        sa.UniqueConstraint(
            "question_id", "student_id", "part_id", name=op.f("uq_help_taken_question_id")
        ),
    )
    op.create_index(
        op.f("ix_help_taken_assignment_id"), "help_taken", ["assignment_id"], unique=False
    )
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("follow_through", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("follow_through")
    op.drop_index(op.f("ix_help_taken_assignment_id"), table_name="help_taken")
    op.drop_table("help_taken")
