"""Reading a plan's timing cell ("Thời gian thực hiện") into a typed schedule.

The cell is read by a small grammar, not matched against a list of phrases:

    cell     := clause ((",", ";", ".", "sau đó", "và") clause)*
    clause   := filler* expression purpose?
    expression := continuous | recurrence | range | deadline | event | rule
    deadline := ("trước" | "đến" | "trong" | "chậm nhất" …)? point
    point    := date | month | quarter | half-year | year   (each with or without its year)
    range    := ("từ" | "giai đoạn")? point ("-" | "đến") point
    purpose  := ("báo cáo" | "gửi") ("về" | "cho")? <unit>

Each expression is one named rule (`RULES`), each with its examples in
tests/test_timing_grammar.py. The first clause is the primary schedule (what
opens the obligation); further recurring clauses are kept as `then` parts
("Hoàn thành trong quý II/2026, sau đó cập nhật hằng năm": once, then annual).

The phrase is always kept verbatim. What the grammar cannot read, or reads two
incompatible ways, is `unknown` and needs an admin's decision: a wrong kind is
worse than none.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Callable

from models.common.text import nfc


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
KINDS_WITH_A_SCHEDULE = [k.value for k in TimingKind if k not in NEEDS_DECISION]
PERIODIC = (TimingKind.monthly, TimingKind.quarterly, TimingKind.semiannual, TimingKind.annual)


@dataclass(frozen=True)
class Timing:
    phrase: str
    kind: TimingKind
    due: str | None = None  # "dd/mm": the yearly due day of an annual task
    date: date | None = None  # the deadline of a once task
    start: date | None = None  # a window's first day; the day continuous or yearly work begins
    end: date | None = None  # a window's last day
    day: int | None = None  # due on this day of the period's last month ("trước ngày 10 hằng tháng")
    report_to: str | None = None  # "… báo cáo về Sở Tài chính": the unit the report goes to
    then: tuple["Timing", ...] = ()  # further recurring parts of a compound cell
    after_end: int | None = None  # due this many days after the period ends ("trước ngày 05 của tháng liền kề")

    def needs_decision(self) -> bool:
        if self.kind in NEEDS_DECISION:
            return True
        return self.kind is TimingKind.window and not (self.start and self.end)

    def as_yaml(self) -> dict:
        """Only the keys that carry something, in a stable order."""
        fields = {"phrase": self.phrase, "kind": self.kind.value, "due": self.due, "date": self.date,
                  "start": self.start, "end": self.end, "day": self.day, "after_end": self.after_end, "report_to": self.report_to}
        out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items() if v is not None}
        if self.then:
            out["then"] = [part.as_yaml() for part in self.then]
        return out


# --- text: a folded copy aligned character by character with the verbatim cell ----

def _fold_char(c: str) -> str:
    base = unicodedata.normalize("NFD", c)[0].casefold()
    return {"đ": "d", "–": "-", "—": "-", "‐": "-", "‑": "-"}.get(base, base)


@dataclass(frozen=True)
class Text:
    """A piece of the cell: `folded` for matching, `verbatim` for what is kept."""
    verbatim: str
    folded: str

    @classmethod
    def of(cls, verbatim: str) -> "Text":
        # Typing variants: quí/quý, kì/kỳ fold to the same letters once "i" and "y" agree.
        folded = "".join(_fold_char(c) for c in verbatim)
        folded = re.sub(r"\bqui\b", "quy", folded)
        folded = re.sub(r"\bki\b", "ky", folded)
        folded = folded.replace("(", ",").replace(")", " ").replace(":", ",")  # "(trước ngày 15/12)": a clause
        return cls(verbatim, folded)

    def cut(self, start: int, end: int) -> "Text":
        return Text(self.verbatim[start:end], self.folded[start:end])

    def strip(self) -> "Text":
        chars = " .;,:-*()"
        left = len(self.folded) - len(self.folded.lstrip(chars))
        right = len(self.folded.rstrip(chars))
        return self.cut(left, max(left, right))


# --- points in time ------------------------------------------------------------

YEAR = r"(?P<year>(?:19|20)\d\d)"
ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = r"quy (?P<q>iv|iii|ii|i|[1-4])"
_YEAR_SEP = r"\s*(?:/|-|\.|,)?\s*(?:nam\s+)?"


@dataclass(frozen=True)
class Span:
    first: date
    last: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter(q: str, year: int) -> Span:
    n = ROMAN_QUARTERS[q]
    return Span(date(year, 3 * n - 2, 1), _month_end(year, 3 * n))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# Each point pattern reads a span; `year` is the plan's own year for phrases that omit it.
def _point(text: str, year: int | None) -> Span | None:
    t = text.strip()
    if m := re.fullmatch(rf"(?:ngay\s+)?(?P<d>\d{{1,2}})\s*[/.-]\s*(?P<m>\d{{1,2}})\s*[/.-]\s*{YEAR}", t):
        day = _safe_date(int(m["year"]), int(m["m"]), int(m["d"]))
        return Span(day, day) if day else None
    if m := re.fullmatch(rf"(?:ngay\s+)?(?P<d>\d{{1,2}})\s+thang\s+(?P<m>\d{{1,2}})\s+nam\s+{YEAR}", t):
        day = _safe_date(int(m["year"]), int(m["m"]), int(m["d"]))
        return Span(day, day) if day else None
    if m := re.fullmatch(rf"{_QUARTER}(?:{_YEAR_SEP}{YEAR})?", t):
        y = int(m["year"]) if m["year"] else year
        return _quarter(m["q"], y) if y else None
    if m := re.fullmatch(rf"thang\s+(?P<m>\d{{1,2}})(?:{_YEAR_SEP}{YEAR})?", t):
        y, month = (int(m["year"]) if m["year"] else year), int(m["m"])
        return Span(date(y, month, 1), _month_end(y, month)) if y and 1 <= month <= 12 else None
    if m := re.fullmatch(rf"(?P<m>\d{{1,2}})\s*/\s*{YEAR}", t):
        y, month = int(m["year"]), int(m["m"])
        return Span(date(y, month, 1), _month_end(y, month)) if 1 <= month <= 12 else None
    if m := re.fullmatch(rf"(?:6|sau) thang (?P<h>dau|cuoi)(?: nam)?(?:\s+{YEAR})?", t):
        y = int(m["year"]) if m["year"] else year
        if not y:
            return None
        return Span(date(y, 1, 1), date(y, 6, 30)) if m["h"] == "dau" else Span(date(y, 7, 1), date(y, 12, 31))
    if m := re.fullmatch(rf"(?P<when>dau|giua) nam(?:\s+{YEAR})?", t):  # the first quarter, the first half
        y = int(m["year"]) if m["year"] else year
        return (Span(date(y, 1, 1), date(y, 3, 31)) if m["when"] == "dau" else Span(date(y, 6, 30), date(y, 6, 30))) \
            if y else None
    if m := re.fullmatch(rf"cuoi nam(?:\s+{YEAR})?", t):
        y = int(m["year"]) if m["year"] else year
        return Span(date(y, 12, 31), date(y, 12, 31)) if y else None
    if m := re.fullmatch(rf"(?:nam\s+)?{YEAR}", t):
        y = int(m["year"])
        return Span(date(y, 1, 1), date(y, 12, 31))
    if m := re.fullmatch(r"(?:ngay\s+)?(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})", t):
        day = _safe_date(year, int(m["m"]), int(m["d"])) if year else None
        return Span(day, day) if day else None
    return None


# --- the rules ------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    year: int | None = None  # the plan's own year, for "6 tháng đầu năm", "quý III"


Rule = Callable[[str, Context], Timing | None]
RULES: dict[str, Rule] = {}


def rule(name: str):
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn
    return register


_EVERY = r"(?:dinh ky\s+)?(?:hang|moi)"
_FREQUENCY = {"thang": TimingKind.monthly, "quy": TimingKind.quarterly, "nam": TimingKind.annual,
              "6 thang": TimingKind.semiannual, "sau thang": TimingKind.semiannual,
              "nua nam": TimingKind.semiannual}
_FREQ = r"(?P<f>6 thang|sau thang|nua nam|thang|quy|nam)"
_TIMES_A_YEAR = {1: TimingKind.annual, 2: TimingKind.semiannual, 4: TimingKind.quarterly, 12: TimingKind.monthly}
_ONE = r"(?:01|1|mot)"
_EVERY_MONTHS = {1: TimingKind.monthly, 3: TimingKind.quarterly, 6: TimingKind.semiannual, 12: TimingKind.annual}


@rule("continuous")
def continuous(t: str, ctx: Context) -> Timing | None:
    """Thường xuyên · Liên tục · Thường xuyên, liên tục · Hằng ngày · Duy trì thường xuyên ·
    Thường xuyên trong năm · Thường xuyên cả năm · Nhiệm vụ thường xuyên"""
    if re.fullmatch(r"(?:duy tri\s+|nhiem vu\s+|cong viec\s+)?(?:thuong xuyen|lien tuc|hang ngay)(?:\s+(?:va\s+)?(?:thuong xuyen|lien tuc))?"
                    r"(?:\s+(?:trong nam|ca nam))?", t):
        return Timing("", TimingKind.continuous)
    return None


@rule("within_period")
def within_period(t: str, ctx: Context) -> Timing | None:
    """Thường xuyên trong giai đoạn 2026-2030 · Hằng năm trong giai đoạn 2026 - 2030"""
    m = re.fullmatch(r"(?P<what>.+?)\s+(?:trong\s+)?giai doan\s+(?P<range>.+)", t)
    if m is None:
        return None
    what, span = continuous(m["what"], ctx) or recurrence(m["what"], ctx), date_range(m["range"], ctx)
    if what is None or span is None:
        return None
    return replace(what, start=span.start, end=span.end)


@rule("continuous_from")
def continuous_from(t: str, ctx: Context) -> Timing | None:
    """Thực hiện từ quý III/2026 · Từ năm 2026 · Bắt đầu từ 01/7/2026 · Từ năm 2026 trở đi ·
    Bắt đầu thực hiện từ năm 2026"""
    m = re.fullmatch(r"(?:bat dau\s+(?:thuc hien\s+|trien khai\s+)?)?tu\s+(?P<p>.+?)(?:\s+tro di)?", t)
    span = _point(m["p"], ctx.year) if m else None
    return Timing("", TimingKind.continuous, start=span.first) if span else None


@rule("yearly_from")
def yearly_from(t: str, ctx: Context) -> Timing | None:
    """Năm 2025 và các năm tiếp theo · Từ năm 2026 và những năm tiếp theo"""
    m = re.fullmatch(r"(?:tu\s+)?(?P<p>.+?)\s+va\s+(?:cac|nhung)\s+nam\s+(?:tiep theo|sau)", t)
    span = _point(m["p"], ctx.year) if m else None
    return Timing("", TimingKind.annual, start=span.first) if span else None


@rule("recurrence")
def recurrence(t: str, ctx: Context) -> Timing | None:
    """Hằng quý · Định kỳ hằng quý · Định kỳ 6 tháng · Mỗi năm 01 lần · Quý 1 lần · 01 lần/năm · 2 lần/năm ·
    6 tháng/lần · 01 lần/3 tháng · Quý/lần"""
    forms = [rf"{_EVERY}\s+{_FREQ}", rf"dinh ky\s+{_FREQ}", rf"{_FREQ}\s+{_ONE} lan",
             rf"(?:moi\s+)?{_FREQ}\s+{_ONE}\s+lan", rf"{_ONE}\s+lan\s*/\s*{_FREQ}",
             rf"(?:dinh ky\s+)?{_EVERY}\s+{_FREQ}\s+{_ONE}\s+lan"]
    for form in forms:
        if m := re.fullmatch(form, t):
            return Timing("", _FREQUENCY[m["f"]])
    if m := re.fullmatch(r"(?P<n>\d{1,2})\s+lan\s*/\s*nam", t):
        kind = _TIMES_A_YEAR.get(int(m["n"]))
        return Timing("", kind) if kind else None
    if m := (re.fullmatch(r"(?:moi\s+)?(?P<m>\d{1,2})\s+thang\s*/\s*(?:01|1|mot)?\s*lan", t)
             or re.fullmatch(r"(?:01|1|mot)\s+lan\s*/\s*(?P<m>\d{1,2})\s+thang", t)):
        kind = _EVERY_MONTHS.get(int(m["m"]))
        return Timing("", kind) if kind else None
    if m := re.fullmatch(rf"{_FREQ}\s*/\s*lan", t):
        return Timing("", _FREQUENCY[m["f"]])
    if re.fullmatch(rf"{_EVERY}\s+nam\s+va\s+(?:theo\s+|ca\s+)?giai doan", t):  # a yearly report, a period's one too
        return Timing("", TimingKind.annual)
    return None


@rule("yearly_on")
def yearly_on(t: str, ctx: Context) -> Timing | None:
    """Trước ngày 15/12 hằng năm · Trước ngày 20 tháng 6 hằng năm · Tháng 12 hằng năm ·
    Quý I hằng năm · Hằng năm, trước ngày 15/12 · 6 tháng đầu năm (no plan year) ·
    Từ tháng 3 đến tháng 11 hằng năm (due at the end of the months named)"""
    due = r"(?:truoc\s+|den\s+|cham nhat\s+|vao\s+|trong\s+|tu\s+thang\s+\d{1,2}\s+(?:den|toi)\s+)?(?P<p>.+?)"
    m = (re.fullmatch(rf"{due}\s+{_EVERY}\s+nam", t)
         or re.fullmatch(rf"{_EVERY}\s+nam\s*,?\s*{due}", t))
    if m is None:
        if ctx.year is None and re.fullmatch(r"(?:6|sau) thang (?:dau|cuoi) nam|cuoi nam", t):
            m = re.fullmatch(rf"{due}", t)
        else:
            return None
    point = m["p"]
    if d := re.fullmatch(r"(?:ngay\s+)?(?P<d>\d{1,2})\s*(?:/|\s+thang\s+)\s*(?P<m>\d{1,2})", point):
        return _annual(int(d["d"]), int(d["m"]))
    span = _point(point, 2001)  # any year without 29 February: only the day and month are kept
    if span is None or re.search(r"\d{4}", point):
        return None
    return _annual(span.last.day, span.last.month)


def _annual(day: int, month: int) -> Timing | None:
    due = day_month(str(day), str(month))
    return Timing("", TimingKind.annual, due=due) if due else None


@rule("period_day")
def period_day(t: str, ctx: Context) -> Timing | None:
    """Trước ngày 10 hằng tháng · Hằng tháng, trước ngày 20 · Ngày 20 tháng cuối của quý ·
    Trước ngày 25 của tháng cuối quý · Tuần đầu tiên hằng tháng"""
    if m := (re.fullmatch(r"(?:truoc\s+|vao\s+)?ngay\s+(?P<d>\d{1,2})\s+(?:cua\s+)?(?:hang|moi)\s+thang", t)
             or re.fullmatch(r"(?:dinh ky\s+)?(?:hang|moi)\s+thang\s*,?\s*(?:truoc\s+|vao\s+)?ngay\s+(?P<d>\d{1,2})", t)):
        day = int(m["d"])
        return Timing("", TimingKind.monthly, day=day) if 1 <= day <= 28 else None
    if re.fullmatch(r"(?:trong\s+)?tuan (?:dau tien|dau|thu nhat) (?:cua\s+)?(?:hang|moi) thang", t):
        return Timing("", TimingKind.monthly, day=7)
    if m := re.fullmatch(r"(?:truoc\s+|vao\s+)?ngay\s+(?P<d>\d{1,2})\s+(?:cua\s+)?thang\s+cuoi\s+"
                         r"(?:cua\s+)?(?:moi\s+|hang\s+)?quy", t):
        day = int(m["d"])
        return Timing("", TimingKind.quarterly, day=day) if 1 <= day <= 28 else None
    return None


_NEXT = r"(?:lien ke|sau|tiep theo|ke tiep)"


@rule("next_period_day")
def next_period_day(t: str, ctx: Context) -> Timing | None:
    """Trước ngày 05 của tháng liền kề · Hằng tháng, trước ngày 05 tháng sau ·
    Ngày 10 tháng đầu quý sau · Trước ngày 31/01 năm liền kề · Chậm nhất ngày 10/01 năm sau"""
    at = r"(?:(?:dinh ky\s+)?(?:hang|moi)\s+(?P<f>thang|quy|nam)\s*,?\s*)?(?:truoc\s+|cham nhat\s+|vao\s+)?(?:ngay\s+)?"
    if m := re.fullmatch(rf"{at}(?P<d>\d{{1,2}})\s+(?:cua\s+)?thang\s+{_NEXT}", t):
        day = int(m["d"])
        return Timing("", TimingKind.monthly, after_end=day) if m["f"] in (None, "thang") and 1 <= day <= 28 else None
    if m := re.fullmatch(rf"{at}(?P<d>\d{{1,2}})\s+(?:cua\s+)?thang\s+dau\s+(?:cua\s+)?quy\s+{_NEXT}", t):
        day = int(m["d"])
        return Timing("", TimingKind.quarterly, after_end=day) if m["f"] in (None, "quy") and 1 <= day <= 28 else None
    if m := re.fullmatch(rf"{at}(?P<d>\d{{1,2}})\s*(?:/|\s+thang\s+)\s*(?P<m>0?[12])\s+(?:cua\s+)?nam\s+{_NEXT}", t):
        due = _safe_date(2002, int(m["m"]), int(m["d"]))  # 2002: no 29 February
        if m["f"] not in (None, "nam") or due is None:
            return None
        return Timing("", TimingKind.annual, after_end=(due - date(2001, 12, 31)).days)
    return None


@rule("range")
def date_range(t: str, ctx: Context) -> Timing | None:
    """2026-2030 · Năm 2025 - 2026 · Giai đoạn 2021-2025 · Quý IV/2025 - Quý II/2026 ·
    Từ tháng 10/2025 đến tháng 6/2026 · Từ năm 2026 đến năm 2030 · Tháng 11 - 12/2025 · Quý I - II/2026"""
    m = re.fullmatch(r"(?:trong\s+)?(?:giai doan\s+|tu\s+)?(?P<a>.+?)(?:\s*-\s*|\s+(?:den|toi)\s+)(?P<b>.+)", t)
    if m is None:
        return None
    last = _point(m["b"], ctx.year)
    if last is None and (unit := re.match(r"(?:quy|thang)\s", m["a"])):  # "Quý I - II/2026": the word once
        last = _point(unit.group() + m["b"], ctx.year)
    borrow = last and not re.search(r"\d{4}", m["a"]) and not re.fullmatch(r"(?:nam\s+)?\d{4}", m["b"])
    first = _point(m["a"], last.last.year if borrow else ctx.year)  # "Tháng 11 - 12/2025": the year once
    if first is None or last is None or first.first > last.last:
        return None
    return Timing("", TimingKind.window, start=first.first, end=last.last)


@rule("deadline")
def deadline(t: str, ctx: Context) -> Timing | None:
    """30/06/2025 · Trước ngày 30/11/2025 · Tháng 5 năm 2026 · Quý IV/2025 · Quý III năm 2026 ·
    Năm 2026 · 2026 · Trong quý II/2026 · Trước quý III/2026 · 6 tháng đầu năm 2026 · Cuối năm 2025 ·
    Đến hết năm 2025 · Chậm nhất trong tháng 12/2025 · Từ nay đến năm 2030 · Đầu năm 2026 · Giữa năm 2026"""
    m = re.fullmatch(r"(?P<words>(?:(?:tu nay|truoc|den|het|cham nhat|la|trong|vao|toi)\s+)*)(?P<p>.+)", t)
    span = _point(m["p"], ctx.year)
    if span is None:
        return None
    if m["words"].split()[:1] == ["truoc"] and "het" not in m["words"] and span.first != span.last:
        return Timing("", TimingKind.once, date=span.first - timedelta(days=1))  # before a month, quarter, year
    return Timing("", TimingKind.once, date=span.last)


@rule("event")
def event(t: str, ctx: Context) -> Timing | None:
    """Khi có phát sinh · Ngay khi cấp có thẩm quyền phê duyệt · Sau khi có Quy chế của TW ·
    Khi có yêu cầu · Theo yêu cầu · Kịp thời khi có sự cố · Đột xuất ·
    Sau 03 tháng kể từ khi có văn bản hướng dẫn · Trong thời gian 30 ngày kể từ ngày ký"""
    if re.match(r"(?:ngay\s+)?(?:sau\s+)?khi\s+(?!nao\b)|kip thoi\s+khi\b|(?:khi|theo) (?:co\s+)?yeu cau\b|"
                r"sau\s+(?:khi|\d+\s+(?:ngay|tuan|thang)(?:\s+lam viec)?\s+(?:ke\s+)?tu\s+(?:khi|ngay))\b|"
                r"sau\s+\d+\s+ngay\b|dot xuat$|khi can thiet$|"
                r"(?:trong\s+(?:thoi gian\s+|vong\s+)?)?\d+\s+(?:ngay|tuan|thang)(?:\s+lam viec)?\s+(?:ke\s+)?tu\s+(?:khi|ngay)\b", t):
        return Timing("", TimingKind.on_event)
    return None


@rule("event_window")
def event_window(t: str, ctx: Context) -> Timing | None:
    """Trước và trong quá trình bầu cử · Trước, trong và sau Tết"""
    if re.match(r"truoc(?:,)?\s+(?:va\s+)?trong\s+(?:qua trinh|thoi gian|dip)?", t):
        return Timing("", TimingKind.window)
    return None


@rule("per_rule")
def per_rule(t: str, ctx: Context) -> Timing | None:
    """Theo quy định · Theo Kế hoạch riêng · Theo Nghị định số 90/2013/NĐ-CP · Theo tiến độ dự án ·
    Đúng thời hạn quy định · Theo các mốc thời gian tại Quyết định số 123/QĐ-TTg"""
    if re.match(r"theo\s+(?:cac\s+)?(?:moc\s+(?:thoi gian\s+)?)?(?:quy dinh|ke hoach|nghi dinh|thong tu|quyet dinh|"
                r"chi dao|huong dan|lo trinh|van ban|tien do|thoi gian|thoi han|chuong trinh|de an|luat|tai)\b", t) \
            or re.fullmatch(r"(?:dung|dam bao)\s+(?:thoi gian|thoi han|tien do)(?:\s+theo)?\s+quy dinh", t):
        return Timing("", TimingKind.per_rule)
    return None


# --- clauses: filler words around an expression, and what the report is for -------

_LEADING_FILLERS = re.compile(
    r"^(?:(?:va|sau do|tiep tuc|hoan thanh|hoan thien|thuc hien|trien khai|to chuc|du kien|xong|"
    r"ban hanh ke hoach|ban hanh|trinh|bao cao|cap nhat|tong hop|danh gia|so ket|tong ket|duy tri|ra soat|"
    r"xay dung|dinh ky bao cao)\s+)+")
# "… và tổ chức thực hiện": the work that follows the deadline says nothing of when
_TRAILING_FILLERS = re.compile(r"\s+va\s+(?:to chuc\s+|trien khai\s+)?(?:thuc hien|trien khai)(?:\s+thuc hien)?$")
_UNIT_START = r"(?:so|ubnd|uy ban|bo|ban|van phong|cong an|thanh tra|hoi dong)\b"
_PURPOSE = re.compile(r"\s+(?P<verb>bao cao|gui|tong hop|cap nhat|danh gia|so ket|tong ket|ra soat)"
                      r"(?:\s+(?:ket qua|tinh hinh)(?:\s+thuc hien)?)?(?:\s+(?:ve|cho|len|gui|toi|den)(?:\s+(?P<to>.+))?"
                      rf"|\s+(?P<unit>{_UNIT_START}.+))?$")


def _read_clause(clause: Text, ctx: Context) -> Timing | None:
    clause = clause.strip()
    verbatim = clause.verbatim
    folded = re.sub(r"\s+", " ", clause.folded)
    if folded != clause.folded:  # keep the alignment simple: one space between words
        clause = Text.of(re.sub(r"\s+", " ", clause.verbatim))
    report_to = None
    if m := _PURPOSE.search(clause.folded):
        to = "to" if m["to"] else "unit" if m["unit"] else None  # "… báo cáo về Sở Tài chính", "… báo cáo UBND tỉnh"
        if to:
            report_to = clause.cut(m.start(to), m.end(to)).strip().verbatim
        clause = clause.cut(0, m.start()).strip()
    lead = _LEADING_FILLERS.match(clause.folded)
    body = _TRAILING_FILLERS.sub("", clause.folded[lead.end():] if lead else clause.folded)
    for name, read in RULES.items():
        if found := read(body.strip(), ctx):
            return replace(found, phrase=verbatim, report_to=report_to or found.report_to)
    return None


_CLAUSE_BREAK = re.compile(r"\s*[;,.]\s+|\s*[;,]\s*|\s+sau do\s+|\s+va\s+(?=(?:dinh ky|hang|moi|bao cao|cap nhat)\b)|"
                           r"(?<=thuong xuyen)\s+(?=(?:dinh ky|hang|moi)\b)")
_BARE_FREQUENCY = re.compile(rf"(?:va\s+)?{_FREQ}")  # "Hằng quý, 6 tháng, năm": the frequency word alone
_ADVERBS = {"kip thoi", "lien tuc", "thuong xuyen"}  # after "Thường xuyên" they add nothing


def _clauses(cell: Text) -> list[Text]:
    """The cell cut at clause breaks. A comma inside a number ("1,5") is not a break."""
    parts, start = [], 0
    for m in _CLAUSE_BREAK.finditer(cell.folded):
        parts.append(cell.cut(start, m.start()))
        start = m.end() if "sau do" not in m.group() else m.start() + len(m.group()) - len(m.group().lstrip())
    parts.append(cell.cut(start, len(cell.folded)))
    return [p.strip() for p in parts if p.strip().folded]


def parse_timing(phrase: str | None, year: int | None = None) -> Timing:
    """Read one timing cell; `year` is the plan's own year when its title names one."""
    verbatim = nfc(phrase or "").strip()
    if not verbatim.strip(" .;,-*…"):
        return Timing(verbatim, TimingKind.unspecified)
    ctx = Context(year)
    cell = Text.of(verbatim)
    whole = _read_clause(cell, ctx)
    if whole is not None:
        return replace(whole, phrase=verbatim)
    parts: list[Timing | None] = []
    for clause in _clauses(cell):
        part = _read_clause(clause, ctx)
        bare = _BARE_FREQUENCY.fullmatch(clause.folded.strip())
        if part is None and bare and parts and parts[-1] is not None and parts[-1].kind in PERIODIC:
            part = Timing(clause.verbatim, _FREQUENCY[bare["f"]])
        if part is None and clause.folded.strip() in _ADVERBS and parts and parts[0] is not None \
                and parts[0].kind is TimingKind.continuous:
            continue
        if part is None and parts and parts[0] is not None and parts[0].kind is TimingKind.annual:
            part = _read_clause(Text.of(f"{clause.verbatim} hằng năm"), ctx)  # "Hằng năm (trước 15/12)"
        parts.append(part)
    return _combine(verbatim, parts)


