"""Reminder stages: working days, working hours, never overdue notices for check-ins."""

import re
import datetime as dt

from hypothesis import given, settings
from sqlalchemy import func
from hypothesis import strategies as st

from models.calendar.reminders import ReminderPolicy, due_stages, in_window, stages
from models.calendar.workcal import VN, WorkingCalendar

CAL = WorkingCalendar()
POLICY = ReminderPolicy()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN)


def test_stages_of_a_quarter_obligation():
    # Q3/2019: opened Monday 1/7 at 06:00, due Monday 14/10 23:59:59.
    result = {s.name: s.at for s in stages(at("2019-07-01 06:00"), at("2019-10-14 23:59:59"), False, POLICY, CAL)}
    assert result["open"] == at("2019-07-01 07:30")  # waits for the working window
    assert result["T-7"] == at("2019-10-03 07:30")
    assert result["T-1"] == at("2019-10-11 07:30")  # Friday before a Monday deadline
    assert result["due"] == at("2019-10-14 07:30")
    assert result["overdue-1"] == at("2019-10-16 07:30")
    assert result["escalate-head"] == at("2019-10-17 07:30")
    assert result["escalate-coordinator"] == at("2019-10-21 07:30")


def test_work_already_late_when_opened_is_chased_from_that_day_and_the_coordinator_told_once():
    """A plan loaded on 4/11/2019 whose Q3 report was due 14/10: not one message then silence."""
    result = {s.name: (s.at, s.to) for s in stages(at("2019-11-04 09:00"), at("2019-10-14 23:59:59"), False,
                                                     POLICY, CAL)}
    assert result["open"][0] == at("2019-11-04 09:00")
    assert result["late-on-arrival"] == (at("2019-11-04 09:00"), "coordinator")
    assert result["overdue-1"][0] == at("2019-11-06 07:30")  # every 2 working days from the opening day
    assert result["overdue-2"][0] == at("2019-11-08 07:30")
    assert result["escalate-head"] == (at("2019-11-07 07:30"), "head")
    assert result["escalate-coordinator"] == (at("2019-11-11 07:30"), "coordinator")
    on_time = [s.name for s in stages(at("2019-07-01 08:00"), at("2019-10-14 23:59:59"), False, POLICY, CAL)]
    assert "late-on-arrival" not in on_time


def test_the_coordinators_catch_up_names_the_units_with_late_work():
    from types import SimpleNamespace

    from bots.outbox.reminders import render_reminder

    items = [SimpleNamespace(stage="late-on-arrival", unit=unit, code=code, obligation=None, task="")
             for unit, code in (("UBND xã Nhơn Bình", "1.1"), ("UBND xã Nhơn Bình", "1.3"), ("Sở Y tế", "4.2"))]
    text, markup = render_reminder("vi", items)
    assert markup is None
    assert text.startswith("<b>Quá hạn ngay khi được giao</b> (kế hoạch nạp sau hạn): 3 nhiệm vụ của 2 đơn vị")
    assert "• UBND xã Nhơn Bình: 2 nhiệm vụ (1.1, 1.3)" in text and "• Sở Y tế: 1 nhiệm vụ (4.2)" in text


def test_a_check_in_is_never_overdue():
    names = [s.name for s in stages(at("2019-07-01 09:00"), at("2019-09-30 23:59:59"), True, POLICY, CAL)]
    assert names[0] == "open" and all(n.startswith("checkin-") for n in names[1:])


def test_reminders_skip_holidays_and_quiet_hours():
    assert in_window(at("2019-04-26 18:00"), POLICY, CAL) == at("2019-05-02 07:30")  # over 29/4-1/5
    assert in_window(at("2019-07-06 10:00"), POLICY, CAL) == at("2019-07-08 07:30")  # Saturday
    assert in_window(at("2019-07-08 10:00"), POLICY, CAL) == at("2019-07-08 10:00")


