"""Sending outbox rows to Telegram.

`TelegramTransport` is the one place that talks to Telegram for the outbox and tells
permanent failures (blocked, chat not found) from transient ones (429, 5xx, a connect
timeout) and from the ones nobody can know (the request left, no answer came back).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bots.outbox.dispatch import ChannelDown, ChannelRefused, Outcome, Pacer, backoff
from models.access.signed import fill
from models.store.tables import Outbox, utcnow

REFUSED_TOKEN = "Telegram refused the bot token (401/404): set a valid one"


class TelegramTransport:
    channel = "telegram"

    def __init__(self, bot: Bot, pacer: Pacer | None = None):
        self.bot = bot
        self.pacer = pacer

    async def check(self) -> None:
        """Telegram takes our token (getMe, through the proxy if one is set), or say why not."""
        try:
            await self.bot.initialize()  # getMe; a failed try is simply tried again later
        except InvalidToken:
            raise ChannelRefused(REFUSED_TOKEN) from None  # its own message carries the token
        except (NetworkError, TimedOut) as exc:
            raise ChannelDown(f"Telegram unreachable ({type(exc).__name__}): retrying; is a proxy needed "
                              f"(DONDOC_TELEGRAM_PROXY)?") from None

    async def ready(self, row: Outbox) -> None:
        """Wait until this row may leave (the pacer's turn); nothing has left yet."""
        if self.pacer is not None:
            await self.pacer.wait_turn(row.chat_id)

    async def send(self, row: Outbox) -> Outcome:
        """Send a row that is `ready`."""
        if self.pacer is None:
            return await self._send(row)
        try:
            outcome = await self._send(row)
        finally:
            self.pacer.done(row.chat_id)
        if outcome.kind == "retry":
            self.pacer.pause(row.chat_id, outcome.wait)
        return outcome

    async def _send(self, row: Outbox) -> Outcome:
        payload = row.payload or {}
        markup = payload.get("reply_markup")
        try:
            if payload.get("document"):  # a file written when the row was queued (a period's report)
                message = await self.bot.send_document(
                    row.chat_id, Path(payload["document"]).read_bytes(), filename=Path(payload["document"]).name,
                    caption=payload.get("text"))
            else:
                message = await self.bot.send_message(
                    row.chat_id, fill(payload["text"], utcnow(), html=payload.get("parse_mode") == "HTML"), parse_mode=payload.get("parse_mode"),
                    reply_markup=InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None)
            return Outcome("sent", message_id=message.message_id)
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, dt.timedelta) else dt.timedelta(seconds=exc.retry_after)
            return Outcome("retry", wait=wait, error=str(exc))
        except ChatMigrated as exc:
            return Outcome("migrated", new_chat_id=exc.new_chat_id, error=str(exc))
        except Forbidden as exc:
            return Outcome("dead", error=exc.message)
        except BadRequest as exc:
            return Outcome("dead" if "chat not found" in exc.message.lower() else "failed", error=exc.message)
        except InvalidToken:
            return Outcome("fatal", error=REFUSED_TOKEN)
        except TimedOut as exc:
            if isinstance(exc.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout)):
                return Outcome("retry", wait=backoff(row), error="could not connect")
            return Outcome("uncertain", error="sent, but no answer came back")
        except NetworkError as exc:  # 5xx, a refused connection: Telegram did not take it
            if "Too Large" in str(exc) or "(413)" in str(exc):  # a file over Telegram's limit: never will
                return Outcome("failed", error=str(exc))
            return Outcome("retry", wait=backoff(row), error=str(exc))
