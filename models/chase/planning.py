"""What the chase would send, and when: reminders planned from each open obligation's
stages, combined per recipient and day (one message listing a commune's 15 tasks, not 15)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy import func
from sqlmodel import Session, select

from models.store.db import insert_for
from models.engine.lifecycle import ACTIVE
from models.engine.opening import schedule_of
from models.calendar.periods import period_words
from models.engine.policies import PolicyStore
from models.calendar.reminders import ReminderPolicy, Stage, blocked_checks, due_stages, in_window, stages, working_hours_between
from models.store.tables import ChatLink, Contact, Event, Obligation, Outbox, Plan, ReminderSent, Task, Unit
from models.calendar.workcal import VN, WorkingCalendar


@dataclass
class Planned:
    """One combined message on a day: to a unit, to a unit's head, or to the plan's coordinator
    (one a day for all units, as the chase sends it)."""
    day: dt.date
    to: str  # "unit", "head", "coordinator"
    unit: str  # the recipient unit's name (the coordinator's, for "coordinator")
    items: list[tuple[str, str, str, str]] = field(default_factory=list)  # (unit, task code, period, stage)


@dataclass
class Chased:
    """An open obligation of a plan and its stages under the policy it was opened with."""
    obligation: Obligation  # as a plain row of its columns: read, never changed (a run reads thousands)
    code: str
    unit: str  # the unit's name
    policy: ReminderPolicy
    stages: list[Stage]
    task: str = ""  # the task's text


def chased(session: Session, plan: Plan, calendar: WorkingCalendar, unit_id: str | None = None) -> Iterator[Chased]:
    fallback = schedule_of(plan).reminders
    store = PolicyStore(session, plan)
    query = (select(Obligation.__table__, Task.code.label("task_code"), Unit.name.label("unit_name"),
                    Task.text.label("task_text"))
             .join(Task, Task.id == Obligation.task_id).join(Unit, Unit.id == Obligation.unit_id)
             .where(Task.plan_id == plan.id, Obligation.status.in_([s.value for s in ACTIVE])))
    if unit_id:
        query = query.where(Obligation.unit_id == unit_id)
    known: dict[tuple, list[Stage]] = {}  # obligations opened together share their stages: work them out once
    blocked_at = _blocked_since(session, plan.id)
    for ob in session.connection().execute(query):
        code, unit, text = ob.task_code, ob.unit_name, ob.task_text
        policy = store.policy(ob.policy_id, fallback)
        if ob.status == "blocked" and ob.id in blocked_at:  # asked about the blocker, not told it is late
            yield Chased(ob, code, unit, policy, blocked_checks(blocked_at[ob.id], policy, calendar), text)
            continue
        key = (ob.opened_at, ob.due_at, ob.no_deadline, ob.policy_id)
        if key not in known:
            known[key] = stages(ob.opened_at, ob.due_at, ob.no_deadline, policy, calendar)
        yield Chased(ob, code, unit, policy, known[key], text)


def _blocked_since(session: Session, plan_id: str) -> dict[int, dt.datetime]:
    """When each blocked obligation of the plan was last reported blocked."""
    return dict(session.exec(select(Event.obligation_id, func.max(Event.at))
                             .join(Obligation, Obligation.id == Event.obligation_id)
                             .join(Task, Task.id == Obligation.task_id)
                             .where(Task.plan_id == plan_id, Obligation.status == "blocked", Event.kind == "blocked")
                             .group_by(Event.obligation_id)).all())


def preview(session: Session, plan_id: str, start: dt.date, end: dt.date, calendar: WorkingCalendar,
            unit_id: str | None = None) -> list[Planned]:
    """Every reminder the policies would send between start and end (inclusive), by day, whether
    or not anyone is linked yet: one message per unit, head and day, and one a day to the
    coordinator for all units."""
    plan = session.get(Plan, plan_id)
    coordinator = session.get(Unit, plan.coordinator_unit_id) if plan.coordinator_unit_id else None
    messages: dict[tuple, Planned] = {}
    for c in chased(session, plan, calendar, unit_id):
        for stage in c.stages:
            day = stage.at.astimezone(VN).date()
            if start <= day <= end:
                recipient = coordinator.name if stage.to == "coordinator" and coordinator else c.unit
                messages.setdefault((day, ORDER[stage.to], recipient), Planned(day, stage.to, recipient)).items.append(
                    (c.unit, c.code, c.obligation.period, stage.name))
    return [messages[k] for k in sorted(messages)]


ORDER = {"unit": 0, "head": 1, "coordinator": 2}  # a day's messages: units first, the coordinator's last


def preview_text(planned: list[Planned], limit: int = 10) -> str:
    """Per day: how many messages to whom, then up to `limit` of them (0: all), each with its count."""
    by_day: dict[dt.date, list[Planned]] = defaultdict(list)
    for message in planned:
        by_day[message.day].append(message)
    lines = []
    for day, messages in by_day.items():
        kinds = Counter(m.to for m in messages)
        split = ", ".join("1 to the coordinator" if to == "coordinator" else f"{n} to {to}{'s' if n > 1 else ''}"
                          for to in ORDER if (n := kinds[to]))
        lines.append(f"{day:%a %d/%m/%Y}: {len(messages)} message(s) ({split}), "
                     f"{sum(len(m.items) for m in messages)} item(s)")
        shown = messages if limit <= 0 else messages[:limit]
        lines += [f"  → {_message_line(m)}" for m in shown]
        if len(shown) < len(messages):
            lines.append(f"  … {len(messages) - len(shown)} more message(s) that day (--limit 0 shows all)")
    return "\n".join(lines)


def _message_line(m: Planned) -> str:
    if m.to == "coordinator":
        units = len({unit for unit, *_ in m.items})
        return f"{m.unit} [coordinator]: {len(m.items)} item(s) of {units} unit(s)"
    items = ", ".join(f"{code} {period_words(period, 'en')} {stage}" for _, code, period, stage in m.items[:6])
    more = f", … {len(m.items) - 6} more" if len(m.items) > 6 else ""
    return f"{m.unit}{' [head]' if m.to == 'head' else ''}: {len(m.items)} item(s): {items}{more}"


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
    """Put the reminders due now into the outbox: per person, one message for all its due
    stages, on that person's first live channel (Telegram, Zalo, e-mail, SMS, in that order),
    made by `queue` in the channel's words. A reminder nobody acted on within the policy's
    `fallback_after_hours` working hours, or whose channel died, goes again on the person's
    next channel. Only inside working hours; each (obligation, stage[, channel]) is planned
    once. Returns the outbox rows added."""
    plan = session.get(Plan, plan_id)
    sent = set(session.exec(select(ReminderSent.obligation_id, ReminderSent.stage)
                            .join(Obligation, Obligation.id == ReminderSent.obligation_id)
                            .join(Task, Task.id == Obligation.task_id).where(Task.plan_id == plan_id)))
    links = _Links(session, plan)
    per_link: dict[int, list[Item]] = defaultdict(list)
    working: dict[int, bool] = {}  # per policy (a plan has a few): is `now` inside its working hours?
    active: dict[int, Chased] = {}
    for c in chased(session, plan, calendar):
        if id(c.policy) not in working:
            working[id(c.policy)] = in_window(now, c.policy, calendar) == now.astimezone(VN)
        if not working[id(c.policy)]:
            continue  # quiet hours: the next run inside the window sends it
        active[c.obligation.id] = c
        for to, stage in due_stages(c.stages, now).items():
            if (c.obligation.id, stage.name) not in sent:
                for link in links.of(c.obligation.unit_id, to):
                    per_link[link.id].append(Item(c.obligation, c.code, c.unit, stage.name, c.task))
    for link_id, item in _fallbacks(session, plan_id, active, links, sent, now, calendar):
        per_link[link_id].append(item)
    added, planned = 0, {}
    for link_id, items in per_link.items():
        link = links.by_id[link_id]
        pairs = sorted((i.obligation.id, i.stage) for i in items)
        key = "chase:{}:{}".format(_recipient(link), hashlib.sha1(repr(pairs).encode()).hexdigest()[:16])
        added += queue(session, key, link, items)
        for obligation_id, stage in pairs:
            planned[(obligation_id, _sent_as(stage, link))] = key
    _record_sent(session, planned, now)
    return added


def _record_sent(session: Session, planned: dict[tuple[int, str], str], now: dt.datetime) -> None:
    """Each (obligation, stage) planned, with the outbox row it went in: one upsert for all
    (a stage planned again, on another channel, names its newest row)."""
    if not planned:
        return
    rows = [{"obligation_id": ob, "stage": stage, "outbox_key": key, "at": now} for (ob, stage), key in planned.items()]
    insert = insert_for(session)(ReminderSent)
    session.execute(insert.on_conflict_do_update(index_elements=["obligation_id", "stage"],
                                                 set_={"outbox_key": insert.excluded.outbox_key,
                                                       "at": insert.excluded.at}), rows)


CHANNELS = ("telegram", "zalo", "email", "sms")  # a person's channels are tried in this order


def _recipient(link: ChatLink) -> str:
    return str(link.chat_id) if link.channel == "telegram" else f"{link.channel}:{link.address}"


def _sent_as(stage: str, link: ChatLink) -> str:
    """A stage is recorded bare on the first channel it went to, and as "stage@channel" on the
    channels it fell back to."""
    return stage if "@" not in stage else f"{stage.split('@')[0]}@{link.channel}"


def _fallbacks(session: Session, plan_id: str, active: dict, links: "_Links", sent: set, now: dt.datetime,
               calendar: WorkingCalendar):
    """(link, item) for each reminder to pass to its person's next channel: nobody acted on its
    obligation since it went (or since it was queued, when it could not leave its channel),
    for the policy's hours, or it could not be delivered at all."""
    if not active:
        return
    latest: dict[tuple[int, str], tuple] = {}
    rows = session.exec(select(ReminderSent.obligation_id, ReminderSent.stage, ReminderSent.at, Outbox.state,
                               Outbox.sent_at, Outbox.created_at, Outbox.channel, Outbox.chat_id, Outbox.address)
                        .join(Outbox, Outbox.idempotency_key == ReminderSent.outbox_key)
                        .where(ReminderSent.obligation_id.in_(_open_of(plan_id))))
    for reminder in rows:  # plain rows: a run reads thousands
        if reminder.obligation_id not in active:
            continue  # outside its working hours now
        base = reminder.stage.split("@")[0]
        if (reminder.obligation_id, base) not in latest or reminder.at > latest[(reminder.obligation_id, base)].at:
            latest[(reminder.obligation_id, base)] = reminder
    acted = _last_action(session, plan_id)
    for (obligation_id, base), row in latest.items():
        c = active[obligation_id]
        went = row.sent_at or row.created_at
        undelivered = row.state == "failed"
        # pending all this while: the channel could not take it (Telegram unreachable, a token refused)
        waited = row.state in ("sent", "uncertain", "pending") and working_hours_between(
            went, now, c.policy, calendar) >= c.policy.fallback_after_hours
        if not (undelivered or waited) or acted.get(obligation_id, went) > went:
            continue
        following = links.next_after(row.channel, row.chat_id, row.address)
        if following is not None and (obligation_id, f"{base}@{following.channel}") not in sent:
            yield following.id, Item(c.obligation, c.code, c.unit, f"{base}@", c.task)


