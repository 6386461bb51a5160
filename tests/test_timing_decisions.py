"""Tasks whose timing sets no schedule: the coordinator gives one on the dashboard (or names the
plan that tracks the task); it is kept when the plan is applied again; until then the plan page
and the digest name them."""

import datetime as dt

from sqlmodel import Session, select

from models.engine.apply import apply_plan
from models.engine.decisions import DecisionError, decide
from models.engine.opening import Opener, untracked_tasks
from models.org.directory import load_directory
from models.store.tables import Obligation, Task
from models.calendar.workcal import WorkingCalendar
from tests.conftest import ORG, PLAN
from tests.webkit import PLAN as PLAN_ID, csrf_of, sign_in


def _task(engine, code):
    with Session(engine) as session:
        return session.exec(select(Task).where(Task.plan_id == PLAN_ID, Task.code == code)).one()


def test_a_coordinator_gives_an_unscheduled_task_its_schedule_and_it_is_kept(web):
    engine, client = web
    sign_in(engine, client)
    assert "14 nhiệm vụ chưa có thời hạn" in client.get(f"/plans/{PLAN_ID}").text  # 1.2: a window without dates, …
    page = client.get(f"/plans/{PLAN_ID}/timing").text
    assert 'id="task-1.2"' in page and "Trước và trong quá trình bầu cử" in page
    wrong = client.post(f"/plans/{PLAN_ID}/timing/1.2", data={"csrf": csrf_of(page), "kind": "once"})
    assert wrong.status_code == 400 and "a once timing needs its date" in wrong.text
    done = client.post(f"/plans/{PLAN_ID}/timing/1.2", data={"csrf": csrf_of(page), "kind": "window",
                                                             "start": "2019-07-01", "end": "2019-12-31"})
    assert done.status_code == 303
    with Session(engine) as session:
        assert "1.2" not in untracked_tasks(session, PLAN_ID)
    apply_plan(engine, PLAN, load_directory(ORG), today=dt.date(2019, 7, 1))  # the plan again: the decision stays
    task = _task(engine, "1.2")
    assert (task.timing_kind, task.timing_start, task.timing_end) == ("window", dt.date(2019, 7, 1),
                                                                       dt.date(2019, 12, 31))
    with Session(engine) as session:
        Opener(session, PLAN_ID, WorkingCalendar()).as_of(dt.date(2019, 8, 1))
        session.commit()
        opened = session.exec(select(Obligation).where(Obligation.task_id == task.id)).all()
    assert opened and {o.period for o in opened} == {"20190701-20191231"}
    assert "13 nhiệm vụ chưa có thời hạn" in client.get(f"/plans/{PLAN_ID}").text


def test_a_decision_needs_a_schedule_or_another_plan(applied):
    with Session(applied) as session:
        for timing, linked, message in (({"kind": "per_rule"}, None, "sets no schedule"),
                                        (None, PLAN_ID, "no other plan"), (None, "nope", "no other plan"),
                                        ({"kind": "annual", "due": "31/02"}, None, "dd/mm"),
                                        (None, None, "not both")):
            try:
                decide(session, PLAN_ID, "1.2", "test", timing, linked)
            except DecisionError as exc:
                assert message in str(exc), (timing, linked, exc)
            else:
                raise AssertionError((timing, linked))


def test_a_task_tracked_by_another_plan_is_no_longer_waiting(applied, tmp_path):
    from tests.test_engine import edited_plan

    other = edited_plan(tmp_path, ("id: binh-dinh-53-2019", "id: binh-dinh-rieng-2019"), name="other.yaml")
    apply_plan(applied, other, load_directory(ORG), today=dt.date(2019, 7, 1))
    with Session(applied) as session:
        decide(session, PLAN_ID, "3.2", "test", linked_plan="binh-dinh-rieng-2019")
        session.commit()
        assert "3.2" not in untracked_tasks(session, PLAN_ID)
