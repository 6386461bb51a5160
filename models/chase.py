"""What the chase would send, and when: reminders planned from each open obligation's
stages, combined per recipient and day (one message listing a commune's 15 tasks, not 15)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from sqlmodel import Session, select

from models import outbox
from models.lifecycle import ACTIVE
from models.opening import schedule_of
from models.reminders import due_stages, in_window, stages
from models.tables import ChatLink, Obligation, Plan, ReminderSent, Task, Unit
from models.workcal import VN, WorkingCalendar


@dataclass
class Planned:
    """One combined message: to a unit (or its head, or the coordinator), on a day."""
    day: dt.date
    to: str  # "unit", "head", "coordinator"
    unit: str
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (task code, period, stage)


def preview(session: Session, plan_id: str, start: dt.date, end: dt.date, calendar: WorkingCalendar,
            unit_id: str | None = None) -> list[Planned]:
    """Every reminder the plan's policy would send between start and end (inclusive), by day."""
    plan = session.get(Plan, plan_id)
    policy = schedule_of(plan).reminders
    query = (select(Obligation, Task.code, Unit.name).join(Task, Task.id == Obligation.task_id)
             .join(Unit, Unit.id == Obligation.unit_id)
             .where(Task.plan_id == plan_id, Obligation.status.in_([s.value for s in ACTIVE])))
    if unit_id:
        query = query.where(Obligation.unit_id == unit_id)
    messages: dict[tuple, Planned] = {}
    for ob, code, unit in session.exec(query):
        for stage in stages(ob.opened_at, ob.due_at, ob.no_deadline, policy, calendar):
            day = stage.at.astimezone(VN).date()
            if start <= day <= end:
                key = (day, stage.to, unit)
                messages.setdefault(key, Planned(day, stage.to, unit)).items.append((code, ob.period, stage.name))
    return [messages[k] for k in sorted(messages)]


def preview_text(planned: list[Planned]) -> str:
    by_day: dict[dt.date, list[Planned]] = defaultdict(list)
    for message in planned:
        by_day[message.day].append(message)
    lines = []
    for day, messages in by_day.items():
        lines.append(f"{day:%d/%m/%Y}: {len(messages)} message(s)")
        for m in messages:
            items = ", ".join(f"{code} {period} {stage}" for code, period, stage in m.items)
            lines.append(f"  → {m.unit}{'' if m.to == 'unit' else f' [{m.to}]'}: {items}")
    return "\n".join(lines)


# --- planning into the outbox ---------------------------------------------------------

@dataclass
class _Item:
    obligation: Obligation
    code: str
    stage: str


def plan_reminders(session: Session, plan_id: str, now: dt.datetime, calendar: WorkingCalendar,
                   render: Callable[[str, list[_Item]], tuple[str, dict | None]]) -> int:
    """Put the reminders due now into the outbox: per chat, one message for all its due
    stages. Only inside working hours; each (obligation, stage) is planned once. Returns
    the outbox rows added."""
    plan = session.get(Plan, plan_id)
    policy = schedule_of(plan).reminders
    if in_window(now, policy, calendar) != now.astimezone(VN):
        return 0  # quiet hours: the next run inside the window sends it
    sent = set(session.exec(select(ReminderSent.obligation_id, ReminderSent.stage)
                            .join(Obligation, Obligation.id == ReminderSent.obligation_id)
                            .join(Task, Task.id == Obligation.task_id).where(Task.plan_id == plan_id)))
    per_chat: dict[tuple[int, str], list[_Item]] = defaultdict(list)
    rows = session.exec(select(Obligation, Task.code).join(Task, Task.id == Obligation.task_id)
                        .where(Task.plan_id == plan_id, Obligation.status.in_([s.value for s in ACTIVE])))
    for ob, code in rows:
        for to, stage in due_stages(stages(ob.opened_at, ob.due_at, ob.no_deadline, policy, calendar), now).items():
            if (ob.id, stage.name) in sent:
                continue
            for link in _recipients(session, plan, ob, to):
                per_chat[(link.chat_id, link.lang)].append(_Item(ob, code, stage.name))
    added = 0
    for (chat_id, lang), items in per_chat.items():
        pairs = sorted((i.obligation.id, i.stage) for i in items)
        key = "chase:{}:{}".format(chat_id, hashlib.sha1(repr(pairs).encode()).hexdigest()[:16])
        text, markup = render(lang, items)
        added += outbox.enqueue(session, key, chat_id, text, reply_markup=markup, kind="reminder")
        for obligation_id, stage in pairs:
            session.merge(ReminderSent(obligation_id=obligation_id, stage=stage, outbox_key=key))
    return added


def _recipients(session: Session, plan: Plan, ob: Obligation, to: str) -> list[ChatLink]:
    unit, role = (plan.coordinator_unit_id, "coordinator") if to == "coordinator" else (ob.unit_id, None)
    query = select(ChatLink).where(ChatLink.unit_id == unit, ChatLink.active)
    if to == "head":
        query = query.where(ChatLink.role == "head")
    elif role:
        query = query.where(ChatLink.role == role)
    else:
        query = query.where(ChatLink.role == "assignee")
    return list(session.exec(query))
