"""newsletter subscriptions and issues

Revision ID: newsletter_0001
Revises:
Create Date: 2026-11-22 16:09:47.050822
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'newsletter_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('newsletter',)
# issues point at campaigns (delivery branch) and users (foundation)
depends_on: str | Sequence[str] | None = ('0001_foundation', 'delivery_0001')


def upgrade() -> None:
    op.create_table('newsletter_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('newsletter_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_subscriptions_active'), ['active'], unique=False)

    op.create_table('newsletter_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('title_fr', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body_fr', sa.Text(), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('allow_fallback', sa.Boolean(), nullable=False),
    sa.Column('send_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month')
    )
    with op.batch_alter_table('newsletter_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_issues_send_at'), ['send_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('newsletter_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_issues_send_at'))

    op.drop_table('newsletter_issues')
    with op.batch_alter_table('newsletter_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_subscriptions_active'))

    op.drop_table('newsletter_subscriptions')
