"""Obligations as they stood at a past instant, rebuilt from the audit trail.

Every lifecycle change writes an event holding the obligation's status, unit, deadline and
done time just before it (`Event.was_*`). The state at an instant is therefore the current
row, unless something changed after that instant: then it is the state before the first
such change. Work done by then counts as done even when recorded later (done_at is when it was done).
One LEFT JOIN in SQL, so a national count as of last year costs about what a
count of today does: an extension approved in November does not make a task that was
overdue in October look on time, nor a unit's obligation moved in July look like its
successor's in June.
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import select

from models.store.tables import Event, Obligation, utcnow

_REBUILT = ("status", "unit_id", "due_at", "done_at")
# An instant this close to now is the present: a page or a report made "now" took its `at` a
# moment before querying, and rebuilding that moment from the audit trail costs 5-10 times
# the plain read (a change within the last seconds shows, as it would a moment later).
PRESENT = dt.timedelta(seconds=30)


def obligations_at(at: dt.datetime):
    """`Obligation` itself for the present; for a past instant, an alias of it whose status,
    unit, deadline in force and done time are those of that instant."""
    if at >= utcnow() - PRESENT:
        return Obligation
    first_change = (select(Event.obligation_id, func.min(Event.id).label("event_id"))
                    .where(Event.at > at, Event.was_status.is_not(None))
                    .group_by(Event.obligation_id).subquery("first_change"))
    change = aliased(Event, name="change")
    table = Obligation.__table__.c

    def then(name: str):
        return case((change.id.is_(None), table[name]), else_=getattr(change, f"was_{name}")).label(name)

    # Work done by `at` counts as done then, even if it was recorded later: done_at is when the
    # work was done. Deadlines, units and the other statuses are as the record stood.
    done_by_then = (table.status == "done") & (table.done_at <= at)
    status = case((done_by_then, table.status), else_=then("status")).label("status")
    done_at = case((done_by_then, table.done_at), else_=then("done_at")).label("done_at")

    kept = [column for column in table if column.key not in _REBUILT]
    state = (select(*kept, status, then("unit_id"), then("due_at"), done_at)
             .outerjoin(first_change, first_change.c.obligation_id == table.id)
             .outerjoin(change, change.id == first_change.c.event_id)
             .subquery("obligation_at"))
    return aliased(Obligation, state, name="obligation_at", adapt_on_names=True)  # the rebuilt columns by name


def built_once(build):
    """`build(ob, *shape)` → a statement over `ob` (the obligations as they stand, or an as-of
    alias), its values left as named parameters. Over the present table it is built once per
    shape and run with each call's values: building a count's CASE of a dozen comparisons costs
    a third of what SQLite takes to run it on a province's plan. An as-of alias holds its instant,
    so its statement is built each time."""
    present = functools.cache(lambda *shape: build(Obligation, *shape))

    @functools.wraps(build)
    def statement(ob, *shape):
        return present(*shape) if ob is Obligation else build(ob, *shape)
    return statement


def fields_at(session, obligation_ids: list[int], at: dt.datetime) -> dict[int, dict]:
    """The other fields people change (progress, value, note, requested deadline) as they stood
    at a past instant, for the obligations changed since: the snapshot kept before the first
    change after it. An obligation missing from the answer stood as it stands now."""
    if at >= utcnow() - PRESENT or not obligation_ids:
        return {}
    found: dict[int, dict] = {}
    for start in range(0, len(obligation_ids), 5000):
        chunk = obligation_ids[start:start + 5000]
        events = session.exec(select(Event.obligation_id, Event.before).where(
            Event.obligation_id.in_(chunk), Event.at > at, Event.was_status.is_not(None)).order_by(Event.id))
        for obligation_id, before in events:
            found.setdefault(obligation_id, before or {})
    return found


def as_it_stood(current, snapshot: dict, name: str):
    """A field as it stood: from the snapshot when it holds the field, else the current value."""
    if name not in snapshot:
        return getattr(current, name)
    value = snapshot[name]
    return dt.datetime.fromisoformat(value) if name.endswith("_at") and isinstance(value, str) else value
