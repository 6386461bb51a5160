"""Opening obligations: one per (task, lead unit, period), classes already expanded.

Opening is idempotent by a database unique key (task, unit, period) and an insert
that skips existing rows, never by checking first: two openings at once, on
PostgreSQL or SQLite, still create each obligation once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Boolean, Date, Integer, String, and_, bindparam, func, insert, text
from sqlmodel import Session, select

from models.store.db import insert_for, insert_of
from models.calendar.periods import MONTHS, Period, parse_period, period_containing
from models.engine.policies import PolicyStore, preload_policy_versions, task_policy
from models.plans.plan import DueRule, ScheduleSpec, TaskSchedule
from models.store.tables import Assignment, Event, Obligation, OpeningRun, Plan, Task, TimingDecision, Unit, UTCDateTime, utcnow
from models.common.text import code_key
from models.plans.timing import NEEDS_DECISION, TimingKind
from models.org.succession import successors_on
from models.calendar.workcal import VN, WorkingCalendar
from models.common.text import did_you_mean


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
    per_period: bool = False  # a periodic or check-in opening: a unit that joined a class later waits for the next


def schedule_of(plan: Plan) -> ScheduleSpec:
    return ScheduleSpec.model_validate(plan.schedule or {})


def _due_rule(task: Task, schedule: ScheduleSpec) -> DueRule:
    if not task.schedule:  # most tasks: the plan's rule (validating an empty schedule a task at a time adds up)
        return schedule.due
    own = TaskSchedule.model_validate(task.schedule)
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
    openings, deadlines = [], {}
    for task in tasks:
        if task.added_on and task.added_on > period.start:
            continue  # added to the plan after this period began: it opens from the next one
        if (task.timing_start and period.end < task.timing_start) or (task.timing_end and period.start > task.timing_end):
            continue  # "Năm 2026 và các năm tiếp theo", a window's yearly report: only within its span
        if task.timing_kind == kind:
            rule = (task.timing_due, repr(task.schedule))  # tasks of one rule share the period's deadline
            if rule not in deadlines:
                deadlines[rule] = period_deadline(period, task, schedule, calendar)
            openings.append(Opening(task, period.id, period.start, deadlines[rule], per_period=True))
        elif task.timing_kind == TimingKind.continuous and checkins:
            openings.append(Opening(task, period.id, period.start, calendar.deadline(period.end), no_deadline=True,
                                    per_period=True))
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
                 now: dt.datetime | None = None, tasks: list[Task] | None = None, plan: Plan | None = None,
                 runs: dict[tuple[str, str], tuple[int, str | None]] | None = None,
                 schedule: ScheduleSpec | None = None, records: dict | None = None):
        """`tasks`, `plan`, its `schedule` and `runs` (the versions and inputs of the openings made, by plan
        and what) are given when many plans open in one session and were read together; so is `records`,
        where the openings' run records and events wait to be written with the other plans'."""
        self.session, self.calendar, self.actor, self.now = session, calendar, actor, now
        self.runs, self.records = runs, records
        self.plan = plan or session.get(Plan, plan_id)
        if self.plan is None:
            known = session.exec(select(Plan.id)).all()
            raise OpeningError(f'no plan "{plan_id}" in the database{did_you_mean(plan_id, known)} (apply it first)')
        self.schedule = schedule or schedule_of(self.plan)
        self.tasks = tasks if tasks is not None else list(
            session.exec(select(Task).where(Task.plan_id == plan_id, Task.active)))
        self.policies = PolicyStore(session, self.plan)
        self._policy_ids: dict[str, int] = {}
        self.span: tuple[dt.date | None, dt.date | None] = (None, None)  # first start, last deadline opened

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
        if not self.event_recorded(task_code, day):  # the same event twice is one event
            self.session.add(Event(kind="task_event", actor=self.actor, plan_id=self.plan.id, note=note,
                                   after={"task": task_code, "date": day.isoformat()}))
        # Each event is an opening of its own: a later event of the task opens its own obligations.
        return self._open([Opening(task, f"event-{day.isoformat()}", day, due)],
                          f"event of task {task_code} on {day.isoformat()}", day)

    def event_recorded(self, task_code: str, day: dt.date) -> bool:
        recorded = self.session.exec(select(Event.after).where(Event.kind == "task_event",
                                                               Event.plan_id == self.plan.id))
        return any((after or {}).get("task") == task_code and (after or {}).get("date") == day.isoformat()
                   for after in recorded)

    # --- writing -------------------------------------------------------------------

    def _open(self, openings: list[Opening], what: str, on: dt.date) -> int:
        if openings:  # the days these deadlines were worked out over (a caller may warn of unannounced years)
            deadlines = [o.due_at.astimezone(VN).date() for o in openings if o.due_at]
            self.span = (min(o.starts_on for o in openings), max(deadlines, default=on))
        version = plan_version(self.session, self.plan.id)
        if self.runs is not None:
            done, done_inputs = self.runs.get((self.plan.id, what), (None, None))
        else:
            run = self.session.get(OpeningRun, (self.plan.id, what))
            done, done_inputs = (run.matrix_version, run.inputs) if run else (None, None)
        if done == version:
            return 0  # nothing applied since this very opening completed
        now = self.now or utcnow()
        rows = [{"task_id": o.task.id, "period": o.period, "starts_on": o.starts_on, "due_at": o.due_at,
                 "no_deadline": o.no_deadline, "policy_id": self._policy_id(o.task), "per_period": o.per_period}
                for o in openings]
        inputs = self._inputs(rows)
        created = 0
        if inputs != done_inputs:  # else: applied elsewhere, the same inputs, nothing new
            created = self._open_rows(rows, now, on)
            merged = self._merged_leads({o.task.id for o in openings}, on)
            created += sum(self._open_for_successors(row, now, on, merged[row["task_id"]]) for row in rows
                           if row["task_id"] in merged)
        if created:
            self._write(_OPENED, {"at": utcnow(), "actor": self.actor, "plan_id": self.plan.id,
                                  "after": {"what": what, "created": created}})
        # an upsert: a concurrent run may have written it
        self._write(_record_run(self.session.get_bind().dialect.name),
                    {"plan_id": self.plan.id, "what": what, "matrix_version": version, "inputs": inputs})
        return created

    def _write(self, statement, values: dict) -> None:
        """Now, or with the other plans' when many open together (`records`): one statement for all."""
        if self.records is None:
            self.session.connection().execute(statement, values)
        else:
            self.records.setdefault(statement, []).append(values)

    def _inputs(self, rows: list[dict]) -> str:
        """A digest of everything the opening's insert depends on: the tasks' rows, the version
        of the plan's lead assignments and those of the directories its units live in (a unit's
        state changes only when its directory is applied). Obligations are never deleted, so
        equal inputs create nothing again: a re-run after a change elsewhere tries no insert."""
        inputs = (rows, self.plan.leads_version, directory_versions(self.session, self.plan.id))
        return hashlib.sha256(repr(inputs).encode()).hexdigest()

    def _policy_id(self, task: Task) -> int:
        """The reminder policy version a task opens with; tasks without their own share one."""
        own = (task.schedule or {}).get("reminders")
        key = json.dumps(own, sort_keys=True) if own else ""
        if key not in self._policy_ids:
            self._policy_ids[key] = self.policies.id_for(task_policy(task, self.schedule))
        return self._policy_ids[key]

    def _merged_leads(self, task_ids: set[int], on: dt.date) -> dict[int, list[str]]:
        """Lead units merged, split or dissolved by `on`, per task. Most days no unit is: one
        query over the units says so (once per session and day: every plan asks), before any
        join over the assignments."""
        cache = self.session.info.setdefault("succeeded_units", {})
        if on not in cache:
            cache[on] = self.session.exec(select(Unit.id).where(_merged(on))).all()
        succeeded = cache[on]
        if not succeeded:
            return {}
        rows = self.session.exec(select(Assignment.task_id, Assignment.unit_id).where(
            Assignment.task_id.in_(task_ids), Assignment.role == "lead", Assignment.unit_id.in_(succeeded)))
        merged: dict[int, list[str]] = {}
        for task_id, unit_id in rows:
            merged.setdefault(task_id, []).append(unit_id)
        return merged

    def _open_rows(self, rows: list[dict], now: dt.datetime, on: dt.date) -> int:
        """One INSERT .. SELECT for every task at once: the tasks' deadlines as a VALUES list
        joined with their active, unmerged lead units. The database does the work and skips
        the (task, unit, period) keys it already has."""
        created, dialect = 0, self.session.get_bind().dialect.name
        for start in range(0, len(rows), CHUNK):  # a VALUES list of bounded size
            chunk = rows[start:start + CHUNK]
            params = {"now": now, "on": on} | {f"{name}_{i}": row[name] for i, row in enumerate(chunk)
                                               for name in VALUE_COLUMNS}
            created += self.session.connection().execute(_open_statement(dialect, len(chunk)), params).rowcount
        return created

    def _open_for_successors(self, row: dict, now: dt.datetime, on: dt.date, merged: list[str]) -> int:
        """Lead units merged, split or dissolved by `on`: their duties go to their successors."""
        successors = {unit.id for unit_id in merged
                      for unit in successors_on(self.session, self.session.get(Unit, unit_id), on) if unit.active}
        row = {k: v for k, v in row.items() if k != "per_period"}
        rows = [{**row, "unit_id": unit_id, "status": "open", "opened_at": now, "original_due_at": row["due_at"]}
                for unit_id in sorted(successors)]
        return insert_new_obligations(self.session, rows)


