"""The plan YAML schema: one file per plan, hand-edited by admins.

```yaml
plan: {id: binh-dinh-53-2019, number: 53/KH-UBND, title: …, issued_by: UBND tỉnh Bình Định,
       issued_on: 2019-06-24, coordinator: Sở Nội vụ}
areas: [{id: "1", title: Tham gia của người dân ở cấp cơ sở}]
tasks:
  - id: "1.1"
    area: "1"
    text: Tăng cường thông tin, tuyên truyền …
    lead: [Sở Tư pháp, UBND cấp huyện, UBND cấp xã]
    coordinating: [Các cơ quan thông tấn báo chí]
    timing: {phrase: Định kỳ hằng quý, kind: quarterly}
```
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from models.common.schema import ID_PATTERN, Strict
from models.calendar.periods import Basis
from models.calendar.reminders import ReminderPolicy
from models.common.schema import check
from models.plans.timing import PERIODIC, Timing, TimingKind, day_month
from models.common.yamlio import load_yaml
from models.common.text import is_number

TASK_ID_PATTERN = r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$"


class PlanInfo(Strict):
    id: str = Field(pattern=ID_PATTERN)
    number: str = Field(min_length=1)
    title: str = Field(min_length=1)
    issued_by: str = Field(min_length=1)
    issued_on: dt.date
    coordinator: str = Field(min_length=1)
    parent: str | None = Field(default=None, pattern=ID_PATTERN)  # the plan this one implements (its id)


class AreaSpec(Strict):
    id: str = Field(pattern=TASK_ID_PATTERN)
    title: str = Field(min_length=1)
    # The outcome index (or one of its dimensions) the area's work is meant to move:
    # "PAPI", "PAPI: Công khai, minh bạch", "PAR INDEX", "SIPAS".
    serves: str | None = Field(default=None, min_length=1, max_length=160)


class TimingPart(Strict):
    """A further part of a compound timing cell: "…, sau đó cập nhật hằng năm"."""
    phrase: str = ""
    kind: TimingKind
    due: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    day: int | None = Field(default=None, ge=1, le=31)
    after_end: int | None = Field(default=None, ge=1, le=59)  # due this many days after the period ends
    report_to: str | None = None  # the unit the report goes to

    @field_validator("kind")
    @classmethod
    def _recurring(cls, value: TimingKind) -> TimingKind:
        if value not in (*PERIODIC, TimingKind.continuous):
            raise ValueError("a further part recurs: monthly, quarterly, semiannual, annual or continuous")
        return value


class TimingSpec(Strict):
    phrase: str = ""
    kind: TimingKind
    due: str | None = None
    date: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    day: int | None = Field(default=None, ge=1, le=31)  # due on this day of the period's last month
    after_end: int | None = Field(default=None, ge=1, le=59)  # due this many days after the period ends
    report_to: str | None = None  # "… báo cáo về Sở Tài chính"
    then: list[TimingPart] = []  # further recurring parts (reviews, reports)

    @field_validator("due")
    @classmethod
    def _due_is_a_day_of_every_year(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = value.split("/")
        if len(parts) != 2 or not all(is_number(p) for p in parts) or not day_month(*parts):
            raise ValueError(f'expected a day of the year as dd/mm that exists every year, got "{value}"')
        return day_month(*parts)

    @model_validator(mode="after")
    def _dates_fit_the_kind(self) -> "TimingSpec":
        if self.kind is TimingKind.once and self.date is None:
            raise ValueError("a once timing needs its date (date: YYYY-MM-DD)")
        if self.due and self.kind is not TimingKind.annual:
            raise ValueError("due (dd/mm) is only for annual timings")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if self.day and self.kind not in PERIODIC:
            raise ValueError("day (of the period's last month) is only for monthly, quarterly, semiannual "
                             "and annual timings")
        if self.after_end and (self.kind not in PERIODIC or self.day or self.due):
            raise ValueError("after_end (days after the period ends) is only for monthly, quarterly, semiannual "
                             "and annual timings without a day or due")
        return self

    def to_timing(self) -> Timing:
        return Timing(self.phrase, self.kind, self.due, self.date, self.start, self.end, self.day, self.report_to,
                      after_end=self.after_end)


class DueRule(Strict):
    """When a periodic obligation falls due. With neither field: at the window's end."""
    after_end: int | None = Field(default=None, ge=0)  # N days after the window's last day
    working_days: bool = True  # count after_end in working days
    day_of_last_month: int | None = Field(default=None, ge=1, le=31)  # e.g. 25: the 25th (Decree 09, Art. 13)

    @model_validator(mode="after")
    def _one_rule(self) -> "DueRule":
        if self.after_end is not None and self.day_of_last_month is not None:
            raise ValueError("give after_end or day_of_last_month, not both")
        return self