def test_only_the_latest_due_stage_is_sent():
    all_stages = stages(at("2019-07-01 08:00"), at("2019-10-14 23:59:59"), False, POLICY, CAL)
    due = due_stages(all_stages, at("2019-10-18 09:00"))
    assert (due["unit"].name, due["head"].name) == ("overdue-2", "escalate-head")  # 18/10 = due + 4 WD
    assert "coordinator" not in due


moments = st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2027, 12, 1)).map(
    lambda d: d.replace(tzinfo=VN))


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=1, max_value=120))
def test_every_stage_is_inside_working_hours_on_a_working_day(opened, days):
    due = CAL.deadline((opened + dt.timedelta(days=days)).date())
    for stage in stages(opened, due, False, POLICY, CAL):
        local = stage.at.astimezone(VN)
        assert CAL.is_working_day(local.date())
        assert POLICY.window_start <= local.time() < POLICY.window_end
        assert stage.at >= in_window(opened, POLICY, CAL)


def test_preview_combines_a_units_reminders_per_day(applied):
    from sqlmodel import Session

    from models.chase.planning import preview, preview_text
    from models.engine.opening import Opener

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        session.commit()
        planned = preview(session, "binh-dinh-53-2019", dt.date(2019, 10, 11), dt.date(2019, 10, 11), CAL,
                          unit_id="binh-dinh/xa-21550")
    # Friday 11/10 is T-1 for the three quarterly tasks of the commune: one message, three items.
    (message,) = planned
    assert (message.day, message.to) == (dt.date(2019, 10, 11), "unit")
    assert sorted(code for _, code, _, _ in message.items) == ["1.1", "1.3", "2.2"]
    assert {(period, stage) for _, _, period, stage in message.items} == {("2019-Q3", "T-1")}
    assert "Fri 11/10/2019: 1 message(s) (1 to unit), 3 item(s)" in preview_text(planned)


def test_the_chase_puts_one_message_per_chat_in_the_outbox_once(applied):
    from sqlmodel import Session, select

    from bots.outbox.reminders import queue_reminder
    from models.chase.planning import plan_reminders
    from models.engine.opening import Opener
    from models.store.tables import ChatLink, Obligation, Outbox

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        session.add(ChatLink(chat_id=501, unit_id="binh-dinh/xa-21550", contact="An"))
        session.add(ChatLink(chat_id=900, unit_id="binh-dinh/so-noi-vu", contact="Lê", role="coordinator"))
        session.commit()

        def chase(moment):
            added = plan_reminders(session, "binh-dinh-53-2019", at(moment), CAL, queue_reminder)
            session.commit()
            return added
        assert chase("2019-10-11 18:00") == 0  # after working hours: nothing now
        assert chase("2019-10-11 09:00") == 1  # T-1: one message for the commune's tasks
        assert chase("2019-10-11 14:00") == 0  # planned once
        (row,) = session.exec(select(Outbox)).all()
        assert row.chat_id == 501 and row.kind == "reminder"
        for code in ("1.1", "1.3", "2.2"):  # each with its task's text (shortened) and the period in words
            assert re.search(rf"• {re.escape(code)} – [^\n]+ \(Quý III/2019, hạn 14/10/2019\): còn 1 ngày làm việc",
                             row.payload["text"])
        assert "• 1.1 – Tăng cường" in row.payload["text"]
        assert row.payload["text"].startswith("<b>Nhắc việc – Kế hoạch 53/KH-UBND</b>: ")  # which plan
        assert {b["text"] for r in row.payload["reply_markup"]["inline_keyboard"] for b in r} >= {"1.1", "1.3", "2.2"}
        chase("2019-10-21 09:00")  # overdue to the commune, and escalated to the coordinator
        to_commune = session.exec(select(Outbox).where(Outbox.chat_id == 501)).all()
        assert len(to_commune) == 2 and "đã quá hạn" in to_commune[-1].payload["text"]
        # The coordinator gets one summary: overdue obligations counted per unit, most overdue first.
        (summary,) = session.exec(select(Outbox).where(Outbox.chat_id == 900)).all()
        overdue = session.exec(select(Obligation.unit_id).where(Obligation.status == "open",
                                                                Obligation.due_at < at("2019-10-21 09:00"),
                                                                Obligation.no_deadline.is_(False))).all()
        text = summary.payload["text"]
        assert text.startswith(f"<b>Quá hạn cần đôn đốc</b>: {len(overdue)} nhiệm vụ của {len(set(overdue))} đơn vị.")
        assert text.count("\n• ") == 30 + 1 and f"• và {len(set(overdue)) - 30} đơn vị khác" in text
        assert "• UBND phường Nhơn Bình (thành phố Quy Nhơn): 3 nhiệm vụ (1.1, 1.3, 2.2)" in text
        assert summary.payload["reply_markup"] is None


