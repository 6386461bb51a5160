"""The present, as dondoc sees it. Always the real time, except in `dondoc demo`, which
travels to 2019 to replay a quarter: the clock keeps running from the moment it was set,
so everything that counts seconds (Telegram's limits in the outbox) still works."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")  # every day and deadline dondoc speaks of is Vietnam's
_offset = dt.timedelta()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + _offset


def travel_to(moment: dt.datetime) -> None:
    """From now on the present is `moment` and runs on from there (the demo only)."""
    global _offset
    _offset = moment - dt.datetime.now(dt.timezone.utc)


def back_to_now() -> None:
    global _offset
    _offset = dt.timedelta()