class TaskSchedule(Strict):
    """A task's own rules, overriding the plan's."""
    due: DueRule | None = None
    event_days: int | None = Field(default=None, ge=0)
    reminders: ReminderPolicy | None = None  # replaces the plan's policy for this task


class DigestPolicy(Strict):
    """When the coordinator's digest goes out (Asia/Ho_Chi_Minh)."""
    weekday: int = Field(default=1, ge=1, le=7)  # 1 = Monday
    at: dt.time = dt.time(8, 0)
    period_end: TimingKind | None = TimingKind.quarterly  # also on the first working day after each such period
    top_units: int = Field(default=10, ge=1)  # "units with the most overdue obligations": how many

    @field_validator("period_end")
    @classmethod
    def _periodic(cls, value: TimingKind | None) -> TimingKind | None:
        if value not in (None, TimingKind.monthly, TimingKind.quarterly, TimingKind.semiannual, TimingKind.annual):
            raise ValueError("expected monthly, quarterly, semiannual, annual or nothing")
        return value


class ScheduleSpec(Strict):
    basis: Basis = Basis.calendar  # calendar periods, or Decree 09/2019 windows ending on the 14th
    due: DueRule = DueRule(after_end=10)
    continuous_every: TimingKind = TimingKind.quarterly  # check-ins of "Thường xuyên" tasks
    event_days: int = Field(default=10, ge=0)  # on_event: working days after the event
    due_soon_days: int = Field(default=7, ge=0)  # "Sắp đến hạn" within this many days
    reminders: ReminderPolicy = ReminderPolicy()  # when the chase reminds and escalates
    digest: DigestPolicy = DigestPolicy()  # when the coordinator gets the digest
    # A window across years ("Giai đoạn 2026-2030") asks for progress every year, due on this day
    # (dd/mm, as provinces ask for the year's report in mid-December); none: only its final deadline.
    window_report_due: str | None = "15/12"

    @field_validator("window_report_due")
    @classmethod
    def _a_day_of_every_year(cls, value: str | None) -> str | None:
        parts = (value or "").split("/")
        if value is not None and (len(parts) != 2 or not all(is_number(p) for p in parts) or not day_month(*parts)):
            raise ValueError(f'expected a day of the year as dd/mm that exists every year, got "{value}"')
        return day_month(*parts) if value is not None else None

    @field_validator("continuous_every")
    @classmethod
    def _periodic(cls, value: TimingKind) -> TimingKind:
        if value not in (TimingKind.monthly, TimingKind.quarterly, TimingKind.semiannual, TimingKind.annual):
            raise ValueError("expected monthly, quarterly, semiannual or annual")
        return value


class TargetSpec(Strict):
    """A measurable target: "đạt 40% trên tổng số hồ sơ tiếp nhận" → value 40, unit %, of …"""
    value: float
    unit: str = "%"
    of: str | None = None  # what the value is measured against
    at_least: bool = True  # met when the reported value is ≥ the target (≤ when false)

    def met(self, reported: float | None) -> bool | None:
        if reported is None:
            return None
        return reported >= self.value if self.at_least else reported <= self.value

    def text(self) -> str:
        sign = "≥" if self.at_least else "≤"
        number = f"{self.value:g}"
        return f"{sign} {number}{'' if self.unit == '%' else ' '}{self.unit}" + (f" {self.of}" if self.of else "")


class TaskSpec(Strict):
    id: str = Field(pattern=TASK_ID_PATTERN)
    area: str | None = None
    text: str = Field(min_length=1)
    lead: list[str] = Field(min_length=1)
    coordinating: list[str] = []
    timing: TimingSpec
    schedule: TaskSchedule | None = None
    outputs: str | None = None  # "Sản phẩm", "Kết quả dự kiến": what the task delivers
    funding: str | None = None  # "Nguồn kinh phí"
    note: str | None = None  # "Ghi chú"
    columns: dict[str, str] | None = None  # the matrix's other columns, under their own headers ("Cấp trình")
    evidence_required: bool = False  # "Done" needs a file of proof first
    target: TargetSpec | None = None  # a measurable target: assignees report the value with progress
    implements: str | None = Field(default=None, pattern=TASK_ID_PATTERN)  # the parent plan's task it carries out


class PlanSpec(Strict):
    plan: PlanInfo
    schedule: ScheduleSpec = ScheduleSpec()
    areas: list[AreaSpec] = []
    tasks: list[TaskSpec] = Field(min_length=1)


def load_plan(path: Path | str) -> tuple[PlanSpec, Any]:
    """The checked plan and the raw document (for line numbers); raises InputError."""
    doc = load_yaml(path)
    return check(PlanSpec, doc, str(path)), doc