# Written once for every opening (built anew, these two cost a plan's opening more than its checks).
_OPENED = insert(Event.__table__).values(kind="obligations_opened", at=bindparam("at"), actor=bindparam("actor"),
                                         plan_id=bindparam("plan_id"), after=bindparam("after"))


@lru_cache(maxsize=2)
def _record_run(dialect: str):
    """The opening's run record, whether or not one was written before."""
    record = insert_of(dialect)(OpeningRun.__table__).values(
        {name: bindparam(name) for name in ("plan_id", "what", "matrix_version", "inputs")})
    return record.on_conflict_do_update(index_elements=["plan_id", "what"],
                                        set_={"matrix_version": record.excluded.matrix_version,
                                              "inputs": record.excluded.inputs})


def _merged(on):
    """Units that someone else answers for by `on` (merged, renamed, split or dissolved)."""
    return and_(Unit.successor_on.is_not(None), Unit.successor_on <= on)  # NOT(NULL <= x) would be NULL


CHUNK = 500
VALUE_COLUMNS = {"task_id": Integer(), "period": String(), "starts_on": Date(), "due_at": UTCDateTime(),
                 "no_deadline": Boolean(), "policy_id": Integer(), "per_period": Boolean()}


@lru_cache(maxsize=64)
def _open_statement(dialect: str, rows: int):
    """INSERT INTO obligation .. SELECT one row per task and active, unmerged lead unit, for
    `rows` tasks given as parameters. Written once per size as text: SQLAlchemy's VALUES
    construct is compiled anew on every call, which cost more than running it."""
    cast = {"starts_on": "CAST({} AS DATE)", "due_at": "CAST({} AS TIMESTAMP WITH TIME ZONE)",
            "period": "CAST({} AS VARCHAR)", "per_period": "CAST({} AS BOOLEAN)"} if dialect == "postgresql" else {}
    tuples = ", ".join("(" + ", ".join(cast.get(name, "{}").format(f":{name}_{i}") for name in VALUE_COLUMNS) + ")"
                       for i in range(rows))
    now = "CAST(:now AS TIMESTAMP WITH TIME ZONE)" if dialect == "postgresql" else ":now"
    o = {name: f"o.column{n}" for n, name in enumerate(VALUE_COLUMNS, start=1)}  # VALUES names its columns so
    sql = f"""
        INSERT INTO obligation ({", ".join(OPEN_COLUMNS)})
        SELECT {o["task_id"]}, a.unit_id, {o["period"]}, 'open', {o["starts_on"]}, {now}, {o["due_at"]},
               {o["due_at"]}, {o["no_deadline"]}, {o["policy_id"]}
        FROM (VALUES {tuples}) AS o
        JOIN assignment a ON a.task_id = {o["task_id"]} AND a.role = 'lead'
        JOIN unit u ON u.id = a.unit_id
        WHERE u.active AND (u.successor_on IS NULL OR u.successor_on > :on)
          AND (a.since IS NULL OR NOT {o["per_period"]} OR a.since <= {o["starts_on"]})
        ON CONFLICT (task_id, unit_id, period) DO NOTHING"""
    params = [bindparam(f"{name}_{i}", type_=kind) for i in range(rows) for name, kind in VALUE_COLUMNS.items()]
    return text(sql).bindparams(*params, bindparam("now", type_=UTCDateTime()), bindparam("on", type_=Date()))


