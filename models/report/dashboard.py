"""The web dashboard's queries, in one place: what each page shows, scoped to who is looking
(models.access.weblogin.Viewer). Counting is models.report.rollup's; these only choose and shape."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlencode

from sqlalchemy import case, func, or_
from sqlmodel import Session, select

from models.report.digest import unreachable_units
from models.engine.lifecycle import ACTIVE
from models.report.period import on_time_rate
from models.report.rollup import LEVEL_NAMES, REPORT_FOUR, Category, Tally, category_at, in_scope, rollup
from models.common.text import code_key, is_number, plain_text, vi_key
from models.store.tables import Area, Assignment, ChatLink, Contact, Event, Evidence, Invitation, Obligation, Outbox, OutcomeIndex, Plan, ReminderSent, Task, Unit, utcnow
from models.common.text import fold
from models.common.clock import VN
from models.access.weblogin import Viewer

PAGE_SIZE = 50
LEVEL_ORDER = list(LEVEL_NAMES)


@dataclass
class Filters:
    """The filters of a list of obligations, as the page's query string carries them."""
    plan: str = ""
    period: str = ""
    area: str = ""
    task: str = ""
    level: str = ""
    former: str = ""  # a former district: the communes it had, and the units that took them over
    unit: str = ""
    category: str = ""
    blocked: bool = False
    extension: bool = False  # an extension waits for a decision
    q: str = ""  # unit or task words, with or without diacritics
    sort: str = ""  # "late": the longest overdue first; else overdue and soonest first
    page: int = 1

    @classmethod
    def from_query(cls, params) -> "Filters":
        values = {}
        for f in fields(cls):
            raw = plain_text(params.get(f.name) or "").strip()[:200]  # what nobody types is never echoed back
            if f.type == "bool":
                values[f.name] = raw in ("1", "on", "true")
            elif f.type == "int":
                values[f.name] = int(raw) if is_number(raw) and 0 < int(raw) < 100_000 else 1
            else:
                values[f.name] = raw
        if values["category"] not in {c.value for c in Category}:
            values["category"] = ""
        if values["sort"] not in ("", "late"):
            values["sort"] = ""
        return cls(**values)

    def query(self, **changes) -> str:
        """The query string of these filters with some changed (page back to 1 unless given)."""
        changed = replace(self, **({"page": 1} | changes))
        pairs = {f.name: getattr(changed, f.name) for f in fields(self)}
        return urlencode({k: ("1" if v is True else v) for k, v in pairs.items()
                          if v not in ("", False, None) and not (k == "page" and v == 1)})


# --- scope -----------------------------------------------------------------------------

def visible_plans(session: Session, viewer: Viewer) -> list[Plan]:
    query = select(Plan).order_by(Plan.issued_on.desc(), Plan.id)
    if viewer.plan_ids is not None:
        query = query.where(Plan.id.in_(viewer.plan_ids))
    return list(session.exec(query))


def _scoped(query, viewer: Viewer, ob=Obligation):
    """Only what the viewer may see (the query joins Task)."""
    if viewer.plan_ids is not None:
        query = query.where(Task.plan_id.in_(viewer.plan_ids))
    if viewer.unit_only:
        query = query.where(ob.unit_id == viewer.unit_only)
    return query


# --- plans and their matrix ---------------------------------------------------------

@dataclass
class PlanCard:
    plan: Plan
    tally: Tally
    rate: float | None


def plan_cards(session: Session, viewer: Viewer, at: dt.datetime, period: str = "") -> list[PlanCard]:
    cards = []
    for plan in visible_plans(session, viewer):
        tallies = rollup(session, "plan", at, plan_id=plan.id, unit_id=viewer.unit_only, period=period or None,
                         flags=False)
        tally = tallies[0] if tallies else Tally((plan.id,))
        if viewer.unit_only and not tally.total:
            continue  # an assignee sees the plans that ask something of their unit
        cards.append(PlanCard(plan, tally, on_time_rate(tally)))
    return cards


def plan_periods(session: Session, plan_id: str) -> list[str]:
    periods = session.exec(select(Obligation.period).join(Task, Task.id == Obligation.task_id)
                           .where(Task.plan_id == plan_id).distinct()).all()
    return sorted(periods)


