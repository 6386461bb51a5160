"""Draining the outbox, as a Prefect flow over `bots.outbox.dispatch`: one dispatcher per channel
configured (`bots.outbox.channels`), side by side. `dondoc serve` runs the same dispatchers as a
long-running loop instead; this flow is for the Prefect server + workers path."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from prefect import flow

from bots.outbox.channels import check, open_dispatchers
from bots.outbox.dispatch import DeliveryStats
from flows import database, exclusive, run_logger


@flow(name="deliver", log_prints=False)
def deliver(idle_timeout: float = 2.0, within: float = 600.0) -> dict[str, dict[str, int]] | None:
    """Send what the outbox holds, within each channel's limits, until it has been empty for
    `idle_timeout` seconds, and for `within` seconds at most (a channel that keeps failing
    leaves its rows pending for the next run, never holding this one). A channel that refuses
    our credentials or cannot be reached is reported and left out; the others deliver. One
    run per database at a time (several dispatchers are safe, but one is enough)."""
    engine = database()

    async def drain() -> dict[str, DeliveryStats]:
        async with AsyncExitStack() as stack:
            dispatchers = open_dispatchers(stack, engine)
            problems = await check(engine, dispatchers)
            ready = {channel: d for channel, d in dispatchers.items() if channel not in problems}
            results = await asyncio.gather(*(d.drain(idle_timeout=idle_timeout, within=within) for d in ready.values()))
            return {channel: DeliveryStats(stopped=why) for channel, why in problems.items()} | dict(zip(ready, results))
    stats = exclusive(engine, "deliver", lambda: asyncio.run(drain()))
    if stats is None:
        return None
    summary = {channel: {"sent": s.sent, "retried": s.retried, "failed": s.failed, "dead": s.dead,
                         "uncertain": s.uncertain + s.recovered_uncertain} | ({"stopped": s.stopped} if s.stopped else {})
               for channel, s in stats.items()}
    run_logger().info("delivered: %s", summary)
    return summary
