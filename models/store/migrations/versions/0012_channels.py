"""channels: links, invitations and outbox rows carry a channel and an address

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 18:39:58.162514
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('chatlink', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                      server_default='telegram'))
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
        batch_op.alter_column('chat_id',
               existing_type=sa.BIGINT(),
               nullable=True)

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                      server_default='telegram'))
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                      server_default='telegram'))
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
        batch_op.alter_column('chat_id',
               existing_type=sa.BIGINT(),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('chat_id',
               existing_type=sa.BIGINT(),
               nullable=False)
        batch_op.drop_column('address')
        batch_op.drop_column('channel')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('address')
        batch_op.drop_column('channel')

    with op.batch_alter_table('chatlink', schema=None) as batch_op:
        batch_op.alter_column('chat_id',
               existing_type=sa.BIGINT(),
               nullable=False)
        batch_op.drop_column('address')
        batch_op.drop_column('channel')

