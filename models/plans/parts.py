"""A task's further parts, each opened and chased as a task of its own.

- What a compound timing cell asks beside its first schedule: "Thường xuyên, định kỳ hằng quý
  báo cáo về Sở Tài chính" is a check-in every quarter *and* a quarterly report with a deadline,
  sent to Sở Tài chính.
- The yearly progress report of a window across years: "Giai đoạn 2026-2030" is not five years
  of silence but a report each year (due on the plan's `window_report_due`, mid-December by
  default) and the final deadline at the window's end.

A part is coded after its task, "1.2-BC" (báo cáo), or "1.2-BC1", "1.2-BC2", … when there are
several; plan ids cannot hold "-", so a part's code never meets a task's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.plans.plan import ScheduleSpec, TaskSpec, TimingPart
from models.plans.timing import TimingKind

PART_MARK = "-BC"


@dataclass(frozen=True)
class Part:
    code: str
    text: str
    phrase: str
    kind: TimingKind
    due: str | None = None  # dd/mm of an annual part
    day: int | None = None  # due on this day of the period's last month
    after_end: int | None = None  # due this many days after the period ends
    start: dt.date | None = None  # opens from the period holding this day
    end: dt.date | None = None  # and not after the period holding this one
    report_to: str | None = None


def parts_of(task: TaskSpec, schedule: ScheduleSpec) -> list[Part]:
    timing = task.timing
    after = timing.date + dt.timedelta(days=1) if timing.kind is TimingKind.once and timing.date else None
    wanted = [_from_cell(p, timing.start or after, timing.end) for p in timing.then]
    if progress := _yearly_progress(task, schedule):
        wanted.append(progress)
    many = len(wanted) > 1
    return [Part(f"{task.id}{PART_MARK}{n if many else ''}", f"{task.text} ({phrase})", phrase, *rest)
            for n, (phrase, *rest) in enumerate(wanted, start=1)]


def _from_cell(part: TimingPart, start: dt.date | None, end: dt.date | None) -> tuple:
    """A `then` part of the cell; it runs within the task's own span unless it names one ("Hoàn
    thành trong quý II/2026, sau đó cập nhật hằng năm": the yearly updates begin after the deadline)."""
    return (part.phrase, part.kind, part.due, part.day, part.after_end, part.start or start, part.end or end,
            part.report_to)


def _yearly_progress(task: TaskSpec, schedule: ScheduleSpec) -> tuple | None:
    """A window reaching into a later year reports its progress every year before its last;
    its last year ends with the window's own deadline."""
    timing = task.timing
    if timing.kind is not TimingKind.window or not (timing.start and timing.end) or not schedule.window_report_due \
            or timing.end.year <= timing.start.year or any(p.kind is TimingKind.annual for p in timing.then):
        return None
    first, last = timing.start.year, timing.end.year - 1
    phrase = f"báo cáo tiến độ năm {first}" if first == last else f"báo cáo tiến độ hằng năm, {first}–{last}"
    return (phrase, TimingKind.annual, schedule.window_report_due, None, None, timing.start,
            dt.date(timing.end.year - 1, 12, 31), None)
