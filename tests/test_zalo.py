"""Zalo end to end: the real client and bot against the Zalo Bot API stand-in on 127.0.0.1.
A commune official links by a pairing code, gets the quarter's reminder as a numbered list,
and reports by numbered replies; a chat that blocked the bot is buried once."""

import asyncio
import datetime as dt
import logging

import pytest
from sqlmodel import Session, select

from bots.outbox.dispatch import Dispatcher
from bots.outbox.reminders import queue_reminder
from bots.standin.zalo import ZaloStandIn
from bots.standin.world import until
from bots.zalo.transport import ZALO_LIMITS, ZaloClient, ZaloTransport
from bots.zalo.conversation import ZaloBot, invite_on_zalo
from models.chase import outbox
from models.chase.planning import plan_reminders
from models.engine.opening import Opener
from models.store.tables import ChatLink, Event, Obligation, Outbox, Task
from models.calendar.workcal import VN, WorkingCalendar

PLAN, COMMUNE, CHAT = "binh-dinh-53-2019", "binh-dinh/xa-21550", "e4ea2cd5189df1c3a88c"


@pytest.fixture
def zalo(applied, monkeypatch):
    monkeypatch.setenv("DONDOC_WEB_SECRET", "a-test-secret-for-signing-links")
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar(), now=dt.datetime(2019, 7, 1, 8, tzinfo=VN)).period("2019-Q3")
        code = invite_on_zalo(session, COMMUNE, "Nguyễn Văn An")
        session.commit()
    with ZaloStandIn() as stand_in:
        stand_in.world.add_user(CHAT, "Nguyễn Văn An")
        yield applied, stand_in, code


def _obligation(engine, code="1.1"):
    with Session(engine) as session:
        return session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                            .where(Obligation.unit_id == COMMUNE, Task.code == code)).one()


def test_linking_a_reminder_and_numbered_replies(zalo, caplog):
    engine, stand_in, code = zalo
    world = stand_in.world
    caplog.set_level(logging.DEBUG)

    async def says(text, expect):
        seen = len(world.received(CHAT))
        world.user_sends(CHAT, text)
        await until(lambda: any(expect in t for t in world.received(CHAT)[seen:]))

    async def scenario():
        client = ZaloClient(world.token, base_url=stand_in.base_url)
        bot, stop = ZaloBot(engine, client, poll_timeout=1), asyncio.Event()
        polling = asyncio.create_task(bot.run(stop))
        try:
            await says("xin chào", "chưa liên kết")
            await says("DD-AAAAA-BBBBB", "không hợp lệ")
            await says(code.lower().replace("-", " "), "Đã liên kết với UBND phường Nhơn Bình")
            assert "Về dữ liệu cá nhân" in world.received(CHAT)[-1]  # what is kept, why, whom to ask

            with Session(engine) as session:  # the quarter's first reminder, on Zalo
                added = plan_reminders(session, PLAN, dt.datetime(2019, 7, 1, 9, tzinfo=VN), WorkingCalendar(),
                                       queue_reminder)
                session.commit()
            assert added == 1
            stats = await Dispatcher(engine, ZaloTransport(client), ZALO_LIMITS.scaled(100)).drain()
            assert stats.sent == 1
            reminder = world.received(CHAT)[-1]
            assert reminder.startswith("Nhắc việc – Kế hoạch 53/KH-UBND: 7 nhiệm vụ") and "Quý III/2019" in reminder
            number = next(line.split(".")[0] for line in reminder.split("\n") if "[1.1]" in line)

            await says(number, "1 Đã hoàn thành · 2 Tiến độ · 3 Vướng mắc · 4 Gia hạn")
            assert "/o/" in world.received(CHAT)[-1] and "&s=" in world.received(CHAT)[-1]  # its web page
            await says("2", "bao nhiêu phần trăm")
            await says("nhiều", "một số từ 0 đến 100")
            await says("60", "Đã ghi nhận tiến độ 60% cho nhiệm vụ 1.1")
            await says("DS", "Trả lời số thứ tự")
            listed = world.received(CHAT)[-1]
            number = next(line.split(".")[0] for line in listed.split("\n") if "[1.1]" in line)
            await says(number, "Nhiệm vụ 1.1")
            await says("4", "gia hạn đến ngày nào")
            await says("1/10/2019", "không sau hạn hiện tại")
            await says("31/10", "Lý do")
            await says("chờ số liệu các thôn", "Đã gửi đề nghị gia hạn nhiệm vụ 1.1 đến ngày 31/10/2019 để Sở Nội vụ")
        finally:
            stop.set()
            await polling
            await client.close()

    asyncio.run(scenario())
    ob = _obligation(engine)
    assert (ob.status, ob.progress) == ("extension_requested", 60)
    with Session(engine) as session:
        actors = {e.actor for e in session.exec(select(Event).where(Event.obligation_id == ob.id))}
        assert f"zalo:{CHAT}" in actors
    assert world.token not in caplog.text and world.token.split(":")[1] not in caplog.text


def test_a_chat_that_blocked_the_bot_is_buried(zalo):
    engine, stand_in, _ = zalo
    world = stand_in.world
    with Session(engine) as session:
        session.add(ChatLink(channel="zalo", address=CHAT, unit_id=COMMUNE, contact="An"))
        outbox.enqueue_text(session, "test:blocked", "zalo", CHAT, "Nhắc việc")
        session.commit()
    world.blocked.add(CHAT)

    async def drain():
        client = ZaloClient(world.token, base_url=stand_in.base_url)
        try:
            return await Dispatcher(engine, ZaloTransport(client), ZALO_LIMITS.scaled(100)).drain()
        finally:
            await client.close()
    assert asyncio.run(drain()).dead == 1
    with Session(engine) as session:
        link = session.exec(select(ChatLink).where(ChatLink.channel == "zalo")).one()
        assert link.active is False and "blocked" in link.dead_reason
        assert session.exec(select(Outbox)).one().state == "failed"


