"""Opening obligations, their lifecycle, the report categories, and plan/org changes."""

import datetime as dt
import threading

import pytest
from sqlmodel import Session, func, select

from models.common import clock
from models.engine import lifecycle
from models.engine.apply import apply_plan
from models.engine.lifecycle import DomainError
from models.engine.opening import Opener, OpeningError
from models.org.directory import load_directory
from models.report.rollup import Category, category_of, rollup
from models.store.tables import Event, Obligation, Task, utcnow
from models.calendar.workcal import VN, WorkingCalendar
from tests.conftest import ORG, PLAN

PLAN_ID = "binh-dinh-53-2019"
CAL = WorkingCalendar()
JULY = dt.date(2019, 7, 1)


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=VN)


def open_period(engine, period: str, plan_id: str = PLAN_ID) -> int:
    with Session(engine) as session:
        created = Opener(session, plan_id, CAL).period(period)
        session.commit()
    return created


def obligations(engine, **where) -> list[Obligation]:
    with Session(engine) as session:
        query = select(Obligation).join(Task, Task.id == Obligation.task_id)
        for name, value in where.items():
            column = getattr(Task, name) if name in ("code", "plan_id") else getattr(Obligation, name)
            query = query.where(column == value)
        return list(session.exec(query))


def edited_plan(tmp_path, *replacements, name="plan.yaml"):
    text = PLAN.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- opening -------------------------------------------------------------------

def test_a_quarter_opens_one_obligation_per_lead_unit(applied):
    assert open_period(applied, "2019-Q3") == 1463
    # Quarterly tasks 1.1 (Sở Tư pháp + 11 districts + 159 communes), 1.3 and 2.2 (159 communes each) ...
    assert len(obligations(applied, code="1.1")) == 171
    assert len(obligations(applied, no_deadline=False)) == 171 + 159 + 159
    # ... and the quarterly check-ins of the 12 "Thường xuyên" tasks, never overdue.
    assert len(obligations(applied, no_deadline=True)) == 974
    # Coordinating units are informed, not chased; per_rule and empty timings open nothing.
    assert not obligations(applied, unit_id="binh-dinh/bao-tinh")
    assert not obligations(applied, code="3.2") and not obligations(applied, code="6.2")


def test_quarter_deadline_is_ten_working_days_after_it_ends(applied):
    open_period(applied, "2019-Q3")
    due = {o.due_at for o in obligations(applied, code="1.1")}
    assert due == {dt.datetime(2019, 10, 14, 23, 59, 59, tzinfo=VN)}
    first = obligations(applied, code="1.1")[0]
    assert first.original_due_at == first.due_at and first.starts_on == JULY


def test_opening_twice_creates_nothing(applied):
    assert open_period(applied, "2019-Q3") == 1463
    assert open_period(applied, "2019-Q3") == 0
    assert len(obligations(applied)) == 1463


