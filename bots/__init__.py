"""The Telegram side: the bot (python-telegram-bot) and the local Bot API stand-in."""
