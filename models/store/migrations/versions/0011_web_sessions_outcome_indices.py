"""web sign-in and sessions, outcome indices, the index an area serves

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 17:53:05.079867
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.store.tables


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outcomeindex',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('directory_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('dimension', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('scale', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('rank_of', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('directory_id', 'name', 'dimension', 'year')
    )
    with op.batch_alter_table('outcomeindex', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcomeindex_directory_id'), ['directory_id'], unique=False)

    op.create_table('weblogin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('issued_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('websession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serves', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_column('serves')

    op.drop_table('websession')
    op.drop_table('weblogin')
    with op.batch_alter_table('outcomeindex', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomeindex_directory_id'))

    op.drop_table('outcomeindex')