def all_periods(session: Session, viewer: Viewer) -> list[str]:
    query = _scoped(select(Obligation.period).join(Task, Task.id == Obligation.task_id).distinct(), viewer)
    return sorted(session.exec(query).all())


@dataclass
class Matrix:
    """Areas × unit levels, each cell the four-way split (the plan page's heat map)."""
    areas: list[Area]
    levels: list[str]
    cells: dict[tuple[str, str], Tally]
    by_area: dict[str, Tally]

    @property
    def total(self) -> Tally:
        return Tally.summed(("total",), self.by_area.values())

    def overdue_share(self, area: str, level: str) -> float:
        """Overdue work over the work that has a deadline (the four report categories): check-ins,
        which are never overdue, do not pale a row of late work."""
        tally = self.cells.get((area, level))
        dated = sum(tally[c] for c in REPORT_FOUR) if tally else 0
        return tally[Category.open_overdue] / dated if dated else 0.0


def plan_matrix(session: Session, viewer: Viewer, plan_id: str, at: dt.datetime, period: str = "") -> Matrix:
    scope = dict(plan_id=plan_id, unit_id=viewer.unit_only, period=period or None)
    cells = {t.key: t for t in rollup(session, "area_level", at, **scope, flags=False)}
    by_area = {area: Tally.summed((area,), [t for (a, _), t in cells.items() if a == area])
               for area in {a for a, _ in cells}}
    areas = list(session.exec(select(Area).where(Area.plan_id == plan_id)))
    areas.sort(key=lambda a: code_key(a.code))
    if any(area is None for area, _ in cells):
        areas.append(Area(plan_id=plan_id, code="", title="—"))
    levels = sorted({level for _, level in cells}, key=lambda lv: LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else 99)
    return Matrix(areas, levels, {(a or "", lv): t for (a, lv), t in cells.items()},
                  {a or "": t for a, t in by_area.items()})


@dataclass
class AreaGrid:
    """One area drilled down: units × its tasks."""
    tasks: list[Task]
    units: list[tuple[str, str]]  # (id, name)
    cells: dict[tuple[str, str], Tally]  # (unit id, task code)


def area_grid(session: Session, viewer: Viewer, plan_id: str, area: str, at: dt.datetime, period: str = "") -> AreaGrid:
    tallies = rollup(session, "unit_task", at, plan_id=plan_id, unit_id=viewer.unit_only, period=period or None,
                     area=area, flags=False)
    tasks = sorted(session.exec(select(Task).where(Task.plan_id == plan_id, Task.area_code == area, Task.active)),
                   key=lambda t: code_key(t.code))
    units = sorted({(t.key[0], t.key[1]) for t in tallies}, key=lambda u: vi_key(u[1]))
    return AreaGrid(tasks, units, {(t.key[0], t.key[2]): t for t in tallies})


def worst_category(tally: Tally | None) -> str:
    """The category a cell is coloured by: overdue first, then open, late, on time."""
    if tally is None:
        return ""
    for category in (Category.open_overdue, Category.open_on_time, Category.done_late, Category.done_on_time,
                     Category.no_deadline, Category.postponed):
        if tally[category]:
            return category.value
    return ""


# --- the list of obligations ---------------------------------------------------------

@dataclass
class ListRow:
    id: int
    plan_id: str
    code: str
    task: str
    unit_id: str
    unit: str
    period: str
    due: dt.datetime | None
    status: str
    category: str
    progress: int | None
    note: str | None
    requested: dt.datetime | None
    days_late: int | None = None  # days past its deadline, for work still overdue


def former_district_units(session: Session, district_id: str) -> set[str]:
    """The units that were under a district (its communes), and the units that took them
    over since (followed through every succession)."""
    units = set(session.exec(select(Unit.id).where(Unit.parent_id == district_id)).all())
    frontier = set(units)
    while frontier:
        rows = session.exec(select(Unit.id, Unit.successor_id, Unit.successors_also).where(Unit.id.in_(frontier))).all()
        found = {s for _, to, also in rows for s in [to, *(also or [])] if s}
        frontier = found - units
        units |= found
    return units


def _matching(session: Session, words: str, plan_ids: list[str]) -> tuple[set[str], set[int]]:
    """Units and tasks whose name or text holds the words, ignoring diacritics and case."""
    wanted = fold(words)
    units = {uid for uid, name in session.exec(select(Unit.id, Unit.name)) if wanted in fold(name)}
    query = select(Task.id, Task.text, Task.code)
    if plan_ids:
        query = query.where(Task.plan_id.in_(plan_ids))
    tasks = {tid for tid, text, code in session.exec(query) if wanted in fold(text) or wanted == code}
    return units, tasks


