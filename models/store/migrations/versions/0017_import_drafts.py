"""plans uploaded on the dashboard for review, and the corrections people made

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 00:20:00
"""
from alembic import op
import sqlalchemy as sa

import models.store.tables


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'importdraft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_by', sa.String(), nullable=False),
        sa.Column('created_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column('plan', sa.JSON(), nullable=True),
        sa.Column('notes', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'importcorrection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('task_id', sa.String(length=80), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.Column('by', sa.String(), nullable=False),
        sa.Column('at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_name', 'task_id', 'field'))


def downgrade() -> None:
    op.drop_table('importcorrection')
    op.drop_table('importdraft')
