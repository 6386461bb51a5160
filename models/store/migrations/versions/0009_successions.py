"""successions: splits, dissolutions, and successors stated by another directory

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 16:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('successors_also', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('succession_share', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column('succession_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('succession_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.create_index('ix_unit_successor_on', ['successor_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_successor_on')
        batch_op.drop_column('succession_by')
        batch_op.drop_column('succession_note')
        batch_op.drop_column('succession_share')
        batch_op.drop_column('successors_also')
