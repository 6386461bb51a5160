"""End to end: the real python-telegram-bot Application, polling the stand-in, on a
database with the Bình Định plan applied and its third quarter of 2019 opened."""

import asyncio
import datetime as dt
import logging
from urllib.parse import quote

import pytest
from sqlmodel import Session, select

from models.access import people
from models.calendar.days import parse_day
from bots.standin.server import StandIn
from bots.standin.world import Limits, World, until
from tests.botkit import bot_running, card_of, last_text_contains, link, texts
from models.engine.opening import Opener
from models.store.tables import ChatLink, Event, Evidence, Obligation, Outbox, Task, utcnow
from models.calendar.workcal import VN, WorkingCalendar

COMMUNE, OTHER_COMMUNE, COORDINATOR_UNIT = "binh-dinh/xa-21550", "binh-dinh/xa-21553", "binh-dinh/so-noi-vu"
ASSIGNEE, ATTACKER, COORDINATOR = 501, 777, 900


@pytest.fixture(scope="module")
def server():
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture
def setup(applied, server, tmp_path):
    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", WorkingCalendar()).period("2019-Q3")
        tokens = {
            ASSIGNEE: people.create_invitation(session, COMMUNE, "Nguyễn Văn An"),
            ATTACKER: people.create_invitation(session, OTHER_COMMUNE, "Trần Thị Bình"),
            COORDINATOR: people.create_invitation(session, COORDINATOR_UNIT, "Lê Chuyên viên", role="coordinator"),
        }
        session.commit()
    world = server.reset(World(limits=Limits().scaled(1000)))
    for user in tokens:
        world.add_user(user, f"user{user}")
    return applied, server, tokens, tmp_path


def obligation(engine, unit=COMMUNE, code="1.1"):
    with Session(engine) as session:
        return session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                            .where(Obligation.unit_id == unit, Task.code == code)).one()


def test_a_commune_reports_asks_an_extension_sends_evidence_and_finishes(setup):
    engine, server, tokens, folder = setup
    world = server.world

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Về dữ liệu cá nhân")  # linked, told what is kept
            await link(world, COORDINATOR, tokens[COORDINATOR], "vai trò điều phối")

            seen = len(world.received(ASSIGNEE))
            world.user_sends(ASSIGNEE, "/mine")
            cards = await until(lambda: [r for r in world.received(ASSIGNEE)[seen:] if r.reply_markup]
                                if len(world.received(ASSIGNEE)) >= seen + 7 else None)
            card = next(r for r in cards if r.text.startswith("Nhiệm vụ 1.1"))
            assert "Hạn: 14/10/2019" in card.text and "Kỳ: Quý III/2019" in card.text

            async def press(label, chat=ASSIGNEE, message=card):
                count = len(world.received(chat))
                query = world.user_presses(chat, message.message_id, label)
                await until(lambda: world.answer_of(query) is not None)
                return count

            async def say_(text, expect):
                count = len(world.received(ASSIGNEE))
                world.user_sends(ASSIGNEE, text)
                await last_text_contains(world, ASSIGNEE, expect, count)

            await press("Tiến độ")
            await last_text_contains(world, ASSIGNEE, "bao nhiêu phần trăm")
            await say_("khoảng một nửa", "Đề nghị nhập một số từ 0 đến 100")
            await say_("60", "Ghi chú ngắn")
            await say_("đang tổng hợp số liệu", "Đã ghi nhận tiến độ 60%")

            await press("Gia hạn")
            await say_("tuần sau", "Không đọc được ngày")
            await say_("1/10/2019", "phải sau hạn hiện tại")
            await say_("31/10", "Lý do xin gia hạn")
            await say_("chờ số liệu của các thôn", "Đã gửi đề nghị gia hạn nhiệm vụ 1.1 đến ngày 31/10/2019 để Sở Nội vụ xem xét")
            await last_text_contains(world, COORDINATOR, "Đề nghị gia hạn")
            request = world.received(COORDINATOR)[-1]
            assert "từ 14/10/2019 đến 31/10/2019" in request.text and "chờ số liệu của các thôn" in request.text

            await press("Đồng ý", chat=COORDINATOR, message=request)
            await last_text_contains(world, ASSIGNEE, "Đã đồng ý gia hạn nhiệm vụ 1.1 đến 31/10/2019")
            assert "Đã đồng ý gia hạn" in world.received(COORDINATOR)[-1].text  # the request, edited

            await press("Minh chứng")
            await last_text_contains(world, ASSIGNEE, "gửi tệp minh chứng")
            world.user_uploads(ASSIGNEE, "bien-ban-cong-khai.pdf", b"%PDF-1.4 bien ban")
            await last_text_contains(world, ASSIGNEE, "Đã lưu minh chứng")

            await press("Đã hoàn thành")
            await last_text_contains(world, ASSIGNEE, "Đã ghi nhận hoàn thành nhiệm vụ 1.1")
            again = world.user_presses(ASSIGNEE, card.message_id, "Đã hoàn thành")
            answer = await until(lambda: world.answer_of(again))
            assert answer["show_alert"] and "đã hoàn thành" in answer["text"]

            # a check-in ("Thường xuyên"): done for this period, in its own words
            checkin = next(r for r in cards if "Đã thực hiện trong kỳ" in str(r.reply_markup))
            await press("Đã thực hiện trong kỳ", message=checkin)
            await last_text_contains(world, ASSIGNEE, "Đã ghi nhận việc thực hiện trong kỳ của nhiệm vụ")
            assert "Gia hạn" not in str(checkin.reply_markup)  # no deadline to extend
    asyncio.run(scenario())

    done = obligation(engine)
    assert (done.status, done.progress) == ("done", 60)
    assert done.due_at.astimezone(VN).date() == dt.date(2019, 10, 31)
    assert done.original_due_at.astimezone(VN).date() == dt.date(2019, 10, 14)
    with Session(engine) as session:
        kinds = [e.kind for e in session.exec(select(Event).where(Event.obligation_id == done.id).order_by(Event.id))]
        assert kinds == ["progress", "extension_requested", "extension_approved", "evidence", "done"]
        actors = {e.kind: e.actor for e in session.exec(select(Event).where(Event.obligation_id == done.id))}
        assert actors["extension_approved"] == f"telegram:{COORDINATOR}" and actors["done"] == f"telegram:{ASSIGNEE}"
        (evidence,) = session.exec(select(Evidence)).all()
        assert evidence.file_name == "bien-ban-cong-khai.pdf" and evidence.size == 17
        assert (folder / "evidence" / evidence.sha256[:2] / evidence.sha256).read_bytes() == b"%PDF-1.4 bien ban"