def test_webhook_mode_answers_what_zalo_posts(zalo, tmp_path, monkeypatch):
    """setWebhook through the command, then the stand-in posts each message to the dashboard's
    /hooks/zalo with the secret token; a post without it is refused."""
    import httpx
    from typer.testing import CliRunner

    from cli.main import app
    from web.app import create_app
    from web.server import Background

    engine, stand_in, code = zalo
    world = stand_in.world
    monkeypatch.setenv("DONDOC_ZALO_TOKEN", world.token)
    monkeypatch.setenv("DONDOC_ZALO_API", stand_in.base_url)
    monkeypatch.setenv("DONDOC_ZALO_WEBHOOK_SECRET", "webhook-secret-123")
    client = ZaloClient(world.token, base_url=stand_in.base_url)
    web = Background(create_app(engine, tmp_path, zalo=ZaloBot(engine, client)), port=0).start()
    try:
        hook = f"{web.url}/hooks/zalo"
        assert CliRunner().invoke(app, ["zalo", "webhook", hook]).exit_code == 2  # not https
        set_ = CliRunner().invoke(app, ["zalo", "webhook", "https://dondoc.example.gov.vn/hooks/zalo"])
        assert set_.exit_code == 0 and "https://dondoc.example.gov.vn/hooks/zalo" in set_.output
        assert world.webhook["secret_token"] == "webhook-secret-123"
        assert "none (polling)" in CliRunner().invoke(app, ["zalo", "webhook", "--delete"]).output
        world.webhook = {"url": hook, "secret_token": "webhook-secret-123"}  # as setWebhook stores it
        world.user_sends(CHAT, code)
        assert any("Đã liên kết" in t for t in world.received(CHAT))
        assert httpx.post(hook, json={"message": {"chat": {"id": CHAT}, "text": "DS"}}).status_code == 403
    finally:
        web.stop()


def test_a_check_in_is_answered_in_its_own_words_and_offers_no_extension(zalo):
    """Work without a deadline ("Thường xuyên"): "Đã thực hiện trong kỳ", never "hoàn thành" of the
    whole task, and no "Gia hạn" for a deadline it does not have."""
    from bots.zalo.conversation import answer
    from models.store.tables import utcnow

    engine, _, code = zalo
    with Session(engine) as session:
        answer(session, CHAT, code, utcnow())
        checkin = session.exec(select(Obligation).where(Obligation.unit_id == COMMUNE, Obligation.no_deadline)).first()
        ids = [checkin.id]
        link = session.exec(select(ChatLink).where(ChatLink.address == CHAT)).one()
        link.awaiting = {"list": ids}
        menu = answer(session, CHAT, "1", utcnow())[0][1]
        assert "1 Đã thực hiện trong kỳ · 2 Tiến độ · 3 Vướng mắc\n" in menu and "Gia hạn" not in menu
        assert "Thực hiện thường xuyên" in answer(session, CHAT, "4", utcnow())[0][1]  # no extension: the menu again
        done = answer(session, CHAT, "1", utcnow())[0][1]
        session.commit()
    assert done.startswith("Đã ghi nhận việc thực hiện trong kỳ của nhiệm vụ") and "hoàn thành" not in done


def test_a_long_reminder_is_paged_never_cut_and_numbers_run_on(zalo):
    """25 tasks do not fit one 2,000-character message: every one is listed across pages,
    "TIẾP" sends the next, and the 25th's number opens it from the first page on."""
    from types import SimpleNamespace

    from bots.zalo.conversation import answer
    from bots.zalo.layout import MAX_TEXT, reminder_text
    from models.store.tables import utcnow

    engine, _, code = zalo
    with Session(engine) as session:
        answer(session, CHAT, code, utcnow())
        link = session.exec(select(ChatLink).where(ChatLink.address == CHAT)).one()
        for period in ("2019-Q4", "2020-Q1", "2020-Q2"):  # the commune's work of four quarters
            Opener(session, PLAN, WorkingCalendar()).period(period)
        obs = session.exec(select(Obligation, Task).join(Task, Task.id == Obligation.task_id)
                           .where(Obligation.unit_id == COMMUNE).order_by(Obligation.due_at, Task.code)).all()[:25]
        long_text = "Tăng cường công tác tuyên truyền, phổ biến bằng nhiều hình thức phong phú " * 3
        items = [SimpleNamespace(obligation=ob, code=f"{task.code}", task=long_text, stage="T-3", unit="x")
                 for ob, task in obs]
        first = reminder_text(link, items, "53/KH-UBND")
        session.commit()
        pages = [first]
        while "trả lời TIẾP" in pages[-1]:
            pages.append(answer(session, CHAT, "TIẾP", utcnow())[0][1])
        session.commit()
        assert len(pages) > 1 and all(len(p) <= MAX_TEXT for p in pages)
        assert "(trang 1/" in pages[0] and first.startswith("Nhắc việc – Kế hoạch 53/KH-UBND: 25 nhiệm vụ")
        numbers = [int(line.split(".")[0]) for p in pages for line in p.split("\n") if line[:1].isdigit()]
        assert numbers == list(range(1, 26))  # every task, once, numbered on
        assert "truyền, phổ biến…" in pages[0] and "hìn…" not in "".join(pages)  # cut at a word
        assert "Đã hết danh sách" in answer(session, CHAT, "tiếp", utcnow())[0][1]
        opened = answer(session, CHAT, "25", utcnow())[0][1]
        assert opened.startswith(f"Nhiệm vụ {obs[24][1].code}")
