"""A contribution may come with a photo (its Telegram file_id: the file stays on Telegram's servers).

Revision ID: newsletter_0003
Revises: newsletter_0002
Create Date: 2026-11-30 02:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'newsletter_0003'
down_revision: str | Sequence[str] | None = 'newsletter_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('newsletter_contributions') as batch:
        batch.add_column(sa.Column('photo_file_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('newsletter_contributions') as batch:
        batch.drop_column('photo_file_id')
