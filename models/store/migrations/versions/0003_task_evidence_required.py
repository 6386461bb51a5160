"""task evidence required

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 04:06:11.938178
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        # Existing tasks need no evidence: the server default fills them in.
        batch_op.add_column(sa.Column('evidence_required', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('evidence_required')

