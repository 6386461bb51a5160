"""Days as people type them in a reply ("30/9", "30/09/2019") and what a day means as a deadline."""

from __future__ import annotations

import datetime as dt
import re

from models.common.clock import VN


def parse_day(text: str, reference: dt.date) -> dt.date | None:
    """'30/9', '30/09/2019', '30-9-2019' → a date; without a year, the first such day
    on or after the reference (the current deadline)."""
    m = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?", text.strip())
    if m is None:
        return None
    day, month = int(m.group(1)), int(m.group(2))
    year = int(m.group(3)) if m.group(3) else reference.year
    year += 2000 if year < 100 else 0
    try:
        found = dt.date(year, month, day)
    except ValueError:
        return None
    if not m.group(3) and found < reference:
        try:
            found = dt.date(year + 1, month, day)
        except ValueError:
            return None
    return found


def context_deadline(day: dt.date) -> dt.datetime:
    """A requested date means the end of that day, in Vietnam."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=VN)
