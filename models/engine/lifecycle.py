"""An obligation's life: open → progress → done, or blocked, or an extension asked,
approved or denied, postponed by the coordinator, cancelled when the plan drops it.

Every change is one call here, and writes an audit event (who, from where, when,
before and after) in the caller's transaction. History is never rewritten: a
transition that makes no sense raises DomainError and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlmodel import Session, select

from models.common.text import plain_text
from models.store.tables import Event, Obligation, utcnow


class Status(StrEnum):
    open = "open"
    blocked = "blocked"
    extension_requested = "extension_requested"
    done = "done"
    postponed = "postponed"
    cancelled = "cancelled"


ACTIVE = {Status.open, Status.blocked, Status.extension_requested}  # being worked on: chased
NOT_CLOSED = ACTIVE | {Status.postponed}


class DomainError(Exception):
    """A change the rules do not allow; nothing was written. `key` and `values` say it in
    people's words (models.common.texts.refusal_text); str() is the English for logs and the CLI."""

    def __init__(self, key: str, english: str, **values):
        super().__init__(english)
        self.key, self.values = key, values


_SNAPSHOT = ("status", "unit_id", "due_at", "progress", "value", "requested_due_at", "done_at", "note")


def _snapshot(ob: Obligation) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.datetime) else value
    return {field: plain(getattr(ob, field)) for field in _SNAPSHOT}


def load_for_update(session: Session, obligation_id: int) -> Obligation:
    """The obligation, locked against concurrent changes until the transaction ends."""
    ob = session.exec(select(Obligation).where(Obligation.id == obligation_id).with_for_update()).first()
    if ob is None:
        raise DomainError("err_no_obligation", f"no obligation {obligation_id}", id=obligation_id)
    return ob


MAX_TEXT = 1000  # a reason or a note, as typed: what a coordinator reads on a phone


def _bounded(text: str | None) -> None:
    if text is not None and len(text) > MAX_TEXT:
        raise DomainError("err_too_long", f"the text is {len(text):,} characters; at most {MAX_TEXT:,}",
                          length=len(text), most=MAX_TEXT)


def _change(session: Session, ob: Obligation, action: str, actor: str, allowed: set[Status],
            why: str | None = None, **fields: Any) -> Obligation:
    """Check the transition is allowed, apply the field changes, write the event. Text typed by
    people (a note, a reason) is kept as `plain_text`: no control characters, NUL or bidi overrides."""
    why = plain_text(why) if why is not None else None
    fields = {k: plain_text(v) if isinstance(v, str) and not isinstance(v, Status) else v for k, v in fields.items()}
    _bounded(why)
    if ob.status not in allowed:
        raise DomainError("err_not_now", f"cannot {action.replace('_', ' ')}: obligation {ob.id} is {ob.status}",
                          action=action, status=str(ob.status))
    before = _snapshot(ob)
    was = {"was_status": ob.status, "was_unit_id": ob.unit_id, "was_due_at": ob.due_at, "was_done_at": ob.done_at}
    for field, value in fields.items():
        setattr(ob, field, value)
    session.add(ob)
    session.add(Event(kind=action, actor=actor, obligation_id=ob.id, before=before, after=_snapshot(ob), note=why,
                      **was))
    return ob


def report_progress(session: Session, ob: Obligation, percent: int, actor: str, note: str | None = None,
                    value: float | None = None) -> Obligation:
    """Progress in percent, and for a measured task the value reached so far."""
    if not 0 <= percent <= 100:
        raise DomainError("err_progress", f"progress must be 0-100 %, got {percent}", percent=percent)
    status = Status.open if ob.status == Status.blocked else ob.status  # reporting progress unblocks
    fields = {"progress": percent, "status": status} | ({"value": value} if value is not None else {})
    return _change(session, ob, "progress", actor, ACTIVE, note, **fields)


def mark_done(session: Session, ob: Obligation, actor: str, at: dt.datetime | None = None,
              note: str | None = None) -> Obligation:
    return _change(session, ob, "done", actor, ACTIVE, note, status=Status.done, done_at=at or utcnow(),
                   requested_due_at=None)


def mark_blocked(session: Session, ob: Obligation, reason: str, actor: str) -> Obligation:
    return _change(session, ob, "blocked", actor, {Status.open}, reason, status=Status.blocked, note=reason)


def request_extension(session: Session, ob: Obligation, until: dt.datetime, reason: str, actor: str) -> Obligation:
    if ob.no_deadline:
        raise DomainError("err_no_deadline", f"obligation {ob.id} has no deadline to extend")
    if ob.due_at and until <= ob.due_at:
        raise DomainError("err_not_later", f"the new deadline {until:%d/%m/%Y} is not after the current one "
                          f"{ob.due_at:%d/%m/%Y}", new=until, current=ob.due_at)
    return _change(session, ob, "extension_requested", actor, {Status.open, Status.blocked}, reason,
                   status=Status.extension_requested, requested_due_at=until, note=reason)


def approve_extension(session: Session, ob: Obligation, actor: str, note: str | None = None) -> Obligation:
    """The deadline moves; original_due_at keeps the first one."""
    return _change(session, ob, "extension_approved", actor, {Status.extension_requested}, note,
                   status=Status.open, due_at=ob.requested_due_at, requested_due_at=None)


def deny_extension(session: Session, ob: Obligation, actor: str, note: str | None = None) -> Obligation:
    return _change(session, ob, "extension_denied", actor, {Status.extension_requested}, note,
                   status=Status.open, requested_due_at=None)


def set_due(session: Session, ob: Obligation, until: dt.datetime, actor: str, note: str | None = None) -> Obligation:
    """The coordinator gives a new deadline (to a blocked task, say); a pending request for
    one is settled by it. A blocked task stays blocked until its unit reports."""
    if ob.no_deadline:
        raise DomainError("err_no_deadline", f"obligation {ob.id} has no deadline to move")
    status = Status.open if ob.status == Status.extension_requested else ob.status
    return _change(session, ob, "due_set", actor, ACTIVE, note, due_at=until, status=status, requested_due_at=None)


def postpone(session: Session, ob: Obligation, actor: str, note: str | None = None) -> Obligation:
    return _change(session, ob, "postponed", actor, ACTIVE, note, status=Status.postponed, requested_due_at=None)


def resume(session: Session, ob: Obligation, actor: str, note: str | None = None) -> Obligation:
    return _change(session, ob, "resumed", actor, {Status.postponed}, note, status=Status.open)


def cancel(session: Session, ob: Obligation, actor: str, note: str | None = None) -> Obligation:
    return _change(session, ob, "cancelled", actor, NOT_CLOSED, note, status=Status.cancelled,
                   requested_due_at=None)


def reassign(session: Session, ob: Obligation, unit_id: str, actor: str, note: str | None = None) -> Obligation:
    return _change(session, ob, "reassigned", actor, NOT_CLOSED, note, unit_id=unit_id)


def add_note(session: Session, ob: Obligation, actor: str, note: str) -> Obligation:
    """A coordinator's note on the record; the obligation itself does not change."""
    note = plain_text(note).strip()
    if not note:
        raise DomainError("err_empty_note", "a note needs some text")
    _bounded(note)
    session.add(Event(kind="note", actor=actor, obligation_id=ob.id, note=note))
    return ob