def test_escalation_reaches_the_units_head_and_obligations_keep_their_policy(applied):
    from sqlmodel import Session, select

    from bots.outbox.reminders import queue_reminder
    from models.engine import policies
    from models.chase.planning import plan_reminders
    from models.engine.opening import Opener
    from models.store.tables import ChatLink, Obligation, Outbox, Plan

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        session.add(ChatLink(chat_id=502, unit_id="binh-dinh/xa-21550", contact="Chủ tịch", role="head"))
        plan = session.get(Plan, "binh-dinh-53-2019")
        # The admin edits the policy after the quarter opened: head escalation after 1 day, not 3.
        plan.schedule = {**(plan.schedule or {}), "reminders": {"escalate_head_after": 1}}
        session.add(plan)
        session.commit()
        # 15/10 is one working day after the deadline: the open obligations keep the old policy (3 days).
        plan_reminders(session, plan.id, at("2019-10-15 09:00"), CAL, queue_reminder)
        assert not session.exec(select(Outbox).where(Outbox.chat_id == 502)).all()
        moved = policies.reapply(session, plan.id, actor="test")
        assert moved == session.exec(select(func.count()).select_from(Obligation)
                                     .where(Obligation.status == "open")).one()
        session.commit()
        plan_reminders(session, plan.id, at("2019-10-15 10:00"), CAL, queue_reminder)
        (to_head,) = session.exec(select(Outbox).where(Outbox.chat_id == 502)).all()
        text, markup = to_head.payload["text"], to_head.payload["reply_markup"]
        # the head is told which of the unit's tasks went unanswered, and can open each
        assert text.startswith("<b>Báo lãnh đạo đơn vị – Kế hoạch 53/KH-UBND</b>") and "đã quá hạn" in text
        assert "UBND phường Nhơn Bình" in text and markup["inline_keyboard"]
        assert all(b["callback_data"].startswith("c:") for row in markup["inline_keyboard"] for b in row)


