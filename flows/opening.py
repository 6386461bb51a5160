"""The daily opening of obligations, as a Prefect flow over `models.opening`."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows import CALENDAR, database, exclusive, run_logger
from models.db import transaction
from models.opening import open_all_plans
from models.tables import utcnow
from models.workcal import VN, load_calendar


@flow(name="open_obligations", log_prints=False)
def open_obligations(as_of: dt.date | None = None, calendar: str = CALENDAR,
                     now: dt.datetime | None = None) -> dict[str, int] | None:
    """Open everything due to be open on `as_of` (default: today in Asia/Ho_Chi_Minh) for
    every applied plan, stamped opened at `now` (default: the present). Idempotent: a second
    run the same day creates nothing."""
    day = as_of or (now or utcnow()).astimezone(VN).date()
    engine = database()

    def run() -> dict[str, int]:
        with transaction(engine) as session:
            return open_all_plans(session, day, load_calendar(calendar), actor="flow:open_obligations", now=now)
    created = exclusive(engine, "open", run)
    if created is not None:
        run_logger().info("opened %s obligation(s) as of %s: %s", sum(created.values()), day, created)
    return created
