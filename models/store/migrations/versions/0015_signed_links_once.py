"""a signed e-mail/SMS link signs in once: the session it opened names it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 00:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_signature', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_websession_link_signature', ['link_signature'])


def downgrade() -> None:
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.drop_constraint('uq_websession_link_signature', type_='unique')
        batch_op.drop_column('link_signature')
