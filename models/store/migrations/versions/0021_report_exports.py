"""report files made in the background for the dashboard

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 19:00:00
"""
from alembic import op
import sqlalchemy as sa

import models.store.tables


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reportexport',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.String(length=80), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('fmt', sa.String(length=8), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=True),
        sa.Column('rows', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(length=40), nullable=True),
        sa.Column('runner', sa.String(length=120), nullable=True),
        sa.Column('requested_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', models.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', models.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['session_id'], ['websession.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_reportexport_session_id', 'reportexport', ['session_id'])
    op.create_index('ix_reportexport_requested_at', 'reportexport', ['requested_at'])


def downgrade() -> None:
    op.drop_index('ix_reportexport_requested_at', 'reportexport')
    op.drop_index('ix_reportexport_session_id', 'reportexport')
    op.drop_table('reportexport')
