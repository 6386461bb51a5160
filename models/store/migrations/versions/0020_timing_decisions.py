"""an admin's schedule (or tracking plan) for a task whose timing cell sets none

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 18:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.store.tables


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'timingdecision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.String(length=80), nullable=False),
        sa.Column('task_code', sa.String(length=20), nullable=False),
        sa.Column('timing', sa.JSON(), nullable=True),
        sa.Column('linked_plan', sa.String(length=80), nullable=True),
        sa.Column('by', sa.String(), nullable=False),
        sa.Column('at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('plan_id', 'task_code'))
    op.create_index('ix_timingdecision_plan_id', 'timingdecision', ['plan_id'])


def downgrade() -> None:
    op.drop_index('ix_timingdecision_plan_id', 'timingdecision')
    op.drop_table('timingdecision')
