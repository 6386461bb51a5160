"""The Bot API stand-in answers python-telegram-bot as Telegram does (shared/TELEGRAM.md)."""

import asyncio
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Conflict, EndPointNotFound, Forbidden, InvalidToken, \
    NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bots.standin.server import StandIn
from bots.standin.world import Faults, Limits, World, until

FAST = Limits().scaled(1000)


@pytest.fixture(scope="module")
def server():
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture
def telegram(server):
    world = server.reset(World(limits=FAST))
    world.add_user(111, "An")
    world.add_user(222, "Bình")
    world.user_starts(111)
    return server


def run(telegram, scenario, **request):
    """Run `scenario(bot, world)` with a PTB Bot pointed at the stand-in."""
    async def main():
        bot = Bot(telegram.world.token, base_url=telegram.base_url, base_file_url=telegram.base_file_url,
                  request=HTTPXRequest(**request) if request else None)
        async with bot:
            return await scenario(bot, telegram.world)
    return asyncio.run(main())


def keyboard(*data):
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"b{i}", callback_data=d) for i, d in enumerate(data)]])


def test_send_and_read_back(telegram):
    async def scenario(bot, world):
        sent = await bot.send_message(111, "<b>Nhắc việc</b> &amp; hạn", parse_mode="HTML",
                                      reply_markup=keyboard("d:1"))
        return sent
    sent = run(telegram, scenario)
    (received,) = telegram.world.received(111)
    assert sent.text == received.text == "Nhắc việc & hạn"
    assert received.reply_markup == {"inline_keyboard": [[{"text": "b0", "callback_data": "d:1"}]]}
    assert abs(received.at - time.time()) < 5


@pytest.mark.parametrize("kwargs,description", [
    ({"text": ""}, "Message text is empty"),
    ({"text": "x" * 4097}, "Message is too long"),
    ({"text": "<b>đậm", "parse_mode": "HTML"}, "Can't parse entities: can't find end tag corresponding to start tag \"b\""),
    ({"text": "<x>a</x>", "parse_mode": "HTML"}, "Can't parse entities: unsupported start tag \"x\" at byte offset 0"),
    ({"text": "ok", "reply_markup": keyboard("é" * 33)}, "Button_data_invalid"),
])
def test_bad_messages_get_telegrams_400(telegram, kwargs, description):
    async def scenario(bot, world):
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(111, **kwargs)
        return str(caught.value)
    assert run(telegram, scenario) == description


def test_limits_of_length_and_callback_data_are_inclusive(telegram):
    async def scenario(bot, world):
        await bot.send_message(111, "x" * 4096, reply_markup=keyboard("a" * 64))
        await bot.send_message(111, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")  # counted after parsing
    run(telegram, scenario)
    assert len(telegram.world.received(111)) == 2


def test_who_cannot_be_reached(telegram):
    world = telegram.world
    world.user_starts(222)
    world.user_blocks(222)
    world.add_user(333, "Chưa bấm Start")

    async def scenario(bot, world):
        answers = {}
        for chat in (222, 333, 999):
            try:
                await bot.send_message(chat, "x")
            except (Forbidden, BadRequest) as exc:
                answers[chat] = (type(exc).__name__, exc.message)
        return answers
    assert run(telegram, scenario) == {
        222: ("Forbidden", "Forbidden: bot was blocked by the user"),
        333: ("Forbidden", "Forbidden: bot can't initiate conversation with a user"),
        999: ("BadRequest", "Chat not found"),
    }


def test_group_migration(telegram):
    world = telegram.world
    world.add_group(-4001, "Sở Nội vụ")
    new_id = world.group_migrates(-4001)

    async def scenario(bot, world):
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(-4001, "x")
        await bot.send_message(caught.value.new_chat_id, "x")
        return caught.value.new_chat_id
    assert run(telegram, scenario) == new_id == -1004001
    assert len(world.received(new_id)) == 1


def test_flood_limits_answer_429_with_retry_after(telegram):
    world = telegram.reset(World(limits=Limits(per_bot=3, per_chat=1, per_group=2, per_group_window=60),
                                 clock=lambda: 1000.0))  # every send at the same instant
    for user in (1, 2, 3, 4):
        world.add_user(user, f"u{user}")
        world.user_starts(user)
    world.add_group(-5, "g")

    async def scenario(bot, world):
        outcomes = []
        for chat in (1, 1, -5, -5, -5, 2, 3, 4):
            try:
                await bot.send_message(chat, "x")
                outcomes.append("ok")
            except RetryAfter as exc:
                outcomes.append(exc.retry_after.total_seconds())
        return outcomes
    # A private chat takes 1 a second, the bot 3 a second (limits scaled down for the test).
    assert run(telegram, scenario) == ["ok", 1, "ok", "ok", 1, 1, 1, 1]
    assert (world.answered_429, world.violations) == (5, 1)


def test_group_limit_is_per_minute(telegram):
    world = telegram.reset(World(limits=Limits(per_bot=100, per_group=2), clock=lambda: 1000.0))
    world.add_group(-5, "g")

    async def scenario(bot, world):
        await bot.send_message(-5, "1")
        await bot.send_message(-5, "2")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-5, "3")
        return caught.value.retry_after.total_seconds()
    assert run(telegram, scenario) == 60


