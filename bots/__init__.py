"""The channels people are reached on, one folder each (`telegram`, `zalo`, `email`, `sms`:
transport, conversation, layout), what they share (`outbox`: dispatch, pacing, reminders),
the long-running process (`serve`, which also mounts the web dashboard) and the providers'
stand-ins for tests and the demo (`standin`). May import models and web; models and web
never import bots."""

import os

# python-telegram-bot 22 reports retry_after as a timedelta when asked (as 23 will always).
os.environ.setdefault("PTB_TIMEDELTA", "1")