def filtered(query, session: Session, viewer: Viewer, filters: Filters, at: dt.datetime, ob=Obligation):
    """Apply the viewer's scope and the page's filters to a query over obligations (joined
    with Task and Unit)."""
    query = in_scope(_scoped(query, viewer, ob), at, filters.plan or None, filters.unit or None,
                     filters.period or None, ob=ob)
    if filters.area:
        query = query.where(Task.area_code == filters.area)
    if filters.task:
        query = query.where(Task.code == filters.task)
    if filters.level:
        query = query.where(Unit.level == filters.level)
    if filters.former:
        query = query.where(ob.unit_id.in_(former_district_units(session, filters.former)))
    if filters.category:
        query = query.where(category_at(at, ob) == filters.category)
    if filters.blocked:
        query = query.where(ob.status == "blocked")
    if filters.extension:
        query = query.where(ob.status == "extension_requested")
    if filters.q:
        units, tasks = _matching(session, filters.q, [filters.plan] if filters.plan else [])
        query = query.where(or_(ob.unit_id.in_(units), ob.task_id.in_(tasks)))
    return query


def obligation_list(session: Session, viewer: Viewer, filters: Filters, at: dt.datetime,
                    page_size: int = PAGE_SIZE) -> tuple[list[ListRow], int]:
    """One page of the obligations that pass the filters, overdue and soonest first, and how
    many pass in all."""
    base = select(Obligation.id).join(Task, Task.id == Obligation.task_id).join(Unit, Unit.id == Obligation.unit_id)
    total = session.exec(select(func.count()).select_from(filtered(base, session, viewer, filters, at).subquery())).one()
    category = category_at(at).label("category")
    query = filtered(select(Obligation, Task.plan_id, Task.code, Task.text, Unit.name, category)
                     .join(Task, Task.id == Obligation.task_id).join(Unit, Unit.id == Obligation.unit_id),
                     session, viewer, filters, at)
    first = [case((category == Category.open_overdue.value, 0), else_=1)] if filters.sort == "late" else []
    query = (query.order_by(*first, Obligation.no_deadline, Obligation.due_at, Unit.name, Task.id)
             .offset((filters.page - 1) * page_size).limit(page_size))
    rows = [ListRow(ob.id, plan_id, code, text, ob.unit_id, unit, ob.period,
                    None if ob.no_deadline else ob.due_at, ob.status, cat,  # a check-in has no deadline to show
                    ob.progress, ob.note, ob.requested_due_at,
                    (at - ob.due_at).days if cat == Category.open_overdue.value and ob.due_at else None)
            for ob, plan_id, code, text, unit, cat in session.exec(query)]
    return rows, total


def filtered_ids(session: Session, viewer: Viewer, filters: Filters, at: dt.datetime) -> set[int]:
    base = select(Obligation.id).join(Task, Task.id == Obligation.task_id).join(Unit, Unit.id == Obligation.unit_id)
    return set(session.exec(filtered(base, session, viewer, filters, at)).all())


@dataclass
class Options:
    """What the filters can be set to."""
    plans: list[Plan]
    periods: list[str]
    areas: list[Area]
    tasks: list[Task]
    levels: list[str]
    formers: list[tuple[str, str]]  # (id, name) of districts, current or former


def filter_options(session: Session, viewer: Viewer, plan_id: str = "") -> Options:
    plans = visible_plans(session, viewer)
    plan = next((p for p in plans if p.id == plan_id), None)
    areas, tasks = [], []
    if plan:
        areas = sorted(session.exec(select(Area).where(Area.plan_id == plan.id)), key=lambda a: code_key(a.code))
        tasks = sorted(session.exec(select(Task).where(Task.plan_id == plan.id, Task.active)),
                       key=lambda t: code_key(t.code))
    periods = plan_periods(session, plan.id) if plan else all_periods(session, viewer)
    directories = {p.directory_id for p in ([plan] if plan else plans)}
    levels = sorted(set(session.exec(select(Unit.level).where(Unit.directory_id.in_(directories)).distinct())),
                    key=lambda lv: LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else 99)
    districts = select(Unit.parent_id).where(Unit.parent_id.is_not(None)).distinct()
    formers = sorted(session.exec(select(Unit.id, Unit.name).where(Unit.level == "district", Unit.id.in_(districts))),
                     key=lambda f: vi_key(f[1]))
    return Options(plans, periods, areas, tasks, levels, [tuple(f) for f in formers])


