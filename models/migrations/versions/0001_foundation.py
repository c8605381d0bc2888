"""foundation: users and conversation state

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22 15:54:41.005375
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0001_foundation'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('foundation',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fsm_state',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('arrondissement', sa.Integer(), nullable=True),
    sa.Column('postal_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('climate_volunteer', sa.Boolean(), nullable=False),
    sa.Column('solidarity_volunteer', sa.Boolean(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('is_coordinator', sa.Boolean(), nullable=False),
    sa.Column('consent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_up_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('blocked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_telegram_id'), ['telegram_id'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_telegram_id'))

    op.drop_table('users')
    op.drop_table('fsm_state')
