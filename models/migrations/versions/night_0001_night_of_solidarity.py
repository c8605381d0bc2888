"""Night of Solidarity: editions, leaders, sectors, registrations, assignments (with presence).

Revision ID: night_0001
Revises: (new branch "night", depends on 0001_foundation)
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import models.base

revision: str = 'night_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('night',)
depends_on: str | Sequence[str] | None = '0001_foundation'


def upgrade() -> None:
    op.create_table('night_editions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('night_date', sa.Date(), nullable=False),
    sa.Column('registration_deadline', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('formed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('night_leaders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['edition_id'], ['night_editions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('edition_id', 'code', name='uq_night_leader_code'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('night_leaders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_leaders_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_night_leaders_user_id'), ['user_id'], unique=False)

    op.create_table('night_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('arrondissements', sa.JSON(), nullable=False),
    sa.Column('first_time', sa.Boolean(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('group_code', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('can_lead', sa.Boolean(), nullable=False),
    sa.Column('access_constraint', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('withdrawn_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('feedback', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['night_editions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('edition_id', 'user_id', name='uq_night_registration'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('night_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_registrations_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_night_registrations_group_code'), ['group_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_night_registrations_user_id'), ['user_id'], unique=False)

    op.create_table('night_sectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('arrondissement', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('meeting_point', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('meeting_address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('meeting_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('min_volunteers', sa.Integer(), nullable=False),
    sa.Column('max_volunteers', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['edition_id'], ['night_editions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['night_leaders.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('edition_id', 'code', name='uq_night_sector_code')
    )
    with op.batch_alter_table('night_sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_sectors_edition_id'), ['edition_id'], unique=False)

    op.create_table('night_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('notified_sector_id', sa.Integer(), nullable=True),
    sa.Column('present_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['edition_id'], ['night_editions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sector_id'], ['night_sectors.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('edition_id', 'user_id', name='uq_night_assignment'),
    info={'erase': 'delete'}
    )
    with op.batch_alter_table('night_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_assignments_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_night_assignments_sector_id'), ['sector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_night_assignments_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('night_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_night_assignments_user_id'))
        batch_op.drop_index(batch_op.f('ix_night_assignments_sector_id'))
        batch_op.drop_index(batch_op.f('ix_night_assignments_edition_id'))

    op.drop_table('night_assignments')
    with op.batch_alter_table('night_sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_night_sectors_edition_id'))

    op.drop_table('night_sectors')
    with op.batch_alter_table('night_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_night_registrations_user_id'))
        batch_op.drop_index(batch_op.f('ix_night_registrations_group_code'))
        batch_op.drop_index(batch_op.f('ix_night_registrations_edition_id'))

    op.drop_table('night_registrations')
    with op.batch_alter_table('night_leaders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_night_leaders_user_id'))
        batch_op.drop_index(batch_op.f('ix_night_leaders_edition_id'))

    op.drop_table('night_leaders')
    op.drop_table('night_editions')
