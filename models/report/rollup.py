"""Counting obligations the way Vietnamese government reports count tasks.

Reports split tasks four ways (e.g. Báo cáo 1270/BC-TCTTTg, 2017): done on time, done
late, open within the deadline, open and overdue. dondoc adds: no fixed deadline
("Thường xuyên": never overdue), postponed, cancelled, and two flags: due soon and
extended. Every count here is one SQL aggregation; the category is one CASE
expression, so a single obligation and a whole country are judged by the same rule.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import String, and_, bindparam, case, func, literal, or_
from sqlmodel import Session, select

from models.engine.asof import built_once, obligations_at
from models.store.tables import Area, Obligation, Task, Unit
from models.common.clock import VN
from models.common.text import code_key


class Category(StrEnum):
    done_on_time = "done_on_time"
    done_late = "done_late"
    open_on_time = "open_on_time"
    open_overdue = "open_overdue"
    no_deadline = "no_deadline"
    postponed = "postponed"
    cancelled = "cancelled"


REPORT_FOUR = [Category.done_on_time, Category.done_late, Category.open_on_time, Category.open_overdue]

LABELS = {
    "vi": {Category.done_on_time: "Đã hoàn thành đúng hạn", Category.done_late: "Đã hoàn thành quá hạn",
           Category.open_on_time: "Đang thực hiện trong hạn", Category.open_overdue: "Chưa hoàn thành, quá hạn",
           Category.no_deadline: "Thường xuyên (không thời hạn)", Category.postponed: "Tạm hoãn",
           Category.cancelled: "Đã hủy", "due_soon": "Sắp đến hạn", "extended": "Gia hạn"},
    "en": {Category.done_on_time: "done on time", Category.done_late: "done late",
           Category.open_on_time: "open, within deadline", Category.open_overdue: "open, overdue",
           Category.no_deadline: "no fixed deadline", Category.postponed: "postponed",
           Category.cancelled: "cancelled", "due_soon": "due soon", "extended": "extended"},
}


def category_at(at: dt.datetime, ob=Obligation):
    """SQL expression: an obligation's category at instant `at` (`ob`: the obligations as
    they stood then, models.engine.asof).

    Done on time is judged against the deadline in force (an approved extension
    moved `due_at`; `original_due_at` keeps the first). An obligation done after
    `at` was still open at `at`. Obligations count from their period's first day.
    """
    done = and_(ob.status == "done", ob.done_at <= at)
    return case(
        (ob.status == "cancelled", literal(Category.cancelled.value)),
        (and_(done, (ob.no_deadline) | (ob.done_at <= ob.due_at)), literal(Category.done_on_time.value)),
        (done, literal(Category.done_late.value)),
        (ob.status == "postponed", literal(Category.postponed.value)),
        (ob.no_deadline, literal(Category.no_deadline.value)),
        (ob.due_at < at, literal(Category.open_overdue.value)),
        else_=literal(Category.open_on_time.value),
    )


def overdue_at(at: dt.datetime, ob=Obligation):
    """SQL condition: `category_at(at, ob)` is open and overdue, written as a test SQLite can
    stop at the deadline instead of building the category for every row (the digest asks it
    of every obligation of a plan)."""
    return and_(ob.due_at < at, ob.no_deadline.is_not(True), ob.status.not_in(["cancelled", "postponed"]),
                or_(ob.status != "done", ob.done_at.is_(None), ob.done_at > at))


# The levels of the directory as officials name them in reports ("UBND cấp xã").
LEVEL_NAMES = {"province": "Cấp tỉnh", "department": "Sở, ban, ngành", "central": "Cơ quan Trung ương",
               "press": "Báo chí", "mass_org": "Tổ chức chính trị - xã hội", "district": "UBND cấp huyện",
               "district_agency": "Cơ quan cấp huyện", "commune": "UBND cấp xã",
               "commune_agency": "Cơ quan cấp xã", "other": "Khác"}


def due_soon_days(plan) -> int:
    """The plan's "due soon" window, as `apply` stored it with the rest of its schedule (read
    without the plan schema's models: `dondoc status` starts faster)."""
    stored = (plan.schedule or {}).get("due_soon_days")
    if stored is None:  # a plan row written without its schedule: the schema's default
        from models.engine.opening import schedule_of

        return schedule_of(plan).due_soon_days
    return stored


