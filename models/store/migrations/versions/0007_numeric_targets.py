"""numeric targets

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 07:28:33.227340
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value', sa.Float(), nullable=True))

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('target')

    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_column('value')