OPEN_COLUMNS = ["task_id", "unit_id", "period", "status", "starts_on", "opened_at", "due_at", "original_due_at",
                "no_deadline", "policy_id"]


def plan_version(session: Session, plan_id: str) -> int:
    """The matrix version a plan's openings are made against: the newest plan_applied event
    naming the plan, or naming a directory the plan's units live in or were succeeded by (a
    structural directory change), or naming neither (it may concern every plan). Read for all
    plans at once and kept for the session: openings write no such event, applying does, in
    its own session."""
    if "matrix_versions" not in session.info:
        session.info["matrix_versions"] = _matrix_versions(session)
    own, every, by_directory, plan_directories = session.info["matrix_versions"]
    return max([own.get(plan_id, 0), every] + [by_directory.get(d, 0) for d in plan_directories.get(plan_id, ())])


def directory_versions(session: Session, plan_id: str) -> list[tuple[str, int]]:
    """The structural versions of the directories the plan's units live in or went to."""
    plan_version(session, plan_id)  # reads the versions for the session
    _, _, by_directory, plan_directories = session.info["matrix_versions"]
    return sorted((d, by_directory.get(d, 0)) for d in plan_directories.get(plan_id, ()))


def _matrix_versions(session: Session):
    own = dict(session.exec(select(Event.plan_id, func.max(Event.id))
                            .where(Event.kind == "plan_applied", Event.plan_id.is_not(None))
                            .group_by(Event.plan_id)).all())
    every, by_directory = 0, {}
    for event_id, after in session.exec(select(Event.id, Event.after).where(Event.kind == "plan_applied",
                                                                             Event.plan_id.is_(None))):
        directory = (after or {}).get("directory")
        if directory:
            by_directory[directory] = max(by_directory.get(directory, 0), event_id)
        else:
            every = max(every, event_id)
    stated = {}  # directory → the directories that state successions of its units
    for directory, by in session.exec(select(Unit.directory_id, Unit.succession_by)
                                      .where(Unit.succession_by.is_not(None)).distinct()):
        stated.setdefault(directory, set()).add(by)
    plan_directories = {plan_id: _reached(directory, stated)
                        for plan_id, directory in session.exec(select(Plan.id, Plan.directory_id))}
    return own, every, by_directory, plan_directories