def _flags(at, soon, ob=Obligation):
    open_in_time = and_(ob.status.in_(["open", "blocked", "extension_requested"]), ob.no_deadline.is_(False),
                        ob.due_at >= at, ob.due_at <= soon)
    extended = and_(ob.status != "cancelled", ob.due_at != ob.original_due_at)
    return (func.sum(case((open_in_time, 1), else_=0)), func.sum(case((extended, 1), else_=0)))

GROUPS = {
    "plan": lambda ob: [Task.plan_id],
    "area": lambda ob: [Task.plan_id, Task.area_code],
    "task": lambda ob: [Task.plan_id, Task.code],
    "unit": lambda ob: [Unit.id, Unit.name],
    "level": lambda ob: [Unit.level],
    "directory": lambda ob: [Unit.directory_id],  # one directory per province
    "period": lambda ob: [ob.period],
    "area_level": lambda ob: [Task.area_code, Unit.level],  # the dashboard's heat map
    "area_period": lambda ob: [Task.area_code, ob.period],  # ... and its outcome lines
    "unit_task": lambda ob: [Unit.id, Unit.name, Task.code],  # ... and its drill-down into one area
}


BY_UNIT = {"unit", "level", "directory", "area_level", "unit_task"}  # the groupings that read the unit's row


@dataclass
class Tally:
    key: tuple
    counts: dict[Category, int] = field(default_factory=dict)
    due_soon: int = 0
    extended: int = 0

    def __getitem__(self, category: Category) -> int:
        return self.counts.get(category, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def summed(cls, key: tuple, tallies) -> "Tally":
        """One tally of several (a plan's areas from its areas × levels, without another query)."""
        total = cls(key)
        for tally in tallies:
            for category, count in tally.counts.items():
                total.counts[category] = total.counts.get(category, 0) + count
            total.due_soon += tally.due_soon
            total.extended += tally.extended
        return total


def rollup(session: Session, by: str, at: dt.datetime, plan_id: str | None = None,
           due_from: dt.date | None = None, due_to: dt.date | None = None, unit_id: str | None = None,
           due_soon_days: int = 7, period: str | None = None, area: str | None = None,
           flags: bool = True) -> list[Tally]:
    """Counts by category per group (plan, area, task, unit, level or directory), as they
    stood at `at` (the deadline, status and unit then); optionally only obligations due
    within [due_from, due_to]. `flags`: also count what is due soon and what was extended
    (the digest says them; the dashboard does not, and saves their sums)."""
    ob = obligations_at(at)
    values = scope_values(at, plan_id, unit_id, period, due_from, due_to) | {"area": area}
    shape = Counts(by, flags, given_names(values))
    query = _counts(ob, shape)
    params = values | {"at": at, "soon": at + dt.timedelta(days=due_soon_days)}
    width = len(GROUPS[by](ob))
    tallies: dict[tuple, Tally] = {}
    for row in session.exec(query, params=params):
        key, (name, count, *soon_extended) = tuple(row[:width]), row[width:]
        tally = tallies.setdefault(key, Tally(key))
        tally.counts[Category(name)] = count
        if soon_extended:
            tally.due_soon += soon_extended[0] or 0
            tally.extended += soon_extended[1] or 0
    return list(tallies.values())


@dataclass(frozen=True)
class Counts:
    """The shape of a count: its grouping, whether it sums the flags, and which of the scope's
    values (`scope_values`) it is given."""
    by: str
    flags: bool
    given: frozenset[str]


@built_once
def _counts(ob, shape: Counts):
    keys = GROUPS[shape.by](ob)
    # One plan's count says the plan rather than grouping by it: grouping by a column every row
    # shares cost a tenth of the count (a digest's areas).
    fixed = Task.plan_id if "plan_id" in shape.given else None
    said = [bindparam("plan_id", type_=String()).label("plan_id") if key is fixed else key for key in keys]
    grouped = [key for key in keys if key is not fixed]
    at = bindparam("at")  # typed by the column it is compared with
    category = category_at(at, ob).label("category")
    counted = [func.count(), *(_flags(at, bindparam("soon"), ob) if shape.flags else ())]
    query = select(*said, category, *counted).select_from(ob).join(Task, Task.id == ob.task_id)
    if shape.by in BY_UNIT:  # a count by plan, area, task or period needs no unit: no join it does not use
        query = query.join(Unit, Unit.id == ob.unit_id)
    query = query.group_by(*grouped, category).order_by(*grouped)
    query = query.where(*scope_parameters(ob, shape.given))
    if "area" in shape.given:
        query = query.where(Task.area_code == bindparam("area"))
    return query


def in_scope(query, at: dt.datetime, plan_id: str | None = None, unit_id: str | None = None,
             period: str | None = None, due_from: dt.date | None = None, due_to: dt.date | None = None,
             ob=Obligation):
    """The obligations a count or a report covers (the query joins Task): see `scope`."""
    return query.where(*scope(at, plan_id, unit_id, period, due_from, due_to, ob))


def scope(at: dt.datetime, plan_id: str | None = None, unit_id: str | None = None, period: str | None = None,
          due_from: dt.date | None = None, due_to: dt.date | None = None, ob=Obligation) -> list:
    """The conditions of a count's obligations: begun by `at`, and optionally one plan (of Task),
    one unit, one period, or due within [due_from, due_to]."""
    values = scope_values(at, plan_id, unit_id, period, due_from, due_to)
    return scope_conditions(ob, {name: value for name, value in values.items() if value is not None})


def scope_values(at: dt.datetime, plan_id: str | None = None, unit_id: str | None = None,
                 period: str | None = None, due_from: dt.date | None = None,
                 due_to: dt.date | None = None) -> dict:
    """The values `scope` compares with, by name (None: not a condition)."""
    return {"day": at.astimezone(VN).date(), "plan_id": plan_id, "unit_id": unit_id, "period": period,
            "due_from": _day_start(due_from) if due_from else None,
            "due_to": _day_start(due_to + dt.timedelta(days=1)) if due_to else None}


def given_names(values: dict) -> frozenset[str]:
    """The names of the values a count is given (None: not a condition): the shape of its statement."""
    return frozenset(name for name, value in values.items() if value is not None)


def scope_parameters(ob, names: frozenset[str]) -> list:
    """`scope`'s conditions for a statement built once: each value a named parameter."""
    return scope_conditions(ob, {name: bindparam(name) for name in names})


def scope_conditions(ob, given: dict) -> list:
    """`scope`'s conditions for the values given: plain values, or parameters of a statement built once."""
    conditions = [ob.starts_on <= given["day"]]
    if "plan_id" in given:
        conditions.append(Task.plan_id == given["plan_id"])
    if "unit_id" in given:
        conditions.append(ob.unit_id == given["unit_id"])
    if "period" in given:
        conditions.append(ob.period == given["period"])
    if "due_from" in given:
        conditions.append(ob.due_at >= given["due_from"])
    if "due_to" in given:
        conditions.append(ob.due_at < given["due_to"])
    return conditions


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=VN)


def category_of(session: Session, obligation_id: int, at: dt.datetime) -> Category:
    ob = obligations_at(at)
    value = session.exec(select(category_at(at, ob)).select_from(ob).where(ob.id == obligation_id)).one()
    return Category(value)


def every_area(session: Session, plan_id: str, tallies: list[Tally]) -> list[tuple[str, str, Tally]]:
    """(code, title, tally) for every area of the plan, in the plan's order, those with nothing
    counted as zeros (an area never disappears from a digest or a report); then any other key."""
    titles = dict(session.exec(_area_titles(), params={"plan_id": plan_id}).all())
    counted = {t.key[1]: t for t in tallies}
    codes = sorted(titles, key=code_key) + [code for code in counted if code not in titles]
    return [(code or "—", titles.get(code, ""), counted.get(code, Tally((plan_id, code)))) for code in codes]




@functools.cache
def _area_titles():
    return select(Area.code, Area.title).where(Area.plan_id == bindparam("plan_id"))  # built once: see built_once
