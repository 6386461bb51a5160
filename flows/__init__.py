"""Prefect flows: thin orchestration over the plain functions in `models/`."""

import logging

from prefect import get_run_logger
from prefect.exceptions import MissingContextError


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow run; a plain logger when the body runs as a
    function (tests call `flow.fn()`)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("dondoc.flows")
