"""Vietnam's working calendar and deadlines under the Civil Code.

Public holidays (Labour Code 2019, Art. 112: 1 Jan, five days of Tết, Hùng Kings on
10/3 lunar, 30 Apr, 1 May, 2 Sep and an adjacent day) and the government's yearly
swapped days come from the `holidays` package; `plans/calendar/vn.yaml` adds what an
admin learns later (a swapped Saturday the package lacks, an extra day off).

Deadlines follow Civil Code 2015, Art. 147 (the start day is not counted) and
Art. 148 (a period ends at 24:00 of its last day; if that day is a day off, at the
end of the next working day). Times are Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import holidays
from pydantic import Field

from models.common.clock import VN  # noqa: F401  (imported from here by most modules)
from models.common.schema import Strict
from models.common.schema import check
from models.common.yamlio import InputError, Problem, line_of, load_yaml

ONE_DAY = dt.timedelta(days=1)


class DayNote(Strict):
    date: dt.date
    reason: str = Field(min_length=1)  # the decision that made it so


class CalendarSpec(Strict):
    working_days: list[DayNote] = []  # days off (weekends) that become working days: "làm bù"
    days_off: list[DayNote] = []  # working days that become days off
    culture_day_off: bool = False  # 24/11 "Ngày Văn hóa Việt Nam": the admin's explicit choice
    # Years whose swapped days the Government has announced and this file (or the package) holds,
    # also when there were none to add. A later year's days off are the statutory guess.
    announced: list[int] = []


# The `holidays` package's name for 24/11, which it marks a day off from 2026.
CULTURE_DAY = "Vietnam Cultural Day"


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    working: bool
    source: str  # "holidays 0.109: National Day", "plans/calendar/vn.yaml:12: Công văn …", "weekend"


class WorkingCalendar:
    def __init__(self, spec: CalendarSpec | None = None, sources: dict[dt.date, str] | None = None):
        spec = spec or CalendarSpec()
        self.extra_working = {d.date for d in spec.working_days}
        self.extra_off = {d.date for d in spec.days_off}
        self.culture_day_off = spec.culture_day_off
        self.sources = sources or {d.date: d.reason for d in [*spec.working_days, *spec.days_off]}
        self._public = holidays.Vietnam()  # expands to each year as it is asked about
        self.announced_through = max([*spec.announced, *(d.year for d in [*self.extra_working, *self.extra_off]),
                                      _package_announced_through()])
        self._known: dict[dt.date, bool] = {}  # deadlines ask about the same days again and again

    def is_working_day(self, day: dt.date) -> bool:
        if day not in self._known:
            self._known[day] = self._decide(day)
        return self._known[day]

    def _decide(self, day: dt.date) -> bool:
        if day in self.extra_working:
            return True
        if day in self.extra_off:
            return False
        if not self.culture_day_off and self._public.get(day) == CULTURE_DAY:
            return day.weekday() < 5
        return self._public.is_working_day(day)

    def explain(self, day: dt.date) -> DayInfo:
        """Whether a day is worked, and which source says so."""
        working = self.is_working_day(day)
        if day in self.sources:
            return DayInfo(day, working, self.sources[day])
        name = self._public.get(day)
        if name == CULTURE_DAY and not self.culture_day_off:
            return DayInfo(day, working, f"culture_day_off: false (holidays {holidays.__version__} lists {name})")
        if name:
            return DayInfo(day, working, f"holidays {holidays.__version__}: {name}")
        if day in getattr(self._public, "weekend_workdays", set()):
            return DayInfo(day, working, f"holidays {holidays.__version__}: swapped working day")
        return DayInfo(day, working, "weekend" if day.weekday() >= 5 else "working day")

    def exceptions(self, year: int) -> tuple[list[DayInfo], list[DayInfo]]:
        """A year's weekday days off and worked weekend days."""
        day, off, worked = dt.date(year, 1, 1), [], []
        while day.year == year:
            weekend = day.weekday() >= 5
            if weekend and self.is_working_day(day):
                worked.append(self.explain(day))
            elif not weekend and not self.is_working_day(day):
                off.append(self.explain(day))
            day += ONE_DAY
        return off, worked

    def announced(self, year: int) -> bool:
        """Whether the year's swapped days are known; later years are the statutory guess."""
        return year <= self.announced_through

    def unannounced_note(self, first: dt.date, last: dt.date) -> str | None:
        """A warning when days between first and last fall in a year whose swaps are not announced."""
        years = [y for y in range(first.year, last.year + 1) if not self.announced(y)]
        if not years:
            return None
        shown = ", ".join(map(str, years[:3])) + ("…" if len(years) > 3 else "")
        return (f"the days off of {shown} are not announced yet (known through {self.announced_through}): "
                "statutory holidays only, no swapped days; deadlines there may move when they are announced")

    def holiday_name(self, day: dt.date) -> str | None:
        return self._public.get(day)

    def on_or_after(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, else the next working day."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The count-th working day after start (Art. 147: start itself not counted)."""
        day = start
        for _ in range(count):
            day = self.on_or_after(day + ONE_DAY)
        return day

    def deadline(self, last_day: dt.date) -> dt.datetime:
        """The end of a period whose last day is last_day, moved past days off (Art. 148)."""
        day = self.on_or_after(last_day)
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=VN)


@lru_cache(maxsize=1)
def _package_announced_through() -> int:
    """The last year the `holidays` package knows Vietnam's swapped days for."""
    public = holidays.Vietnam(years=range(2010, dt.date.today().year + 3))
    return max([*getattr(public, "special_public_holidays", {}), 2019])


def installed_calendar() -> Path:
    """The installation's working calendar: $DONDOC_HOME/plans/calendar/vn.yaml when the
    installation keeps its own, else the one shipped with the package (never the folder a
    command happens to be started in)."""
    home = os.environ.get("DONDOC_HOME")
    own = Path(home) / "plans" / "calendar" / "vn.yaml" if home else None
    return own if own is not None and own.exists() else SHIPPED_CALENDAR


SHIPPED_CALENDAR = Path(__file__).resolve().parents[2] / "plans" / "calendar" / "vn.yaml"


def load_calendar(path: Path | str | None) -> WorkingCalendar:
    """The named calendar file (a missing one is an error, never silently no swaps), or the
    installation's when none is named."""
    path = Path(path) if path else installed_calendar()
    if not path.exists():
        raise InputError([Problem(str(path), None, "calendar", "the working-calendar file does not exist")])
    doc = load_yaml(path) or {}
    spec = check(CalendarSpec, doc, str(path))
    both = {d.date for d in spec.working_days} & {d.date for d in spec.days_off}
    if both:
        index = next(i for i, d in enumerate(spec.days_off) if d.date in both)
        raise InputError([Problem(str(path), line_of(doc, ("days_off", index, "date")), f"days_off[{index}].date",
                                  f"{spec.days_off[index].date} is also listed as a working day")])
    sources = {}
    for key in ("working_days", "days_off"):
        for i, note in enumerate(getattr(spec, key)):
            sources[note.date] = f"{path}:{line_of(doc, (key, i, 'date'))}: {note.reason}"
    return WorkingCalendar(spec, sources)