def test_a_forged_callback_from_another_chat_changes_nothing(setup):
    engine, server, tokens, folder = setup
    world = server.world
    target = obligation(engine)

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ATTACKER, tokens[ATTACKER], "Đã liên kết")
            own = world.received(ATTACKER)[-1]
            answers = []
            for data in (f"d:{target.id}", f"a:{target.id}", f"p:{target.id}"):
                query = world.user_presses(ATTACKER, own.message_id, data=data)  # a modified client
                answers.append(await until(lambda: world.answer_of(query)))
            world.add_user(12345, "Người lạ")
            world.user_starts(12345)
            await last_text_contains(world, 12345, "chưa được liên kết")
            return answers
    answers = asyncio.run(scenario())
    # a report is refused on the press itself; a decision answers the press first, then says why
    assert "không có quyền" in answers[0]["text"] and "không có quyền" in answers[2]["text"]
    assert answers[1]["text"] is None and "không có quyền" in texts(world, ATTACKER)[-1]
    after = obligation(engine)
    assert (after.status, after.progress, after.due_at) == (target.status, target.progress, target.due_at)
    with Session(engine) as session:
        refused = session.exec(select(Event).where(Event.kind == "refused")).all()
        assert len(refused) == 3 and {e.actor for e in refused} == {f"telegram:{ATTACKER}"}


def test_a_redelivered_update_is_handled_once(setup):
    engine, server, tokens, folder = setup
    world = server.world

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            with world.lock:
                replay = dict(world.updates[-1]) if world.updates else None
            first = len(world.received(ASSIGNEE))
            with world.lock:  # Telegram sends the same update again
                world.updates.append(replay or {"update_id": 100, "message": {}})
                world.on_update()
            await asyncio.sleep(1.0)
            return first, len(world.received(ASSIGNEE))
    before, after = asyncio.run(scenario())
    assert before == after
    with Session(engine) as session:
        assert len(session.exec(select(ChatLink)).all()) == 1


