"""The solidarity chain: associations' missions and the volunteers signed up to them.

Revision ID: missions_0001
Revises:
Create Date: 2026-11-30 02:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'missions_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('missions',)
depends_on: str | Sequence[str] | None = ('0001_foundation',)


def upgrade() -> None:
    op.create_table('missions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('arrondissement', sa.Integer(), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('booked_count', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('arrondissement BETWEEN 1 AND 20', name='ck_missions_arrondissement'),
    sa.CheckConstraint('booked_count <= seats', name='ck_missions_not_overbooked'),
    sa.CheckConstraint('booked_count >= 0', name='ck_missions_booked_not_negative'),
    sa.CheckConstraint('seats >= 1', name='ck_missions_seats_positive'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_missions_status_starts_at', 'missions', ['status', 'starts_at'], unique=False)
    op.create_table('mission_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reminded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mission_id'], ['missions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mission_id', 'user_id', name='uq_mission_signups_mission_user')
    )
    op.create_index(op.f('ix_mission_signups_mission_id'), 'mission_signups', ['mission_id'], unique=False)
    op.create_index(op.f('ix_mission_signups_user_id'), 'mission_signups', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mission_signups_user_id'), table_name='mission_signups')
    op.drop_index(op.f('ix_mission_signups_mission_id'), table_name='mission_signups')
    op.drop_table('mission_signups')
    op.drop_index('ix_missions_status_starts_at', table_name='missions')
    op.drop_table('missions')
