"""practice assignments' scores to the LMS and webhooks: a passback without a submission (a
practice assignment's score moved by practice), and subscriptions receive `practice.scored`

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lti_passbacks") as batch:
        batch.alter_column("submission_id", existing_type=sa.Integer(), nullable=True)
    op.execute(
        "UPDATE webhook_subscriptions SET events = 'submission.graded practice.scored' "
        "WHERE events = 'submission.graded'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE webhook_subscriptions SET events = 'submission.graded' "
        "WHERE events = 'submission.graded practice.scored'"
    )
    op.execute("DELETE FROM lti_passbacks WHERE submission_id IS NULL")
    with op.batch_alter_table("lti_passbacks") as batch:
        batch.alter_column("submission_id", existing_type=sa.Integer(), nullable=False)