def test_invitations_are_single_use_and_expire(applied):
    with Session(applied) as session:
        token = people.create_invitation(session, COMMUNE, "An", now=dt.datetime(2019, 7, 1, tzinfo=VN))
        old = people.create_invitation(session, COMMUNE, "Cũ", now=dt.datetime(2019, 1, 1, tzinfo=VN))
        assert len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()
        people.redeem_invitation(session, token, 1, "vi", now=dt.datetime(2019, 7, 2, tzinfo=VN))
        for bad, reason in ((token, "used"), (old, "expired"), ("nope", "unknown"), ("x" * 65, "unknown")):
            with pytest.raises(people.InvitationError) as caught:
                people.redeem_invitation(session, bad, 2, "vi", now=dt.datetime(2019, 7, 2, tzinfo=VN))
            assert str(caught.value) == reason


@pytest.mark.parametrize("text,expected", [
    ("30/9", dt.date(2019, 9, 30)), ("30/09/2019", dt.date(2019, 9, 30)), ("5-1", dt.date(2020, 1, 5)),
    ("31/2", None), ("hôm nay", None), ("30/9/19", dt.date(2019, 9, 30)),
])
def test_dates_people_type(text, expected):
    assert parse_day(text, dt.date(2019, 9, 15)) == expected


def test_the_token_never_reaches_the_logs(setup, caplog):
    engine, server, tokens, folder = setup
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with bot_running(engine, server, folder):
            server.world.user_starts(ASSIGNEE, tokens[ASSIGNEE])
            await last_text_contains(server.world, ASSIGNEE, "Đã liên kết")
            logging.getLogger("test").error("boom", exc_info=RuntimeError(f"url {server.base_url}{server.world.token}"))
            encoded = quote(server.world.token, safe="")  # as an evidence download's URL carries it
            logging.getLogger("httpx").info("HTTP Request: GET http://x/file/bot%s/doc.pdf", encoded)
    asyncio.run(scenario())
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # httpx logged its URLs ...
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert server.world.token not in logged and "[bot-token]" in logged  # ... without the token
    assert quote(server.world.token, safe="") not in logged and server.world.token.split(":")[1] not in logged


def test_coordinator_commands_language_and_required_evidence(setup):
    engine, server, tokens, folder = setup
    world = server.world
    with Session(engine) as session:  # the plan says task 1.1 needs evidence
        for task in session.exec(select(Task).where(Task.code == "1.1")):
            task.evidence_required = True
        session.commit()

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, COORDINATOR, tokens[COORDINATOR], "vai trò điều phối")
            world.user_sends(COORDINATOR, "/status")
            await last_text_contains(world, COORDINATOR, "binh-dinh-53-2019 1")
            world.user_sends(COORDINATOR, "/overdue")
            await last_text_contains(world, COORDINATOR, "nhiệm vụ quá hạn")
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            world.user_sends(ASSIGNEE, "/status")
            await last_text_contains(world, ASSIGNEE, "dành cho cơ quan điều phối")
            world.user_sends(ASSIGNEE, "/lang en")
            await last_text_contains(world, ASSIGNEE, "Switched to English")
            count = len(world.received(ASSIGNEE))
            world.user_sends(ASSIGNEE, "/mine")
            await until(lambda: len(world.received(ASSIGNEE)) >= count + 7)
            card = next(r for r in world.received(ASSIGNEE)[count:] if r.text.startswith("Task 1.1"))
            count = len(world.received(ASSIGNEE))
            world.user_presses(ASSIGNEE, card.message_id, "Done")
            await last_text_contains(world, ASSIGNEE, "needs evidence before it can be done", count)
            world.user_sends_photo(ASSIGNEE, b"\xff\xd8 a photo of the notice board")
            await last_text_contains(world, ASSIGNEE, 'Evidence "photo-')
            world.user_presses(ASSIGNEE, card.message_id, "Done")
            await last_text_contains(world, ASSIGNEE, "Task 1.1 recorded as done")
    asyncio.run(scenario())
    overdue_lines = [t for t in texts(world, COORDINATOR) if "quá hạn" in t][-1]
    assert "UBND phường Nhơn Bình (thành phố Quy Nhơn): 3 nhiệm vụ quá hạn" in overdue_lines
    assert obligation(engine).status == "done"


