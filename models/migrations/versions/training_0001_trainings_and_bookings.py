"""Trainings and their bookings (seats, wait list, attendance), with the anti-overbooking constraints.

Revision ID: training_0001
Revises: (new branch 'training', after 0001_foundation)
Create Date: 2026-11-22 16:10:38.325544
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'training_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('training',)
depends_on: str | Sequence[str] | None = '0001_foundation'


def upgrade() -> None:
    op.create_table('trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('for_climate', sa.Boolean(), nullable=False),
    sa.Column('for_solidarity', sa.Boolean(), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title_fr', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description_fr', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('description_en', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('online_url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked_count', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('request_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('booked_count <= capacity', name='ck_trainings_not_overbooked'),
    sa.CheckConstraint('booked_count >= 0', name='ck_trainings_booked_not_negative'),
    sa.CheckConstraint('capacity >= 1', name='ck_trainings_capacity_positive'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_key')
    )
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.create_index('ix_trainings_status_starts_at', ['status', 'starts_at'], unique=False)

    op.create_table('training_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('training_id', 'user_id', name='uq_training_bookings_training_user')
    )
    with op.batch_alter_table('training_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_training_bookings_queue', ['training_id', 'status', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_bookings_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_bookings_user_id'))
        batch_op.drop_index('ix_training_bookings_queue')

    op.drop_table('training_bookings')
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_index('ix_trainings_status_starts_at')

    op.drop_table('trainings')
