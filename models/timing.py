"""Timing phrases from a plan's "Thời gian thực hiện" column, read into typed schedules.

The phrase is always kept verbatim; the kind (and its dates) is what the scheduler
uses. A phrase we do not recognise is never guessed at: it becomes `unknown` and the
task is listed as needing an admin's decision.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from models.text import fold, nfc


class TimingKind(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    semiannual = "semiannual"
    annual = "annual"  # optionally with a due day, "Trước ngày 15/12 hằng năm"
    once = "once"  # one dated deadline: "Quý III/2022", "Tháng 6/2022", "Năm 2023"
    on_event = "on_event"  # opened when an admin records the event
    window = "window"  # a dated window: "Giai đoạn 2021-2025", an election
    continuous = "continuous"  # periodic check-in, never overdue
    per_rule = "per_rule"  # another regulation or plan decides
    unspecified = "unspecified"  # the cell is empty
    unknown = "unknown"  # a phrase this reader does not know


# Kinds that open nothing until an admin sets a schedule.
NEEDS_DECISION = {TimingKind.per_rule, TimingKind.unspecified, TimingKind.unknown}


@dataclass(frozen=True)
class Timing:
    phrase: str
    kind: TimingKind
    due: str | None = None  # "dd/mm": the yearly due day of an annual task
    date: date | None = None  # the deadline of a once task
    start: date | None = None  # a window's first day
    end: date | None = None  # a window's last day

    def needs_decision(self) -> bool:
        if self.kind in NEEDS_DECISION:
            return True
        return self.kind is TimingKind.window and not (self.start and self.end)

    def as_yaml(self) -> dict:
        """Only the keys that carry something, in a stable order."""
        fields = {"phrase": self.phrase, "kind": self.kind.value, "due": self.due,
                  "date": self.date, "start": self.start, "end": self.end}
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in fields.items() if v is not None}


ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# Typing variants seen in plans: hằng/hàng, quý/quí, kỳ/kì, 01/1/một.
_EVERY = r"(?:dinh k[yi] )?(?:hang|moi)"
_ONCE = r"(?:mot|01|1) lan"
_QUARTER = r"qu[yi]"

_SIMPLE: list[tuple[str, TimingKind]] = [
    (rf"{_EVERY} thang|dinh k[yi] thang", TimingKind.monthly),
    (rf"{_EVERY} {_QUARTER}|dinh k[yi] {_QUARTER}|{_QUARTER} {_ONCE}", TimingKind.quarterly),
    (rf"(?:dinh k[yi] |{_EVERY} )?(?:6|sau) thang(?: {_ONCE})?|{_EVERY} nua nam", TimingKind.semiannual),
    (rf"{_EVERY} nam(?: {_ONCE})?|(?:moi |mot )?nam {_ONCE}|dinh k[yi] nam", TimingKind.annual),
    (r"thuong xuyen(?:,? lien tuc)?|lien tuc|hang ngay", TimingKind.continuous),
]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def day_month(day: str, month: str) -> str | None:
    """'15', '12' → '15/12' when that day exists in every year (29/02 does not)."""
    d, m = int(day), int(month)
    if not 1 <= m <= 12 or not 1 <= d <= calendar.monthrange(2019, m)[1]:
        return None
    return f"{d:02d}/{m:02d}"


def parse_timing(phrase: str | None) -> Timing:
    """Read one timing cell. Matching ignores case, Unicode form and diacritics."""
    verbatim = nfc(phrase or "")
    text = fold(verbatim).strip(" .;,")
    if not text:
        return Timing(verbatim, TimingKind.unspecified)
    for pattern, kind in _SIMPLE:
        if re.fullmatch(pattern, text):
            return Timing(verbatim, kind)
    return _parse_dated(verbatim, text) or _parse_event(verbatim, text) or Timing(verbatim, TimingKind.unknown)


def _parse_dated(verbatim: str, text: str) -> Timing | None:
    if m := re.fullmatch(r"truoc ngay (\d{1,2})/(\d{1,2}) (?:hang|moi) nam", text):
        due = day_month(*m.groups())
        return Timing(verbatim, TimingKind.annual, due=due) if due else None
    if re.fullmatch(r"6 thang dau nam", text):
        return Timing(verbatim, TimingKind.annual, due="30/06")
    if m := re.fullmatch(rf"{_QUARTER} (i|ii|iii|iv|[1-4]) ?(?:/|-|nam) ?(\d{{4}})", text):
        quarter, year = ROMAN_QUARTERS[m.group(1)], int(m.group(2))
        return Timing(verbatim, TimingKind.once, date=_month_end(year, quarter * 3))
    if m := re.fullmatch(r"thang (\d{1,2}) ?(?:/|-|nam) ?(\d{4})", text):
        month, year = int(m.group(1)), int(m.group(2))
        return Timing(verbatim, TimingKind.once, date=_month_end(year, month)) if 1 <= month <= 12 else None
    if m := re.fullmatch(r"(?:trong )?nam (\d{4})", text):
        return Timing(verbatim, TimingKind.once, date=date(int(m.group(1)), 12, 31))
    if m := re.fullmatch(r"(?:truoc ngay |den ngay |ngay )?(\d{1,2})/(\d{1,2})/(\d{4})", text):
        try:
            return Timing(verbatim, TimingKind.once, date=date(int(m.group(3)), int(m.group(2)), int(m.group(1))))
        except ValueError:
            return None
    if m := re.fullmatch(r"giai doan (\d{4}) ?[-–] ?(\d{4})", text):
        first, last = int(m.group(1)), int(m.group(2))
        if first <= last:
            return Timing(verbatim, TimingKind.window, start=date(first, 1, 1), end=date(last, 12, 31))
    return None


def _parse_event(verbatim: str, text: str) -> Timing | None:
    if re.match(r"(?:ngay )?(?:sau )?khi\b.*(?:phe duyet|ban hanh|quyet dinh|thong qua)", text):
        return Timing(verbatim, TimingKind.on_event)
    if re.match(r"truoc(?:,)? (?:va )?trong (?:qua trinh|thoi gian)", text):
        return Timing(verbatim, TimingKind.window)
    if re.match(r"theo (?:quy dinh|ke hoach|nghi dinh|thong tu|quyet dinh|chi dao|huong dan|lo trinh|van ban)", text):
        return Timing(verbatim, TimingKind.per_rule)
    return None
