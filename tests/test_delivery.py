"""The outbox and its dispatcher against the stand-in: limits kept, errors told apart,
nothing lost, nothing sent twice."""

import asyncio
import logging
import datetime as dt
import threading

import pytest
from sqlmodel import Session, func, select
from telegram import Bot

from bots.outbox.dispatch import Dispatcher
from bots.telegram.transport import TelegramTransport
from bots.standin.server import StandIn
from bots.standin.world import Faults, World
from bots.standin.world import Limits as TelegramLimits
from models.chase import outbox
from models.chase.outbox import Limits, split_text
from models.store.tables import ChatLink, Event, Outbox, utcnow

FAST = 5  # limits scaled 5x: 30 messages per 200 ms, 1 per chat per 200 ms


@pytest.fixture(scope="module")
def server():
    with StandIn() as stand_in:
        yield stand_in


def world_with(server, chats, groups=()):
    world = server.reset(World(limits=TelegramLimits().scaled(FAST)))
    for chat in chats:
        world.add_user(chat, f"u{chat}")
        world.user_starts(chat)
    for group in groups:
        world.add_group(group, f"g{group}")
    return world


def queue(engine, messages):
    with Session(engine) as session:
        for key, chat, text in messages:
            outbox.enqueue(session, key, chat, text)
        session.commit()


def drain(engine, server, name=None):
    async def run():
        bot = Bot(server.world.token, base_url=server.base_url)
        async with bot:
            dispatcher = Dispatcher(engine, TelegramTransport(bot), Limits().scaled(FAST), name=name)
            return await dispatcher.drain()
    return asyncio.run(run())


def states(engine):
    with Session(engine) as session:
        return dict(session.exec(select(Outbox.state, func.count()).group_by(Outbox.state)).all())


def test_enqueue_is_idempotent_and_splits_long_text(engine):
    with Session(engine) as session:
        assert outbox.enqueue(session, "remind:1:T-7", 5, "Nhắc việc") == 1
        assert outbox.enqueue(session, "remind:1:T-7", 5, "Nhắc việc") == 0
        long = "\n".join(f"Dòng {i}: " + "x" * 90 for i in range(100))
        assert outbox.enqueue(session, "digest:1", 5, long, reply_markup={"inline_keyboard": []}) == 3
        session.commit()
        parts = session.exec(select(Outbox).where(Outbox.idempotency_key.startswith("digest:1"))
                             .order_by(Outbox.id)).all()
    assert [p.idempotency_key for p in parts] == ["digest:1#1", "digest:1#2", "digest:1#3"]
    assert all(len(p.payload["text"]) <= 4096 for p in parts)
    assert [p.payload["reply_markup"] is not None for p in parts] == [False, False, True]
    assert "\n".join(p.payload["text"] for p in parts) == long


def test_split_text_cuts_at_line_breaks():
    assert split_text("a" * 10, limit=4) == ["aaaa", "aaaa", "aa"]
    assert split_text("ab\ncd\nef", limit=6) == ["ab\ncd", "ef"]


def test_claims_respect_every_limit(engine):
    limits = Limits(per_bot=5, per_chat=1, per_group=2)
    queue(engine, [(f"k{i}", chat, "x") for i, chat in enumerate([1, 1, 1, 2, 3, -10, -10, -10, 4, 5, 6, 7])])
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        first = outbox.claim(session, "a", limits, now=now)
        second = outbox.claim(session, "b", limits, now=now)  # same instant: the bot's budget is spent
        # "a" is still sending (its process paces them): they count for "b" until answered
        waiting = outbox.claim(session, "b", limits, now=now + dt.timedelta(seconds=1.5))
        for row in first:
            outbox.mark_sent(row, 1, now + dt.timedelta(seconds=0.2))
        session.flush()
        later = outbox.claim(session, "b", limits, now=now + dt.timedelta(seconds=1.5))
        session.commit()
    assert [r.chat_id for r in first] == [1, 2, 3, -10, 4] and second == [] and waiting == []
    assert [r.chat_id for r in later] == [1, -10, 5, 6, 7]  # one per chat per claim; the group's 2nd


