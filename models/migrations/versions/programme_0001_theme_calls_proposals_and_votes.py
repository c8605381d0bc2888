"""The programme: calls for ideas, their proposals and one vote per person.

Revision ID: programme_0001
Revises: 
Create Date: 2026-11-29 22:43:11.345616
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import models.base

revision: str = 'programme_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('programme',)
# users (foundation) and trainings (training): a call's winner becomes a training session
depends_on: str | Sequence[str] | None = ('0001_foundation', 'training_0001')


def upgrade() -> None:
    op.create_table('theme_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_fr', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('proposals_until', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('votes_until', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('winner_id', sa.Integer(), nullable=True),
    sa.Column('training_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("network IN ('climate', 'solidarity')", name='ck_theme_calls_network'),
    sa.CheckConstraint('proposals_until < votes_until', name='ck_theme_calls_order'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('theme_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_calls_status'), ['status'], unique=False)

    op.create_table('theme_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['theme_calls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('theme_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_theme_proposals_call_status', ['call_id', 'status'], unique=False)

    op.create_table('theme_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['theme_calls.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['theme_proposals.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'user_id', name='uq_theme_votes_one_per_person'),
    info={'erase': 'delete'}
    )


def downgrade() -> None:
    op.drop_table('theme_votes')
    with op.batch_alter_table('theme_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_theme_proposals_call_status')

    op.drop_table('theme_proposals')
    with op.batch_alter_table('theme_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_calls_status'))

    op.drop_table('theme_calls')
