"""Draining the outbox, as a Prefect flow over `bots.delivery`: one dispatcher per channel
configured (Telegram or Zalo when its token is set, e-mail when an SMTP server is, SMS when a
gateway file is: DONDOC_SMS_GATEWAY), side by side."""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack
from pathlib import Path

from prefect import flow
from telegram import Bot
from telegram.error import InvalidToken
from telegram.request import HTTPXRequest

from bots.config import NoToken, api_urls, telegram_proxy, telegram_token, zalo_settings
from bots.delivery import DeliveryStats, Dispatcher, TelegramTransport
from bots.email import EMAIL_LIMITS, EmailTransport, NoSmtp, SmtpSettings
from bots.sms import SMS_LIMITS, SmsTransport, load_gateway
from bots.zalo import ZALO_LIMITS, ZaloClient, ZaloTransport
from flows import database, exclusive, run_logger


@flow(name="deliver", log_prints=False)
def deliver(idle_timeout: float = 2.0) -> dict[str, dict[str, int]] | None:
    """Send what the outbox holds, within each channel's limits, until it has been empty for
    `idle_timeout` seconds. One run per database at a time (several dispatchers are safe,
    but one is enough)."""
    engine = database()

    async def drain() -> dict[str, DeliveryStats]:
        async with AsyncExitStack() as stack:
            dispatchers, refused = {}, {}
            try:
                token = telegram_token()
                base_url, base_file_url = api_urls()
                bot = await stack.enter_async_context(Bot(
                    token, base_url=base_url or "https://api.telegram.org/bot",
                    base_file_url=base_file_url or "https://api.telegram.org/file/bot",
                    **({"request": HTTPXRequest(proxy=proxy)} if (proxy := telegram_proxy()) else {})))
                dispatchers["telegram"] = Dispatcher(engine, TelegramTransport(bot))
            except NoToken:
                pass
            except InvalidToken:  # its message carries the token: say why without it
                refused["telegram"] = DeliveryStats(stopped="Telegram refused the bot token (401/404): set a valid one")
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
            if not dispatchers and not refused:
                raise NoToken("no channel configured: set DONDOC_TELEGRAM_TOKEN, DONDOC_ZALO_TOKEN or DONDOC_SMTP_URL")
            results = await asyncio.gather(*(d.drain(idle_timeout=idle_timeout) for d in dispatchers.values()))
            return refused | dict(zip(dispatchers, results))
    stats = exclusive(engine, "deliver", lambda: asyncio.run(drain()))
    if stats is None:
        return None
    summary = {channel: {"sent": s.sent, "retried": s.retried, "failed": s.failed, "dead": s.dead,
                         "uncertain": s.uncertain + s.recovered_uncertain} | ({"stopped": s.stopped} if s.stopped else {})
               for channel, s in stats.items()}
    run_logger().info("delivered: %s", summary)
    return summary