def test_a_dispatcher_alone_claims_ahead_of_the_window_and_never_past_another(engine):
    """Alone, a dispatcher claims rows whose room comes within `ahead` (its Pacer holds them until
    then); with another dispatcher's sends in the window, it counts the whole window."""
    limits = Limits(per_bot=2, per_chat=1)
    queue(engine, [(f"k{i}", chat, "x") for i, chat in enumerate([1, 2, 3, 4, 5, 6])])
    now, ahead = utcnow(), dt.timedelta(seconds=0.1)
    with Session(engine, expire_on_commit=False) as session:
        first = outbox.claim(session, "a", limits, now=now)
        for row in first:
            outbox.mark_sent(row, 1, now)
        session.flush()
        soon = now + limits.window(limits.per_bot_window) - dt.timedelta(seconds=0.05)  # room in 0.05 s
        assert outbox.claim(session, "a", limits, now=soon) == []
        early = outbox.claim(session, "a", limits, now=soon, ahead=ahead)
        for row in early:
            outbox.mark_sent(row, 1, soon)
        session.flush()
        # "b" is not alone: "a"'s sends fill the window, and nothing is claimed ahead of it
        assert outbox.claim(session, "b", limits, now=soon + dt.timedelta(seconds=0.5), ahead=ahead) == []
        session.commit()
    assert len(first) == 2 and len(early) == 2


def test_dispatch_delivers_everything_once_within_limits(engine, server):
    chats = list(range(1, 41))
    world = world_with(server, chats, groups=[-100, -200])
    messages = [(f"m{i}", chats[i % 40] if i % 10 else (-100 if i % 20 else -200), f"tin {i}") for i in range(120)]
    queue(engine, messages)
    stats = drain(engine, server)
    assert stats.sent == 120 and states(engine) == {"sent": 120}
    assert (world.answered_429, world.violations) == (0, 0)
    received = sorted(r.text for chat in chats + [-100, -200] for r in world.received(chat))
    assert received == sorted(text for _k, _c, text in messages)


def test_blocked_and_unknown_chats_bury_the_link_and_tell_the_coordinator_once(applied, server):
    world = world_with(server, [1, 2, 900])
    world.user_blocks(2)
    with Session(applied) as session:
        for chat, unit, role in ((2, "binh-dinh/xa-21550", "assignee"), (3, "binh-dinh/xa-21553", "assignee"),
                                 (900, "binh-dinh/so-noi-vu", "coordinator")):
            session.add(ChatLink(chat_id=chat, unit_id=unit, contact=f"c{chat}", role=role))
        session.commit()
    queue(applied, [("a", 1, "ok"), ("b", 2, "blocked"), ("c", 3, "never started"), ("d", 2, "again")])
    stats = drain(applied, server)
    assert (stats.sent, stats.dead) == (1 + 2, 3)  # the coordinator's two notices were sent too
    notices = [r.text for r in world.received(900)]
    assert len(notices) == 2 and any("UBND phường Nhơn Bình" in n and "người nhận đã chặn bot" in n for n in notices)
    assert not any("Forbidden" in n for n in notices)  # the provider's words stay in the audit trail
    assert all("qua Telegram" in n and "cần liên hệ để liên kết lại" in n for n in notices)  # and what happens next
    with Session(applied) as session:
        links = {l.chat_id: l for l in session.exec(select(ChatLink))}
        assert not links[2].active and links[2].dead_reason == "Forbidden: bot was blocked by the user"
        assert not links[3].active and links[900].active
        assert len(session.exec(select(Event).where(Event.kind == "link_dead")).all()) == 2


def test_a_migrated_group_gets_its_messages_at_the_new_id(applied, server):
    world = world_with(server, [], groups=[-4001])
    new_id = world.group_migrates(-4001)
    with Session(applied) as session:
        session.add(ChatLink(chat_id=-4001, unit_id="binh-dinh/xa-21550", contact="nhóm"))
        session.commit()
    queue(applied, [("m1", -4001, "một"), ("m2", -4001, "hai")])
    drain(applied, server)
    assert [r.text for r in world.received(new_id)] == ["một", "hai"]
    with Session(applied) as session:
        assert session.exec(select(ChatLink.chat_id)).one() == new_id