def test_a_group_chat_links_to_a_unit(setup):
    engine, server, tokens, folder = setup
    world = server.world
    world.add_group(-7001, "UBND phường Nhơn Bình")

    async def scenario():
        async with bot_running(engine, server, folder):
            # t.me/<bot>?startgroup=<token> makes Telegram send this command into the group.
            world.user_sends(ASSIGNEE, f"/start@dondoc_bot {tokens[ASSIGNEE]}", chat_id=-7001)
            await last_text_contains(world, -7001, "Đã liên kết với UBND phường Nhơn Bình")
            world.user_sends(ASSIGNEE, "/mine@dondoc_bot", chat_id=-7001)
            await until(lambda: len(world.received(-7001)) >= 8)
            card = next(r for r in world.received(-7001) if (r.text or "").startswith("Nhiệm vụ 1.3"))
            query = world.user_presses(ATTACKER, card.message_id, "Đã hoàn thành", chat_id=-7001)  # anyone in the group
            await until(lambda: world.answer_of(query))
            await last_text_contains(world, -7001, "Đã ghi nhận hoàn thành nhiệm vụ 1.3")
            # Privacy mode: plain group chatter never reaches the bot; a reply to its question does.
            progress = next(r for r in world.received(-7001) if (r.text or "").startswith("Nhiệm vụ 2.2"))
            world.user_presses(ASSIGNEE, progress.message_id, "Tiến độ", chat_id=-7001)
            await last_text_contains(world, -7001, "bao nhiêu phần trăm")
            question = world.received(-7001)[-1]
            assert question.reply_markup == {"force_reply": True}
            world.user_sends(ASSIGNEE, "80", chat_id=-7001)  # not a reply: the bot does not see it
            await asyncio.sleep(0.5)
            assert world.received(-7001)[-1].message_id == question.message_id
            world.user_sends(ASSIGNEE, "80", chat_id=-7001, reply_to=question.message_id)
            await last_text_contains(world, -7001, "Ghi chú ngắn")
    asyncio.run(scenario())
    assert obligation(engine, code="1.3").status == "done"
    with Session(engine) as session:
        (link,) = session.exec(select(ChatLink)).all()
        assert (link.chat_id, link.unit_id) == (-7001, COMMUNE)


def test_a_reminders_task_button_opens_the_card(setup):
    engine, server, tokens, folder = setup
    world = server.world
    target = obligation(engine, code="2.2")

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            linked = world.received(ASSIGNEE)[-1]
            world.user_presses(ASSIGNEE, linked.message_id, data=f"c:{target.id}")  # as a reminder's "2.2"
            await last_text_contains(world, ASSIGNEE, "Nhiệm vụ 2.2")
            return world.received(ASSIGNEE)[-1]
    shown = asyncio.run(scenario())
    assert shown.text.startswith("Nhiệm vụ 2.2") and "Kỳ: Quý III/2019" in shown.text
    labels = [b["text"] for row in shown.reply_markup["inline_keyboard"] for b in row]
    assert labels == ["Đã hoàn thành", "Tiến độ", "Vướng mắc", "Gia hạn", "Minh chứng"]


def test_the_digests_button_sends_the_full_report_to_the_coordinator_only(setup):
    import io

    from openpyxl import load_workbook
    from telegram import Bot

    from bots.outbox.dispatch import Dispatcher
    from bots.telegram.transport import TelegramTransport
    from models.report.digest import send_digests
    from models.chase.outbox import Limits as OutboxLimits

    engine, server, tokens, folder = setup
    world = server.world

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, COORDINATOR, tokens[COORDINATOR], "vai trò điều phối")
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            with Session(engine) as session:
                send_digests(session, "binh-dinh-53-2019", dt.datetime(2019, 10, 14, 8, tzinfo=VN), WorkingCalendar())
                session.commit()
            async with Bot(world.token, base_url=server.base_url) as bot:
                await Dispatcher(engine, TelegramTransport(bot), OutboxLimits().scaled(1000)).drain()
            digest = next(r for r in world.received(COORDINATOR) if r.reply_markup)
            # An assignee replaying the button's data is refused.
            refused = world.user_presses(ASSIGNEE, world.received(ASSIGNEE)[-1].message_id,
                                         data=digest.reply_markup["inline_keyboard"][0][0]["callback_data"])
            await until(lambda: world.answer_of(refused) is not None)
            world.user_presses(COORDINATOR, digest.message_id, "Báo cáo đầy đủ (Excel)")
            sent = await until(lambda: next((r for r in world.received(COORDINATOR) if r.document), None))
            return world.answer_of(refused), sent, digest
    refusal, sent, digest = asyncio.run(scenario())
    assert "Tổng hợp tình hình thực hiện" in digest.text and "– Tuần 42 (14–18/10/2019)" in digest.text
    assert refusal["show_alert"] and "không có quyền" in refusal["text"]
    assert not any(r.document for r in world.received(ASSIGNEE))
    assert sent.document["file_name"] == "bao-cao-binh-dinh-53-2019-quy-iii-2019.xlsx"  # the quarter being chased
    content = world.files[sent.document["file_id"]]["content"]
    assert load_workbook(io.BytesIO(content))["Chi tiết"].max_row > 1


