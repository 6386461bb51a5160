"""The channels this installation is configured for, each as an outbox dispatcher: Telegram
or Zalo when its token is set, e-mail when an SMTP server is, SMS when a gateway file is
(DONDOC_SMS_GATEWAY). Used by the `deliver` flow and by `dondoc serve`'s delivery loop."""

from __future__ import annotations

import os
from contextlib import AsyncExitStack
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot
from telegram.error import InvalidToken
from telegram.request import HTTPXRequest

from bots.telegram.config import NoToken, api_urls, telegram_proxy, telegram_token
from bots.outbox.net import tls_context
from bots.zalo.transport import zalo_settings
from bots.outbox.dispatch import DeliveryStats, Dispatcher, Pacer
from bots.telegram.transport import TelegramTransport
from bots.email.transport import EMAIL_LIMITS, EmailTransport, NoSmtp, SmtpSettings
from bots.sms.transport import SMS_LIMITS, SmsTransport, load_gateway
from bots.zalo.transport import ZALO_LIMITS, ZaloClient, ZaloTransport
from models.chase import outbox

REFUSED_TOKEN = "Telegram refused the bot token (401/404): set a valid one"


def telegram_bot(token: str) -> Bot:
    """A Bot for this installation's Telegram (or the API server it names, through its proxy)."""
    base_url, base_file_url = api_urls()
    proxy, tls = telegram_proxy(), {"verify": tls_context()}
    return Bot(token, base_url=base_url or "https://api.telegram.org/bot",
               base_file_url=base_file_url or "https://api.telegram.org/file/bot",
               request=HTTPXRequest(proxy=proxy, httpx_kwargs=tls),
               get_updates_request=HTTPXRequest(connection_pool_size=1, proxy=proxy, httpx_kwargs=tls))


async def open_dispatchers(stack: AsyncExitStack, engine: Engine, pacer: Pacer | None = None
                           ) -> tuple[dict[str, Dispatcher], dict[str, DeliveryStats]]:
    """(a dispatcher per configured channel, the channels that refused us with why). Their
    clients close with `stack`. `pacer`: Telegram's budget, when the bot's replies share it."""
    dispatchers, refused = {}, {}
    try:
        bot = await stack.enter_async_context(telegram_bot(telegram_token()))
        dispatchers["telegram"] = Dispatcher(engine, TelegramTransport(bot, pacer))
    except NoToken:
        pass
    except InvalidToken:  # its message carries the token: say why without it
        refused["telegram"] = DeliveryStats(stopped=REFUSED_TOKEN)
        with Session(engine) as session:
            outbox.record_stop(session, "telegram", REFUSED_TOKEN)
            session.commit()
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
    return dispatchers, refused