# --- one obligation ----------------------------------------------------------------------

@dataclass
class Moment:
    """One line of an obligation's timeline."""
    at: dt.datetime
    kind: str
    who: str  # a person and their unit, or "dondoc"
    channel: str  # "telegram", "web", "cli", "system"
    note: str | None = None
    details: dict = field(default_factory=dict)


@dataclass
class ObligationPage:
    ob: Obligation
    task: Task
    plan: Plan
    unit: Unit
    area: Area | None
    coordinating: list[str]
    category: str
    timeline: list[Moment]
    evidence: list[Evidence]


def visible_obligation(session: Session, viewer: Viewer, obligation_id: int) -> tuple[Obligation, Task] | None:
    """The obligation and its task, or None when it is not the viewer's to see."""
    return session.exec(_scoped(select(Obligation, Task).join(Task, Task.id == Obligation.task_id)
                                .where(Obligation.id == obligation_id), viewer)).first()


def obligation_page(session: Session, viewer: Viewer, obligation_id: int, at: dt.datetime) -> ObligationPage | None:
    """Everything about one obligation, or None when it is not the viewer's to see."""
    found = visible_obligation(session, viewer, obligation_id)
    if found is None:
        return None
    ob, task = found
    plan, unit = session.get(Plan, task.plan_id), session.get(Unit, ob.unit_id)
    area = session.get(Area, (task.plan_id, task.area_code)) if task.area_code else None
    coordinating = list(session.exec(select(Unit.name).join(Assignment, Assignment.unit_id == Unit.id)
                                     .where(Assignment.task_id == task.id, Assignment.role == "coordinating")))
    coordinating += task.partners or []  # parties outside the directory, as the plan names them
    category = session.exec(select(category_at(at)).where(Obligation.id == ob.id)).one()
    evidence = list(session.exec(select(Evidence).where(Evidence.obligation_id == ob.id).order_by(Evidence.at)))
    return ObligationPage(ob, task, plan, unit, area, coordinating, category, timeline(session, ob), evidence)


def timeline(session: Session, ob: Obligation) -> list[Moment]:
    """The obligation's events and the reminders sent about it, oldest first."""
    people = _people(session)
    moments = [Moment(ob.opened_at, "opened", "dondoc", "system")]
    for event in session.exec(select(Event).where(Event.obligation_id == ob.id, Event.kind != "refused")
                              .order_by(Event.at, Event.id)):  # a refused action is the audit's, not the story
        who, channel = _who(event.actor, people)
        moments.append(Moment(event.at, event.kind, who, channel, event.note, _event_details(event)))
    reminders = session.exec(select(ReminderSent, Outbox.state, Outbox.sent_at)
                             .join(Outbox, Outbox.idempotency_key == ReminderSent.outbox_key, isouter=True)
                             .where(ReminderSent.obligation_id == ob.id))
    for sent, state, sent_at in reminders:
        moments.append(Moment(sent_at or sent.at, "reminder", "dondoc", "system",
                              details={"stage": sent.stage, "state": state or "pending"}))
    return sorted(moments, key=lambda m: m.at)


def _people(session: Session) -> dict[str, str]:
    """Telegram chat ids to the person and unit they speak for (past links too)."""
    rows = session.exec(select(ChatLink.chat_id, ChatLink.contact, Unit.name).join(Unit, Unit.id == ChatLink.unit_id)
                        .order_by(ChatLink.linked_at))
    return {str(chat): f"{contact} ({unit})" for chat, contact, unit in rows}


def _who(actor: str, people: dict[str, str]) -> tuple[str, str]:
    channel, _, rest = actor.partition(":")
    if channel == "telegram":
        return people.get(rest, f"Telegram {rest}"), "telegram"
    if channel == "web":
        return rest, "web"
    if channel == "cli":
        return rest or "admin", "cli"
    return "dondoc", "system"