def test_a_reminder_nobody_acts_on_goes_to_the_persons_next_channel(applied):
    """An has Telegram and e-mail: Telegram first; with no action for 8 working hours the
    same reminder goes by e-mail, once; a task An reported on in between is left out; a
    dead link passes its reminder on at the next run."""
    from sqlmodel import Session, select

    from bots.outbox.reminders import queue_reminder
    from models.engine import lifecycle
    from models.chase.planning import plan_reminders
    from models.engine.opening import Opener
    from models.store.tables import ChatLink, Obligation, Outbox, ReminderSent, Task

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        session.add(ChatLink(chat_id=501, unit_id="binh-dinh/xa-21550", contact="An"))
        session.add(ChatLink(channel="email", address="an@example.gov.vn", unit_id="binh-dinh/xa-21550", contact="An"))
        session.add(ChatLink(chat_id=502, unit_id="binh-dinh/xa-21553", contact="Bình"))
        session.add(ChatLink(channel="sms", address="0912345678", unit_id="binh-dinh/xa-21553", contact="Bình"))
        session.commit()

        def chase(moment):
            added = plan_reminders(session, "binh-dinh-53-2019", at(moment), CAL, queue_reminder)
            session.commit()
            return added

        assert chase("2019-07-01 09:00") == 2  # one message each, on Telegram only
        rows = session.exec(select(Outbox)).all()
        assert {row.channel for row in rows} == {"telegram"}
        for row in rows:  # delivered at 09:00; Bình's chat then turns out dead
            row.state, row.sent_at = ("sent", at("2019-07-01 09:00")) if row.chat_id == 501 else ("failed", None)
        dead = session.exec(select(ChatLink).where(ChatLink.chat_id == 502)).one()
        dead.active, dead.dead_reason = False, "Forbidden: bot was blocked by the user"
        reported = session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id).where(
            Obligation.unit_id == "binh-dinh/xa-21550", Task.code == "1.1")).one()
        lifecycle.report_progress(session, reported, 30, "telegram:501")
        session.commit()

        assert chase("2019-07-01 10:00") == 1  # Bình's reminder goes by SMS at once; An's waits
        sms = session.exec(select(Outbox).where(Outbox.channel == "sms")).one()
        assert "7 nhiệm vụ" in sms.payload["text"]
        assert chase("2019-07-01 16:00") == 0  # 7 working hours: not yet
        assert chase("2019-07-02 10:00") == 1  # 10.5 working hours, nothing done but 1.1: by e-mail
        mail = session.exec(select(Outbox).where(Outbox.channel == "email")).one()
        assert "[1.1]" not in mail.payload["text"] and "1.1. " not in mail.payload["text"]
        assert "6 nhiệm vụ" in mail.payload["subject"]
        stages = {r.stage for r in session.exec(select(ReminderSent))}
        assert {"open", "open@email", "open@sms"} <= stages
        assert chase("2019-07-02 11:00") == 0  # once


def test_a_person_who_chose_zalo_first_gets_reminders_there(applied):
    """The directory says An reads Zalo, then e-mail: her Telegram link comes last."""
    from sqlmodel import Session, select

    from bots.outbox.reminders import queue_reminder
    from models.chase.planning import plan_reminders
    from models.engine.opening import Opener
    from models.store.tables import ChatLink, Contact, Outbox

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        session.add(Contact(unit_id="binh-dinh/xa-21550", name="An", channels=["zalo", "email"]))
        session.add(ChatLink(chat_id=501, unit_id="binh-dinh/xa-21550", contact="An"))
        session.add(ChatLink(channel="zalo", address="zl-an", unit_id="binh-dinh/xa-21550", contact="An"))
        session.commit()
        assert plan_reminders(session, "binh-dinh-53-2019", at("2019-07-01 09:00"), CAL, queue_reminder) == 1
        session.commit()
        assert [row.channel for row in session.exec(select(Outbox))] == ["zalo"]


def test_a_reminder_window_across_midnight_is_refused():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="window_start 18:00 must be before window_end 07:00"):
        ReminderPolicy(window_start=dt.time(18), window_end=dt.time(7))


def test_a_blocked_task_is_asked_about_its_blocker_weekly_not_told_it_is_late(applied):
    from sqlmodel import Session, select

    from bots.outbox.reminders import queue_reminder
    from models.common import clock
    from models.engine import lifecycle
    from models.chase.planning import plan_reminders
    from models.engine.opening import Opener
    from models.store.tables import ChatLink, Obligation, Outbox, Task

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        session.add(ChatLink(chat_id=501, unit_id="binh-dinh/xa-21550", contact="An"))
        ob = session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id).where(
            Obligation.unit_id == "binh-dinh/xa-21550", Task.code == "1.1")).one()
        clock.travel_to(at("2019-10-08 10:00"))
        try:
            lifecycle.mark_blocked(session, ob, "chưa có kinh phí", "test")
            session.commit()
        finally:
            clock.back_to_now()
        plan_reminders(session, "binh-dinh-53-2019", at("2019-10-21 09:00"), CAL, queue_reminder)
        session.commit()
        (row,) = session.exec(select(Outbox).where(Outbox.chat_id == 501)).all()
    lines = row.payload["text"].split("\n")
    (blocked,) = [line for line in lines if line.startswith("• 1.1 ")]
    assert blocked.endswith("đang vướng mắc: đã có hướng giải quyết chưa?")  # 5 working days on: 15/10, then 22/10
    assert any(line.startswith("• 1.3 ") and line.endswith("đã quá hạn") for line in lines)  # the others: overdue