def _reached(directory: str, stated: dict[str, set[str]]) -> set[str]:
    """A directory and those that took over its units, and theirs in turn."""
    reached, frontier = {directory}, [directory]
    while frontier:
        for successor in stated.get(frontier.pop(), ()):
            if successor not in reached:
                reached.add(successor)
                frontier.append(successor)
    return reached


def insert_new_obligations(session: Session, rows: list[dict]) -> int:
    """Insert the rows whose (task, unit, period) is not there yet; return how many were new."""
    if not rows:
        return 0
    statement = (insert_for(session)(Obligation).on_conflict_do_nothing(index_elements=["task_id", "unit_id", "period"])
                 .returning(Obligation.id))
    created = 0
    for start in range(0, len(rows), 5000):
        created += len(session.execute(statement, rows[start:start + 5000]).all())
    return created


def open_all_plans(session: Session, day: dt.date, calendar: WorkingCalendar, actor: str,
                   now: dt.datetime | None = None, period: str | None = None) -> dict[str, int]:
    """The daily opening: everything due to be open on `day` (or in one period), for every
    plan. One look at the runs made tells which plans had something applied since their last
    opening; only those are opened, their tasks and policy versions loaded together."""
    plans = session.exec(select(Plan).order_by(Plan.id)).all()
    runs = {(run.plan_id, run.what): (run.matrix_version, run.inputs) for run in session.exec(select(OpeningRun))}
    schedules = {plan.id: schedule_of(plan) for plan in plans}
    due = [plan for plan in plans
           if runs.get((plan.id, _what(schedules[plan.id], day, period)), (None,))[0] != plan_version(session, plan.id)]
    tasks: dict[str, list[Task]] = {plan.id: [] for plan in due}
    if due:
        table = Task.__table__  # plain rows of the columns an opening reads: it never changes a task, and
        read = [table.c[name] for name in OPENING_READS]  # its texts and other JSON columns go undecoded
        for task in session.connection().execute(select(*read).where(table.c.plan_id.in_(list(tasks)), table.c.active)):
            tasks[task.plan_id].append(task)
        preload_policy_versions(session, list(tasks))
        # In the order their tasks were written: the obligations' (task, unit, period) key then grows
        # at its end, as one statement over every plan would make it (in the plans' alphabetical
        # order, inserting into the middle of that index took a tenth of the opening's time).
        due.sort(key=lambda plan: min((task.id for task in tasks[plan.id]), default=0))
    created, records = {plan.id: 0 for plan in plans}, {}
    for plan in due:
        opener = Opener(session, plan.id, calendar, actor=actor, now=now, tasks=tasks[plan.id], plan=plan, runs=runs,
                        schedule=schedules[plan.id], records=records)
        created[plan.id] = opener.period(period) if period else opener.as_of(day)
    for statement, values in records.items():
        session.connection().execute(statement, values)
    return created