def _last_action(session: Session, plan_id: str) -> dict[int, dt.datetime]:
    """When someone last acted on each open obligation of the plan (a report, a request, a decision)."""
    return dict(session.exec(select(Event.obligation_id, func.max(Event.at))
                             .where(Event.obligation_id.in_(_open_of(plan_id))).group_by(Event.obligation_id)).all())


def _open_of(plan_id: str):
    """The ids of the plan's open obligations, as a subquery: a plan may have more than the
    32,766 values SQLite takes in one IN list."""
    return (select(Obligation.id).join(Task, Task.id == Obligation.task_id)
            .where(Task.plan_id == plan_id, Obligation.status.in_([s.value for s in ACTIVE])))


class _Links:
    """Live links of the plan's units by (unit, role), each person's in the order of their
    channels (as they chose them in the directory, else Telegram, Zalo, e-mail, SMS); loaded
    once per run."""

    def __init__(self, session: Session, plan: Plan):
        self.coordinator = plan.coordinator_unit_id
        self.by_unit_role: dict[tuple[str, str], list[ChatLink]] = defaultdict(list)
        self.by_id: dict[int, ChatLink] = {}
        self.by_recipient: dict[str, ChatLink] = {}
        self.chosen = {(unit_id, name): channels for unit_id, name, channels in session.exec(
            select(Contact.unit_id, Contact.name, Contact.channels).where(Contact.channels.is_not(None)))}
        for link in sorted(session.exec(select(ChatLink)), key=lambda link: (self.rank(link), link.id)):
            if link.active or _recipient(link) not in self.by_recipient:  # a dead link still names its person
                self.by_recipient[_recipient(link)] = link
            if link.active:
                self.by_unit_role[(link.unit_id, link.role)].append(link)
                self.by_id[link.id] = link

    def order(self, link: ChatLink) -> list[str]:
        """The person's channels, theirs first, then the rest in the default order."""
        chosen = self.chosen.get((link.unit_id, link.contact)) or []
        return chosen + [channel for channel in CHANNELS if channel not in chosen]

    def rank(self, link: ChatLink) -> int:
        order = self.order(link)
        return order.index(link.channel) if link.channel in order else len(order)

    def of(self, unit_id: str, to: str) -> list[ChatLink]:
        """The first live channel of each person the stage is for."""
        if to == "coordinator":
            links = self.by_unit_role[(self.coordinator, "coordinator")]
        else:
            links = self.by_unit_role[(unit_id, "head" if to == "head" else "assignee")]
        first: dict[str, ChatLink] = {}
        for link in links:
            first.setdefault(link.contact, link)
        return list(first.values())

    def next_after(self, channel: str, chat_id: int | None, address: str | None) -> ChatLink | None:
        """The same person's next live channel after the one a message went to (dead or not)."""
        went = self.by_recipient.get(str(chat_id) if channel == "telegram" else f"{channel}:{address}")
        if went is None:
            return None
        order = self.order(went)
        later = order[order.index(channel) + 1:] if channel in order else ()
        return next((link for link in self.by_unit_role[(went.unit_id, went.role)]
                     if link.contact == went.contact and link.channel in later), None)
