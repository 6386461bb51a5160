"""Reporting periods: calendar periods, or the data windows of Decree 09/2019/NĐ-CP.

Decree 09/2019/NĐ-CP, Art. 12, has periodic reports cover windows that end on the
14th: a month runs from the 15th of the previous month to the 14th; a quarter from
the 15th of the month before it to the 14th of its last month; the first half from
15 Dec of the previous year to 14 Jun; the year from 15 Dec to 14 Dec. A plan
chooses one basis; period ids are the same either way: 2019-07, 2019-Q3, 2019-H1, 2019.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from models.common.text import fold


class Basis(StrEnum):
    calendar = "calendar"
    decree09 = "decree09"


# How many months each periodic timing spans, and how its ids look.
MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


@dataclass(frozen=True)
class Period:
    id: str
    months: int
    year: int
    index: int  # month 1-12, quarter 1-4, half 1-2, or 1 for a year
    start: dt.date  # first day of the window
    end: dt.date  # last day of the window

    @property
    def last_month(self) -> tuple[int, int]:
        """(year, month) of the period's last calendar month."""
        return self.year, self.index * self.months


def _make_id(months: int, year: int, index: int) -> str:
    return {1: f"{year}-{index:02d}", 3: f"{year}-Q{index}", 6: f"{year}-H{index}", 12: f"{year}"}[months]


def _window(months: int, year: int, index: int, basis: Basis) -> tuple[dt.date, dt.date]:
    first_month = (index - 1) * months + 1
    last_month = index * months
    if basis is Basis.calendar:
        start = dt.date(year, first_month, 1)
        return start, dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    before = dt.date(year, first_month, 1) - dt.timedelta(days=1)  # last day of the month before
    return before.replace(day=15), dt.date(year, last_month, 14)


def make_period(months: int, year: int, index: int, basis: Basis) -> Period:
    start, end = _window(months, year, index, basis)
    return Period(_make_id(months, year, index), months, year, index, start, end)


_ID = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])|H(?P<half>[12])))?$")


YEARS = (1990, 2100)  # plans dondoc can hold, and the working calendar can count days for


_QUARTER_WORDS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def period_id(text: str) -> str:
    """A period as officials write it → its id: "Quý III/2019" → 2019-Q3, "6 tháng đầu năm 2026"
    → 2026-H1, "tháng 7/2019" → 2019-07, "năm 2025" → 2025. An id, or anything else, is returned
    as it is (parse_period says what is wrong with it)."""
    folded = re.sub(r"\s+", " ", fold(text)).strip().replace("qui ", "quy ")
    year = r"(?:nam )?(?P<y>\d{4})"
    if m := re.fullmatch(rf"quy (?P<q>iv|iii|ii|i|[1-4]) ?(?:/|-|nam| )? ?{year}", folded):
        return f"{m['y']}-Q{_QUARTER_WORDS[m['q']]}"
    if m := re.fullmatch(rf"(?:6|sau) thang (?P<h>dau|cuoi)(?: nam)? ?(?:/|-)? ?{year}", folded):
        return f"{m['y']}-H{1 if m['h'] == 'dau' else 2}"
    if m := re.fullmatch(rf"thang (?P<m>\d{{1,2}}) ?(?:/|-|nam| )? ?{year}", folded):
        return f"{m['y']}-{int(m['m']):02d}"
    if m := re.fullmatch(r"nam (?P<y>\d{4})", folded):
        return m["y"]
    return text.strip()


def parse_period(period_id_or_words: str, basis: Basis) -> Period:
    period_id_ = period_id(period_id_or_words)
    m = _ID.match(period_id_)
    if not m:
        raise ValueError(f'"{period_id_or_words}" is not a period (expected 2019-Q3 or "Quý III/2019", 2019-H1 or '
                         '"6 tháng đầu năm 2019", 2019-07 or "tháng 7/2019", 2019 or "năm 2019")')
    year = int(m.group("year"))
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f'"{period_id_or_words}": the year must be {YEARS[0]}-{YEARS[1]}')
    if m.group("month"):
        month = int(m.group("month"))
        if not 1 <= month <= 12:
            raise ValueError(f'"{period_id_or_words}": no month {month}')
        return make_period(1, year, month, basis)
    if m.group("quarter"):
        return make_period(3, year, int(m.group("quarter")), basis)
    if m.group("half"):
        return make_period(6, year, int(m.group("half")), basis)
    return make_period(12, year, 1, basis)


def period_containing(months: int, day: dt.date, basis: Basis) -> Period:
    """The period of this length whose window holds the day."""
    year, month = day.year, day.month
    if basis is Basis.decree09 and day.day >= 15:  # from the 15th, the next month's window
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return make_period(months, year, (month - 1) // months + 1, basis)


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_WINDOW = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{4})(\d{2})(\d{2})$")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")  # an ISO week, as weekly digests are labelled


def _week_words(year: int, week: int, vi: bool) -> str:
    """"2019-W42" → "Tuần 42 (14–18/10/2019)": its working days, Monday to Friday."""
    monday = dt.date.fromisocalendar(year, week, 1)
    friday = monday + dt.timedelta(days=4)
    start = f"{monday:%d}" if monday.month == friday.month else (
        f"{monday:%d/%m}" if monday.year == friday.year else f"{monday:%d/%m/%Y}")
    return f"{'Tuần' if vi else 'Week'} {week} ({start}–{friday:%d/%m/%Y})"


def period_words(period_id: str, lang: str = "vi") -> str:
    """A period id as officials write it: "2019-Q3" → "Quý III/2019", "2026-H1" → "6 tháng đầu
    năm 2026", "2019-07" → "Tháng 7/2019"; one-off, windows and events in words too."""
    vi = lang != "en"
    if period_id == "once":
        return "Một lần" if vi else "Once"
    if period_id.startswith("event-"):
        day = dt.date.fromisoformat(period_id.removeprefix("event-"))
        return f"{'Sự kiện ngày' if vi else 'Event of'} {day:%d/%m/%Y}"
    if window := _WINDOW.match(period_id):
        y1, m1, d1, y2, m2, d2 = window.groups()
        return f"{d1}/{m1}/{y1} – {d2}/{m2}/{y2}"
    if week := _WEEK.match(period_id):
        return _week_words(int(week.group(1)), int(week.group(2)), vi)
    if _DAY.fullmatch(period_id):  # a digest asked for on a day: "2019-10-20" → "20/10/2019"
        return f"{dt.date.fromisoformat(period_id):%d/%m/%Y}"
    m = _ID.match(period_id)
    if not m:
        return period_id
    year = m.group("year")
    if m.group("month"):
        month = int(m.group("month"))
        return f"Tháng {month}/{year}" if vi else f"{calendar.month_name[month]} {year}"
    if m.group("quarter"):
        quarter = int(m.group("quarter"))
        return f"Quý {_ROMAN[quarter]}/{year}" if vi else f"Q{quarter}/{year}"
    if m.group("half"):
        first = m.group("half") == "1"
        if vi:
            return f"6 tháng {'đầu' if first else 'cuối'} năm {year}"
        return f"{'First' if first else 'Second'} half of {year}"
    return f"{'Năm' if vi else 'Year'} {year}"
