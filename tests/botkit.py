"""Driving the real bot against the Telegram stand-in, shared by the bot's and the web's tests."""

from bots.app import build_application
from bots.standin.world import until


async def link(world, chat, token, expect):
    """The user opens the invitation link; wait until the bot confirms with `expect`."""
    world.user_starts(chat, token)
    await last_text_contains(world, chat, expect)


def texts(world, chat):
    return [r.text or "" for r in world.received(chat)]


async def last_text_contains(world, chat, fragment, count_before=0):
    return await until(lambda: any(fragment in t for t in texts(world, chat)[count_before:]))


async def running(engine, server, folder):
    application = build_application(server.world.token, engine, folder / "evidence", base_url=server.base_url,
                                    base_file_url=server.base_file_url)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    return application


async def stop(application):
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
