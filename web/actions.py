"""What a signed-in person can do from the web: the same lifecycle functions as the bot,
named for the person and "web" in the audit trail; whoever must hear of it is told through
the outbox (delivered by `dondoc serve` or the deliver flow)."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from models.chase import notices
from models.calendar.days import context_deadline, parse_day
from models.common.texts import day_text
from models.engine import lifecycle
from models.engine.lifecycle import DomainError
from models.store.tables import Event, Evidence, Obligation, Task
from models.access.weblogin import Viewer

ASSIGNEE_ACTIONS = ("done", "progress", "blocked", "extension")
COORDINATOR_ACTIONS = ("approve", "deny", "postpone", "resume", "note")


class Forbidden(Exception):
    """Not this person's to do."""


class Refused(Exception):
    """Allowed, but not possible as asked: the message says why (a key of web.words, or a rule's words)."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


def act(session: Session, viewer: Viewer, ob: Obligation, action: str, form: dict[str, str]) -> None:
    """Do one action on one obligation, or raise Forbidden / Refused having changed nothing."""
    task = session.get(Task, ob.task_id)
    if action in COORDINATOR_ACTIONS and viewer.may_decide(task.plan_id):
        _decide(session, viewer, ob, task, action, form)
    elif action in ASSIGNEE_ACTIONS and viewer.role == "assignee" and viewer.unit_id == ob.unit_id:
        _report(session, viewer, ob, task, action, form)
    else:
        session.add(Event(kind="refused", actor=viewer.actor, obligation_id=ob.id,
                          note=f"web action {action!r} by a {viewer.role} not allowed on it"))
        raise Forbidden(action)


def _text(form: dict[str, str], name: str, required: bool = True) -> str | None:
    value = (form.get(name) or "").strip()  # the lifecycle refuses one over its limit, naming it
    if required and not value:
        raise Refused("reason_needed")
    return value or None


def _checked(change, *args, **kwargs):
    try:
        return change(*args, **kwargs)
    except DomainError as exc:
        raise Refused("not_allowed_now", reason=exc) from None  # in words when shown, in the reader's language


def _decide(session, viewer, ob, task, action, form) -> None:
    note = _text(form, "note", required=action == "note")
    if action == "approve":
        _checked(lifecycle.approve_extension, session, ob, viewer.actor, note)
        return notices.to_assignees(session, ob, task, "ext_approved")
    if action == "deny":
        _checked(lifecycle.deny_extension, session, ob, viewer.actor, note)
        return notices.to_assignees(session, ob, task, "ext_denied")
    if action == "postpone":
        _checked(lifecycle.postpone, session, ob, viewer.actor, note)
        return notices.to_assignees(session, ob, task, "ob_postponed")
    if action == "resume":
        _checked(lifecycle.resume, session, ob, viewer.actor, note)
        return notices.to_assignees(session, ob, task, "ob_resumed")
    _checked(lifecycle.add_note, session, ob, viewer.actor, note)
    return notices.to_assignees(session, ob, task, "ob_note", note=note)


def _report(session, viewer, ob, task, action, form) -> None:
    if action == "done":
        if task.evidence_required and not session.exec(select(Evidence.id).where(Evidence.obligation_id == ob.id)).first():
            raise Refused("evidence_first")
        _checked(lifecycle.mark_done, session, ob, viewer.actor, note=_text(form, "note", required=False))
        return
    if action == "progress":
        percent = re.fullmatch(r"\s*(\d{1,3})\s*%?\s*", form.get("percent") or "")
        if percent is None or int(percent.group(1)) > 100:
            raise Refused("bad_percent")
        value = (form.get("value") or "").strip().replace(",", ".")
        _checked(lifecycle.report_progress, session, ob, int(percent.group(1)), viewer.actor,
                 note=_text(form, "note", required=False),
                 value=float(value) if re.fullmatch(r"\d+(\.\d+)?", value) else None)
        return
    if action == "blocked":
        reason = _text(form, "reason")
        _checked(lifecycle.mark_blocked, session, ob, reason, viewer.actor)
        return notices.blocked(session, ob, task, reason)
    day = parse_day(form.get("until") or "", ob.due_at.date()) if ob.due_at else None
    if day is None:
        raise Refused("bad_date")
    old, reason = day_text(ob.due_at), _text(form, "reason")
    _checked(lifecycle.request_extension, session, ob, context_deadline(day), reason, viewer.actor)
    return notices.extension_request(session, ob, task, old, reason)
