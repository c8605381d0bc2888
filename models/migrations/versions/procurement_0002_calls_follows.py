"""procurement: notice details, status and backfill flag; followed notices

Revision ID: procurement_0002
Revises: procurement_0001
Create Date: 2026-11-30 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = 'procurement_0002'
down_revision: str | Sequence[str] | None = 'procurement_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notices') as batch:
        batch.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='active'))
        batch.add_column(sa.Column('backfill', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('notice_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('reminded', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'notice_id', name='uq_notice_follow')
    )
    op.create_index(op.f('ix_notice_follows_notice_id'), 'notice_follows', ['notice_id'], unique=False)
    op.create_index(op.f('ix_notice_follows_user_id'), 'notice_follows', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notice_follows_user_id'), table_name='notice_follows')
    op.drop_index(op.f('ix_notice_follows_notice_id'), table_name='notice_follows')
    op.drop_table('notice_follows')
    with op.batch_alter_table('notices') as batch:
        batch.drop_column('backfill')
        batch.drop_column('status')
        batch.drop_column('details')
