"""Draining the outbox into Telegram, as a Prefect flow over `bots.delivery`."""

from __future__ import annotations

import asyncio

from prefect import flow
from telegram import Bot

from bots.config import api_urls, telegram_token
from bots.delivery import DeliveryStats, Dispatcher, TelegramTransport
from flows import database, exclusive, run_logger


@flow(name="deliver", log_prints=False)
def deliver(idle_timeout: float = 2.0) -> dict[str, int] | None:
    """Send what the outbox holds, within Telegram's limits, until it has been empty for
    `idle_timeout` seconds. One run per database at a time (several dispatchers are safe,
    but one is enough)."""
    engine, token = database(), telegram_token()
    base_url, base_file_url = api_urls()

    async def drain() -> DeliveryStats:
        async with Bot(token, base_url=base_url or "https://api.telegram.org/bot",
                       base_file_url=base_file_url or "https://api.telegram.org/file/bot") as bot:
            return await Dispatcher(engine, TelegramTransport(bot)).drain(idle_timeout=idle_timeout)
    stats = exclusive(engine, "deliver", lambda: asyncio.run(drain()))
    if stats is None:
        return None
    summary = {"sent": stats.sent, "retried": stats.retried, "failed": stats.failed, "dead": stats.dead,
               "uncertain": stats.uncertain + stats.recovered_uncertain}
    run_logger().info("delivered: %s", summary)
    return summary
