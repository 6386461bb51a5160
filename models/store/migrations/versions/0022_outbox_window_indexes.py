"""indexes for a claim's look at the last window of an outbox with years of history

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 21:50:00
"""
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbox_sending_at', 'outbox', ['sending_at'])
    op.create_index('ix_outbox_sent_at', 'outbox', ['sent_at'])


def downgrade() -> None:
    op.drop_index('ix_outbox_sent_at', table_name='outbox')
    op.drop_index('ix_outbox_sending_at', table_name='outbox')