def test_a_measured_task_asks_for_the_value_reached(setup):
    engine, server, tokens, folder = setup
    world = server.world
    with Session(engine) as session:
        task = session.exec(select(Task).where(Task.code == "1.1")).one()
        task.target = {"value": 40, "unit": "%", "of": "hồ sơ tiếp nhận", "at_least": True}
        session.commit()
    target = obligation(engine, code="1.1")

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            world.user_presses(ASSIGNEE, world.received(ASSIGNEE)[-1].message_id, data=f"p:{target.id}")
            await last_text_contains(world, ASSIGNEE, "bao nhiêu phần trăm")
            for text, expect in (("60", "chỉ tiêu ≥ 40% hồ sơ tiếp nhận"), ("khoảng một nửa", "Đề nghị nhập một số"),
                                 ("45,5", "Ghi chú ngắn"), ("-", "Đã ghi nhận tiến độ 60%")):
                count = len(world.received(ASSIGNEE))
                world.user_sends(ASSIGNEE, text)
                await last_text_contains(world, ASSIGNEE, expect, count)
    asyncio.run(scenario())
    reported = obligation(engine, code="1.1")
    assert (reported.progress, reported.value) == (60, 45.5)


def test_the_report_counts_targets_met_and_not_met(applied):
    from models.engine import lifecycle
    from models.report.period import build_report, targets_summary

    with Session(applied) as session:
        Opener(session, "binh-dinh-53-2019", WorkingCalendar()).period("2019-Q3")
        task = session.exec(select(Task).where(Task.code == "1.1")).one()
        task.target = {"value": 40, "unit": "%", "of": "hồ sơ tiếp nhận", "at_least": True}
        session.commit()
        for unit, percent, value in ((COMMUNE, 100, 45), (OTHER_COMMUNE, 80, 30)):
            ob = session.get(Obligation, obligation(applied, unit).id)
            lifecycle.report_progress(session, ob, percent, "test", value=value)
        session.commit()
        # as things stand now: the values were reported today (a report as of 2019 would not hold them)
        report = build_report(session, "binh-dinh-53-2019", utcnow(), period="2019-Q3")
    measured = [r for r in report.rows if r.code == "1.1"]
    assert targets_summary(report) == (1, 1, len(measured) - 2)
    assert {r.unit: (r.value, r.met) for r in measured if r.value is not None} == {
        "UBND phường Nhơn Bình (thành phố Quy Nhơn)": (45, True), "UBND phường Nhơn Phú (thành phố Quy Nhơn)": (30, False)}
    assert measured[0].target == "≥ 40% hồ sơ tiếp nhận"


def test_a_blocked_bot_buries_the_link_at_once_and_an_unblock_restores_it(setup):
    engine, server, tokens, folder = setup
    world = server.world

    def link_of(chat):
        with Session(engine) as session:
            return session.exec(select(ChatLink).where(ChatLink.chat_id == chat)).one()

    def dead_link_notices():
        with Session(engine) as session:
            return [r for r in session.exec(select(Outbox).where(Outbox.chat_id == COORDINATOR))
                    if "Không liên lạc được" in r.payload["text"]]

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            await link(world, COORDINATOR, tokens[COORDINATOR], "vai trò điều phối")
            world.user_blocks(ASSIGNEE)  # Telegram tells the bot (my_chat_member: kicked)
            await until(lambda: not link_of(ASSIGNEE).active)
            world.user_blocks(ASSIGNEE)  # told twice: still one notice
            await asyncio.sleep(0.3)
            assert len(dead_link_notices()) == 1 and "UBND phường Nhơn Bình" in dead_link_notices()[0].payload["text"]
            world.user_starts(ASSIGNEE)  # unblocks: my_chat_member member, then /start
            await until(lambda: link_of(ASSIGNEE).active)
            await last_text_contains(world, ASSIGNEE, "/mine")  # greeted as linked, with the help text
    asyncio.run(scenario())