def test_two_openings_at_once_create_each_obligation_once(applied):
    results, errors = [], []

    def run():
        try:
            results.append(open_period(applied, "2019-Q4"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 1463 and len(obligations(applied)) == 1463


def test_as_of_opens_the_current_periods_of_every_kind(applied):
    with Session(applied) as session:
        created = Opener(session, PLAN_ID, CAL).as_of(dt.date(2019, 8, 1))
        session.commit()
    # Q3 (1463) and the year 2019 for the annual tasks 2.1 (159), 3.3 (170) and 4.2 (14).
    assert created == 1463 + 343
    assert {o.period for o in obligations(applied, code="2.1")} == {"2019"}


def test_an_event_opens_its_task_n_working_days_later(applied):
    with Session(applied) as session:
        assert Opener(session, PLAN_ID, CAL).event("2.4", dt.date(2019, 8, 1), "QĐ phê duyệt") == 1
        with pytest.raises(OpeningError):
            Opener(session, PLAN_ID, CAL).event("1.1", dt.date(2019, 8, 1), None)
        session.commit()
    (ob,) = obligations(applied, code="2.4")
    assert ob.unit_id == "binh-dinh/so-tai-nguyen-moi-truong" and ob.period == "event-2019-08-01"
    assert ob.due_at == dt.datetime(2019, 8, 15, 23, 59, 59, tzinfo=VN)


def test_every_event_opens_its_own_obligations_and_the_same_event_twice_opens_once(applied):
    """ "Khi có phát sinh" happens more than once a plan: each event its date, note and deadline."""
    with Session(applied) as session:
        opener = Opener(session, PLAN_ID, CAL)
        assert opener.event("2.4", dt.date(2019, 8, 1), "QĐ phê duyệt lần 1") == 1
        assert opener.event("2.4", dt.date(2019, 10, 7), "QĐ điều chỉnh") == 1
        assert opener.event("2.4", dt.date(2019, 10, 7), "QĐ điều chỉnh (ghi lại)") == 0
        session.commit()
        notes = session.exec(select(Event.note).where(Event.kind == "task_event")).all()
    assert notes == ["QĐ phê duyệt lần 1", "QĐ điều chỉnh"]
    assert {(o.period, o.due_at.date()) for o in obligations(applied, code="2.4")} == {
        ("event-2019-08-01", dt.date(2019, 8, 15)), ("event-2019-10-07", dt.date(2019, 10, 21))}


@pytest.mark.parametrize("schedule,task,period,due", [
    ("schedule: {basis: decree09}\n", "1.1", "2019-Q3", dt.date(2019, 9, 27)),  # window ends Sat 14/9
    ("schedule: {due: {day_of_last_month: 25}}\n", "1.1", "2019-Q3", dt.date(2019, 9, 25)),
    ("schedule: {due: {after_end: 5, working_days: false}}\n", "1.1", "2019-Q3", dt.date(2019, 10, 7)),
    ("", "2.1", "2019", dt.date(2020, 1, 15)),  # 1/1/2020 is a holiday
])
def test_due_rules(engine, directory, tmp_path, schedule, task, period, due):
    path = edited_plan(tmp_path, ("areas:\n", schedule + "areas:\n"))
    apply_plan(engine, path, directory, today=JULY)
    open_period(engine, period)
    assert {o.due_at.astimezone(VN).date() for o in obligations(engine, code=task)} == {due}


@pytest.mark.parametrize("timing,due", [
    ("{phrase: Trước ngày 15/12 hằng năm, kind: annual, due: 15/12}", dt.date(2019, 12, 16)),  # a Sunday: Monday
    # "… năm liền kề": the yearly report falls due in January of the next year
    ("{phrase: Trước ngày 31/01 năm liền kề, kind: annual, after_end: 31}", dt.date(2020, 1, 31)),
])
def test_a_yearly_due_day_read_from_the_cell(engine, directory, tmp_path, timing, due):
    path = edited_plan(tmp_path, ("{phrase: Hằng năm, kind: annual}", timing))
    apply_plan(engine, path, directory, today=JULY)
    open_period(engine, "2019")
    assert {o.due_at.astimezone(VN).date() for o in obligations(engine, code="2.1")} == {due}


# --- lifecycle -----------------------------------------------------------------

def one(engine, code="1.1", unit="binh-dinh/so-tu-phap", period="2019-Q3") -> int:
    return next(o.id for o in obligations(engine, code=code, unit_id=unit, period=period))


def act(engine, obligation_id: int, action, *args, when: str | None = None, **kwargs):
    """One lifecycle change, recorded at `when` (a day of the story) or now."""
    if when:
        clock.travel_to(at(when))
    try:
        with Session(engine) as session:
            ob = lifecycle.load_for_update(session, obligation_id)
            action(session, ob, *args, **kwargs)
            session.commit()
    finally:
        clock.back_to_now()


def test_lifecycle_progress_extension_done_with_events(applied):
    open_period(applied, "2019-Q3")
    ob = one(applied)
    act(applied, ob, lifecycle.report_progress, 40, "telegram:111", note="đang làm", when="2019-10-01")
    act(applied, ob, lifecycle.request_extension, at("2019-10-31"), "chờ số liệu", "telegram:111", when="2019-10-10")
    act(applied, ob, lifecycle.approve_extension, "telegram:999", when="2019-10-11")
    act(applied, ob, lifecycle.mark_done, "telegram:111", at=at("2019-10-25"), when="2019-10-25")
    with Session(applied) as session:
        row = session.get(Obligation, ob)
        assert (row.status, row.progress) == ("done", 40)
        assert row.due_at == at("2019-10-31") and row.original_due_at.astimezone(VN).date() == dt.date(2019, 10, 14)
        events = session.exec(select(Event).where(Event.obligation_id == ob).order_by(Event.id)).all()
        assert [e.kind for e in events] == ["progress", "extension_requested", "extension_approved", "done"]
        assert events[2].before["status"] == "extension_requested" and events[2].after["status"] == "open"
        assert events[2].actor == "telegram:999"
        # Done after the first deadline but within the extension: on time.
        assert category_of(session, ob, at("2019-11-30")) is Category.done_on_time


@pytest.mark.parametrize("steps,illegal", [
    ([(lifecycle.mark_done, ("cli",))], (lifecycle.mark_blocked, ("x", "cli"))),
    ([], (lifecycle.approve_extension, ("cli",))),
    ([(lifecycle.cancel, ("cli",))], (lifecycle.report_progress, (10, "cli"))),
    ([(lifecycle.cancel, ("cli",))], (lifecycle.mark_done, ("cli",))),
    ([(lifecycle.postpone, ("cli",))], (lifecycle.mark_done, ("cli",))),
    ([], (lifecycle.report_progress, (120, "cli"))),
    ([], (lifecycle.request_extension, (at("2019-10-01"), "earlier than the deadline", "cli"))),
])
def test_illegal_transitions_raise_and_change_nothing(applied, steps, illegal):
    open_period(applied, "2019-Q3")
    ob = one(applied)
    for action, args in steps:
        act(applied, ob, action, *args)
    with Session(applied) as session:
        before = session.get(Obligation, ob).model_dump()
        events = session.exec(select(func.count()).select_from(Event)).one()
    with pytest.raises(DomainError):
        act(applied, ob, illegal[0], *illegal[1])
    with Session(applied) as session:
        assert session.get(Obligation, ob).model_dump() == before
        assert session.exec(select(func.count()).select_from(Event)).one() == events


def test_blocked_then_progress_unblocks_and_postponed_resumes(applied):
    open_period(applied, "2019-Q3")
    ob = one(applied)
    act(applied, ob, lifecycle.mark_blocked, "thiếu kinh phí", "telegram:1")
    act(applied, ob, lifecycle.report_progress, 50, "telegram:1")
    act(applied, ob, lifecycle.postpone, "cli:coordinator")
    act(applied, ob, lifecycle.resume, "cli:coordinator")
    assert obligations(applied, id=ob)[0].status == "open"


# --- the report categories -----------------------------------------------------

def test_the_four_categories_on_a_hand_built_set(applied):
    """Six obligations of task 1.1 with known outcomes, judged on 20/10/2019 (deadline 14/10)."""
    open_period(applied, "2019-Q3")
    units = [f"binh-dinh/huyen-{code}" for code in (540, 542, 543, 544, 545, 546)]
    ids = [one(applied, unit=u) for u in units]
    act(applied, ids[0], lifecycle.mark_done, "t", at=at("2019-10-10"), when="2019-10-10")  # done on time
    act(applied, ids[1], lifecycle.mark_done, "t", at=at("2019-10-18"), when="2019-10-18")  # done late
    act(applied, ids[2], lifecycle.request_extension, at("2019-10-31"), "r", "t", when="2019-10-12")
    act(applied, ids[2], lifecycle.approve_extension, "c", when="2019-10-13")  # open, within the extended deadline
    act(applied, ids[3], lifecycle.postpone, "c", when="2019-10-15")  # postponed
    act(applied, ids[4], lifecycle.mark_done, "t", at=at("2019-10-25"), when="2019-10-25")  # done after: overdue
    # ids[5] untouched: open, overdue
    with Session(applied) as session:
        expected = [Category.done_on_time, Category.done_late, Category.open_on_time, Category.postponed,
                    Category.open_overdue, Category.open_overdue]
        assert [category_of(session, i, at("2019-10-20")) for i in ids] == expected
        tallies = {t.key[0]: t for t in rollup(session, "unit", at("2019-10-20"), plan_id=PLAN_ID)
                   if t.key[0] in units}
        # (Each district also has 7 "Thường xuyên" check-ins this quarter: no fixed deadline.)
        assert [tallies[u].counts for u in units] == [{c: 1, Category.no_deadline: 7} for c in expected]
        assert tallies[units[2]].extended == 1 and tallies[units[2]].due_soon == 0
        soon = rollup(session, "unit", at("2019-10-28"), plan_id=PLAN_ID, unit_id=units[2])
        assert soon[0].due_soon == 1
        # Before the deadline everything untouched is open within deadline.
        early = {t.key[0]: t for t in rollup(session, "unit", at("2019-10-01"), plan_id=PLAN_ID)}
        assert early[units[5]].counts == {Category.open_on_time: 1, Category.no_deadline: 7}


def test_a_past_day_counts_as_it_stood_then(applied):
    """An extension approved later does not make work that was overdue then look on time;
    a unit that took an obligation over later does not own it before."""
    open_period(applied, "2019-Q3")
    late, moved = one(applied), one(applied, unit="binh-dinh/huyen-540")
    act(applied, late, lifecycle.request_extension, at("2019-10-31"), "chờ số liệu", "t", when="2019-10-18")
    act(applied, late, lifecycle.approve_extension, "c", when="2019-10-25")
    act(applied, moved, lifecycle.reassign, "binh-dinh/so-noi-vu", "cli", when="2019-10-22")
    with Session(applied) as session:
        assert category_of(session, late, at("2019-10-20")) is Category.open_overdue  # deadline then: 14/10
        assert category_of(session, late, at("2019-10-26")) is Category.open_on_time  # extended on 25/10
        assert category_of(session, late, at("2019-11-01")) is Category.open_overdue  # past the new one too
        then = {t.key[0]: t.total for t in rollup(session, "unit", at("2019-10-20"), plan_id=PLAN_ID)}
        now = {t.key[0]: t.total for t in rollup(session, "unit", utcnow(), plan_id=PLAN_ID)}
        assert now["binh-dinh/huyen-540"] == then["binh-dinh/huyen-540"] - 1
        assert now["binh-dinh/so-noi-vu"] == then.get("binh-dinh/so-noi-vu", 0) + 1
        extended_then = rollup(session, "plan", at("2019-10-20"), plan_id=PLAN_ID)[0].extended
        assert extended_then == 0 and rollup(session, "plan", utcnow(), plan_id=PLAN_ID)[0].extended == 1


def test_a_past_digest_and_report_show_blockers_progress_and_evidence_as_they_stood(applied):
    """A blocker reported on 18/10 and progress of 22/10 are not in a digest or report of 15/10;
    the progress of 16/10 is, and a note changed later shows as it was written then."""
    from models.report.digest import build_digest
    from models.report.period import build_report

    open_period(applied, "2019-Q3")
    ob = one(applied)
    act(applied, ob, lifecycle.report_progress, 40, "t", "bắt đầu", when="2019-10-16")
    act(applied, ob, lifecycle.mark_blocked, "chưa có kinh phí", "t", when="2019-10-18")
    act(applied, ob, lifecycle.report_progress, 80, "t", "đã có kinh phí", when="2019-10-22")

    def seen(day: str):
        with Session(applied) as session:
            digest = build_digest(session, PLAN_ID, at(day), period="2019-Q3")
            row = next(r for r in build_report(session, PLAN_ID, at(day), period="2019-Q3").rows
                       if r.obligation_id == ob)
            return [b["reason"] for b in digest.blockers], row.progress, row.blocked

    assert seen("2019-10-17") == ([], 40, "")
    assert seen("2019-10-19") == (["chưa có kinh phí"], 40, "chưa có kinh phí")
    assert seen("2019-10-23") == ([], 80, "")


def test_rollups_by_every_grouping_add_up(applied):
    open_period(applied, "2019-Q3")
    with Session(applied) as session:
        moment = at("2019-10-20")
        totals = {by: sum(t.total for t in rollup(session, by, moment, plan_id=PLAN_ID))
                  for by in ("plan", "area", "task", "unit", "level", "directory")}
        assert set(totals.values()) == {1463}
        (plan,) = rollup(session, "plan", moment, plan_id=PLAN_ID)
        assert plan[Category.open_overdue] == 489 and plan[Category.no_deadline] == 974
        ranged = rollup(session, "plan", moment, plan_id=PLAN_ID, due_from=dt.date(2019, 10, 14),
                        due_to=dt.date(2019, 10, 14))
        assert ranged[0].total == 489  # only the quarter's deadlines fall on 14/10
        assert rollup(session, "plan", at("2019-06-30"), plan_id=PLAN_ID) == []  # the quarter had not begun


# --- plan and org changes ------------------------------------------------------

def test_dry_run_shows_changes_and_keeps_nothing(applied, directory, tmp_path):
    path = edited_plan(tmp_path, ("lead: [Sở Công Thương, Điện lực Bình Định]", "lead: [Sở Công Thương]"))
    changes = apply_plan(applied, path, directory, dry_run=True, today=JULY)
    assert changes
    assert apply_plan(applied, PLAN, directory, today=JULY) == []


def test_a_new_task_opens_from_the_next_period(applied, directory, tmp_path):
    open_period(applied, "2019-Q3")
    new_task = ("  - id: '8.3'", "  - id: '8.4'\n    area: '8'\n    text: Việc mới\n    lead: [Sở Nội vụ]\n"
                "    coordinating: []\n    timing: {phrase: Định kỳ hằng quý, kind: quarterly}\n  - id: '8.3'")
    apply_plan(applied, edited_plan(tmp_path, new_task), directory, today=dt.date(2019, 8, 10))
    assert open_period(applied, "2019-Q3") == 0
    assert open_period(applied, "2019-Q4") == 1463 + 1
    assert [o.period for o in obligations(applied, code="8.4")] == ["2019-Q4"]


def test_a_removed_task_cancels_its_open_obligations(applied, directory, tmp_path):
    open_period(applied, "2019-Q3")
    text = PLAN.read_text(encoding="utf-8")
    start, end = text.index("  - id: '1.3'"), text.index("  - id: '1.4'")
    path = tmp_path / "plan.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    apply_plan(applied, path, directory, today=dt.date(2019, 8, 10))
    dropped = obligations(applied, code="1.3")
    assert len(dropped) == 159 and {o.status for o in dropped} == {"cancelled"}
    with Session(applied) as session:
        assert session.exec(select(func.count()).select_from(Event).where(Event.kind == "cancelled")).one() == 159


def test_a_changed_lead_reassigns_open_obligations(applied, directory, tmp_path):
    open_period(applied, "2019-Q3")
    old = one(applied, code="1.1", unit="binh-dinh/so-tu-phap")
    path = edited_plan(tmp_path, ("lead: [Sở Tư pháp, UBND cấp huyện", "lead: [Sở Nội vụ, UBND cấp huyện"))
    apply_plan(applied, path, directory, today=dt.date(2019, 8, 10))
    (moved,) = obligations(applied, id=old)
    assert moved.unit_id == "binh-dinh/so-noi-vu" and moved.status == "open"
    with Session(applied) as session:
        (event,) = session.exec(select(Event).where(Event.obligation_id == old)).all()
        assert event.kind == "reassigned" and event.before["unit_id"] == "binh-dinh/so-tu-phap"


def test_a_merged_commune_hands_its_obligations_to_the_successor(applied, tmp_path):
    open_period(applied, "2019-Q3")
    org = ORG.read_text(encoding="utf-8").replace(
        "  - id: xa-21550\n", "  - id: xa-21550\n    successor: {id: xa-21553, 'on': 2019-08-01}\n", 1)
    path = tmp_path / "org.yaml"
    path.write_text(org, encoding="utf-8")
    merged = load_directory(path)
    apply_plan(applied, PLAN, merged, today=dt.date(2019, 8, 5))
    old, successor = "binh-dinh/xa-21550", "binh-dinh/xa-21553"
    # The successor already had each of these tasks: the old unit's copies are cancelled.
    assert {o.status for o in obligations(applied, unit_id=old)} == {"cancelled"}
    assert len(obligations(applied, unit_id=successor, status="open")) == len(obligations(applied, unit_id=old))
    assert open_period(applied, "2019-Q4") == 1463 - len(obligations(applied, unit_id=old))
    assert not obligations(applied, unit_id=old, period="2019-Q4")


@pytest.mark.parametrize("directory_changed, runs_again", [("binh-dinh", True), ("gia-lai", True),
                                                           ("ha-noi", False), (None, True)])
def test_a_directory_change_reopens_only_the_plans_it_concerns(applied, directory_changed, runs_again):
    """Bình Định's plan depends on its own directory, and on Gia Lai's once Gia Lai states
    successions of its units; a change naming no directory may concern any plan."""
    from models.engine.opening import open_all_plans
    from models.store.tables import OpeningRun, Unit

    def reopen() -> int:
        with Session(applied) as session:
            open_all_plans(session, dt.date(2019, 7, 1), WorkingCalendar(), "test", period="2019-Q3")
            session.commit()
            return session.exec(select(OpeningRun.matrix_version)).one()

    first = reopen()
    with Session(applied) as session:
        session.get(Unit, "binh-dinh/xa-21550").succession_by = "gia-lai"  # as Gia Lai's directory states it
        session.add(Event(kind="plan_applied", actor="test",
                          after={"directory": directory_changed, "changes": 1} if directory_changed else None))
        session.commit()
    assert (reopen() != first) is runs_again


def test_a_reopening_whose_inputs_did_not_change_tries_no_insert(applied, directory, tmp_path, monkeypatch):
    """A change elsewhere, or a plan edit that leaves tasks and leads alone, makes the openings
    run again: with the same inputs they try no insert (their digest says so); an edit of the
    leads makes them try."""
    from models.engine import opening
    from models.engine.opening import open_all_plans

    tried = []
    monkeypatch.setattr(opening.Opener, "_open_rows", lambda self, *a: tried.append(a) or 0)

    def reopen() -> list:
        tried.clear()
        with Session(applied) as session:
            open_all_plans(session, JULY, CAL, "test", period="2019-Q3")
            session.commit()
        return tried

    assert len(reopen()) == 1  # the first opening
    with Session(applied) as session:
        session.add(Event(kind="plan_applied", actor="test", note="a change naming no directory"))
        session.commit()
    assert reopen() == []
    text_only = edited_plan(tmp_path, ("Công khai, minh bạch thu chi ngân sách cấp xã.", "Công khai thu chi."))
    assert apply_plan(applied, text_only, directory, today=JULY)
    assert reopen() == []
    leads = edited_plan(tmp_path, ("Công khai, minh bạch thu chi ngân sách cấp xã.\n    lead: [UBND cấp xã]",
                                   "Công khai thu chi.\n    lead: [UBND cấp xã, Sở Nội vụ]"), name="leads.yaml")
    assert apply_plan(applied, leads, directory, today=JULY)
    assert len(reopen()) == 1


def test_a_unit_added_to_a_class_is_asked_from_the_next_period_without_reapplying(applied, tmp_path):
    """`org apply` adds a commune: every plan naming "UBND cấp xã" assigns it its share from the
    next period; the period already open is left as it was."""
    from models.engine.apply import apply_directory
    from models.store.tables import Assignment

    open_period(applied, "2019-Q3")
    before = len(obligations(applied, code="1.3", period="2019-Q3"))
    text = ORG.read_text(encoding="utf-8") + ("  - id: xa-99999\n    name: UBND xã Thử Nghiệm\n    level: commune\n"
                                              "    parent: huyen-540\n")
    edited = tmp_path / "org.yaml"
    edited.write_text(text, encoding="utf-8")
    changes = apply_directory(applied, load_directory(edited), today=dt.date(2019, 8, 15))
    assert any(c.subject == "assignment" and "joined UBND cấp xã" in c.detail for c in changes)
    with Session(applied) as session:
        joined = session.exec(select(Assignment).where(Assignment.unit_id == "binh-dinh/xa-99999")).all()
        assert joined and {a.since for a in joined} == {dt.date(2019, 8, 15)}
    open_period(applied, "2019-Q3")
    assert len(obligations(applied, code="1.3", period="2019-Q3")) == before
    open_period(applied, "2019-Q4")
    assert {o.unit_id for o in obligations(applied, code="1.3", period="2019-Q4")} >= {"binh-dinh/xa-99999"}
    assert len(obligations(applied, code="1.3", period="2019-Q4")) == before + 1


def test_a_class_that_changes_in_one_directory_leaves_other_directories_plans_alone(applied, tmp_path):
    """Gia Lai gains a commune: the plan on Bình Định's map, which names "UBND cấp xã" too, keeps its units."""
    from models.engine.apply import apply_directory
    from models.store.tables import Assignment
    from tests.test_successions import GIA_LAI

    def assigned():
        with Session(applied) as session:
            return set(session.exec(select(Assignment.task_id, Assignment.unit_id, Assignment.role)).all())
    apply_directory(applied, load_directory(GIA_LAI), today=dt.date(2025, 6, 30))
    before = assigned()
    grown = tmp_path / "gia-lai.yaml"
    text = GIA_LAI.read_text(encoding="utf-8")
    grown.write_text(text.replace("\nunits:\n", "\nunits:\n  - id: xa-99999\n    name: UBND xã Thử Nghiệm\n"
                                  "    level: commune\n", 1), encoding="utf-8")
    apply_directory(applied, load_directory(grown), today=dt.date(2025, 8, 1))
    assert assigned() == before
