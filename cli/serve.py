"""`dondoc serve`: the long-running process. In one event loop it
- checks every channel's credentials first, side by side: a channel that refuses them is
  reported and left out (when every channel refuses, nothing starts), one that cannot be
  reached (Telegram without its proxy) is tried again while the rest runs,
- answers people: the Telegram bot (polling, or updates posted to the dashboard's
  /hooks/telegram in webhook mode) and the Zalo bot,
- delivers: one dispatcher per channel drains the outbox as a loop, so a queued message
  leaves within seconds,
- serves the web dashboard (in a thread of its own),
- and, unless told not to (`--no-schedules`, when a Prefect worker runs the flows), fires
  the flows on the crons `prefect.yaml` declares (the `deliver` flow is the loop above).
On SIGTERM or Ctrl-C it stops within seconds, handing back what it holds."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import threading
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application

from bots.telegram.app import build_application
from bots.outbox.channels import FIRST_WAIT, LONGEST_WAIT, check, deliver_supervised, open_dispatchers
from bots.telegram.config import api_urls, telegram_token
from bots.zalo.transport import zalo_settings
from bots.outbox.dispatch import Pacer, sleep_unless
from bots.telegram.transport import REFUSED_TOKEN
from flows.schedules import Scheduled
from models.chase.outbox import Limits
from models.common.tokens import same_secret

log = logging.getLogger("dondoc.serve")
FLOW_GRACE = 1.0  # seconds a stopping process waits for a flow run in progress (each plan commits on its own)


class Refused(Exception):
    """A channel refused our credentials: nothing was started."""


@dataclass
class Serving:
    engine: Engine
    evidence: Path
    web: tuple[str, int] | None = ("127.0.0.1", 8080)  # None: no dashboard
    schedules: list[Scheduled] = field(default_factory=list)  # empty with --no-schedules
    webhook: str | None = None  # Telegram posts updates to this https URL (the dashboard's /hooks/telegram)
    drop_pending_updates: bool = False
    bot_username: str | None = None
    web_url: str | None = None  # where the dashboard listens, once started
    directory: object | None = None  # the org directory plans imported on the dashboard are applied against


async def serve(serving: Serving, stop: asyncio.Event, started: asyncio.Event | None = None) -> None:
    """Run until `stop` is set; raises Refused before starting anything when a token is refused."""
    async with AsyncExitStack() as stack:
        pacer = Pacer(Limits())  # Telegram's budget, shared by the outbox and the bot's replies
        dispatchers = open_dispatchers(stack, serving.engine, pacer)
        problems = await check(serving.engine, dispatchers)
        refused = {channel: why.removeprefix("refused: ") for channel, why in problems.items()
                   if why.startswith("refused")}
        if len(refused) == len(dispatchers):  # nothing could ever be delivered: say so, start nothing
            raise Refused("; ".join(f"{channel}: {why}" for channel, why in refused.items()))
        dispatchers = {channel: d for channel, d in dispatchers.items() if channel not in refused}
        hook = TelegramHook() if serving.webhook and "telegram" in dispatchers else None
        zalo = zalo_settings()
        # With DONDOC_ZALO_WEBHOOK_SECRET, Zalo posts messages to the dashboard's /hooks/zalo (after
        # `dondoc zalo webhook URL`); without it, the bot polls.
        zalo_posts = bool(zalo and os.environ.get("DONDOC_ZALO_WEBHOOK_SECRET"))
        _start_web(serving, stack, hook, zalo if zalo_posts else None)
        if "telegram" in dispatchers:
            if "telegram" in problems:  # unreachable now (no route, a proxy down): the rest runs meanwhile
                _background(stack, _telegram_when_reachable(serving, stack, hook, pacer, stop), "telegram-bot")
            else:
                await _start_telegram(serving, stack, hook, pacer)
        if "zalo" in dispatchers and not zalo_posts:
            _poll_zalo(serving, stack, zalo, stop)
        scheduler = _start_schedules(serving.schedules)
        loops = [asyncio.create_task(deliver_supervised(serving.engine, channel, d, stop, channel not in problems),
                                     name=f"deliver-{channel}") for channel, d in dispatchers.items()]
        log.info("serving: %s%s", ", ".join(c + (" (unreachable, retrying)" if c in problems else "")
                                             for c in dispatchers), "" if serving.schedules else " (no schedules)")
        if started:
            started.set()
        await stop.wait()
        scheduler.shutdown(wait=False)
        await asyncio.gather(*loops)  # each finishes or releases what it holds
        await _finish_flow_runs()


class TelegramHook:
    """What the dashboard's /hooks/telegram calls with each update Telegram posts (webhook
    mode): checked against the secret token set with the webhook, then put in the bot's
    queue in the bot's loop (the dashboard runs in a thread of its own)."""

    def __init__(self):
        self.secret = secrets.token_urlsafe(32)  # set anew with the webhook at every start: nothing to store
        self.application: Application | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, data: dict, given_secret: str) -> bool:
        if self.application is None or not same_secret(self.secret, given_secret):
            return False
        update = Update.de_json(data, self.application.bot)
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.application.update_queue.put(update), self.loop))
        return True


