"""newsletter contributions

Revision ID: newsletter_0002
Revises: newsletter_0001
Create Date: 2026-11-29 23:08:58.962056
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'newsletter_0002'
down_revision: str | Sequence[str] | None = 'newsletter_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('newsletter_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('credit', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('reviewed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('newsletter_contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_contributions_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_newsletter_contributions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_newsletter_contributions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('newsletter_contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_contributions_user_id'))
        batch_op.drop_index(batch_op.f('ix_newsletter_contributions_status'))
        batch_op.drop_index(batch_op.f('ix_newsletter_contributions_month'))

    op.drop_table('newsletter_contributions')
