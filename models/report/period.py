"""The period report a province sends upward: one row per obligation (task × lead unit),
the four-way split per area and per unit level, and the on-time rate over periods.

`build_report` gathers everything from the database in a few queries; `report_xlsx`,
`report_html` and `report_pdf` only lay it out.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from models.engine.opening import schedule_of
from models.plans.plan import TargetSpec
from models.report.render import environment
from models.report.rollup import LABELS, LEVEL_NAMES, REPORT_FOUR, Category, Tally, category_at, every_area, in_scope, rollup
from models.common.text import code_key, plain_text, slug, vi_key
from models.engine.asof import as_it_stood, fields_at, obligations_at
from models.report.outcomes import plan_figures
from models.calendar.periods import period_words
from models.store.tables import Assignment, Event, Evidence, OutcomeIndex, Plan, Task, Unit
from models.calendar.workcal import VN

PERIOD_ID = re.compile(r"\d{4}(-(Q[1-4]|H[12]|\d{2}))?")  # not "once", events or dated windows
# Events that carry a note but are not what a unit said: a refused action is the audit's.
NOT_NOTES = ("refused",)
EXTENSION_EVENTS = {"extension_requested": "xin", "extension_approved": "đồng ý", "extension_denied": "không đồng ý"}


@dataclass
class Row:
    """One obligation as the report shows it."""
    area: str
    code: str
    task: str
    unit: str
    level: str
    coordinating: str
    period: str
    due: dt.datetime | None
    original_due: dt.datetime | None
    category: Category
    status: str
    done: dt.datetime | None
    progress: int | None
    extensions: str
    evidence: int
    target: str = ""  # "≥ 40% hồ sơ tiếp nhận"
    value: float | None = None
    met: bool | None = None  # None: no target, or no value reported yet
    obligation_id: int = 0
    note: str = ""  # the latest note anyone wrote on it (a progress note, a coordinator's reply, ...)
    blocked: str = ""  # what blocks it, as the unit said, while it is blocked


@dataclass
class CascadeLine:
    """A lower-level plan's task carrying out a task of the report's plan, and its counts."""
    depth: int  # 1: a plan directly under this one (a district's), 2: under that (a commune's), ...
    top_task: str  # the task of the report's plan it carries out, through every level
    plan_number: str
    task: str
    tally: Tally


@dataclass
class Report:
    plan: Plan
    at: dt.datetime
    title: str  # "2019-Q3", or "01/07/2019 – 30/09/2019"
    rows: list[Row]
    by_area: list[tuple[str, str, Tally]]
    by_level: list[tuple[str, Tally]]
    trend: list[tuple[str, float | None]] = field(default_factory=list)  # (period, on-time rate)
    cascade: list[CascadeLine] = field(default_factory=list)
    outcomes: list[OutcomeIndex] = field(default_factory=list)  # the indices the plan is meant to move
    issuer: tuple[str, str] = ("", "")  # (the body above the coordinator, the coordinator): the report's author
    unit: str = ""  # the unit, when the report is one unit's record


def build_report(session: Session, plan_id: str, at: dt.datetime, period: str | None = None,
                 due_from: dt.date | None = None, due_to: dt.date | None = None,
                 unit_id: str | None = None) -> Report:
    """The report of one period, or of the obligations due in [due_from, due_to], as they
    stood at `at`; optionally one unit's record only."""
    plan = session.get(Plan, plan_id)
    soon = schedule_of(plan).due_soon_days
    scope = dict(plan_id=plan_id, period=period, due_from=due_from, due_to=due_to, unit_id=unit_id, due_soon_days=soon)
    rows = _rows(session, plan_id, at, period, due_from, due_to, unit_id)
    by_area = every_area(session, plan_id, rollup(session, "area", at, **scope))
    by_level = [(LEVEL_NAMES.get(t.key[0], t.key[0]), t) for t in rollup(session, "level", at, **scope)]
    title = (period_words(period) if period else " – ".join(f"{d:%d/%m/%Y}" for d in (due_from, due_to) if d)
             or f"{at.astimezone(VN):%d/%m/%Y}")
    return Report(plan, at, title, rows, by_area, by_level, on_time_trend(session, plan_id, at, unit_id, period),
                  [] if unit_id else cascade(session, plan_id, at, period), plan_figures(session, plan_id),
                  _issuer(session, plan), session.get(Unit, unit_id).name if unit_id else "")


