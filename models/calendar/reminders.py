"""When an obligation is reminded and escalated: stages counted in working days against
the deadline in force, sent only inside working hours on working days (Asia/Ho_Chi_Minh).

Pure functions over the working calendar; the chase flow turns due stages into outbox rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import Field, field_validator, model_validator

from models.common.schema import Strict
from models.calendar.workcal import VN, WorkingCalendar


class ReminderPolicy(Strict):
    before: list[int] = [7, 3, 1]  # working days before the deadline
    on_due_day: bool = True
    overdue_every: int = Field(default=2, ge=1)  # working days between overdue reminders
    overdue_max: int = Field(default=10, ge=0)  # stop repeating after this many
    escalate_head_after: int = Field(default=3, ge=1)  # working days overdue → the unit's head
    escalate_coordinator_after: int = Field(default=5, ge=1)  # → the coordinator (Sở Nội vụ)
    checkin_every: int = Field(default=20, ge=1)  # "Thường xuyên": a check-in every N working days
    blocked_every: int = Field(default=5, ge=1)  # a blocked task: a check on the blocker every N working days
    fallback_after_hours: int = Field(default=8, ge=1)  # working hours with no action → the person's next channel
    window_start: dt.time = dt.time(7, 30)
    window_end: dt.time = dt.time(17, 0)

    @field_validator("before")
    @classmethod
    def _positive(cls, days: list[int]) -> list[int]:
        if any(d < 1 for d in days):
            raise ValueError("days before the deadline are 1 or more")
        return sorted(set(days), reverse=True)

    @model_validator(mode="after")
    def _window_within_a_day(self) -> "ReminderPolicy":
        if self.window_start >= self.window_end:  # 18:00 → 07:00 would never be inside: nothing chased
            raise ValueError(f"window_start {self.window_start:%H:%M} must be before window_end "
                             f"{self.window_end:%H:%M} (working hours within one day)")
        return self


@dataclass(frozen=True)
class Stage:
    name: str  # "open", "T-3", "due", "overdue-2", "escalate-head", "escalate-coordinator", "checkin-1"
    at: dt.datetime  # when it may be sent: inside a working window
    to: str = "unit"  # "unit", "head" or "coordinator"


def in_window(moment: dt.datetime, policy: ReminderPolicy, calendar: WorkingCalendar) -> dt.datetime:
    """The moment itself if it falls in working hours on a working day, else the start of the next window."""
    local = moment.astimezone(VN)
    day = local.date()
    if calendar.is_working_day(day) and policy.window_start <= local.time() < policy.window_end:
        return local
    if calendar.is_working_day(day) and local.time() < policy.window_start:
        return dt.datetime.combine(day, policy.window_start, tzinfo=VN)
    return dt.datetime.combine(calendar.add_working_days(day, 1), policy.window_start, tzinfo=VN)


def working_hours_between(start: dt.datetime, end: dt.datetime, policy: ReminderPolicy,
                          calendar: WorkingCalendar) -> float:
    """Hours of working windows (working days, the policy's hours) between two moments."""
    start, end, total = start.astimezone(VN), end.astimezone(VN), 0.0
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            opens = max(start, dt.datetime.combine(day, policy.window_start, tzinfo=VN))
            closes = min(end, dt.datetime.combine(day, policy.window_end, tzinfo=VN))
            total += max((closes - opens).total_seconds(), 0) / 3600
        day += dt.timedelta(days=1)
    return total


def working_days_before(calendar: WorkingCalendar, day: dt.date, count: int) -> dt.date:
    """The count-th working day before `day`."""
    for _ in range(count):
        day -= dt.timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
    return day


def stages(opened_at: dt.datetime, due_at: dt.datetime | None, no_deadline: bool, policy: ReminderPolicy,
           calendar: WorkingCalendar) -> list[Stage]:
    """Every stage of one obligation, in time order. A check-in obligation gets check-ins,
    never an overdue notice."""
    start = in_window(opened_at, policy, calendar)
    result = [Stage("open", start)]
    if no_deadline or due_at is None:
        day = start.date()
        for n in range(1, 13):
            day = calendar.add_working_days(day, policy.checkin_every)
            result.append(Stage(f"checkin-{n}", _morning(day, policy)))
        return result
    due_day = due_at.astimezone(VN).date()
    for days in policy.before:
        result.append(Stage(f"T-{days}", _morning(working_days_before(calendar, due_day, days), policy)))
    if policy.on_due_day:
        result.append(Stage("due", _morning(calendar.on_or_after(due_day), policy)))
    # Work already late when it was opened (a plan loaded after its deadlines) is chased under the
    # overdue policy from the day it opened, and the coordinator hears of it that day, once.
    late = start.date() > due_day
    base = start.date() if late else due_day
    if late:
        result.append(Stage(LATE_ON_ARRIVAL, start, to="coordinator"))
    for n in range(1, policy.overdue_max + 1):
        result.append(Stage(f"overdue-{n}", _morning(calendar.add_working_days(base, n * policy.overdue_every),
                                                     policy)))
    result.append(Stage("escalate-head", _morning(calendar.add_working_days(base, policy.escalate_head_after),
                                                  policy), to="head"))
    result.append(Stage("escalate-coordinator",
                        _morning(calendar.add_working_days(base, policy.escalate_coordinator_after), policy),
                        to="coordinator"))
    kept = [s for s in result if s.name in ("open", LATE_ON_ARRIVAL) or s.at > start]  # nothing before it opened
    return sorted(kept, key=lambda s: (s.at, s.name))


LATE_ON_ARRIVAL = "late-on-arrival"  # the coordinator's catch-up: overdue on the day it was opened


def _morning(day: dt.date, policy: ReminderPolicy) -> dt.datetime:
    return dt.datetime.combine(day, policy.window_start, tzinfo=VN)


def blocked_checks(blocked_at: dt.datetime, policy: ReminderPolicy, calendar: WorkingCalendar) -> list[Stage]:
    """A blocked obligation is not chased as overdue: its unit is asked about the blocker every
    `blocked_every` working days after it reported it (the date in the name: blocked again
    later, it is asked again)."""
    day, result = blocked_at.astimezone(VN).date(), []
    for n in range(1, 13):
        day = calendar.add_working_days(day, policy.blocked_every)
        result.append(Stage(f"blocked-{blocked_at.astimezone(VN):%Y%m%d}-{n}", _morning(day, policy)))
    return result


def due_stages(all_stages: list[Stage], now: dt.datetime) -> dict[str, Stage]:
    """Per recipient, the latest stage whose time has come: a chase run that missed a day
    sends what is due now, not every reminder it missed."""
    latest: dict[str, Stage] = {}
    for stage in all_stages:
        if stage.at <= now:
            latest[stage.to] = stage
    return latest
