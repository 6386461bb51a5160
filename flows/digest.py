"""The coordinator's digests (weekly, and after each period ends) into the outbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow
from sqlmodel import Session, select

from flows import CALENDAR, database, exclusive, moment, run_logger
from models.db import transaction
from models.digest import send_digests
from models.tables import Plan
from models.workcal import load_calendar


@flow(name="digest", log_prints=False)
def digest(now: dt.datetime | None = None, calendar: str = CALENDAR, reports: str = "var/reports") -> dict[str, int] | None:
    """Each plan's digests due now (its YAML sets the weekday and time), each made once; after
    a period ends, its Excel report too (written into `reports`, then sent as a document)."""
    now, engine, days = moment(now), database(), load_calendar(calendar)

    def run() -> dict[str, int]:
        with Session(engine) as session:
            plan_ids = session.exec(select(Plan.id).order_by(Plan.id)).all()
        queued = {}
        for plan_id in plan_ids:
            with transaction(engine) as session:
                queued[plan_id] = send_digests(session, plan_id, now, days, Path(reports))
        return queued
    queued = exclusive(engine, "digest", run)
    if queued is not None:
        run_logger().info("queued %s digest message(s) at %s: %s", sum(queued.values()), now, queued)
    return queued
