"""A task's further parts: the reports a compound timing cell asks for beside its first schedule,
and a window's yearly progress report, each opened and chased as a task of its own."""

import datetime as dt

from sqlmodel import Session, select

from models.engine.apply import apply_plan
from models.engine.opening import Opener
from models.org.directory import load_directory
from models.plans.parts import parts_of
from models.plans.plan import ScheduleSpec, TaskSpec
from models.store.tables import Task
from models.calendar.workcal import VN
from tests.conftest import ORG
from tests.test_engine import CAL, JULY, PLAN_ID, edited_plan, obligations


def _task(timing: dict, **kw) -> TaskSpec:
    return TaskSpec.model_validate({"id": "1.3", "text": "Công khai các khoản đóng góp", "lead": ["UBND cấp xã"],
                                    "timing": timing, **kw})


def test_a_compound_cell_has_its_report_as_a_part():
    task = _task({"phrase": "Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính", "kind": "continuous",
                  "then": [{"phrase": "định kỳ hằng quý báo cáo về Sở Tài chính", "kind": "quarterly",
                            "report_to": "Sở Tài chính"}]})
    (part,) = parts_of(task, ScheduleSpec())
    assert (part.code, part.kind, part.report_to) == ("1.3-BC", "quarterly", "Sở Tài chính")
    assert part.text == "Công khai các khoản đóng góp (định kỳ hằng quý báo cáo về Sở Tài chính)"


def test_updates_after_a_deadline_begin_after_it_and_several_parts_are_numbered():
    task = _task({"phrase": "Hoàn thành trong quý II/2026, sau đó cập nhật hằng năm, báo cáo hằng quý",
                  "kind": "once", "date": "2026-06-30",
                  "then": [{"phrase": "sau đó cập nhật hằng năm", "kind": "annual"},
                           {"phrase": "báo cáo hằng quý", "kind": "quarterly"}]})
    parts = parts_of(task, ScheduleSpec())
    assert [(p.code, p.start) for p in parts] == [("1.3-BC1", dt.date(2026, 7, 1)), ("1.3-BC2", dt.date(2026, 7, 1))]


def test_a_window_across_years_reports_every_year_before_its_last():
    task = _task({"phrase": "Giai đoạn 2026 - 2030", "kind": "window", "start": "2026-01-01", "end": "2030-12-31"})
    (part,) = parts_of(task, ScheduleSpec())
    assert (part.kind, part.due, part.start, part.end) == ("annual", "15/12", dt.date(2026, 1, 1),
                                                           dt.date(2029, 12, 31))
    assert parts_of(task, ScheduleSpec(window_report_due=None)) == []
    one_year = _task({"phrase": "Năm 2026", "kind": "window", "start": "2026-01-01", "end": "2026-12-31"})
    assert parts_of(one_year, ScheduleSpec()) == []


def _apply(engine, tmp_path, *edits) -> None:
    apply_plan(engine, edited_plan(tmp_path, *edits), load_directory(ORG), today=JULY)


def test_a_compound_cell_opens_its_quarterly_reports_with_deadlines_beside_its_check_ins(applied, tmp_path):
    _apply(applied, tmp_path, (
        "    lead: [UBND cấp xã]\n    coordinating: []\n    timing: {phrase: Định kỳ hằng quý, kind: quarterly}",
        "    lead: [UBND cấp xã]\n    coordinating: []\n    timing: {phrase: 'Thường xuyên, định kỳ hằng quý báo "
        "cáo về Sở Tài chính', kind: continuous, then: [{phrase: định kỳ hằng quý báo cáo về Sở Tài chính, "
        "kind: quarterly, report_to: Sở Tài chính}]}"))
    with Session(applied) as session:
        Opener(session, PLAN_ID, CAL).period("2019-Q3")
        session.commit()
        part = session.exec(select(Task).where(Task.plan_id == PLAN_ID, Task.code == "1.3-BC")).one()
    assert (part.part_of, part.report_to, part.timing_kind) == ("1.3", "Sở Tài chính", "quarterly")
    checkins, reports = obligations(applied, code="1.3"), obligations(applied, code="1.3-BC")
    assert len(checkins) == len(reports) > 100
    assert all(o.no_deadline for o in checkins) and not any(o.no_deadline for o in reports)
    assert {o.due_at.astimezone(VN).date() for o in reports} == {dt.date(2019, 10, 14)}  # 10 working days


def test_a_window_across_years_asks_for_progress_every_year_and_ends_on_its_deadline(applied, tmp_path):
    _apply(applied, tmp_path, ("{phrase: Trước và trong quá trình bầu cử, kind: window}",
                               "{phrase: Giai đoạn 2019 - 2021, kind: window, start: 2019-01-01, end: 2021-12-31}"))
    with Session(applied) as session:
        for day in (dt.date(2019, 8, 1), dt.date(2020, 8, 3), dt.date(2021, 8, 2), dt.date(2022, 8, 1)):
            Opener(session, PLAN_ID, CAL).as_of(day)
        session.commit()
    window = obligations(applied, code="1.2")
    assert {o.due_at.astimezone(VN).date() for o in window} == {dt.date(2021, 12, 31)}
    yearly = obligations(applied, code="1.2-BC")
    # changed on 1/7/2019, mid-year: the yearly report is asked from 2020 (as any task added mid-period);
    # 2021 is the window's last year, which its own deadline closes
    assert {(o.period, o.due_at.astimezone(VN).date()) for o in yearly} == {("2020", dt.date(2020, 12, 15))}
    assert {o.unit_id for o in yearly} == {o.unit_id for o in window}
