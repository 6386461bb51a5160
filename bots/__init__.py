"""The Telegram side: the bot (python-telegram-bot) and the local Bot API stand-in."""

import os

# python-telegram-bot 22 reports retry_after as a timedelta when asked (as 23 will always).
os.environ.setdefault("PTB_TIMEDELTA", "1")
