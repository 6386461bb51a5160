"""event state before: what an obligation was before each change, typed, for reports as of a past day

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 16:10:00
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa
import sqlmodel

from models.store.tables import UTCDateTime


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The kinds of event models.engine.lifecycle writes with a snapshot of the obligation before and after.
SNAPSHOT_KINDS = ("progress", "done", "blocked", "extension_requested", "extension_approved", "extension_denied",
                  "postponed", "resumed", "cancelled", "reassigned")


def _time(text):
    return dt.datetime.fromisoformat(text) if text else None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('was_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
        batch_op.add_column(sa.Column('was_unit_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column('was_due_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('was_done_at', UTCDateTime(), nullable=True))
        batch_op.create_index('ix_event_obligation_at', ['obligation_id', 'at'], unique=False)
        batch_op.create_index('ix_event_kind_plan', ['kind', 'plan_id'], unique=False)
    event = sa.table('event', sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('before', sa.JSON),
                     sa.column('was_status', sa.String), sa.column('was_unit_id', sa.String),
                     sa.column('was_due_at', UTCDateTime()), sa.column('was_done_at', UTCDateTime()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(event.c.id, event.c.before).where(event.c.kind.in_(SNAPSHOT_KINDS),
                                                                          event.c.before.is_not(None))).all()
    for event_id, before in rows:
        connection.execute(event.update().where(event.c.id == event_id).values(
            was_status=before.get("status"), was_unit_id=before.get("unit_id"),
            was_due_at=_time(before.get("due_at")), was_done_at=_time(before.get("done_at"))))


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_kind_plan')
        batch_op.drop_index('ix_event_obligation_at')
        batch_op.drop_column('was_done_at')
        batch_op.drop_column('was_due_at')
        batch_op.drop_column('was_unit_id')
        batch_op.drop_column('was_status')
