"""The daily opening of obligations, as a Prefect flow over `models.engine.opening`."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows import CALENDAR, database, exclusive, run_logger
from models.access.retention import apply_retention
from models.engine.apply import apply_successions
from models.store.db import transaction
from models.engine.opening import open_all_plans
from models.store.tables import utcnow
from models.calendar.workcal import VN, load_calendar


@flow(name="open_obligations", log_prints=False)
def open_obligations(as_of: dt.date | None = None, calendar: str | None = CALENDAR,
                     now: dt.datetime | None = None) -> dict[str, int] | None:
    """Move the open obligations of units succeeded by `as_of` to their successors, then open
    everything due to be open on that day (default: today in Asia/Ho_Chi_Minh) for every
    applied plan, stamped opened at `now` (default: the present), then remove what is past its
    retention time (models.access.retention). Idempotent: a second run the same day creates nothing."""
    day = as_of or (now or utcnow()).astimezone(VN).date()
    engine = database()

    def run() -> dict[str, int]:
        with transaction(engine) as session:  # successions that take effect today come first
            moved = apply_successions(session, day, actor="flow:open_obligations")
            if moved:
                run_logger().info("successions on %s: %s obligation(s) moved or closed", day, len(moved))
        with transaction(engine) as session:
            opened = open_all_plans(session, day, load_calendar(calendar), actor="flow:open_obligations", now=now)
        with transaction(engine) as session:  # people's data kept no longer than it serves
            removed = apply_retention(session, now or utcnow())
            if any(removed.values()):
                run_logger().info("retention: %s", ", ".join(f"{n} {kind}" for kind, n in removed.items() if n))
        return opened
    created = exclusive(engine, "open", run)
    if created is not None:
        run_logger().info("opened %s obligation(s) as of %s: %s", sum(created.values()), day, created)
    return created
