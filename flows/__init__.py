"""Prefect flows: thin orchestration over the plain functions in `models/` and `bots/`.

Every flow takes its moment (`now`, `as_of`) as a parameter, so a test or the demo can run
it on any day; scheduled runs leave it empty and get the present."""

import datetime as dt
import logging
from typing import Callable, TypeVar

from prefect import get_run_logger
from prefect.exceptions import MissingContextError
from sqlalchemy import Engine

from models.db import make_engine, upgrade
from models.runlock import Busy, run_lock
from models.tables import utcnow

CALENDAR = "plans/calendar/vn.yaml"
T = TypeVar("T")


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow run; a plain logger when the body runs as a
    function (tests call `flow.fn()`)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("dondoc.flows")


def database() -> Engine:
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


def moment(now: dt.datetime | None) -> dt.datetime:
    return now or utcnow()
