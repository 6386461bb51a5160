"""The channels this installation is configured for, each as an outbox dispatcher: Telegram
or Zalo when its token is set, e-mail when an SMTP server is, SMS when a gateway file is
(DONDOC_SMS_GATEWAY). Used by the `deliver` flow and by `dondoc serve`'s delivery loops.

Each channel fails alone: its credentials are checked on their own (a refusal stops that
channel and is recorded for the admin; an unreachable service is tried again), and a
channel's loop that fails is logged, recorded and restarted after a growing wait."""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import AsyncExitStack
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot
from telegram.request import HTTPXRequest

from bots.email.transport import EMAIL_LIMITS, EmailTransport, NoSmtp, SmtpSettings
from bots.outbox.dispatch import ChannelDown, ChannelRefused, DeliveryStats, Dispatcher, Pacer, sleep_unless
from bots.outbox.net import tls_context
from bots.sms.transport import SMS_LIMITS, SmsTransport, load_gateway
from bots.telegram.config import NoToken, api_urls, telegram_proxy, telegram_token
from bots.telegram.transport import TelegramTransport
from bots.zalo.transport import ZALO_LIMITS, ZaloClient, ZaloTransport, zalo_settings
from models.chase import outbox

log = logging.getLogger("dondoc.channels")
FIRST_WAIT, LONGEST_WAIT = 5.0, 300.0  # seconds before a failed channel is tried again, doubling
CHECK_TIMEOUT = 30.0  # seconds a credentials check may take before the channel counts as unreachable


def telegram_bot(token: str) -> Bot:
    """A Bot for this installation's Telegram (or the API server it names, through its proxy)."""
    base_url, base_file_url = api_urls()
    proxy, tls = telegram_proxy(), {"verify": tls_context()}
    return Bot(token, base_url=base_url or "https://api.telegram.org/bot",
               base_file_url=base_file_url or "https://api.telegram.org/file/bot",
               request=HTTPXRequest(proxy=proxy, httpx_kwargs=tls),
               get_updates_request=HTTPXRequest(connection_pool_size=1, proxy=proxy, httpx_kwargs=tls))


def open_dispatchers(stack: AsyncExitStack, engine: Engine, pacer: Pacer | None = None) -> dict[str, Dispatcher]:
    """A dispatcher per configured channel, nothing contacted yet; their clients close with
    `stack`. `pacer`: Telegram's budget, when the bot's replies share it."""
    dispatchers = {}
    try:
        bot = telegram_bot(telegram_token())
        stack.push_async_callback(bot.shutdown)
        dispatchers["telegram"] = Dispatcher(engine, TelegramTransport(bot, pacer))
    except NoToken:
        pass
    try:
        dispatchers["email"] = Dispatcher(engine, EmailTransport(SmtpSettings.from_env()), EMAIL_LIMITS)
    except NoSmtp:
        pass
    if gateway := os.environ.get("DONDOC_SMS_GATEWAY"):
        transport = SmsTransport(load_gateway(Path(gateway)))
        stack.push_async_callback(transport.client.aclose)
        dispatchers["sms"] = Dispatcher(engine, transport, SMS_LIMITS)
    if zalo := zalo_settings():
        client = ZaloClient(*zalo)
        stack.push_async_callback(client.close)
        dispatchers["zalo"] = Dispatcher(engine, ZaloTransport(client), ZALO_LIMITS)
    if not dispatchers:
        raise NoToken("no channel configured: set DONDOC_TELEGRAM_TOKEN, DONDOC_ZALO_TOKEN, DONDOC_SMTP_URL "
                      "or DONDOC_SMS_GATEWAY")
    return dispatchers


async def check(engine: Engine, dispatchers: dict[str, Dispatcher]) -> dict[str, str]:
    """Every channel's credentials, side by side: {channel: why it cannot deliver now} for
    those that cannot ("refused: …" or "unreachable: …"), each recorded for the admin."""
    async def one(channel: str, dispatcher: Dispatcher) -> tuple[str, str | None]:
        try:
            await asyncio.wait_for(dispatcher.transport.check(), CHECK_TIMEOUT)
            return channel, None
        except ChannelRefused as exc:
            return channel, f"refused: {exc}"
        except (ChannelDown, TimeoutError) as exc:
            return channel, f"unreachable: {exc or 'no answer within %gs' % CHECK_TIMEOUT}"
    found = dict(await asyncio.gather(*(one(c, d) for c, d in dispatchers.items())))
    problems = {channel: why for channel, why in found.items() if why}
    for channel, why in problems.items():
        _record(engine, channel, why)
        (log.error if why.startswith("refused") else log.warning)("%s: %s", channel, why)
    return problems


async def deliver_supervised(engine: Engine, channel: str, dispatcher: Dispatcher, stop: asyncio.Event,
                             reachable: bool = True) -> DeliveryStats:
    """Deliver on one channel until `stop`: a refusal of our credentials ends this channel
    alone; an unreachable service or a failed loop is retried after a growing wait."""
    wait = FIRST_WAIT
    while not stop.is_set():
        if not reachable:
            if await sleep_unless(stop, wait):
                break
            wait = min(wait * 2, LONGEST_WAIT)
            problem = (await check(engine, {channel: dispatcher})).get(channel)
            if problem and problem.startswith("refused"):
                return DeliveryStats(stopped=problem)
            reachable = problem is None
            continue
        try:
            stats = await dispatcher.drain(stop=stop)
            if stats.stopped or stop.is_set():  # refused mid-run (recorded by the dispatcher), or asked to stop
                return stats
        except Exception as exc:  # noqa: BLE001 - a channel's failure must not stop the others
            log.exception("%s: delivery failed; restarting it in %.0f s", channel, wait)
            _record(engine, channel, f"delivery failed ({type(exc).__name__}): restarting")
            dispatcher.stats.stopped = ""
            if await sleep_unless(stop, wait):
                break
            wait = min(wait * 2, LONGEST_WAIT)
    return dispatcher.stats


def _record(engine: Engine, channel: str, why: str) -> None:
    with Session(engine) as session:
        outbox.record_stop(session, channel, why)
        session.commit()
