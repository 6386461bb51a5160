"""Driving the real bot against the Telegram stand-in, shared by the bot's and the web's tests."""

import asyncio
from contextlib import asynccontextmanager

from telegram import Bot

from bots.telegram.app import build_application
from bots.outbox.dispatch import Dispatcher, Pacer
from bots.telegram.transport import TelegramTransport
from bots.standin.world import until
from models.chase.outbox import Limits


async def link(world, chat, token, expect):
    """The user opens the invitation link; wait until the bot confirms with `expect`."""
    world.user_starts(chat, token)
    await last_text_contains(world, chat, expect)


def texts(world, chat):
    return [r.text or "" for r in world.received(chat)]


async def last_text_contains(world, chat, fragment, count_before=0):
    return await until(lambda: any(fragment in t for t in texts(world, chat)[count_before:]))


async def card_of(world, chat, code):
    """The person types /mine; the card the bot sends for task `code`."""
    seen = len(world.received(chat))
    world.user_sends(chat, "/mine")
    return await until(lambda: next((r for r in world.received(chat)[seen:]
                                     if r.reply_markup and r.text.startswith(f"Nhiệm vụ {code}")), None))


@asynccontextmanager
async def bot_running(engine, server, folder):
    """The bot as `dondoc serve` runs it: polling, and a Telegram dispatcher delivering the
    outbox (the messages one person's action sends to others) in the same budget; stopped as
    serve stops it when the scenario ends."""
    pacer = Pacer(Limits())
    application = build_application(server.world.token, engine, folder / "evidence", base_url=server.base_url,
                                    base_file_url=server.base_file_url, pacer=pacer)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    bot = Bot(server.world.token, base_url=server.base_url, base_file_url=server.base_file_url)
    await bot.initialize()
    stop_delivery = asyncio.Event()
    delivery = asyncio.create_task(Dispatcher(engine, TelegramTransport(bot, pacer)).drain(stop=stop_delivery))
    try:
        yield application
    finally:
        stop_delivery.set()
        await delivery
        await bot.shutdown()
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
