"""Night: access needs from a short list; at most one leader row per team.

Revision ID: night_0002
Revises: night_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "night_0002"
down_revision = "night_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("night_registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_needs", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("night_assignments", schema=None) as batch_op:
        batch_op.create_index("uq_night_team_leader", ["sector_id"], unique=True,
                              sqlite_where=sa.text("role = 'leader'"), postgresql_where=sa.text("role = 'leader'"))


def downgrade() -> None:
    with op.batch_alter_table("night_assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_night_team_leader")
    with op.batch_alter_table("night_registrations", schema=None) as batch_op:
        batch_op.drop_column("access_needs")
