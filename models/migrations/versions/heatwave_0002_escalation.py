"""Heat-wave escalation: targets, cadence, widening (widened_from on recipients), the step log

Revision ID: heatwave_0002
Revises: heatwave_0001
Create Date: 2026-11-29 22:45:38.802331
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = 'heatwave_0002'
down_revision: str | Sequence[str] | None = 'heatwave_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert_escalations',
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('reask_hour', sa.Integer(), nullable=False),
    sa.Column('reask_every_hours', sa.Integer(), nullable=False),
    sa.Column('widen_after_minutes', sa.Integer(), nullable=False),
    sa.Column('set_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_reask_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reask_rounds', sa.Integer(), nullable=False),
    sa.Column('widened_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alert_id')
    )
    op.create_table('alert_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_steps_alert_id'), ['alert_id'], unique=False)

    with op.batch_alter_table('alert_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('widened_from', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('alert_recipients', schema=None) as batch_op:
        batch_op.drop_column('widened_from')

    with op.batch_alter_table('alert_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_steps_alert_id'))

    op.drop_table('alert_steps')
    op.drop_table('alert_escalations')
