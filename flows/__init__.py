"""Prefect flows: thin orchestration over the plain functions in `models/` and `bots/`.

Every flow takes its moment (`now`, `as_of`) as a parameter, so a test or the demo can run
it on any day; scheduled runs leave it empty and get the present."""

import datetime as dt
import logging
import os
from typing import Callable, TypeVar

from sqlalchemy import Engine

from sqlmodel import Session, select

from models.store.db import make_engine, transaction, upgrade
from models.store.runlock import Busy, run_lock
from models.store.tables import Plan, utcnow

# The working calendar a scheduled run uses: none named means the installation's own
# ($DONDOC_HOME/plans/calendar/vn.yaml, else the shipped one), wherever the process started.
CALENDAR: str | None = None
T = TypeVar("T")


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow run; a plain logger when the body runs as a
    function (tests call `flow.fn()`)."""
    from prefect import get_run_logger  # here: `dondoc serve` reads the schedules without importing Prefect
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("dondoc.flows")


def database() -> Engine:
    if level := os.environ.get("DONDOC_LOG_LEVEL"):  # a worker's runs log as `dondoc serve --log-level` does
        logging.getLogger("dondoc").setLevel(level.upper())
    engine = make_engine()
    upgrade(engine)
    return engine


def exclusive(engine: Engine, job: str, body: Callable[[], T]) -> T | None:
    """Run `body` unless another run of `job` holds this database's lock (then log and skip:
    the run going on does the work)."""
    try:
        with run_lock(engine, job):
            return body()
    except Busy as exc:
        run_logger().warning("skipped: %s", exc)
        return None


def each_plan(engine: Engine, body: Callable[[Session, str], int]) -> dict[str, int]:
    """`body` for every applied plan, each in its own transaction: a run that dies keeps the
    plans it finished, and the next run picks up the rest."""
    with Session(engine) as session:
        plan_ids = session.exec(select(Plan.id).order_by(Plan.id)).all()
    results = {}
    for plan_id in plan_ids:
        with transaction(engine) as session:
            results[plan_id] = body(session, plan_id)
    return results


def moment(now: dt.datetime | None) -> dt.datetime:
    return now or utcnow()
