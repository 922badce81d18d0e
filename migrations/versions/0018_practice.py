"""practice: generated items served to students, mastery per student and skill, the evidence
behind it, and practice assignments (kind "practice" with target skills and level)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from grader.db.models import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "practice_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("chosen", sa.String(length=64), nullable=True),
        sa.Column("reason", JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("answers", JSON, nullable=True),
        sa.Column("results", JSON, nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_practice_items_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_practice_items_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_items")),
    )
    op.create_index(
        "ix_practice_items_student_course", "practice_items", ["student_id", "course_id", "id"]
    )
    op.create_table(
        "skill_mastery",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=64), nullable=False),
        sa.Column("estimate", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_skill_mastery_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_skill_mastery_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "student_id", "skill", name=op.f("pk_skill_mastery")),
    )
    op.create_table(
        "skill_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=64), nullable=False),
        sa.Column("observation", sa.String(length=16), nullable=False),
        sa.Column("diagnosis", sa.String(length=64), nullable=True),
        sa.Column("practice_item_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_skill_events_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_skill_events_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practice_item_id"],
            ["practice_items.id"],
            name=op.f("fk_skill_events_practice_item_id_practice_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_skill_events_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_events")),
    )
    op.create_index(
        "ix_skill_events_student_course", "skill_events", ["student_id", "course_id", "id"]
    )
    op.create_index("ix_skill_events_course_created", "skill_events", ["course_id", "created_at"])
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("target_skills", JSON, nullable=True))
        batch.add_column(sa.Column("target_level", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("target_level")
        batch.drop_column("target_skills")
    op.drop_index("ix_skill_events_course_created", table_name="skill_events")
    op.drop_index("ix_skill_events_student_course", table_name="skill_events")
    op.drop_table("skill_events")
    op.drop_table("skill_mastery")
    op.drop_index("ix_practice_items_student_course", table_name="practice_items")
    op.drop_table("practice_items")