def _event_details(event: Event) -> dict:
    after, before = event.after or {}, event.before or {}
    details = {}
    if event.kind == "progress":
        details = {"progress": after.get("progress"), "value": after.get("value")}
    elif event.kind == "extension_requested":
        details = {"from": before.get("due_at"), "to": after.get("requested_due_at")}
    elif event.kind in ("extension_approved", "extension_denied"):
        details = {"due": after.get("due_at")}
    elif event.kind == "reassigned":
        details = {"from": before.get("unit_id"), "to": after.get("unit_id")}
    elif event.kind == "evidence":
        details = {"file": after.get("file_name")}
    return {k: (dt.datetime.fromisoformat(v) if k in ("from", "to", "due") and isinstance(v, str) and "T" in v else v)
            for k, v in details.items() if v is not None}


# --- one unit ------------------------------------------------------------------------------

@dataclass
class UnitPage:
    unit: Unit
    record: list[tuple[str, Tally, float | None]]  # period by period
    contacts: list[Contact]
    links: list[ChatLink]  # live and dead
    invitations: list[Invitation]  # waiting to be used
    open_rows: list[ListRow]
    successor: Unit | None


def sees_unit(session: Session, viewer: Viewer, unit_id: str) -> bool:
    """A unit's page (contacts, links) is for leaders, the unit itself, and the coordinators of
    plans that give it work (as lead or partner, now or in an obligation it held)."""
    if viewer.role == "viewer" or viewer.unit_id == unit_id:
        return True
    if viewer.role != "coordinator" or not viewer.plan_ids:
        return False
    in_plans = select(Task.id).where(Task.plan_id.in_(viewer.plan_ids))
    assigned = select(Assignment.id).where(Assignment.unit_id == unit_id, Assignment.task_id.in_(in_plans))
    held = select(Obligation.id).where(Obligation.unit_id == unit_id, Obligation.task_id.in_(in_plans))
    return bool(session.exec(select(or_(assigned.exists(), held.exists()))).one())


def unit_page(session: Session, viewer: Viewer, unit_id: str, at: dt.datetime) -> UnitPage | None:
    unit = session.get(Unit, unit_id)
    if unit is None or not sees_unit(session, viewer, unit_id):
        return None
    record = []
    for plan in visible_plans(session, viewer):
        for tally in rollup(session, "period", at, plan_id=plan.id, unit_id=unit_id):
            record.append((tally.key[0], tally, on_time_rate(tally)))
    record.sort(key=lambda r: r[0])
    contacts = sorted(session.exec(select(Contact).where(Contact.unit_id == unit_id)), key=lambda c: vi_key(c.name))
    links = list(session.exec(select(ChatLink).where(ChatLink.unit_id == unit_id)
                              .order_by(ChatLink.active.desc(), ChatLink.linked_at.desc())))
    invitations = list(session.exec(select(Invitation).where(Invitation.unit_id == unit_id,
                                                             Invitation.used_at.is_(None),
                                                             Invitation.expires_at > utcnow())))
    rows, _ = obligation_list(session, viewer, Filters(unit=unit_id), at, page_size=200)
    open_rows = [r for r in rows if r.status in {s.value for s in ACTIVE}]
    successor = session.get(Unit, unit.successor_id) if unit.successor_id else None
    return UnitPage(unit, record, contacts, links, invitations, open_rows, successor)


# --- decisions and reach ----------------------------------------------------------------------

def decisions(session: Session, viewer: Viewer, at: dt.datetime) -> tuple[list[ListRow], list[ListRow]]:
    """Extension requests waiting for a decision, and blocked obligations, in the viewer's plans."""
    waiting, _ = obligation_list(session, viewer, Filters(extension=True), at, page_size=500)
    blocked, _ = obligation_list(session, viewer, Filters(blocked=True), at, page_size=500)
    return waiting, blocked


@dataclass
class Reach:
    unreachable: list[tuple[str, str, str, str]]  # (plan number, unit id, name, dead link's reason or "")
    invitations: list[tuple[Invitation, str]]  # waiting, with the unit's name
    dead: list[tuple[ChatLink, str]]
    units: list[tuple[str, str]]  # (id, name) of the units an invitation can be for
    live: dict[str, int] = field(default_factory=dict)  # live links per channel


