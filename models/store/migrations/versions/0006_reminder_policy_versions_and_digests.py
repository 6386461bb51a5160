"""reminder policy versions and digests

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 05:36:55.144373
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.store.tables


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digestrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('made_at', models.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'label')
    )
    with op.batch_alter_table('digestrun', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digestrun_plan_id'), ['plan_id'], unique=False)

    op.create_table('reminderpolicy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('body', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'digest')
    )
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_obligation_policy_id", 'reminderpolicy', ['policy_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_constraint("fk_obligation_policy_id", type_='foreignkey')
        batch_op.drop_column('policy_id')

    op.drop_table('reminderpolicy')
    with op.batch_alter_table('digestrun', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digestrun_plan_id'))

    op.drop_table('digestrun')