def _issuer(session: Session, plan: Plan) -> tuple[str, str]:
    """Who signs the report: the plan's coordinator, under the body it belongs to."""
    coordinator = session.get(Unit, plan.coordinator_unit_id) if plan.coordinator_unit_id else None
    if coordinator is None:
        return "", ""
    above = session.get(Unit, coordinator.parent_id) if coordinator.parent_id else None
    return (above.name if above else plan.issued_by), coordinator.name


def cascade(session: Session, plan_id: str, at: dt.datetime, period: str | None = None,
            top: dict[str, str] | None = None, depth: int = 1, seen: frozenset = frozenset()) -> list[CascadeLine]:
    """Plans that implement this one, level by level (province → districts → communes): each
    of their tasks that carries out one of ours, with its four-way split. Each plan is
    visited once on a branch, so a parent cycle stored before it was refused cannot loop."""
    lines, seen = [], seen | {plan_id}
    children = session.exec(select(Plan).where(Plan.parent_plan_id == plan_id).order_by(Plan.id)).all()
    for child in [c for c in children if c.id not in seen]:
        tallies = {t.key[1]: t for t in rollup(session, "task", at, plan_id=child.id, period=period)}
        tasks = session.exec(select(Task).where(Task.plan_id == child.id, Task.active, Task.implements.is_not(None)))
        mapping = {}
        for task in sorted(tasks, key=lambda t: code_key(t.code)):
            mapping[task.code] = (top or {}).get(task.implements, task.implements)
            lines.append(CascadeLine(depth, mapping[task.code], child.number, task.code,
                                     tallies.get(task.code, Tally((child.id, task.code)))))
        lines += cascade(session, child.id, at, period, mapping, depth + 1, seen)
    return sorted(lines, key=lambda line: (code_key(line.top_task), line.depth, line.plan_number, code_key(line.task)))


def narrowed(report: Report, obligation_ids: set[int]) -> Report:
    """The report of some of its obligations only (the dashboard's filtered view): its rows,
    and the splits by area and by level counted again from them."""
    rows = [row for row in report.rows if row.obligation_id in obligation_ids]
    titles = {code: title for code, title, _ in report.by_area}
    by_area: dict[str, Tally] = {}
    by_level: dict[str, Tally] = {}
    for row in rows:
        for groups, key in ((by_area, row.area or "—"), (by_level, LEVEL_NAMES.get(row.level, row.level))):
            tally = groups.setdefault(key, Tally((key,)))
            tally.counts[row.category] = tally.counts.get(row.category, 0) + 1
    return Report(report.plan, report.at, report.title, rows,
                  [(code, titles.get(code, ""), by_area[code]) for code in sorted(by_area, key=code_key)],
                  sorted(by_level.items()), report.trend, report.cascade, report.outcomes, report.issuer, report.unit)


