"""The chase: reminders and escalations due now go into the outbox (the `deliver` flow sends them)."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from bots.outbox.reminders import queue_reminder
from flows import CALENDAR, database, each_plan, exclusive, moment, run_logger
from models.chase.planning import plan_reminders
from models.calendar.workcal import load_calendar


@flow(name="chase", log_prints=False)
def chase(now: dt.datetime | None = None, calendar: str | None = CALENDAR) -> dict[str, int] | None:
    """Per plan, in one transaction each: the due stages of every open obligation become one
    outbox message per chat. Stages already planned are never planned again, so a run that
    died is simply run again."""
    now, engine, days = moment(now), database(), load_calendar(calendar)
    queued = exclusive(engine, "chase", lambda: each_plan(
        engine, lambda session, plan_id: plan_reminders(session, plan_id, now, days, queue_reminder)))
    if queued is not None:
        run_logger().info("queued %s reminder message(s) at %s: %s", sum(queued.values()), now, queued)
    return queued
