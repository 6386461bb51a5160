"""Opening obligations: one per (task, lead unit, period), classes already expanded.

Opening is idempotent by a database unique key (task, unit, period) and an insert
that skips existing rows, never by checking first: two openings at once, on
PostgreSQL or SQLite, still create each obligation once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models.periods import MONTHS, Basis, Period, parse_period, period_containing
from models.plan import DueRule, ScheduleSpec, TaskSchedule
from models.tables import Assignment, Event, Obligation, Plan, Task, Unit, utcnow
from models.timing import TimingKind
from models.workcal import WorkingCalendar


class OpeningError(Exception):
    """The request cannot be met (unknown plan, task or period); nothing was opened."""


@dataclass(frozen=True)
class Opening:
    """What one task opens for one period: its id, deadline and whether it is a check-in."""
    task: Task
    period: str
    starts_on: dt.date
    due_at: dt.datetime | None
    no_deadline: bool = False


def schedule_of(plan: Plan) -> ScheduleSpec:
    return ScheduleSpec.model_validate(plan.schedule or {})


def _due_rule(task: Task, schedule: ScheduleSpec) -> DueRule:
    own = TaskSchedule.model_validate(task.schedule or {})
    return own.due or schedule.due


def period_deadline(period: Period, task: Task, schedule: ScheduleSpec, calendar: WorkingCalendar) -> dt.datetime:
    """A periodic obligation's deadline: the task's due day, or the plan's rule."""
    if task.timing_due:  # "Trước ngày 15/12 hằng năm"
        day, month = (int(p) for p in task.timing_due.split("/"))
        return calendar.deadline(dt.date(period.year, month, day))
    rule = _due_rule(task, schedule)
    if rule.day_of_last_month:
        year, month = period.last_month
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return calendar.deadline(dt.date(year, month, min(rule.day_of_last_month, last)))
    if rule.after_end is None:
        return calendar.deadline(period.end)
    if rule.working_days:
        return calendar.deadline(calendar.add_working_days(period.end, rule.after_end))
    return calendar.deadline(period.end + dt.timedelta(days=rule.after_end))


def _periodic_openings(tasks: list[Task], period: Period, schedule: ScheduleSpec,
                       calendar: WorkingCalendar) -> list[Opening]:
    kind = next(k for k, months in MONTHS.items() if months == period.months)
    checkins = MONTHS[schedule.continuous_every.value] == period.months
    openings = []
    for task in tasks:
        if task.added_on and task.added_on > period.start:
            continue  # added to the plan after this period began: it opens from the next one
        if task.timing_kind == kind:
            openings.append(Opening(task, period.id, period.start, period_deadline(period, task, schedule, calendar)))
        elif task.timing_kind == TimingKind.continuous and checkins:
            openings.append(Opening(task, period.id, period.start, calendar.deadline(period.end), no_deadline=True))
    return openings


def _dated_openings(tasks: list[Task], day: dt.date, issued_on: dt.date,
                    calendar: WorkingCalendar) -> list[Opening]:
    """Once tasks (one deadline, a duty since the plan was issued) and dated windows
    that have begun by `day`."""
    openings = []
    for task in tasks:
        if task.timing_kind == TimingKind.once and task.timing_date:
            openings.append(Opening(task, "once", issued_on, calendar.deadline(task.timing_date)))
        elif task.timing_kind == TimingKind.window and task.timing_start and task.timing_end \
                and task.timing_start <= day:
            period = f"{task.timing_start:%Y%m%d}-{task.timing_end:%Y%m%d}"
            openings.append(Opening(task, period, task.timing_start, calendar.deadline(task.timing_end)))
    return openings