def _rows(session: Session, plan_id: str, at: dt.datetime, period, due_from, due_to, unit_id) -> list[Row]:
    ob = obligations_at(at)
    category = category_at(at, ob).label("category")
    query = in_scope(select(ob, Task, Unit.name, Unit.level, category)
                     .join(Task, Task.id == ob.task_id).join(Unit, Unit.id == ob.unit_id),
                     at, plan_id, unit_id, period, due_from, due_to, ob)
    found = session.exec(query).all()
    ids = [ob.id for ob, *_ in found]
    evidence = _evidence_counts(session, ids, at)
    extensions = _extension_history(session, ids, at)
    coordinating = _coordinating(session, {task.id for _, task, *_ in found})
    notes = _latest_notes(session, ids, at)
    earlier = fields_at(session, ids, at)  # progress, value and notes as they stood at `at`
    rows = []
    for ob, task, unit, level, cat in found:
        was = earlier.get(ob.id, {})
        rows.append(Row(task.area_code or "", task.code, task.text, unit, level, coordinating.get(task.id, ""),
                        ob.period, ob.due_at, ob.original_due_at, Category(cat), ob.status,
                        ob.done_at if ob.status == "done" else None, as_it_stood(ob, was, "progress"),
                        extensions.get(ob.id, ""), evidence.get(ob.id, 0), *_measured(task, as_it_stood(ob, was, "value")),
                        obligation_id=ob.id, note=notes.get(ob.id, ""),
                        blocked=(as_it_stood(ob, was, "note") or "") if ob.status == "blocked" else ""))
    return sorted(rows, key=lambda r: (code_key(r.code), r.period, vi_key(r.unit)))


def _measured(task: Task, value: float | None) -> tuple[str, float | None, bool | None]:
    if not task.target:
        return "", None, None
    target = TargetSpec.model_validate(task.target)
    return target.text(), value, target.met(value)


def targets_summary(report: "Report") -> tuple[int, int, int]:
    """(met, not met, not reported) over the report's measured obligations."""
    measured = [r for r in report.rows if r.target]
    met = sum(1 for r in measured if r.met)
    missed = sum(1 for r in measured if r.met is False)
    return met, missed, len(measured) - met - missed