def test_a_group_upgraded_to_a_supergroup_keeps_its_link_at_once(setup):
    engine, server, tokens, folder = setup
    world = server.world
    world.add_group(-4001, "Tổ công tác")
    with Session(engine) as session:
        session.add(ChatLink(chat_id=-4001, unit_id=COORDINATOR_UNIT, contact="nhóm", role="coordinator"))
        session.commit()

    async def scenario():
        async with bot_running(engine, server, folder):
            new_id = world.group_migrates(-4001)  # the service messages, in the old chat and the new
            await until(lambda: _chat_of_link(engine, "nhóm") == new_id)
            world.user_sends(ASSIGNEE, "/status", chat_id=new_id)
            await last_text_contains(world, new_id, "binh-dinh-53-2019")  # the supergroup is the coordinator's
    asyncio.run(scenario())
    with Session(engine) as session:
        assert len(session.exec(select(Event).where(Event.kind == "chat_migrated")).all()) == 1


def _chat_of_link(engine, contact):
    with Session(engine) as session:
        return session.exec(select(ChatLink.chat_id).where(ChatLink.contact == contact)).one()


def test_a_blocked_report_reaches_the_coordinator_who_replies_sets_a_date_and_postpones(setup):
    engine, server, tokens, folder = setup
    world = server.world

    async def press(chat, message, label):
        query = world.user_presses(chat, message.message_id, label)
        await until(lambda: world.answer_of(query) is not None)

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            await link(world, COORDINATOR, tokens[COORDINATOR], "vai trò điều phối")
            card = await card_of(world, ASSIGNEE, "1.1")
            await press(ASSIGNEE, card, "Vướng mắc")
            await last_text_contains(world, ASSIGNEE, "nêu ngắn gọn vướng mắc")
            world.user_sends(ASSIGNEE, "chưa có kinh phí <tạm ứng>")
            await last_text_contains(world, ASSIGNEE, "Sở Nội vụ đã được báo")
            report = await until(lambda: next((r for r in world.received(COORDINATOR)
                                               if "Báo vướng mắc" in (r.text or "")), None))
            assert "UBND phường Nhơn Bình" in report.text and "chưa có kinh phí <tạm ứng>" in report.text

            await press(COORDINATOR, report, "Trả lời")
            await last_text_contains(world, COORDINATOR, "Nội dung trả lời")
            world.user_sends(COORDINATOR, "Sở Tài chính bố trí trong tháng 11")
            await last_text_contains(world, ASSIGNEE, "Ghi chú về nhiệm vụ 1.1: Sở Tài chính bố trí trong tháng 11")

            await press(COORDINATOR, report, "Đặt hạn mới")
            await last_text_contains(world, COORDINATOR, "Hạn mới cho nhiệm vụ 1.1")
            world.user_sends(COORDINATOR, "30/11/2099")
            await last_text_contains(world, ASSIGNEE, "Nhiệm vụ 1.1 có hạn mới: 30/11/2099")

            await press(COORDINATOR, report, "Tạm hoãn")
            await last_text_contains(world, ASSIGNEE, "Nhiệm vụ 1.1 được tạm hoãn")
    asyncio.run(scenario())
    after = obligation(engine)
    assert after.status == "postponed" and after.due_at.astimezone(VN).date() == dt.date(2099, 11, 30)
    with Session(engine) as session:
        kinds = [e.kind for e in session.exec(select(Event).where(Event.obligation_id == after.id).order_by(Event.id))]
    assert kinds == ["blocked", "note", "due_set", "postponed"]


