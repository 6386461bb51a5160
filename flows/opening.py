"""The daily opening of obligations, as a Prefect flow over `models.opening`."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows import run_logger
from models.db import make_engine, transaction, upgrade
from models.opening import open_all_plans
from models.workcal import VN, load_calendar

CALENDAR = "plans/calendar/vn.yaml"


@flow(name="open_obligations", log_prints=False)
def open_obligations(as_of: dt.date | None = None, calendar: str = CALENDAR) -> dict[str, int]:
    """Open everything due to be open today (Asia/Ho_Chi_Minh) for every applied plan.
    Idempotent: a second run the same day creates nothing."""
    day = as_of or dt.datetime.now(VN).date()
    engine = make_engine()
    upgrade(engine)
    with transaction(engine) as session:
        created = open_all_plans(session, day, load_calendar(calendar), actor="flow:open_obligations")
    run_logger().info("opened %s obligation(s) as of %s: %s", sum(created.values()), day, created)
    return created