def _in_chunks(ids: list[int], size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _evidence_counts(session: Session, ids: list[int], at: dt.datetime) -> dict[int, int]:
    """Files of proof sent by `at`, per obligation."""
    counts: dict[int, int] = {}
    for chunk in _in_chunks(ids):
        counts.update(session.exec(select(Evidence.obligation_id, func.count()).where(
            Evidence.obligation_id.in_(chunk), Evidence.at <= at).group_by(Evidence.obligation_id)).all())
    return counts


def _latest_notes(session: Session, ids: list[int], at: dt.datetime) -> dict[int, str]:
    """The latest note written on each obligation by `at` (the audit trail keeps every one)."""
    notes: dict[int, str] = {}
    for chunk in _in_chunks(ids):
        events = session.exec(select(Event.obligation_id, Event.note).where(
            Event.obligation_id.in_(chunk), Event.note.is_not(None), Event.at <= at,
            Event.kind.not_in(NOT_NOTES)).order_by(Event.id))
        notes.update(events.all())  # in order: the last one stays
    return notes


def _extension_history(session: Session, ids: list[int], at: dt.datetime) -> dict[int, str]:
    """"xin 25/10/2019; đồng ý" per obligation, from the audit trail."""
    history: dict[int, list[str]] = defaultdict(list)
    for chunk in _in_chunks(ids):
        events = session.exec(select(Event).where(Event.obligation_id.in_(chunk), Event.kind.in_(EXTENSION_EVENTS),
                                                  Event.at <= at).order_by(Event.id))
        for event in events:
            word = EXTENSION_EVENTS[event.kind]
            asked = (event.after or {}).get("requested_due_at") if event.kind == "extension_requested" else None
            history[event.obligation_id].append(
                f"{word} {dt.datetime.fromisoformat(asked).astimezone(VN):%d/%m/%Y}" if asked else word)
    return {k: "; ".join(v) for k, v in history.items()}


def _coordinating(session: Session, task_ids: set[int]) -> dict[int, str]:
    phrases: dict[int, list[str]] = defaultdict(list)
    for task_id, phrase in session.exec(select(Assignment.task_id, Assignment.phrase).distinct()
                                        .where(Assignment.task_id.in_(task_ids), Assignment.role == "coordinating")
                                        .order_by(Assignment.task_id, Assignment.phrase)):
        phrases[task_id].append(phrase)
    return {k: "; ".join(v) for k, v in phrases.items()}


def on_time_rate(tally: Tally) -> float | None:
    """Done on time over everything whose deadline has been reached or that is done."""
    judged = sum(tally[c] for c in (Category.done_on_time, Category.done_late, Category.open_overdue))
    return tally[Category.done_on_time] / judged if judged else None


def on_time_trend(session: Session, plan_id: str, at: dt.datetime, unit_id: str | None = None,
                  like: str | None = None) -> list[tuple[str, float | None]]:
    """The on-time rate of each period of the plan, oldest first: periods of the same kind
    as `like` (2019-Q3: quarters; 2019: years), quarters by default."""
    return trend_of(rollup(session, "period", at, plan_id=plan_id, unit_id=unit_id), like)


def trend_of(tallies: list[Tally], like: str | None = None) -> list[tuple[str, float | None]]:
    """The on-time rate per period of tallies whose key ends with the period (by period, or by
    area and period: the areas are summed), periods of the kind of `like` (quarters by default)."""
    kind = _period_kind(like or "2019-Q1")
    per_period: dict[str, list[Tally]] = defaultdict(list)
    for tally in tallies:
        if _period_kind(tally.key[-1]) == kind:
            per_period[tally.key[-1]].append(tally)
    return sorted((period, on_time_rate(Tally.summed((period,), group))) for period, group in per_period.items())


def _period_kind(period_id: str) -> str | None:
    match = PERIOD_ID.fullmatch(period_id)
    return None if match is None else (match.group(2) or "year")[0]


# --- layouts ----------------------------------------------------------------------

COLUMNS = ["Lĩnh vực", "Nhiệm vụ", "Nội dung", "Đơn vị chủ trì", "Cấp", "Đơn vị phối hợp", "Kỳ", "Hạn",
           "Hạn ban đầu", "Kết quả", "Ngày hoàn thành", "Tiến độ (%)", "Gia hạn", "Số minh chứng",
           "Chỉ tiêu", "Giá trị đạt", "Đạt chỉ tiêu", "Vướng mắc", "Ghi chú mới nhất"]
MET = {True: "Đạt", False: "Không đạt", None: ""}


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: dates are written as Vietnam's wall-clock time."""
    return moment.astimezone(VN).replace(tzinfo=None) if moment else None


def row_values(row: Row) -> list:
    no_deadline = row.category == Category.no_deadline  # a check-in's date is not a deadline
    return [row.area, row.code, row.task, row.unit, LEVEL_NAMES.get(row.level, row.level), row.coordinating,
            period_words(row.period), None if no_deadline else _local(row.due), None if no_deadline else _local(row.original_due), LABELS["vi"][row.category], _local(row.done),
            row.progress, row.extensions, row.evidence, row.target, row.value, MET[row.met] if row.target else "",
            row.blocked, row.note]


def _append(sheet, values: list) -> None:
    """A row of the workbook; text as Excel takes it (one control character in a note made
    the whole export fail)."""
    sheet.append([plain_text(v) if isinstance(v, str) else v for v in values])


# One split in every format: the four report categories, the check-ins (no deadline), the
# postponed or cancelled, and "Tổng": every obligation (the same word meant two sums before).
SPLIT_HEADS = [LABELS["vi"][c] for c in REPORT_FOUR] + ["Thường xuyên (không thời hạn)", "Tạm hoãn, hủy", "Tổng"]


def split_values(tally: Tally) -> list[int]:
    return [tally[c] for c in REPORT_FOUR] + list(beyond_four(tally))


def _column_sums(tallies: list) -> list[int]:
    """A table's "Tổng cộng" row: each column summed."""
    return [sum(column) for column in zip(*(split_values(t) for t in tallies))] or [0] * len(SPLIT_HEADS)


def report_file_name(plan_id: str, period: str | None, at: dt.datetime) -> str:
    """bao-cao-<plan>-quy-iii-2019: the period in words, as a file name can hold them."""
    return f"bao-cao-{plan_id}-{slug(period_words(period)) if period else f'{at.astimezone(VN):%Y%m%d}'}"


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    bold = Font(bold=True)
    _append(summary, [f"{report.plan.number}: {report.plan.title}"])
    _append(summary, [f"Kỳ báo cáo: {report.title}; số liệu tính đến {report.at.astimezone(VN):%H:%M %d/%m/%Y}"])
    _append(summary, [])
    header = ["Lĩnh vực", "Tên lĩnh vực"] + SPLIT_HEADS
    _append(summary, header)
    first = summary.max_row
    for code, title, tally in report.by_area:
        _append(summary, [code, title] + split_values(tally))
    last = summary.max_row
    _append(summary, ["", "Tổng cộng"] + _column_sums([t for *_, t in report.by_area]))
    for cell in summary[summary.max_row]:
        cell.font = bold
    _append(summary, [])
    _append(summary, ["Cấp đơn vị", ""] + SPLIT_HEADS)
    level_header = summary.max_row
    for name, tally in report.by_level:
        _append(summary, [name, ""] + split_values(tally))
    _append(summary, ["Tổng cộng", ""] + _column_sums([t for _, t in report.by_level]))
    for cell in summary[summary.max_row]:
        cell.font = bold
    met, missed, unreported = targets_summary(report)
    if met + missed + unreported:
        _append(summary, [])
        _append(summary, ["Chỉ tiêu định lượng", "", "Đạt", "Không đạt", "Chưa báo cáo"])
        _append(summary, ["", "", met, missed, unreported])
        for cell in summary[summary.max_row - 1]:
            cell.font = bold
    _append(summary, [])
    _append(summary, ["Kỳ", "Tỷ lệ đúng hạn"])
    trend_header = summary.max_row
    for period, rate in report.trend:
        _append(summary, [period_words(period), rate])
        summary.cell(summary.max_row, 2).number_format = "0%"
    for row_number in (first, level_header, trend_header):
        for cell in summary[row_number]:
            cell.font = bold
    summary["A1"].font = Font(bold=True, size=13)
    summary.column_dimensions["B"].width = 45
    for column in range(3, 3 + len(SPLIT_HEADS)):
        summary.column_dimensions[get_column_letter(column)].width = 16

    split = BarChart()
    split.type, split.grouping, split.overlap = "bar", "stacked", 100
    split.title, split.width, split.height = "Kết quả theo lĩnh vực", 22, 10
    split.add_data(Reference(summary, min_col=3, max_col=6, min_row=first, max_row=last), titles_from_data=True)
    split.set_categories(Reference(summary, min_col=1, min_row=first + 1, max_row=last))
    summary.add_chart(split, "L4")
    if report.trend:
        trend = LineChart()
        trend.title, trend.width, trend.height = "Tỷ lệ hoàn thành đúng hạn theo kỳ", 22, 8
        trend.add_data(Reference(summary, min_col=2, min_row=trend_header, max_row=trend_header + len(report.trend)),
                       titles_from_data=True)
        trend.set_categories(Reference(summary, min_col=1, min_row=trend_header + 1,
                                       max_row=trend_header + len(report.trend)))
        trend.y_axis.number_format = "0%"
        summary.add_chart(trend, "L26")

    if report.outcomes:
        _append(summary, [])
        _append(summary, ["Chỉ số kết quả", "Nội dung", "Năm", "Điểm", "Thang điểm", "Xếp hạng", "Nguồn"])
        for cell in summary[summary.max_row]:
            cell.font = bold
        for figure in report.outcomes:
            _append(summary, [figure.name, figure.dimension, figure.year, figure.score, figure.scale,
                            f"{figure.rank}/{figure.rank_of}" if figure.rank else "", figure.source])

    if report.cascade:
        lower = book.create_sheet("Cấp dưới")
        _append(lower, ["Nhiệm vụ của kế hoạch này", "Cấp", "Kế hoạch cấp dưới", "Nhiệm vụ"]
                     + [LABELS["vi"][c] for c in REPORT_FOUR])
        for cell in lower[1]:
            cell.font = bold
        for line in report.cascade:
            _append(lower, [line.top_task, line.depth, line.plan_number, line.task] + [line.tally[c] for c in REPORT_FOUR])
        lower.freeze_panes = "A2"

    detail = book.create_sheet("Chi tiết")
    _append(detail, COLUMNS)
    for cell in detail[1]:
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
    for row in report.rows:
        _append(detail, row_values(row))
    for column in (8, 9, 11):
        for cell in detail.iter_rows(min_row=2, min_col=column, max_col=column):
            cell[0].number_format = "dd/mm/yyyy"
    detail.freeze_panes = "A2"
    detail.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(detail.max_row, 1)}"
    for column, width in zip("ABCDEFGHIJKLMNOPQ", (8, 9, 50, 36, 16, 30, 10, 12, 12, 24, 14, 10, 24, 10, 24, 10, 10)):
        detail.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


