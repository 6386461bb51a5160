"""reminders sent

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 05:14:47.094723
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.store.tables


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('remindersent',
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('outbox_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], ),
    sa.PrimaryKeyConstraint('obligation_id', 'stage')
    )


def downgrade() -> None:
    op.drop_table('remindersent')