def test_429s_and_5xx_still_deliver_each_message_once_and_never_early(engine, server):
    chats = list(range(1, 21))
    world = world_with(server, chats)
    world.faults = Faults(share_429=0.2, retry_after=1, share_5xx=0.05, seed=3)
    queue(engine, [(f"m{i}", chats[i % 20], f"tin {i}") for i in range(40)])
    drain(engine, server)
    world.faults = Faults()
    assert states(engine) == {"sent": 40}
    texts = [r.text for chat in chats for r in world.received(chat)]
    assert sorted(texts) == sorted(f"tin {i}" for i in range(40))
    told_to_wait = [(chat, at + retry) for kind, chat, at, retry in world.fault_log if kind == "429"]
    assert told_to_wait and "5xx" in {kind for kind, *_ in world.fault_log}  # both faults did happen
    for chat, not_before in told_to_wait:
        assert all(r.at >= not_before for r in world.received(int(chat)) if r.at > not_before - 1)


def test_a_row_left_sending_by_a_dead_dispatcher_becomes_uncertain(engine, server):
    world = world_with(server, [1])
    queue(engine, [("m1", 1, "một"), ("m2", 1, "hai")])
    with Session(engine, expire_on_commit=False) as session:  # a dispatcher claimed m1, then was killed
        (row,) = outbox.claim(session, "dead", Limits(), now=utcnow() - dt.timedelta(minutes=10))
        session.commit()
    stats = drain(engine, server)
    assert stats.recovered_uncertain == 1
    assert [r.text for r in world.received(1)] == ["hai"]  # m1 was not blindly resent
    with Session(engine) as session:
        assert session.get(Outbox, row.id).state == "uncertain"


def test_two_dispatchers_never_send_the_same_row(engine, server):
    chats = list(range(1, 61))
    world = world_with(server, chats)
    queue(engine, [(f"m{i}", chats[i % 60], f"tin {i}") for i in range(240)])
    results = []
    threads = [threading.Thread(target=lambda n=n: results.append(drain(engine, server, name=n)))
               for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in results) == 240 and states(engine) == {"sent": 240}
    received = [r.text for chat in chats for r in world.received(chat)]
    assert len(received) == len(set(received)) == 240


def test_a_refused_token_stops_delivery_and_leaves_every_row_pending(engine, server, caplog):
    """401 (a revoked token) is no row's fault: the dispatcher stops at once, says why in the
    log (never the token), and the rows wait, unspent, for a valid token."""
    world_with(server, [1, 2, 3])
    queue(engine, [(f"m{i}", 1 + i % 3, f"tin {i}") for i in range(6)])
    revoked = "0" + server.world.token[1:]  # the stand-in answers 401 Unauthorized for it

    async def run():
        bot = Bot(revoked, base_url=server.base_url)  # revoked after it started: its getMe went through
        try:
            return await Dispatcher(engine, TelegramTransport(bot), Limits().scaled(FAST)).drain()
        finally:
            await bot.shutdown()
    stats = asyncio.run(run())
    assert "refused the bot token" in stats.stopped and stats.sent == 0
    assert states(engine) == {"pending": 6}
    with Session(engine) as session:
        assert {row.attempts for row in session.exec(select(Outbox))} == {0}
    assert "delivery stopped" in caplog.text and revoked not in caplog.text
    with Session(engine) as session:  # and the admin hears it on the next `dondoc status`
        (channel, _when, why, waiting), = outbox.stopped_channels(session)
    assert (channel, waiting) == ("telegram", 6) and "refused the bot token" in why
    world_with(server, [1, 2, 3])

    async def again():  # a valid token: delivery goes on, and the warning is over
        async with Bot(server.world.token, base_url=server.base_url) as bot:
            return await Dispatcher(engine, TelegramTransport(bot), Limits().scaled(FAST)).drain()
    assert asyncio.run(again()).sent == 6
    with Session(engine) as session:
        assert outbox.stopped_channels(session) == []