LISTED_SILENT = 15  # units named under a task as not having reported their check-in; the rest counted


def report_html(report: Report) -> str:
    """One page: charts, the split per area and per level, then each task once with its units
    beneath (the task's text is not repeated per unit, as the spreadsheet does)."""
    # The same split as the spreadsheet and the Word report, each table with its total row.
    areas = [(code, title, split_values(t)) for code, title, t in report.by_area]
    areas.append(("", "Tổng cộng", _column_sums([t for *_, t in report.by_area])))
    levels = [(name, split_values(t)) for name, t in report.by_level]
    levels.append(("Tổng cộng", _column_sums([t for _, t in report.by_level])))
    tasks: dict[str, dict] = {}
    checkins: dict[str, list[Row]] = {}
    for row in report.rows:
        task = tasks.setdefault(row.code, {"code": row.code, "text": row.task, "coordinating": row.coordinating,
                                           "target": row.target, "rows": [], "checkins": None})
        if row.category == Category.no_deadline:  # a check-in a row each made the PDF 77 pages: counted instead
            checkins.setdefault(row.code, []).append(row)
        else:
            task["rows"].append(row)
    for code, rows in checkins.items():
        silent = [r.unit for r in rows if not (r.done or r.progress is not None or r.note)]
        tasks[code]["checkins"] = {"count": len(rows), "reported": len(rows) - len(silent),
                                   "silent": silent[:LISTED_SILENT], "more": max(0, len(silent) - LISTED_SILENT)}
    return environment().get_template("report.html.j2").render(
        r=report, areas=areas, levels=levels, heads=SPLIT_HEADS, labels=[LABELS["vi"][c] for c in REPORT_FOUR],
        tasks=list(tasks.values()), category=LABELS["vi"], local=lambda moment: moment.astimezone(VN),
        targets=targets_summary(report), met=MET, four=REPORT_FOUR, per=period_words,
        place=place_of(report.issuer[0]),
        day=lambda moment: moment.astimezone(VN).strftime("%d/%m/%Y") if moment else "")


def beyond_four(tally: Tally) -> tuple[int, int, int]:
    """(continuous check-ins, the others: postponed or cancelled, all) of a tally."""
    four = sum(tally[c] for c in REPORT_FOUR)
    return tally[Category.no_deadline], tally.total - four - tally[Category.no_deadline], tally.total


def place_of(body: str) -> str:
    """Where a report is dated: "UBND tỉnh Bình Định" → "Bình Định"."""
    match = re.match(r"(?:UBND|Ủy ban nhân dân)\s+(?:tỉnh|thành phố)\s+(.+)", body, re.IGNORECASE)
    return match.group(1) if match else "……"


def report_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    return HTML(string=report_html(report)).write_pdf()
