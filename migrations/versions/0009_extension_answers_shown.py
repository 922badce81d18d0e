"""extensions.answers_shown: the correct answer had been shown when the extension was given
(it stays shown)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("extensions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answers_shown", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("extensions", schema=None) as batch_op:
        batch_op.drop_column("answers_shown")
