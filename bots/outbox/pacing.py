"""How the bot's own traffic keeps Telegram's limits without slowing people down.

- `SharedBudget`: the bot's replies count in the same budget as the outbox's sends (one
  `Pacer` per process, shared with the Telegram dispatcher): bot-wide 30 messages/s and a
  group's 20/min. A reply to a person's own press goes at once (Telegram tolerates such a
  burst in a private chat); a 429 is waited out, then the request tried once more.
- `OneChatAtATime`: updates of different chats are handled concurrently, those of one chat
  in order (a press and the text that answers its question must not overtake each other).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor

from bots.outbox.dispatch import Pacer
from models.chase.outbox import is_group

# Requests that put a message in a chat (and count in Telegram's limits); the rest (answering
# a press, reading a file) go at once.
MESSAGES = {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage", "sendMediaGroup"}


class SharedBudget(BaseRateLimiter):
    def __init__(self, pacer: Pacer):
        self.pacer = pacer

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback, args, kwargs, endpoint: str, data: dict[str, Any], rate_limit_args):
        chat_id = data.get("chat_id")
        if endpoint not in MESSAGES or not isinstance(chat_id, int):
            return await callback(*args, **kwargs)
        for attempt in (1, 2):
            await self.pacer.wait_turn(chat_id, chat_window=is_group(chat_id))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after if isinstance(exc.retry_after, dt.timedelta) else \
                    dt.timedelta(seconds=exc.retry_after)
                self.pacer.pause(chat_id, wait)
                if attempt == 2:
                    raise
            finally:
                self.pacer.done(chat_id)
        raise AssertionError("unreachable")


class OneChatAtATime(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 32):
        super().__init__(max_concurrent_updates)
        self._chats: dict[Any, tuple[asyncio.Lock, int]] = {}  # chat → (its lock, updates holding or waiting)

    async def do_process_update(self, update: object, coroutine) -> None:
        chat = getattr(getattr(update, "effective_chat", None), "id", None)
        lock, users = self._chats.get(chat, (asyncio.Lock(), 0))
        self._chats[chat] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._chats[chat]
            if users == 1:
                del self._chats[chat]
            else:
                self._chats[chat] = (lock, users - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
