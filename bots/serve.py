"""`dondoc serve`: the embedded default, one process with no Prefect server. The bot polls
Telegram, and PTB's JobQueue (APScheduler) fires the flows on the crons `prefect.yaml`
declares. Prefect's local mode records each run; a flow runs in a worker thread so the bot
keeps answering while it works."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import Engine
from telegram.ext import Application, ContextTypes

from bots.app import build_application
from flows.schedules import Scheduled, load_schedules

log = logging.getLogger("dondoc.serve")


def schedule_flows(application: Application, schedules: list[Scheduled]) -> None:
    for scheduled in schedules:
        # coalesce + one instance: a run still going, or several missed while asleep, fire once
        application.job_queue.run_custom(
            _runner(scheduled), name=scheduled.name,
            job_kwargs={"trigger": scheduled.trigger(), "max_instances": 1, "coalesce": True,
                        "misfire_grace_time": 300})


def _runner(scheduled: Scheduled):
    async def run(_context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            result = await asyncio.to_thread(scheduled.flow(), **scheduled.parameters)
            log.info("%s: %s", scheduled.name, result)
        except Exception:  # one failed run must not stop the schedule or the bot
            log.exception("%s failed", scheduled.name)
    run.__name__ = f"run_{scheduled.name}"
    return run


def build_server(token: str, engine: Engine, evidence_folder: Path, base_url: str | None = None,
                 base_file_url: str | None = None, schedules: list[Scheduled] | None = None,
                 zalo: tuple[str, str] | None = None) -> Application:
    application = build_application(token, engine, evidence_folder, base_url, base_file_url)
    schedule_flows(application, load_schedules() if schedules is None else schedules)
    if zalo:
        converse_on_zalo(application, engine, *zalo)
    return application


def converse_on_zalo(application: Application, engine: Engine, token: str, base_url: str) -> None:
    """The Zalo bot polls in the same event loop as the Telegram one, from start to shutdown."""
    from bots.zalo import ZaloBot, ZaloClient

    stop = asyncio.Event()
    running: list[asyncio.Task] = []

    async def start(_application: Application) -> None:
        client = ZaloClient(token, base_url)
        running.append(asyncio.create_task(ZaloBot(engine, client).run(stop), name="zalo-bot"))

    async def finish(_application: Application) -> None:
        stop.set()
        for task in running:
            task.cancel()
    application.post_init, application.post_shutdown = start, finish
