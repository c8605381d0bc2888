"""received updates: the webhook workers' update store (dedup by update_id, crash recovery)

Revision ID: scale_0001
Revises:
Create Date: 2026-11-22 16:09:59.011716
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'scale_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('scale',)
depends_on: str | Sequence[str] | None = '0001_foundation'


def upgrade() -> None:
    op.create_table(
        'received_updates',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('payload', sa.JSON(), nullable=True),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('lease_until', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('handled_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('update_id'),
    )
    op.create_index('ix_received_updates_due', 'received_updates', ['status', 'lease_until'])


def downgrade() -> None:
    op.drop_index('ix_received_updates_due', table_name='received_updates')
    op.drop_table('received_updates')