async def _start_telegram(serving: Serving, stack: AsyncExitStack, hook: TelegramHook | None, pacer: Pacer) -> None:
    base_url, base_file_url = api_urls()
    application = build_application(telegram_token(), serving.engine, serving.evidence, base_url, base_file_url,
                                    pacer)
    await application.initialize()
    stack.push_async_callback(application.shutdown)
    if hook:
        await application.bot.set_webhook(serving.webhook, secret_token=hook.secret, allowed_updates=Update.ALL_TYPES,
                                          drop_pending_updates=serving.drop_pending_updates)
        hook.application, hook.loop = application, asyncio.get_running_loop()
    else:
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES,
                                                drop_pending_updates=serving.drop_pending_updates)
        stack.push_async_callback(application.updater.stop)
    await application.start()
    stack.push_async_callback(application.stop)


async def _telegram_when_reachable(serving: Serving, stack: AsyncExitStack, hook: "TelegramHook | None",
                                   pacer: Pacer, stop: asyncio.Event) -> None:
    """The bot starts answering once Telegram can be reached, tried again after a growing wait."""
    wait = FIRST_WAIT
    while not await sleep_unless(stop, wait):
        try:
            await _start_telegram(serving, stack, hook, pacer)
            log.info("telegram: reachable again, the bot answers")
            return
        except InvalidToken:
            log.error("telegram: %s", REFUSED_TOKEN)
            return
        except (NetworkError, TimedOut) as exc:
            wait = min(wait * 2, LONGEST_WAIT)
            log.warning("telegram: still unreachable (%s); trying again in %.0f s", type(exc).__name__, wait)


def _background(stack: AsyncExitStack, work, name: str) -> None:
    task = asyncio.create_task(work, name=name)
    stack.push_async_callback(_cancelled, task)


def _start_web(serving: Serving, stack: AsyncExitStack, telegram_hook: TelegramHook | None,
               zalo: tuple[str, str] | None) -> None:
    """The dashboard, in a thread of its own; with `zalo`, it also answers what Zalo posts."""
    if serving.web is None:
        return
    from bots.zalo.conversation import ZaloBot
    from bots.zalo.transport import ZaloClient
    from web.app import create_app
    from web.server import Background

    hooked = ZaloBot(serving.engine, ZaloClient(*zalo)) if zalo else None
    app = create_app(serving.engine, serving.evidence, serving.bot_username, zalo=hooked, telegram=telegram_hook,
                     directory=serving.directory)
    web = Background(app, *serving.web).start()
    stack.callback(web.stop)
    serving.web_url = web.url
    log.info("dashboard on %s/", web.url)


def _poll_zalo(serving: Serving, stack: AsyncExitStack, zalo: tuple[str, str], stop: asyncio.Event) -> None:
    from bots.zalo.conversation import ZaloBot
    from bots.zalo.transport import ZaloClient

    client = ZaloClient(*zalo)
    stack.push_async_callback(client.close)
    task = asyncio.create_task(ZaloBot(serving.engine, client).run(stop), name="zalo-bot")
    stack.push_async_callback(_cancelled, task)


async def _cancelled(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


# --- the schedules ----------------------------------------------------------------------

def _start_schedules(schedules: list[Scheduled]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler()
    for scheduled in schedules:
        if scheduled.name == "deliver":
            continue  # this process delivers continuously
        # coalesce + one instance: a run still going, or several missed while asleep, fire once
        scheduler.add_job(run_flow, scheduled.trigger(), args=[scheduled], name=scheduled.name, id=scheduled.name,
                          max_instances=1, coalesce=True, misfire_grace_time=300)
    scheduler.start()
    return scheduler


_running: set[threading.Thread] = set()


async def run_flow(scheduled: Scheduled) -> None:
    """Run one scheduled flow in a daemon thread (the bot keeps answering; a stop does not
    wait for a long run: each plan commits on its own, the next run picks up the rest)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()

    def work() -> None:
        try:
            outcome = scheduled.flow()(**scheduled.parameters)
        except Exception as exc:  # one failed run must not stop the schedule or the bot
            outcome = exc
        finally:
            _running.discard(threading.current_thread())
        if not loop.is_closed():
            loop.call_soon_threadsafe(lambda: done.done() or done.set_result(outcome))

    thread = threading.Thread(target=work, name=f"flow-{scheduled.name}", daemon=True)
    _running.add(thread)
    thread.start()
    outcome = await done
    if isinstance(outcome, Exception):
        log.error("%s failed", scheduled.name, exc_info=outcome)
    else:
        log.info("%s: %s", scheduled.name, outcome)


async def _finish_flow_runs() -> None:
    for thread in list(_running):
        await asyncio.to_thread(thread.join, FLOW_GRACE)


def run(serving: Serving) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    async def main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await serve(serving, stop)
    asyncio.run(main())
