"""assignments with many questions: assignment_questions (exercises and pool slots), exam
settings and starts, accommodations; every existing assignment becomes a one-question
assignment (question id = assignment id) keeping its submissions, extensions, overrides, LTI
links and webhook history

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from grader.db.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assignment_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_no", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("exercise_version_id", sa.Integer(), nullable=True),
        sa.Column("pool", JSON, nullable=True),
        sa.Column("choose", sa.Integer(), nullable=False),
        sa.Column("points", sa.Float(), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("variants", sa.String(length=20), server_default="same", nullable=False),
        sa.Column("seed_key", sa.String(length=32), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_questions_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exercise_version_id"],
            ["exercise_versions.id"],
            name=op.f("fk_assignment_questions_exercise_version_id_exercise_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_questions")),
    )
    op.create_index(
        "ix_assignment_questions_assignment_position",
        "assignment_questions",
        ["assignment_id", "position"],
    )
    # every assignment becomes its own first (and only) question, with the same id
    op.execute(
        "INSERT INTO assignment_questions (id, assignment_id, position, group_no, slot,"
        " exercise_version_id, choose, variants, seed_key)"
        " SELECT id, id, 0, 0, 0, exercise_version_id, 1, 'same', '' FROM assignments"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('assignment_questions', 'id'),"
            " COALESCE((SELECT MAX(id) FROM assignment_questions), 0) + 1, false)"
        )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="homework", nullable=False)
        )
        batch_op.add_column(sa.Column("closes_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("time_limit_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("exam_feedback", sa.String(length=8), server_default="full", nullable=False)
        )
        batch_op.add_column(
            sa.Column("shuffle", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_constraint(
            "fk_assignments_exercise_version_id_exercise_versions", type_="foreignkey"
        )
        batch_op.drop_column("exercise_version_id")

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("variant", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE submissions SET question_id = assignment_id")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.alter_column("question_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_submissions_question_id_assignment_questions"),
            "assignment_questions",
            ["question_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint("uq_submissions_assignment_id", type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_submissions_question_id"), ["question_id", "student_id", "attempt"]
        )
        batch_op.create_index(
            "ix_submissions_assignment_student", ["assignment_id", "student_id"], unique=False
        )

    for table in ("extensions", "memberships"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("time_factor", sa.Float(), nullable=True))
            batch_op.add_column(sa.Column("extra_minutes", sa.Integer(), nullable=True))

    op.create_table(
        "exam_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_exam_starts_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_exam_starts_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_starts")),
        sa.UniqueConstraint(
            "assignment_id", "student_id", name=op.f("uq_exam_starts_assignment_id")
        ),
    )


def downgrade() -> None:
    """Back to one exercise per assignment: refused while any assignment has several
    questions or a pool (that work has no place in the older schema)."""
    bind = op.get_bind()
    several = bind.execute(
        sa.text(
            "SELECT COUNT(*) FROM assignment_questions"
            " WHERE exercise_version_id IS NULL OR position > 0"
        )
    ).scalar()
    if several:
        raise RuntimeError(
            "cannot downgrade below 0014: some assignments have several questions or a pool"
        )
    op.drop_table("exam_starts")
    for table in ("memberships", "extensions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("extra_minutes")
            batch_op.drop_column("time_factor")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_assignment_student")
        batch_op.drop_constraint("uq_submissions_question_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_submissions_assignment_id", ["assignment_id", "student_id", "attempt"]
        )
        batch_op.drop_constraint(
            "fk_submissions_question_id_assignment_questions", type_="foreignkey"
        )
        batch_op.drop_column("variant")
        batch_op.drop_column("question_id")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exercise_version_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE assignments SET exercise_version_id = (SELECT q.exercise_version_id FROM"
        " assignment_questions q WHERE q.assignment_id = assignments.id AND q.position = 0)"
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.alter_column("exercise_version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_assignments_exercise_version_id_exercise_versions",
            "exercise_versions",
            ["exercise_version_id"],
            ["id"],
        )
        batch_op.drop_column("shuffle")
        batch_op.drop_column("exam_feedback")
        batch_op.drop_column("time_limit_minutes")
        batch_op.drop_column("closes_at")
        batch_op.drop_column("kind")
        batch_op.drop_column("title")
    op.drop_index("ix_assignment_questions_assignment_position", table_name="assignment_questions")
    op.drop_table("assignment_questions")
