"""Procurement: notices, SME consents, subscriptions, deliveries and digests

Revision ID: procurement_0001
Revises: (new branch "procurement", after 0001_foundation)
Create Date: 2026-11-22 16:17:30.726331
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'procurement_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('procurement',)
depends_on: str | Sequence[str] | None = '0001_foundation'


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('buyer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('cpv_codes', sa.JSON(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('amount', sa.Float(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('procedure', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('deadline', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('awarded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('winner', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('term_end', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('published_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('compiled', sa.JSON(), nullable=True),
    sa.Column('imported_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'source_id', name='uq_notices_source_id')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_published_at'), ['published_at'], unique=False)
        batch_op.create_index('ix_notices_term_end', ['kind', 'term_end'], unique=False)

    op.create_table('tender_consents',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('given_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id'),
    info={'erase': 'delete'}
    )
    op.create_table('tender_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('notice_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('tender_digests', schema=None) as batch_op:
        batch_op.create_index('ix_tender_digests_day', ['user_id', 'kind', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_digests_user_id'), ['user_id'], unique=False)

    op.create_table('tender_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cpv_prefixes', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('places', sa.JSON(), nullable=False),
    sa.Column('amount_min', sa.Float(), nullable=True),
    sa.Column('amount_max', sa.Float(), nullable=True),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('frequency', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('tender_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('notice_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('matched_as', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['digest_id'], ['tender_digests.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['tender_subscriptions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'notice_id', name='uq_notice_delivery'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_notice_deliveries_digest', ['digest_id', 'frequency'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_deliveries_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_deliveries_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_deliveries_user_id'))
        batch_op.drop_index(batch_op.f('ix_notice_deliveries_notice_id'))
        batch_op.drop_index('ix_notice_deliveries_digest')

    op.drop_table('notice_deliveries')
    with op.batch_alter_table('tender_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_subscriptions_user_id'))

    op.drop_table('tender_subscriptions')
    with op.batch_alter_table('tender_digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_digests_user_id'))
        batch_op.drop_index('ix_tender_digests_day')

    op.drop_table('tender_digests')
    op.drop_table('tender_consents')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_term_end')
        batch_op.drop_index(batch_op.f('ix_notices_published_at'))
        batch_op.drop_index(batch_op.f('ix_notices_kind'))

    op.drop_table('notices')
