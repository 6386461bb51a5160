"""telegram links invitations evidence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 04:00:57.003845
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.store.tables


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seenupdate',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('update_id')
    )
    op.create_table('chatlink',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('linked_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('unlinked_at', models.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('awaiting', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('chatlink', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chatlink_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chatlink_unit_id'), ['unit_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_chat', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('mime_type', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_obligation_id'), ['obligation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_obligation_id'))

    op.drop_table('evidence')
    op.drop_table('invitation')
    with op.batch_alter_table('chatlink', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chatlink_unit_id'))
        batch_op.drop_index(batch_op.f('ix_chatlink_chat_id'))

    op.drop_table('chatlink')
    op.drop_table('seenupdate')
