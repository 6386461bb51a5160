"""What the chase would send, and when: reminders planned from each open obligation's
stages, combined per recipient and day (one message listing a commune's 15 tasks, not 15)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, select

from models.lifecycle import ACTIVE
from models.opening import schedule_of
from models.reminders import stages
from models.tables import Obligation, Plan, Task, Unit
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