def test_long_polling_waits_for_an_update_and_confirms_by_offset(telegram):
    async def scenario(bot, world):
        first = await bot.get_updates(timeout=1)
        offset = first[-1].update_id + 1
        asyncio.get_running_loop().call_later(0.3, world.user_sends, 111, "báo cáo xong")
        started = time.monotonic()
        waited = await bot.get_updates(offset=offset, timeout=30, read_timeout=40)
        elapsed = time.monotonic() - started
        again = await bot.get_updates(offset=waited[-1].update_id + 1, timeout=0)
        return first, waited, elapsed, again
    first, waited, elapsed, again = run(telegram, scenario)
    assert first[0].message.text == "/start" and first[0].message.entities[0].type == "bot_command"
    # it waited for the update and returned with it, well before the long poll's 30 s ran out
    assert [u.message.text for u in waited] == ["báo cáo xong"] and 0.2 < elapsed < 25
    assert again == ()


def test_a_second_poller_ends_the_first_with_409(telegram):
    async def scenario(bot, world):
        other = Bot(world.token, base_url=telegram.base_url)  # a second instance of the same bot
        async with other:
            first = asyncio.create_task(bot.get_updates(offset=10**6, timeout=5, read_timeout=10))
            await asyncio.sleep(0.3)
            await other.get_updates(offset=10**6, timeout=0)
            with pytest.raises(Conflict) as caught:
                await first
        await bot.set_webhook("https://example.invalid/hook")
        with pytest.raises(Conflict) as webhook:
            await bot.get_updates(timeout=0)
        await bot.delete_webhook()
        return str(caught.value), str(webhook.value)
    terminated, webhook = run(telegram, scenario)
    assert "terminated by other getUpdates request" in terminated
    assert "can't use getUpdates method while webhook is active" in webhook


def test_buttons_callbacks_and_edits(telegram):
    async def scenario(bot, world):
        sent = await bot.send_message(111, "Việc 1.1", reply_markup=keyboard("done:7"))
        query_id = world.user_presses(111, sent.message_id, "b0")
        updates = await bot.get_updates(timeout=1)
        query = updates[-1].callback_query
        await bot.answer_callback_query(query.id, text="Đã ghi nhận")
        with pytest.raises(BadRequest):  # a query is answered once
            await bot.answer_callback_query(query.id)
        await bot.edit_message_text("Việc 1.1: xong", chat_id=111, message_id=sent.message_id)
        with pytest.raises(BadRequest) as same:
            await bot.edit_message_text("Việc 1.1: xong", chat_id=111, message_id=sent.message_id)
        return query_id, query, str(same.value)
    query_id, query, same = run(telegram, scenario)
    assert (query.id, query.data, query.from_user.id, query.message.chat.id) == (query_id, "done:7", 111, 111)
    answer = telegram.world.answer_of(query_id)
    assert (answer["text"], answer["show_alert"]) == ("Đã ghi nhận", False)
    assert telegram.world.received(111)[0].text == "Việc 1.1: xong"
    assert same.startswith("Message is not modified")