def test_a_reminder_nobody_acted_on_passes_to_the_person_s_next_channel_once(applied):
    """An's Telegram reminder went at 09:00 on Friday 11/10 and nobody acted on it: after the
    policy's 8 working hours it goes again by e-mail (once); Bình, who reported, gets no repeat."""
    from sqlmodel import Session, select

    from bots.outbox.reminders import queue_reminder
    from models.engine import lifecycle
    from models.chase.planning import plan_reminders
    from models.engine.opening import Opener
    from models.store.tables import ChatLink, Obligation, Outbox, Task

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        for chat, unit, name in ((501, "binh-dinh/xa-21550", "An"), (502, "binh-dinh/xa-21553", "Bình")):
            session.add(ChatLink(chat_id=chat, unit_id=unit, contact=name))
            session.add(ChatLink(channel="email", address=f"{chat}@x.gov.vn", unit_id=unit, contact=name))
        session.commit()

        def chase(moment):
            added = plan_reminders(session, "binh-dinh-53-2019", at(moment), CAL, queue_reminder)
            session.commit()
            return added
        assert chase("2019-10-11 09:00") == 2  # T-1 on Telegram, to each
        for row in session.exec(select(Outbox)):
            row.state, row.sent_at = "sent", at("2019-10-11 09:00")
        bình_task = session.exec(select(Obligation).join(Task).where(
            Obligation.unit_id == "binh-dinh/xa-21553", Task.code == "2.2")).one()
        lifecycle.report_progress(session, bình_task, 40, "test")  # Bình acted on one of hers
        session.commit()
        assert chase("2019-10-11 16:00") == 0  # 7 working hours: not yet
        assert chase("2019-10-14 09:00") >= 1  # Monday: 8 working hours later
        mails = session.exec(select(Outbox).where(Outbox.channel == "email")).all()
        texts = {m.address: m.payload["text"] for m in mails}
        assert sorted(texts) == ["501@x.gov.vn", "502@x.gov.vn"] and len(mails) == 2
        assert "có 7 nhiệm vụ" in texts["501@x.gov.vn"] and "\n2.2. " in texts["501@x.gov.vn"]
        assert "có 6 nhiệm vụ" in texts["502@x.gov.vn"] and "\n2.2. " not in texts["502@x.gov.vn"]  # she acted
        assert chase("2019-10-14 10:00") == 0  # once


def test_a_reminder_that_cannot_leave_its_first_channel_goes_by_the_next(applied):
    """Telegram unreachable all Friday (the row still pending): after the policy's 8 working
    hours the reminder goes by e-mail, once."""
    from sqlmodel import Session, select

    from bots.outbox.reminders import queue_reminder
    from models.chase.planning import plan_reminders
    from models.engine.opening import Opener
    from models.store.tables import ChatLink, Outbox

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", CAL, now=at("2019-07-01 08:00")).period("2019-Q3")
        session.add(ChatLink(chat_id=501, unit_id="binh-dinh/xa-21550", contact="An"))
        session.add(ChatLink(channel="email", address="an@x.gov.vn", unit_id="binh-dinh/xa-21550", contact="An"))
        session.commit()

        def chase(moment):
            added = plan_reminders(session, "binh-dinh-53-2019", at(moment), CAL, queue_reminder)
            session.commit()
            return added
        assert chase("2019-10-11 09:00") == 1
        session.exec(select(Outbox)).one().created_at = at("2019-10-11 09:00")  # queued, never left
        session.commit()
        assert chase("2019-10-11 16:00") == 0
        assert chase("2019-10-14 09:00") >= 1  # the e-mail, beside the due day's own reminder
        assert [m.address for m in session.exec(select(Outbox).where(Outbox.channel == "email"))] == ["an@x.gov.vn"]
        assert chase("2019-10-14 11:00") == 0

