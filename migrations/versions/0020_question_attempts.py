"""extensions.question_attempts: extra attempts a student was given at one question of an
assignment (#24), question id -> attempts, on top of the extension's extra attempts at each

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("extensions") as batch:
        batch.add_column(sa.Column("question_attempts", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("extensions") as batch:
        batch.drop_column("question_attempts")
