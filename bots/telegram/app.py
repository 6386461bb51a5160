"""The dondoc bot: a python-telegram-bot Application wired to the handlers."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from telegram import Update
from telegram.ext import (Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler,
                          ContextTypes, MessageHandler, TypeHandler, filters)

from bots.telegram import handlers
from bots.telegram.config import telegram_proxy
from bots.outbox.dispatch import Pacer
from bots.outbox.pacing import OneChatAtATime, SharedBudget
from bots.outbox.redact import redact_secret
from models.chase.outbox import Limits

log = logging.getLogger("dondoc.bot")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A handler failed: log it (the token is redacted) and keep serving everyone else."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)


def build_application(token: str, engine: Engine, evidence_folder: Path, base_url: str | None = None,
                      base_file_url: str | None = None, pacer: Pacer | None = None) -> Application:
    """`pacer`: the Telegram dispatcher's, when both run in this process (`dondoc serve`), so
    replies and the outbox's sends count in one budget."""
    redact_secret(token)
    # Replies to a user's press go out at once, not through the outbox, within the shared
    # budget; different chats are answered concurrently, one chat's updates in order.
    builder = (Application.builder().token(token).rate_limiter(SharedBudget(pacer or Pacer(Limits())))
               .concurrent_updates(OneChatAtATime()))
    if proxy := telegram_proxy():
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url or base_url.replace("/bot", "/file/bot"))
    application = builder.build()
    application.bot_data.update(engine=engine, evidence_folder=str(evidence_folder))
    application.add_handler(TypeHandler(Update, handlers.once_per_update), group=-1)
    application.add_handler(ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.migrated))
    for name, callback in (("start", handlers.start), ("help", handlers.help_command), ("lang", handlers.set_language),
                           ("mine", handlers.mine), ("status", handlers.status), ("overdue", handlers.overdue),
                           ("web", handlers.web_link), ("huy", handlers.cancel), ("cancel", handlers.cancel)):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(handlers.full_report, pattern=r"^r:\d{1,12}$"))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(filters.Document.ALL | filters.PHOTO, handlers.evidence))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.answer))
    application.add_handler(TypeHandler(Update, handlers.recorded), group=1)
    application.add_error_handler(on_error)
    return application