def test_the_deliver_flow_with_a_rejected_token_says_so_without_it(engine, server, monkeypatch, caplog):
    from flows.deliver import deliver

    world_with(server, [1])
    queue(engine, [("m1", 1, "tin 1")])
    revoked = "0" + server.world.token[1:]
    monkeypatch.setenv("DONDOC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", revoked)
    monkeypatch.setenv("DONDOC_TELEGRAM_API", server.base_url)
    caplog.set_level(logging.DEBUG)
    summary = deliver.fn(idle_timeout=0.0)
    assert "refused the bot token" in summary["telegram"]["stopped"] and states(engine) == {"pending": 1}
    assert revoked not in caplog.text and revoked not in repr(summary)


class AlwaysBusy:
    """A channel whose every send is answered 'try later' (a relay or gateway that is down)."""
    channel = "sms"
    pacer = None

    async def check(self) -> None:
        return None

    async def send(self, row):
        from bots.outbox.dispatch import Outcome
        return Outcome("retry", wait=dt.timedelta(seconds=1), error="gateway down")


def test_a_channel_that_keeps_failing_cannot_hold_a_run(engine):
    """The deliver flow's drain ends within its time, rows back to pending for the next run."""
    import time

    with Session(engine) as session:
        outbox.enqueue_text(session, "down", "sms", "0900000000", "Nhắc việc")
        session.commit()
    began = time.monotonic()
    stats = asyncio.run(Dispatcher(engine, AlwaysBusy(), Limits().scaled(100)).drain(idle_timeout=0.1, within=1.5))
    assert time.monotonic() - began < 60 and stats.retried >= 1  # it ends (a hang guard, not a measure)
    with Session(engine) as session:
        assert session.exec(select(Outbox.state)).one() == "pending"


def test_the_deliver_flow_reports_a_channel_it_cannot_reach_and_ends(engine, monkeypatch):
    import socket

    from flows.deliver import deliver

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for name in ("DONDOC_TELEGRAM_TOKEN", "DONDOC_ZALO_TOKEN", "DONDOC_SMS_GATEWAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DONDOC_SMTP_URL", f"smtp://127.0.0.1:{closed}")
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@example.gov.vn")
    monkeypatch.setenv("DONDOC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with Session(engine) as session:
        outbox.enqueue_email(session, "mail", "an@xa.gov.vn", "Nhắc việc", "Nội dung", "")
        session.commit()
    summary = deliver.fn(idle_timeout=0.1, within=5)
    assert summary["email"]["stopped"].startswith("unreachable")
    with Session(engine) as session:
        assert session.exec(select(Outbox.state)).one() == "pending"


def test_a_standing_stop_is_recorded_once(engine):
    with Session(engine) as session:
        for _ in range(3):  # a channel down all night, tried every few minutes
            outbox.record_stop(session, "zalo", "unreachable: Zalo answered 502")
            session.flush()
        outbox.record_stop(session, "zalo", "refused: Zalo refused the bot token (401)")
        session.commit()
        notes = session.exec(select(Event.note).where(Event.kind == "delivery_stopped")).all()
    assert notes == ["unreachable: Zalo answered 502", "refused: Zalo refused the bot token (401)"]


def test_the_dead_link_notice_says_how_the_unit_is_reached_now(applied):
    """The coordinator reads why in words and what happens next: the same person's e-mail."""
    from bots.outbox.dispatch import BLOCKED, bury_link

    unit = "binh-dinh/xa-21550"
    with Session(applied) as session:
        session.add(ChatLink(chat_id=7001, unit_id=unit, contact="An"))
        session.add(ChatLink(chat_id=None, channel="email", address="an@nhonbinh.gov.vn", unit_id=unit, contact="An"))
        session.add(ChatLink(chat_id=7002, unit_id="binh-dinh/so-noi-vu", contact="Chuyên viên", role="coordinator"))
        session.commit()
        bury_link(session, "telegram", 7001, None, BLOCKED)
        session.commit()
        (notice,) = session.exec(select(Outbox).where(Outbox.chat_id == 7002)).all()
    assert notice.payload["text"] == ("<b>Không liên lạc được</b> với UBND phường Nhơn Bình (thành phố Quy Nhơn) (An) "
                                      "qua Telegram: người nhận đã chặn bot. Nhắc việc từ nay gửi qua thư điện tử.")