def test_a_late_callback_answer_is_refused(telegram):
    world = telegram.world
    clock = [1000.0]
    world.clock = lambda: clock[0]

    async def scenario(bot, world):
        sent = await bot.send_message(111, "x", reply_markup=keyboard("a"))
        query_id = world.user_presses(111, sent.message_id, "b0")
        clock[0] += 151
        with pytest.raises(BadRequest) as caught:
            await bot.answer_callback_query(query_id)
        return str(caught.value)
    assert run(telegram, scenario) == "Query is too old and response timeout expired or query id is invalid"


def test_files_up_and_down(telegram):
    world = telegram.world
    uploaded = world.user_uploads(111, "bien-ban.pdf", b"%PDF-1.4 minh chung")
    big = world.user_uploads(111, "lon.pdf", b"0" * ((20 << 20) + 1))

    async def scenario(bot, world):
        file = await bot.get_file(uploaded["document"]["file_id"])
        content = bytes(await file.download_as_bytearray())
        with pytest.raises(BadRequest) as too_big:
            await bot.get_file(big["document"]["file_id"])
        with pytest.raises(BadRequest) as invalid:
            await bot.get_file("nope")
        sent = await bot.send_document(111, b"report", filename="bao-cao.xlsx")
        return content, str(too_big.value), str(invalid.value), sent.document.file_name
    content, too_big, invalid, name = run(telegram, scenario)
    assert content == b"%PDF-1.4 minh chung"
    assert (too_big, invalid, name) == ("File is too big", "Invalid file_id", "bao-cao.xlsx")


def test_tokens_and_methods(telegram):
    async def call(token):
        bot = Bot(token, base_url=telegram.base_url)
        try:
            await bot.get_me()
        finally:
            await bot.shutdown()
    for token in ("0000000000:INVALID_TOKEN", "123456:another-well-formed-token"):
        with pytest.raises(InvalidToken):
            asyncio.run(call(token))

    async def unknown(bot, world):
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
    run(telegram, unknown)


def test_injected_faults(telegram):
    world = telegram.world
    world.faults = Faults(share_429=1.0, retry_after=3)

    async def scenario(bot, world):
        with pytest.raises(RetryAfter):
            await bot.send_message(111, "a")
        world.faults = Faults(share_5xx=1.0)
        with pytest.raises(NetworkError):
            await bot.send_message(111, "b")
        world.faults = Faults(share_unanswered=1.0)
        with pytest.raises(TimedOut):
            await bot.send_message(111, "c", read_timeout=0.5)
        world.faults = Faults()
    run(telegram, scenario)
    # The unanswered send was delivered: the sender cannot know, the chat has it.
    assert [r.text for r in world.received(111)] == ["c"]


def test_the_control_api_over_http(telegram):
    def control(action, body):
        request = urllib.request.Request(f"http://127.0.0.1:{telegram.port}/_control/{action}",
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())["result"]
    control("add_user", {"user_id": 444, "first_name": "Cường"})
    control("start", {"user_id": 444, "payload": "inv_abc123"})

    async def scenario(bot, world):
        updates = await bot.get_updates(timeout=1)
        await bot.send_message(444, "Chào Cường")
        return updates[-1].message.text
    assert run(telegram, scenario) == "/start inv_abc123"
    assert control("received", {"chat_id": 444})[0]["text"] == "Chào Cường"


def test_a_webhook_is_https_only_gets_each_update_with_its_secret_and_can_drop_pending(telegram):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args):
            pass
    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_port}/hooks/telegram"

    async def scenario(bot, world):
        with pytest.raises(BadRequest, match="Bad webhook: an https url must be provided for webhook"):
            await bot.set_webhook(url)  # as Telegram does ...
        world.http_webhooks_on_localhost = True  # ... but for this test-only switch
        await bot.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)  # the fixture's /start: dropped
        world.user_sends(111, "xin chào")
        await until(lambda: received, timeout=60)  # a hang guard: a busy machine may take its time
        info = await bot.get_webhook_info()
        await bot.delete_webhook()
        return info
    try:
        info = run(telegram, scenario)
    finally:
        hook.shutdown()
    assert [(secret, update["message"]["text"]) for secret, update in received] == [("s3cret", "xin chào")]
    assert (info.url, info.pending_update_count) == (url, 0)