class Opener:
    """Opens obligations for one plan."""

    def __init__(self, session: Session, plan_id: str, calendar: WorkingCalendar, actor: str = "cli",
                 now: dt.datetime | None = None):
        self.session, self.calendar, self.actor, self.now = session, calendar, actor, now
        self.plan = session.get(Plan, plan_id)
        if self.plan is None:
            raise OpeningError(f'no plan "{plan_id}" in the database (apply it first)')
        self.schedule = schedule_of(self.plan)
        self.tasks = list(session.exec(select(Task).where(Task.plan_id == plan_id, Task.active)))

    def period(self, period_id: str) -> int:
        try:
            period = parse_period(period_id, self.schedule.basis)
        except ValueError as exc:
            raise OpeningError(str(exc)) from None
        return self._open(_periodic_openings(self.tasks, period, self.schedule, self.calendar),
                          f"period {period.id}", period.start)

    def as_of(self, day: dt.date) -> int:
        """Everything that should be open on `day`: each periodic kind's current period,
        once tasks, and windows that have begun."""
        openings = _dated_openings(self.tasks, day, self.plan.issued_on, self.calendar)
        lengths = {MONTHS[t.timing_kind] for t in self.tasks if t.timing_kind in MONTHS}
        if any(t.timing_kind == TimingKind.continuous for t in self.tasks):
            lengths.add(MONTHS[self.schedule.continuous_every.value])
        for months in sorted(lengths):
            period = period_containing(months, day, self.schedule.basis)
            openings += _periodic_openings(self.tasks, period, self.schedule, self.calendar)
        return self._open(openings, f"as of {day.isoformat()}", day)

    def event(self, task_code: str, day: dt.date, note: str | None) -> int:
        """An on_event task's event happened (e.g. the land-use plan was approved)."""
        task = next((t for t in self.tasks if t.code == task_code), None)
        if task is None:
            raise OpeningError(f'no active task "{task_code}" in plan {self.plan.id}')
        if task.timing_kind != TimingKind.on_event:
            raise OpeningError(f"task {task_code} is {task.timing_kind}, not on_event: it opens by its schedule")
        own = TaskSchedule.model_validate(task.schedule or {})
        days = own.event_days if own.event_days is not None else self.schedule.event_days
        due = self.calendar.deadline(self.calendar.add_working_days(day, days))
        self.session.add(Event(kind="task_event", actor=self.actor, plan_id=self.plan.id, note=note,
                               after={"task": task_code, "date": day.isoformat()}))
        return self._open([Opening(task, f"event-{day.isoformat()}", day, due)], f"event of task {task_code}", day)

    # --- writing -------------------------------------------------------------------

    def _lead_units(self, task_ids: list[int], on: dt.date) -> dict[int, list[str]]:
        """Lead units per task, each replaced by its successor if merged before `on`."""
        rows = self.session.exec(
            select(Assignment.task_id, Unit.id, Unit.active, Unit.successor_id, Unit.successor_on)
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.task_id.in_(task_ids), Assignment.role == "lead"))
        leads: dict[int, list[str]] = {}
        for task_id, unit_id, active, successor_id, successor_on in rows:
            if successor_id and successor_on and successor_on <= on:
                unit_id, active = self._successor(unit_id, on)
            if active and unit_id not in leads.setdefault(task_id, []):
                leads[task_id].append(unit_id)
        return leads

    def _successor(self, unit_id: str, on: dt.date) -> tuple[str, bool]:
        """The unit that answers for unit_id on `on`, following merges, and whether it is active."""
        unit = self.session.get(Unit, unit_id)
        while unit.successor_id and unit.successor_on and unit.successor_on <= on:
            unit = self.session.get(Unit, unit.successor_id)
        return unit.id, unit.active

    def _open(self, openings: list[Opening], what: str, on: dt.date) -> int:
        if not openings:
            return 0
        leads = self._lead_units([o.task.id for o in openings], on)
        existing = self._existing({o.task.id for o in openings}, {o.period for o in openings})
        now = self.now or utcnow()
        rows = [{"task_id": o.task.id, "unit_id": unit_id, "period": o.period, "status": "open",
                 "starts_on": o.starts_on, "opened_at": now, "due_at": o.due_at, "original_due_at": o.due_at,
                 "no_deadline": o.no_deadline}
                for o in openings for unit_id in leads.get(o.task.id, [])
                if (o.task.id, unit_id, o.period) not in existing]
        created = insert_new_obligations(self.session, rows)
        if created:
            self.session.add(Event(kind="obligations_opened", actor=self.actor, plan_id=self.plan.id,
                                   after={"what": what, "created": created}))
        return created

    def _existing(self, task_ids: set[int], periods: set[str]) -> set[tuple]:
        """Keys already open: skipping them saves work on a repeat run. The unique key,
        not this look-up, is what keeps a concurrent run from duplicating."""
        rows = self.session.exec(select(Obligation.task_id, Obligation.unit_id, Obligation.period)
                                 .where(Obligation.task_id.in_(task_ids), Obligation.period.in_(periods)))
        return set(rows)


def insert_new_obligations(session: Session, rows: list[dict]) -> int:
    """Insert the rows whose (task, unit, period) is not there yet; return how many were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (insert(Obligation).on_conflict_do_nothing(index_elements=["task_id", "unit_id", "period"])
                 .returning(Obligation.id))
    created = 0
    for start in range(0, len(rows), 5000):
        created += len(session.execute(statement, rows[start:start + 5000]).all())
    return created
