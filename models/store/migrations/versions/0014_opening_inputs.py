"""what an opening's insert depended on, to skip an identical re-run; a plan's leads version

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 00:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('openingrun', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inputs', sa.String(length=64), nullable=True))
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leads_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('leads_version')
    with op.batch_alter_table('openingrun', schema=None) as batch_op:
        batch_op.drop_column('inputs')
