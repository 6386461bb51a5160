"""The coordinator's digest: where a plan stands, what changed since the last one, and
what needs the coordinator (extensions waiting, units nobody can reach, messages that may
not have arrived). Built from single SQL aggregations; rendered by `templates/digest.j2`
as Telegram HTML or as plain text for the CLI.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from pathlib import Path
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from models.chase import outbox
from models.common.clock import utcnow
from models.common.text import vi_key
from models.common.texts import dead_reason_text
from models.engine.lifecycle import ACTIVE
from models.engine.opening import schedule_of, untracked_tasks
from models.calendar.periods import MONTHS, Basis, Period, parse_period, period_containing, period_words
from models.plans.plan import DigestPolicy
from models.report.render import environment
from models.report.rollup import (LABELS, REPORT_FOUR, Category, Tally, every_area, given_names, overdue_at,
                                  rollup, scope_parameters, scope_values)
from models.engine.asof import as_it_stood, built_once, fields_at, obligations_at
from models.store.tables import ChatLink, DigestRun, Event, Obligation, Outbox, Plan, Task, Unit
from models.calendar.workcal import VN, WorkingCalendar

CHANGE_KINDS = ("done", "progress", "blocked", "extension_requested", "extension_approved", "extension_denied",
                "postponed", "cancelled")


@dataclass
class Digest:
    plan: Plan
    at: dt.datetime
    kind: str  # "weekly", "period-end", "manual"
    label: str  # "2019-W42", "2019-Q3"
    total: Tally
    areas: list[tuple[str, str, Tally]]
    worst_units: list[tuple[str, int]]  # (unit name, overdue obligations)
    extensions: list[dict]  # waiting for the coordinator
    unreachable: list[tuple[str, str, str, int]]  # (unit id, name, why, open work): units with open work and
    # no live chat, the most open work first
    uncertain: int  # messages whose delivery nobody can confirm
    reach: dict[str, int] = field(default_factory=dict)  # channel → units reached on it
    blockers: list[dict] = field(default_factory=list)  # blocked obligations, with what blocks them
    newly_unreachable: list[tuple[str, str]] = field(default_factory=list)  # (name, why): lost since the previous
    worst_tie: tuple[int, int] | None = None  # (units, overdue each): a tie at the end of worst_units
    untracked: list[str] = field(default_factory=list)  # task codes that open nothing until timed
    previous_at: dt.datetime | None = None
    deltas: dict[str, int] = field(default_factory=dict)  # category → change since the previous digest
    events: dict[str, int] = field(default_factory=dict)  # what assignees and coordinators did since
    unannounced: list[int] = field(default_factory=list)  # years of open deadlines whose days off are a guess
    period: str | None = None  # only this period's obligations are counted; None: every period tracked

    def totals(self) -> dict[str, int]:
        return {c.value: self.total[c] for c in Category} | {"due_soon": self.total.due_soon,
                                                             "extended": self.total.extended,
                                                             "unreachable": len(self.unreachable)}


def build_digest(session: Session, plan_id: str, at: dt.datetime, kind: str = "manual", label: str = "",
                 period: str | None = None, top_units: int | None = None) -> Digest:
    """The digest of a plan as it stands at `at` (only one period's obligations if given)."""
    plan = session.get(Plan, plan_id)
    schedule = schedule_of(plan)
    top = top_units or schedule.digest.top_units
    tallies = rollup(session, "area", at, plan_id=plan_id, due_soon_days=schedule.due_soon_days, period=period)
    per_unit = unit_counts(session, plan_id, at, period)  # one count serves the worst units and the unreachable
    extensions, blockers = _waiting(session, plan_id, at, period)
    digest = Digest(plan, at, kind, label or f"{at.astimezone(VN):%Y-%m-%d}", Tally.summed(("total",), tallies),
                    every_area(session, plan_id, tallies), [], extensions, _unreachable(per_unit),
                    _uncertain(session, plan), _reach(session, plan), blockers)
    digest.worst_units, digest.worst_tie = _worst_units(per_unit, top)
    digest.period = period
    digest.untracked = untracked_tasks(session, plan_id)
    _since_previous(session, digest)
    return digest


@dataclass
class UnitCount:
    unit_id: str
    name: str
    overdue: int  # overdue at `at`, of the digest's scope (begun by then; its period if one)
    oldest_due: dt.datetime | None  # the longest overdue's deadline
    open_work: int  # active obligations of the plan, whatever their period
    reached: bool  # a live chat speaks for the unit
    dead_reason: str  # why its last link died, "" if none did


def unit_counts(session: Session, plan_id: str, at: dt.datetime, period: str | None = None) -> list[UnitCount]:
    """Per unit of the plan with open work: what is overdue (the digest's worst units) and whether
    anyone can be reached (its unreachable units)."""
    ob = obligations_at(at)
    values = scope_values(at, period=period)  # begun by then, and of the period: as the areas
    rows = session.exec(_by_unit(ob, given_names(values)), params=values | {"at": at, "plan_id": plan_id})
    return [UnitCount(unit_id, name, overdue or 0, oldest, open_work, bool(reached), dead or "")
            for unit_id, name, open_work, overdue, oldest, reached, dead in rows]


@built_once
def _by_unit(ob, given: frozenset[str]):
    """Two counts by unit, each reading only the rows it counts (one count of both judged every
    obligation of the plan twice, and took longer): the plan's active obligations whatever their
    period, and, of those, the overdue ones of the digest's scope (every overdue obligation is
    active); then per unit, not per obligation, whether a live chat speaks for it and why its last
    link died (asked inside the count, SQLite took 54 ms a digest)."""
    of_plan = select().select_from(ob).join(Task, Task.id == ob.task_id).where(Task.plan_id == bindparam("plan_id"))
    active = (of_plan.add_columns(ob.unit_id, func.count().label("count")).where(ob.status.in_([s.value for s in ACTIVE]))
              .group_by(ob.unit_id).subquery("active"))
    overdue = (of_plan.add_columns(ob.unit_id, func.count().label("count"), func.min(ob.due_at).label("oldest"))
               .where(overdue_at(bindparam("at"), ob), *scope_parameters(ob, given))
               .group_by(ob.unit_id).subquery("overdue"))
    of_unit = ChatLink.unit_id == active.c.unit_id
    reached = select(ChatLink.id).where(of_unit, ChatLink.active, ChatLink.role.in_(["assignee", "head"])).exists()
    dead = (select(ChatLink.dead_reason).where(of_unit, ChatLink.dead_reason.is_not(None))
            .order_by(ChatLink.unlinked_at.desc()).limit(1).scalar_subquery())
    return (select(active.c.unit_id, func.coalesce(Unit.name, active.c.unit_id), active.c.count, overdue.c.count,
                   overdue.c.oldest, reached, dead)
            .outerjoin(overdue, overdue.c.unit_id == active.c.unit_id).outerjoin(Unit, Unit.id == active.c.unit_id))


def _worst_units(counts: list[UnitCount], top: int) -> tuple[list[tuple[str, int]], tuple[int, int] | None]:
    """The units with the most overdue obligations, the longest overdue first among equals, then
    in Vietnamese alphabetical order; when the list ends inside a tie, the rest of the tie is
    said once: (units not named, their count)."""
    def rank(c: UnitCount):
        return -c.overdue, c.oldest_due

    found = sorted((c for c in counts if c.overdue), key=rank)
    head = found[:top]  # names are compared (an ICU key each) only where the list is cut
    head += [c for c in found[top:] if head and rank(c) == rank(head[-1])]
    shown = [(c.name, c.overdue) for c in sorted(head, key=lambda c: (*rank(c), vi_key(c.name)))[:top]]
    if len(found) <= top or shown[-1][1] != found[top].overdue:
        return shown, None
    tied = shown[-1][1]
    return shown, (sum(1 for c in found if c.overdue == tied) - sum(1 for _, n in shown if n == tied), tied)


def _waiting(session: Session, plan_id: str, at: dt.datetime, period: str | None) -> tuple[list[dict], list[dict]]:
    """What waits for the coordinator at `at`, read in one query: the extension requests (every
    period's, the earliest asked-for deadline first) and the blockers (the digest's period's, with
    the reason the unit gave, oldest report first)."""
    found = session.exec(_waiting_query(obligations_at(at)), params={"plan_id": plan_id}).all()
    earlier = fields_at(session, [o.id for o in found], at)
    extensions, blockers = [], []
    for o in found:
        was = earlier.get(o.id, {})
        row = {"unit": o.unit, "code": o.code, "period": o.period, "reason": as_it_stood(o, was, "note") or ""}
        if o.status == "extension_requested":
            extensions.append(row | {"due": o.due_at, "requested": as_it_stood(o, was, "requested_due_at")})
        elif period is None or o.period == period:
            blockers.append(row)
    extensions.sort(key=lambda r: (r["requested"] is None, r["requested"] or at, vi_key(r["unit"])))
    return extensions, blockers


@built_once
def _waiting_query(ob):
    """The columns the digest shows (rows, not objects: read faster), each named as the obligation's."""
    return (select(ob.id, ob.period, ob.status, ob.due_at, ob.note, ob.requested_due_at, Task.code,
                   Unit.name.label("unit"))
            .select_from(ob).join(Task, Task.id == ob.task_id).join(Unit, Unit.id == ob.unit_id)
            .where(Task.plan_id == bindparam("plan_id"), ob.status.in_(["extension_requested", "blocked"]))
            .order_by(ob.id))


def unreachable_units(session: Session, plan: Plan) -> list[tuple[str, str, str, int]]:
    """Units with active obligations that no live chat speaks for, the most open work first, then
    in Vietnamese alphabetical order: (id, name, their dead link's reason or "" for never linked,
    open obligations)."""
    return _in_name_order(_unreachable(unit_counts(session, plan.id, utcnow())))


def _unreachable(counts: list[UnitCount]) -> list[tuple[str, str, str, int]]:
    """The unreachable units, the most open work first (a digest names only those newly lost)."""
    return sorted(((c.unit_id, c.name, c.dead_reason, c.open_work) for c in counts if c.open_work and not c.reached),
                  key=lambda row: -row[3])


def _in_name_order(rows: list[tuple[str, str, str, int]]) -> list[tuple[str, str, str, int]]:
    return sorted(rows, key=lambda row: (-row[3], vi_key(row[1])))


# The digest's smaller questions, each built once and asked with the plan's values: a statement
# built anew costs five times what SQLite takes to answer it.

def _reach(session: Session, plan: Plan) -> dict[str, int]:
    """Units of the plan's directory that someone on each channel speaks for."""
    return dict(session.exec(_reach_query(), params={"prefix": plan.directory_id + "/"}).all())


@functools.cache
def _reach_query():
    return (select(ChatLink.channel, func.count(func.distinct(ChatLink.unit_id)))
            .where(ChatLink.active, ChatLink.role.in_(["assignee", "head"]),
                   ChatLink.unit_id.startswith(bindparam("prefix"))).group_by(ChatLink.channel))


def _uncertain(session: Session, plan: Plan) -> int:
    """Outbox rows to this plan's directory's chats that may or may not have been delivered."""
    return session.exec(_uncertain_query(), params={"prefix": plan.directory_id + "/"}).one()


@functools.cache
def _uncertain_query():
    chats = select(ChatLink.chat_id).where(ChatLink.unit_id.startswith(bindparam("prefix")))
    return select(func.count()).select_from(Outbox).where(Outbox.state == "uncertain", Outbox.chat_id.in_(chats))


@functools.cache
def _previous_query():
    return (select(DigestRun).where(DigestRun.plan_id == bindparam("plan_id"), DigestRun.kind == bindparam("kind"),
                                    DigestRun.label != bindparam("label"))
            .order_by(DigestRun.made_at.desc()).limit(1))


def _since_previous(session: Session, digest: Digest) -> None:
    previous = session.exec(_previous_query(), params={"plan_id": digest.plan.id, "kind": digest.kind,
                                                       "label": digest.label}).first()
    if previous is None:
        return
    digest.previous_at = previous.made_at
    now = digest.totals()
    digest.deltas = {key: now.get(key, 0) - (previous.totals or {}).get(key, 0) for key in now}
    rows = session.exec(select(Event.kind, func.count()).join(Obligation, Obligation.id == Event.obligation_id)
                        .join(Task, Task.id == Obligation.task_id)
                        .where(Task.plan_id == digest.plan.id, Event.at > previous.made_at, Event.at <= digest.at,
                               Event.kind.in_(CHANGE_KINDS))
                        .group_by(Event.kind))
    digest.events = dict(rows.all())
    lost = set(session.exec(select(ChatLink.unit_id).where(ChatLink.unlinked_at > previous.made_at,
                                                           ChatLink.unlinked_at <= digest.at)))
    digest.newly_unreachable = [(name, why) for unit_id, name, why, _ in
                                _in_name_order([row for row in digest.unreachable if row[0] in lost])]


# --- rendering ------------------------------------------------------------------

WORDS = {
    "vi": {"title": "Tổng hợp tình hình thực hiện", "as_of": "tính đến",
           "scope_all": "tính mọi kỳ đang theo dõi", "scope_period": "chỉ tính các nhiệm vụ của {period}", "total": "Tổng số nhiệm vụ của các đơn vị",
           "by_area": "Theo lĩnh vực (xong đúng hạn / xong quá hạn / đang trong hạn / quá hạn)", "worst": "Đơn vị có nhiều nhiệm vụ quá hạn nhất",
           "extensions": "Đề nghị gia hạn chờ xử lý", "blockers": "Vướng mắc chờ xử lý", "to": "đến", "unreachable": "Đơn vị chưa liên lạc được", "reach": "Liên lạc được",
           "untracked": "Chưa xác định thời hạn (chưa theo dõi)", "tasks": "nhiệm vụ",
           "unannounced": "Lịch nghỉ bù năm {years} chưa được công bố: hạn trong các năm này tính theo ngày lễ luật định, có thể thay đổi",
           "units": "đơn vị", "tie": "và {n} đơn vị khác, cũng {count} nhiệm vụ mỗi đơn vị", "since": "so với lần trước", "newly": "mới mất liên lạc",
           "full_list": "danh sách đầy đủ: trang theo dõi, mục Liên lạc",
           "never_linked": "chưa liên kết", "uncertain": "Tin nhắn chưa xác nhận đã gửi (cần kiểm tra lại)",
           "changes": "Thay đổi từ lần tổng hợp trước", "none": "không có", "weekly": "hằng tuần",
           "period-end": "cuối kỳ", "manual": "theo yêu cầu", "more": "và {n} mục khác",
           "window": "kỳ báo cáo theo Nghị định 09/2019/NĐ-CP, số liệu từ {start} đến {end}",
           "report_button": "Báo cáo đầy đủ (Excel)",
           "events": {"done": "báo hoàn thành", "progress": "cập nhật tiến độ", "blocked": "báo vướng mắc",
                      "extension_requested": "xin gia hạn", "extension_approved": "được gia hạn",
                      "extension_denied": "không được gia hạn", "postponed": "tạm hoãn", "cancelled": "hủy"}},
    "en": {"title": "Progress digest", "as_of": "as of",
           "scope_all": "every period tracked", "scope_period": "only the obligations of {period}", "total": "All obligations", "by_area": "By area (done on time / done late / open in time / overdue)",
           "worst": "Units with the most overdue obligations", "extensions": "Extension requests waiting",
           "blockers": "Blockers waiting",
           "to": "to", "unreachable": "Units nobody can reach", "reach": "Reached",
           "untracked": "No timing set yet (not tracked)", "tasks": "tasks",
           "unannounced": "The days off of {years} are not announced yet: deadlines there use the statutory holidays and may move",
           "units": "units", "tie": "and {n} more units with {count} each", "never_linked": "never linked",
           "since": "since last time", "newly": "newly lost",
           "full_list": "the full list: the dashboard's Reach page",
           "uncertain": "Messages whose delivery is unconfirmed (check by phone)",
           "changes": "Changes since the previous digest", "none": "none", "weekly": "weekly",
           "period-end": "period end", "manual": "on request", "more": "and {n} more",
           "window": "the reporting period of Decree 09/2019/ND-CP, figures from {start} to {end}",
           "report_button": "Full report (Excel)",
           "events": {"done": "reported done", "progress": "progress reports", "blocked": "blocked",
                      "extension_requested": "extensions asked", "extension_approved": "extensions approved",
                      "extension_denied": "extensions denied", "postponed": "postponed", "cancelled": "cancelled"}},
}
LISTED = 10  # extension requests and unreachable units listed by name; the rest counted


def digest_text(digest: Digest, lang: str = "vi", as_html: bool = False) -> str:
    """The digest in Vietnamese (default) or English: Telegram HTML, or plain text for the CLI."""
    escape = (lambda v: html.escape(str(v), quote=False)) if as_html else str
    bold = (lambda v: f"<b>{escape(v)}</b>") if as_html else str
    labels = LABELS[lang]
    four = [(labels[c], digest.total[c], digest.deltas.get(c.value)) for c in REPORT_FOUR]
    extra = [(labels[c], digest.total[c], digest.deltas.get(c.value))
             for c in (Category.no_deadline, Category.postponed) if digest.total[c]]
    extra += [(labels[k], n, digest.deltas.get(k)) for k, n in (("due_soon", digest.total.due_soon),
                                                                ("extended", digest.total.extended)) if n]
    areas = [(code, title, [t[c] for c in REPORT_FOUR]) for code, title, t in digest.areas]
    return environment().get_template("digest.j2").render(
        d=digest, w=WORDS[lang], four=four, extra=extra, areas=areas, e=escape, b=bold, listed=LISTED,
        window=_window_words(digest, lang),
        per=lambda period: period_words(period, lang), reason=lambda why: dead_reason_text(lang, why),
        local=lambda moment: moment.astimezone(VN)).strip()


def _window_words(digest: Digest, lang: str) -> str:
    """A period-end digest of a plan on Decree 09's basis comes when the data window closes
    (the 14th), before the calendar period ends: it says which days its figures cover."""
    basis = schedule_of(digest.plan).basis
    if digest.kind != "period-end" or basis != Basis.decree09:
        return ""
    window = parse_period(digest.label, basis)
    return WORDS[lang]["window"].format(start=f"{window.start:%d/%m/%Y}", end=f"{window.end:%d/%m/%Y}")


# --- sending -------------------------------------------------------------------

def send_digests(session: Session, plan_id: str, now: dt.datetime, calendar: WorkingCalendar,
                 reports: Path | None = None) -> int:
    """Queue the digests due now to every coordinator chat of the plan, each label once
    (a second run the same week finds it made); after a period ends, also the period's
    Excel report, written into the `reports` folder. Returns the outbox rows added."""
    plan = session.get(Plan, plan_id)
    schedule = schedule_of(plan)
    made = set(session.exec(select(DigestRun.label).where(DigestRun.plan_id == plan_id)))
    chats = session.exec(select(ChatLink).where(ChatLink.unit_id == plan.coordinator_unit_id,
                                                ChatLink.role == "coordinator", ChatLink.active)).all()
    added = 0
    for kind, label, period in due_digests(schedule.digest, schedule.basis, now, calendar):
        if label in made:
            continue
        if kind == "period-end" and not _tracked(session, plan_id, period):
            continue  # a period that ended before any of it was tracked: nothing to report
        digest = build_digest(session, plan_id, now, kind, label, period)
        digest.unannounced = unannounced_years(session, plan_id, calendar)
        run = DigestRun(plan_id=plan_id, kind=kind, label=label, made_at=now, totals=digest.totals())
        session.add(run)
        session.flush()  # its id goes in the report button
        report = _write_report(session, plan, now, period, reports) if kind == "period-end" and reports else None
        for chat in chats:
            added += _queue_digest(session, plan, digest, run, chat, report)
    return added


def unannounced_years(session: Session, plan_id: str, calendar: WorkingCalendar) -> list[int]:
    """Years holding the plan's open deadlines whose swapped days are not announced yet."""
    last = session.exec(select(func.max(Obligation.due_at)).join(Task, Task.id == Obligation.task_id)
                        .where(Task.plan_id == plan_id, Obligation.status.in_([s.value for s in ACTIVE]))).one()
    if last is None:
        return []
    return [y for y in range(calendar.announced_through + 1, last.astimezone(VN).year + 1)]


def _tracked(session: Session, plan_id: str, period: str) -> bool:
    return session.exec(select(Obligation.id).join(Task, Task.id == Obligation.task_id)
                        .where(Task.plan_id == plan_id, Obligation.period == period).limit(1)).first() is not None


def _queue_digest(session: Session, plan: Plan, digest: Digest, run: DigestRun, chat: ChatLink,
                  report: Path | None) -> int:
    """One coordinator's digest on their channel: Telegram with the report button (and the
    period's report as a document), e-mail with the report attached, Zalo as plain text."""
    key = f"digest:{plan.id}:{run.label}:{chat.chat_id if chat.channel == 'telegram' else chat.id}"
    if chat.channel == "email":
        subject = f"[Đôn đốc] {plan.number} – {period_words(run.label)}"
        text = digest_text(digest, chat.lang)
        html_part = "<div>" + digest_text(digest, chat.lang, as_html=True).replace("\n", "<br>") + "</div>"
        return outbox.enqueue_email(session, key, chat.address, subject, text, html_part, kind="digest",
                                    attachments=[str(report.resolve())] if report else None)
    if chat.channel != "telegram":
        text = digest_text(digest, chat.lang)[:2000]
        return outbox.enqueue_text(session, key, chat.channel, chat.address, text, kind="digest",
                                   template=("digest", {"text": text}))
    button = {"text": WORDS[chat.lang]["report_button"], "callback_data": f"r:{run.id}"}
    added = outbox.enqueue(session, key, chat.chat_id, digest_text(digest, chat.lang, as_html=True), kind="digest",
                           reply_markup={"inline_keyboard": [[button]]})
    if report:
        added += outbox.enqueue_document(session, f"report:{plan.id}:{run.label}:{chat.chat_id}", chat.chat_id,
                                         str(report.resolve()), f"{plan.number} – {period_words(run.label)}")
    return added


def _write_report(session: Session, plan: Plan, now: dt.datetime, period: str, reports: Path) -> Path:
    """The period's Excel report, written once for every coordinator's message to carry."""
    from models.report.period import build_report, report_file_name, report_xlsx

    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"{report_file_name(plan.id, period, now)}.xlsx"
    path.write_bytes(report_xlsx(build_report(session, plan.id, now, period=period)))
    return path


def report_scope(session: Session, run: DigestRun, basis) -> str:
    """The period a digest's "full report" covers: the ended period for a period-end digest,
    else the latest quarter with obligations begun by then (the one being chased)."""
    if run.kind == "period-end":
        return run.label
    latest = session.exec(select(func.max(Obligation.period)).join(Task, Task.id == Obligation.task_id)
                          .where(Task.plan_id == run.plan_id, Obligation.period.like("____-Q_"),
                                 Obligation.starts_on <= run.made_at.astimezone(VN).date())).one()
    return latest or period_containing(3, run.made_at.astimezone(VN).date(), basis).id


# --- when digests are due -------------------------------------------------------

def due_digests(policy: DigestPolicy, basis, now: dt.datetime, calendar: WorkingCalendar) -> list[tuple[str, str, str | None]]:
    """(kind, label, period) of the digests whose moment has come this week: the weekly one
    from its weekday and time, the period-end one from the first working day after the period.
    A digest already made (same label) is skipped by the caller."""
    local = now.astimezone(VN)
    due = []
    week_start = local.date() - dt.timedelta(days=local.isoweekday() - 1)
    weekly_at = dt.datetime.combine(week_start + dt.timedelta(days=policy.weekday - 1), policy.at, tzinfo=VN)
    if local >= weekly_at:
        year, week, _ = local.isocalendar()
        due.append(("weekly", f"{year}-W{week:02d}", None))
    if policy.period_end:
        current = period_containing(MONTHS[policy.period_end.value], local.date(), basis)
        ended = _previous(current, basis)
        moment = dt.datetime.combine(calendar.add_working_days(ended.end, 1), policy.at, tzinfo=VN)
        if moment <= local < moment + dt.timedelta(days=7):  # a fresh install does not send last year's
            due.append(("period-end", ended.id, ended.id))
    return due


def _previous(period: Period, basis) -> Period:
    return period_containing(period.months, period.start - dt.timedelta(days=1), basis)
