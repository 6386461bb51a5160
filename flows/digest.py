"""The coordinator's digests (weekly, and after each period ends) into the outbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow

from flows import CALENDAR, database, each_plan, exclusive, moment, run_logger
from models.report.digest import send_digests
from models.calendar.workcal import load_calendar


@flow(name="digest", log_prints=False)
def digest(now: dt.datetime | None = None, calendar: str | None = CALENDAR, reports: str = "var/reports") -> dict[str, int] | None:
    """Each plan's digests due now (its YAML sets the weekday and time), each made once; after
    a period ends, its Excel report too (written into `reports`, then sent as a document)."""
    now, engine, days = moment(now), database(), load_calendar(calendar)
    queued = exclusive(engine, "digest", lambda: each_plan(
        engine, lambda session, plan_id: send_digests(session, plan_id, now, days, Path(reports))))
    if queued is not None:
        run_logger().info("queued %s digest message(s) at %s: %s", sum(queued.values()), now, queued)
    return queued
