"""a compound timing cell's further parts as tasks of their own (part_of), where a task's
report goes (report_to), and coordinating parties outside the directory kept as text (partners)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('part_of', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('report_to', sa.String(), nullable=True))
        batch.add_column(sa.Column('partners', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('task') as batch:
        batch.drop_column('partners')
        batch.drop_column('report_to')
        batch.drop_column('part_of')