def test_a_skip_button_for_the_note_and_huy_ends_any_question(setup):
    engine, server, tokens, folder = setup
    world = server.world

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            card = await card_of(world, ASSIGNEE, "1.1")
            world.user_presses(ASSIGNEE, card.message_id, "Tiến độ")
            await last_text_contains(world, ASSIGNEE, "bao nhiêu phần trăm")
            world.user_sends(ASSIGNEE, "60")
            question = await until(lambda: next((r for r in world.received(ASSIGNEE) if "Ghi chú ngắn" in r.text), None))
            world.user_presses(ASSIGNEE, question.message_id, "Bỏ qua")
            await last_text_contains(world, ASSIGNEE, "Đã ghi nhận tiến độ 60%")

            world.user_presses(ASSIGNEE, card.message_id, "Vướng mắc")
            await last_text_contains(world, ASSIGNEE, "nêu ngắn gọn vướng mắc")
            world.user_sends(ASSIGNEE, "/huy")
            await last_text_contains(world, ASSIGNEE, "Đã hủy thao tác đang làm")
            count = len(world.received(ASSIGNEE))
            world.user_sends(ASSIGNEE, "chưa có kinh phí")  # no longer an answer to anything
            await last_text_contains(world, ASSIGNEE, "/mine", count)
    asyncio.run(scenario())
    after = obligation(engine)
    assert (after.status, after.progress) == ("open", 60)


def test_every_catalogue_reads_and_the_languages_agree_key_for_key():
    """The texts are gettext catalogues (templates/locale/): each reads with Babel; English has
    every Vietnamese key, with the same {values} and Telegram tags; no text is empty or names
    the Department of Home Affairs where the plan's coordinator is meant."""
    import re

    from models.common.texts import LOCALE, catalogue

    def shape(text):
        return sorted(re.findall(r"\{(\w+)\}", text)), sorted(re.findall(r"</?\w+>", text))
    domains = {path.stem for path in LOCALE.glob("*/LC_MESSAGES/*.po")}
    assert domains == {"telegram", "zalo", "email", "sms", "web"}
    for domain in domains:
        vi = catalogue(domain, "vi")
        assert vi and all(vi.values()), domain
        assert not [k for k, text in vi.items() if "Sở Nội vụ" in text], domain
        if (LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po").exists():
            en = catalogue(domain, "en")
            assert set(en) == set(vi), domain
            assert {k: shape(t) for k, t in en.items()} == {k: shape(t) for k, t in vi.items()}, domain


def test_a_refusal_is_said_in_words_in_each_language():
    """A rule's refusal reaches people in their words, never the English kept for logs."""
    import datetime as dt

    from models.common.texts import refusal_text
    from models.engine.lifecycle import DomainError

    later = DomainError("err_not_later", "the new deadline 20/10/2019 is not after the current one 31/10/2019",
                        new=dt.datetime(2019, 10, 20, 12, tzinfo=VN), current=dt.datetime(2019, 10, 31, 12, tzinfo=VN))
    assert refusal_text("vi", later) == "hạn mới 20/10/2019 không sau hạn hiện tại 31/10/2019"
    assert refusal_text("en", later) == "the new deadline 20/10/2019 is not after the current one, 31/10/2019"
    closed = DomainError("err_not_now", "cannot postponed: obligation 3 is done", action="postponed", status="done")
    assert refusal_text("vi", closed) == "việc này đã hoàn thành, không thể tạm hoãn"


def test_a_press_is_one_commit_with_its_once_only_record(setup):
    """The update's once-only record is written with what the press changes, not in a commit
    of its own (each commit waits on the disk)."""
    from sqlalchemy import event
    from sqlmodel import Session as SessionClass

    from models.store.tables import SeenUpdate

    engine, server, tokens, folder = setup
    world = server.world
    commits = []

    def before_commit(session):
        pending = list(session.new) + list(session.dirty)
        if any(isinstance(item, SeenUpdate) for item in pending):
            commits.append({type(item).__name__ for item in pending})

    async def scenario():
        async with bot_running(engine, server, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            card = await card_of(world, ASSIGNEE, "1.1")
            commits.clear()
            event.listen(SessionClass, "before_commit", before_commit)
            try:
                query = world.user_presses(ASSIGNEE, card.message_id, "Tiến độ")
                await until(lambda: world.answer_of(query) is not None)
                await last_text_contains(world, ASSIGNEE, "phần trăm")
            finally:
                event.remove(SessionClass, "before_commit", before_commit)
    asyncio.run(scenario())
    assert commits == [{"SeenUpdate", "ChatLink"}]  # the question asked and the update recorded: one commit