def _combine(verbatim: str, parts: list[Timing | None]) -> Timing:
    """The first clause opens the obligation; recurring clauses after it are `then` parts.
    Anything else (two deadlines, a deadline after a recurrence) is not guessed at."""
    unknown = Timing(verbatim, TimingKind.unknown)
    if not parts or any(p is None for p in parts):
        return unknown
    primary, rest = parts[0], parts[1:]
    if primary.kind is TimingKind.continuous:
        rest = [p for p in rest if p.kind is not TimingKind.continuous or p.start]
    then = []
    for part in rest:
        if part.kind not in PERIODIC and part.kind is not TimingKind.continuous:
            return unknown
        if part.kind is primary.kind and not (primary.day or primary.due or primary.after_end) \
                and (part.day or part.due or part.after_end):
            primary = replace(primary, day=part.day, due=part.due, after_end=part.after_end)  # "Hằng quý (trước ngày 20 …)"
            continue
        then.append(part)
    return replace(primary, phrase=verbatim, then=tuple(then))


def day_month(day: str, month: str) -> str | None:
    """'15', '12' → '15/12' when that day exists in every year (29/02 does not)."""
    d, m = int(day), int(month)
    if not 1 <= m <= 12 or not 1 <= d <= calendar.monthrange(2019, m)[1]:
        return None
    return f"{d:02d}/{m:02d}"


def plan_year(title: str) -> int | None:
    """The one year a plan's title names ("Kế hoạch … năm 2023"), not a span ("2026-2030",
    "đến năm 2030", "giai đoạn …"): year-relative timing cells take it."""
    folded = Text.of(nfc(title)).folded
    if re.search(r"giai doan|den nam|\d{4}\s*-\s*\d{4}", folded):
        return None
    years = set(re.findall(r"\bnam (\d{4})\b", folded))
    return int(years.pop()) if len(years) == 1 else None