OPENING_READS = ("id", "plan_id", "code", "timing_kind", "timing_due", "timing_date", "timing_start", "timing_end",
                 "schedule", "added_on")


def _what(schedule: ScheduleSpec, day: dt.date, period: str | None) -> str:
    """The name the opening's run record has (as Opener.period and Opener.as_of write it)."""
    if period is None:
        return f"as of {day.isoformat()}"
    try:
        return f"period {parse_period(period, schedule.basis).id}"
    except ValueError:
        return ""  # the opening itself says what is wrong


def untracked_tasks(session: Session, plan_id: str) -> list[str]:
    """Codes of the plan's tasks that open nothing until an admin sets their timing."""
    tasks = session.exec(_untimed_query(), params={"plan_id": plan_id}).all()
    waiting = [code for code, kind, start, end in tasks
               if TimingKind(kind) in NEEDS_DECISION or (kind == TimingKind.window and not (start and end))]
    return sorted(waiting, key=code_key)


@lru_cache(maxsize=None)
def _untimed_query():
    """The plan's active tasks no other plan tracks (built once: the digest asks it every time)."""
    linked = select(TimingDecision.task_code).where(TimingDecision.plan_id == bindparam("plan_id"),
                                                    TimingDecision.linked_plan.is_not(None))
    return (select(Task.code, Task.timing_kind, Task.timing_start, Task.timing_end)
            .where(Task.plan_id == bindparam("plan_id"), Task.active, Task.code.not_in(linked)))