def reach(session: Session, viewer: Viewer) -> Reach:
    plans = visible_plans(session, viewer)
    unreachable = sorted(((plan.number, *unit) for plan in plans for unit in unreachable_units(session, plan)),
                         key=lambda row: -row[4])  # the most open work first, across plans
    directories = {p.directory_id + "/" for p in plans}

    def in_scope_unit(unit_id: str) -> bool:
        return any(unit_id.startswith(d) for d in directories)

    invitations = [(inv, name) for inv, name in session.exec(
        select(Invitation, Unit.name).join(Unit, Unit.id == Invitation.unit_id)
        .where(Invitation.used_at.is_(None), Invitation.expires_at > utcnow()).order_by(Invitation.expires_at))
        if in_scope_unit(inv.unit_id)]
    dead = [(link, name) for link, name in session.exec(
        select(ChatLink, Unit.name).join(Unit, Unit.id == ChatLink.unit_id)
        .where(ChatLink.dead_reason.is_not(None)).order_by(ChatLink.unlinked_at.desc()))
        if in_scope_unit(link.unit_id)]
    today = utcnow().astimezone(VN).date()
    units = sorted(session.exec(select(Unit.id, Unit.name).where(  # a merged or renamed unit: invite for its heir
        Unit.active, Unit.directory_id.in_({p.directory_id for p in plans}),
        or_(Unit.successor_on.is_(None), Unit.successor_on > today))), key=lambda u: vi_key(u[1]))
    live = dict(session.exec(select(ChatLink.channel, func.count()).where(ChatLink.active, or_(*(
        ChatLink.unit_id.startswith(d) for d in directories)) if directories else False).group_by(ChatLink.channel)).all())
    return Reach(unreachable, invitations, dead, [tuple(u) for u in units], live)


# --- outcomes -----------------------------------------------------------------------------------

@dataclass
class OutcomeLine:
    """An index the plan serves, year by year, beside the on-time rate of the areas serving it."""
    name: str  # "PAPI", or "PAPI: Công khai, minh bạch"
    areas: list[Area]
    scores: list[OutcomeIndex]
    on_time: list[tuple[str, float | None]]  # (period, rate) of the areas that serve it


def areas_serving(session: Session, plan_id: str) -> list[Area]:
    """The plan's areas that serve a published index (PAPI, PAR INDEX …): its outcome lines."""
    return list(session.exec(select(Area).where(Area.plan_id == plan_id, Area.serves.is_not(None))))


def outcomes(session: Session, plan: Plan, at: dt.datetime, per_area_period: list[Tally] | None = None
             ) -> list[OutcomeLine]:
    """The indexes the plan's areas serve, each beside the on-time rate of its areas per year;
    `per_area_period` is the plan's count by area and period when the caller made it already."""
    areas = areas_serving(session, plan.id)
    by_index: dict[str, list[Area]] = defaultdict(list)
    for area in areas:
        name, _, dimension = area.serves.partition(":")
        by_index[name.strip()].append(area)
        if dimension.strip():
            by_index[area.serves.strip()].append(area)
    if not by_index:
        return []  # the plan's areas serve no index: no whole-plan count for nothing (#24: the plan page's cost)
    scores = session.exec(select(OutcomeIndex).where(OutcomeIndex.directory_id == plan.directory_id)
                          .order_by(OutcomeIndex.year)).all()
    by_area_period = defaultdict(list)  # one count for every line: area → its tallies per period
    if per_area_period is None:
        per_area_period = rollup(session, "area_period", at, plan_id=plan.id, flags=False)
    for tally in per_area_period:
        by_area_period[tally.key[0]].append(tally)
    lines = []
    for name in sorted(by_index, key=lambda n: (":" in n, n)):
        index, _, dimension = name.partition(":")
        matching = [s for s in scores if s.name == index.strip() and s.dimension == dimension.strip()]
        if matching or not dimension:  # a dimension shows only when its figures were recorded
            tallies = [t for area in by_index[name] for t in by_area_period[area.code]]
            lines.append(OutcomeLine(name, by_index[name], matching, yearly_rates(tallies)))
    return lines


def yearly_rates(tallies: list[Tally]) -> list[tuple[str, float | None]]:
    """The on-time rate per year of tallies per period (one-off duties and events left out)."""
    per_year: dict[str, list[Tally]] = defaultdict(list)
    for tally in tallies:
        year = tally.key[-1][:4]
        if is_number(year):
            per_year[year].append(tally)
    return sorted((year, on_time_rate(Tally.summed((year,), group))) for year, group in per_year.items())