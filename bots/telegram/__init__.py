"""Telegram: the bot application and its conversation (`app`, `handlers`), the outbox
transport (`transport`) and where the token and API come from (`config`).
May import models and bots.outbox."""
