"""assignments.show_answers (never / after_due / after_last_attempt / always) replaces hide_answers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("show_answers", sa.String(length=24), server_default="always", nullable=False)
        )
    # hidden until the due date was the only other choice
    op.execute("UPDATE assignments SET show_answers = 'after_due' WHERE hide_answers")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("hide_answers")


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hide_answers", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE assignments SET hide_answers = (show_answers <> 'always')")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("show_answers")
