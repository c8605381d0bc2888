"""Heat-wave alerts: alerts, covered arrondissements (one open alert each), recipients, answers and history

Revision ID: heatwave_0001
Revises:
Create Date: 2026-11-22 16:09:29.114539
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'heatwave_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('heatwave',)
depends_on: str | Sequence[str] | None = ('0001_foundation', 'delivery_0001')  # users, campaigns


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('networks', sa.JSON(), nullable=False),
    sa.Column('note_fr', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('note_en', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('remind_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('live_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('live_message_id', sa.Integer(), nullable=True),
    sa.Column('live_locale', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('live_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_status'), ['status'], unique=False)

    op.create_table('alert_answer_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('people_checked', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert_answer_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_answer_events_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_answer_events_user_id'), ['user_id'], unique=False)

    op.create_table('alert_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('people_checked', sa.Integer(), nullable=True),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'user_id', name='uq_alert_answer')
    )
    with op.batch_alter_table('alert_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_answers_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_answers_user_id'), ['user_id'], unique=False)

    op.create_table('alert_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('arrondissement', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'arrondissement', name='uq_alert_area')
    )
    with op.batch_alter_table('alert_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_areas_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index('uq_alert_area_open', ['arrondissement'], unique=True, sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))

    op.create_table('alert_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('arrondissement', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'user_id', name='uq_alert_recipient')
    )
    with op.batch_alter_table('alert_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_recipients_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_recipients_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_recipients_user_id'))
        batch_op.drop_index(batch_op.f('ix_alert_recipients_alert_id'))

    op.drop_table('alert_recipients')
    with op.batch_alter_table('alert_areas', schema=None) as batch_op:
        batch_op.drop_index('uq_alert_area_open', sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
        batch_op.drop_index(batch_op.f('ix_alert_areas_alert_id'))

    op.drop_table('alert_areas')
    with op.batch_alter_table('alert_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_answers_user_id'))
        batch_op.drop_index(batch_op.f('ix_alert_answers_alert_id'))

    op.drop_table('alert_answers')
    with op.batch_alter_table('alert_answer_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_answer_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_alert_answer_events_alert_id'))

    op.drop_table('alert_answer_events')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_status'))

    op.drop_table('alerts')
