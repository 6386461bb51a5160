"""What the chase would send, and when: reminders planned from each open obligation's
stages, combined per recipient and day (one message listing a commune's 15 tasks, not 15)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlmodel import Session, select

from models.lifecycle import ACTIVE
from models.opening import schedule_of
from models.policies import PolicyStore
from models.reminders import ReminderPolicy, Stage, due_stages, in_window, stages
from models.tables import ChatLink, Obligation, Plan, ReminderSent, Task, Unit
from models.workcal import VN, WorkingCalendar


@dataclass
class Planned:
    """One combined message: to a unit (or its head, or the coordinator), on a day."""
    day: dt.date
    to: str  # "unit", "head", "coordinator"
    unit: str
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (task code, period, stage)


@dataclass
class Chased:
    """An open obligation of a plan and its stages under the policy it was opened with."""
    obligation: Obligation
    code: str
    unit: str  # the unit's name
    policy: ReminderPolicy
    stages: list[Stage]
    task: str = ""  # the task's text


def chased(session: Session, plan: Plan, calendar: WorkingCalendar, unit_id: str | None = None) -> Iterator[Chased]:
    fallback = schedule_of(plan).reminders
    store = PolicyStore(session, plan)
    query = (select(Obligation, Task.code, Unit.name, Task.text).join(Task, Task.id == Obligation.task_id)
             .join(Unit, Unit.id == Obligation.unit_id)
             .where(Task.plan_id == plan.id, Obligation.status.in_([s.value for s in ACTIVE])))
    if unit_id:
        query = query.where(Obligation.unit_id == unit_id)
    known: dict[tuple, list[Stage]] = {}  # obligations opened together share their stages: work them out once
    for ob, code, unit, text in session.exec(query):
        policy = store.policy(ob.policy_id, fallback)
        key = (ob.opened_at, ob.due_at, ob.no_deadline, ob.policy_id)
        if key not in known:
            known[key] = stages(ob.opened_at, ob.due_at, ob.no_deadline, policy, calendar)
        yield Chased(ob, code, unit, policy, known[key], text)


def preview(session: Session, plan_id: str, start: dt.date, end: dt.date, calendar: WorkingCalendar,
            unit_id: str | None = None) -> list[Planned]:
    """Every reminder the policies would send between start and end (inclusive), by day."""
    messages: dict[tuple, Planned] = {}
    for c in chased(session, session.get(Plan, plan_id), calendar, unit_id):
        for stage in c.stages:
            day = stage.at.astimezone(VN).date()
            if start <= day <= end:
                key = (day, stage.to, c.unit)
                messages.setdefault(key, Planned(day, stage.to, c.unit)).items.append(
                    (c.code, c.obligation.period, stage.name))
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
class Item:
    """One obligation's stage in a combined reminder."""
    obligation: Obligation
    code: str
    unit: str
    stage: str
    task: str = ""  # the task's text


def plan_reminders(session: Session, plan_id: str, now: dt.datetime, calendar: WorkingCalendar,
                   queue: Callable[[Session, str, ChatLink, list[Item]], int]) -> int:
    """Put the reminders due now into the outbox: per person's link (a Telegram chat, an
    e-mail address), one message for all its due stages, made by `queue` in the link's
    channel. Only inside the working hours of each obligation's policy; each (obligation,
    stage) is planned once. Returns the outbox rows added."""
    plan = session.get(Plan, plan_id)
    sent = set(session.exec(select(ReminderSent.obligation_id, ReminderSent.stage)
                            .join(Obligation, Obligation.id == ReminderSent.obligation_id)
                            .join(Task, Task.id == Obligation.task_id).where(Task.plan_id == plan_id)))
    links = _Links(session, plan)
    per_link: dict[int, list[Item]] = defaultdict(list)
    working: dict[int, bool] = {}  # per policy (a plan has a few): is `now` inside its working hours?
    for c in chased(session, plan, calendar):
        if id(c.policy) not in working:
            working[id(c.policy)] = in_window(now, c.policy, calendar) == now.astimezone(VN)
        if not working[id(c.policy)]:
            continue  # quiet hours: the next run inside the window sends it
        for to, stage in due_stages(c.stages, now).items():
            if (c.obligation.id, stage.name) not in sent:
                for link in links.of(c.obligation.unit_id, to):
                    per_link[link.id].append(Item(c.obligation, c.code, c.unit, stage.name, c.task))
    added = 0
    for link_id, items in per_link.items():
        link = links.by_id[link_id]
        pairs = sorted((i.obligation.id, i.stage) for i in items)
        recipient = link.chat_id if link.channel == "telegram" else f"{link.channel}:{link.address}"
        key = "chase:{}:{}".format(recipient, hashlib.sha1(repr(pairs).encode()).hexdigest()[:16])
        added += queue(session, key, link, items)
        for obligation_id, stage in pairs:
            session.merge(ReminderSent(obligation_id=obligation_id, stage=stage, outbox_key=key))
    return added


class _Links:
    """Active chat links of the plan's units, by (unit, role), loaded once per run."""

    def __init__(self, session: Session, plan: Plan):
        self.coordinator = plan.coordinator_unit_id
        self.by_unit_role: dict[tuple[str, str], list[ChatLink]] = defaultdict(list)
        self.by_id: dict[int, ChatLink] = {}
        for link in session.exec(select(ChatLink).where(ChatLink.active)):
            self.by_unit_role[(link.unit_id, link.role)].append(link)
            self.by_id[link.id] = link

    def of(self, unit_id: str, to: str) -> list[ChatLink]:
        if to == "coordinator":
            return self.by_unit_role[(self.coordinator, "coordinator")]
        return self.by_unit_role[(unit_id, "head" if to == "head" else "assignee")]
