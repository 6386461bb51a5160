"""the provider's own id of a sent message, to match its delivery report; when its text was
removed after the retention period

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 00:10:00
"""
from alembic import op
import sqlalchemy as sa

import models.store.tables


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_outbox_provider_id', ['provider_id'])
        batch_op.add_column(sa.Column('emptied_at', models.store.tables.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('emptied_at')
        batch_op.drop_index('ix_outbox_provider_id')
        batch_op.drop_column('provider_id')
