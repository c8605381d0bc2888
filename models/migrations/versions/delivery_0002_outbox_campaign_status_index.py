"""outbox: index (campaign_id, status) replaces (campaign_id)

The sender asks after every batch of outcomes whether a campaign has rows left to send; with an index on
campaign_id alone that read every row of the campaign. The new index also serves campaign_id lookups
(foreign key, progress), so the single-column one goes.

Revision ID: delivery_0002
Revises: delivery_0001
Create Date: 2026-11-22 17:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'delivery_0002'
down_revision: str | Sequence[str] | None = 'delivery_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_campaign_status', ['campaign_id', 'status'], unique=False)
        batch_op.drop_index('ix_outbox_campaign_id')


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_campaign_id', ['campaign_id'], unique=False)
        batch_op.drop_index('ix_outbox_campaign_status')
