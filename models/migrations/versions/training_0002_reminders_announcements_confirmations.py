"""Reminders promised to each booking, announcement opt-out, day-before confirmation, feedback, .ics SEQUENCE.

Revision ID: training_0002
Revises: training_0001
Create Date: 2026-11-29 23:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'training_0002'
down_revision: str | Sequence[str] | None = 'training_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('trainings') as batch:
        batch.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('training_bookings') as batch:
        batch.add_column(sa.Column('confirmed_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('rating', sa.Integer(), nullable=True))
    op.create_table('training_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['training_bookings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('booking_id', 'kind', 'starts_at', name='uq_training_reminders_booking_kind_start')
    )
    op.create_index(op.f('ix_training_reminders_booking_id'), 'training_reminders', ['booking_id'], unique=False)
    op.create_index(op.f('ix_training_reminders_user_id'), 'training_reminders', ['user_id'], unique=False)
    op.create_table('training_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('announcements', sa.Boolean(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('training_settings')
    op.drop_index(op.f('ix_training_reminders_user_id'), table_name='training_reminders')
    op.drop_index(op.f('ix_training_reminders_booking_id'), table_name='training_reminders')
    op.drop_table('training_reminders')
    with op.batch_alter_table('training_bookings') as batch:
        batch.drop_column('rating')
        batch.drop_column('confirmed_at')
    with op.batch_alter_table('trainings') as batch:
        batch.drop_column('sequence')
