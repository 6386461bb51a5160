"""outbox delivery states

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:19:15.576627
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.store.tables


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('chatlink', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dead_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False,
                                      server_default='message'))
        batch_op.add_column(sa.Column('sending_at', models.store.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index('ix_outbox_chat_sending', ['chat_id', 'sending_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_chat_sending')
        batch_op.drop_index(batch_op.f('ix_outbox_chat_id'))
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('sending_at')
        batch_op.drop_column('kind')

    with op.batch_alter_table('chatlink', schema=None) as batch_op:
        batch_op.drop_column('dead_reason')

