"""Crash safety of delivery: a dispatcher killed with SIGKILL at random moments while it
delivers 2,000 messages, restarted each time. Prints messages delivered twice (target 0),
lost (target 0) and uncertain (sent or not: the row was `sending` when the process died).

    uv run python bench/crash_bench.py [--kills 30 --messages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlmodel import Session, func, select  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bots.delivery import Dispatcher, TelegramTransport  # noqa: E402
from delivery_bench import RemoteStandIn  # noqa: E402
from models import outbox  # noqa: E402
from models.db import make_engine, upgrade  # noqa: E402
from models.outbox import Limits  # noqa: E402
from models.tables import Outbox  # noqa: E402

SCALE = 10
STALE = dt.timedelta(seconds=3)  # in production minutes; here the restarted dispatcher must not wait long


def worker(url: str, port: int, token: str) -> None:
    """One dispatcher process: drain until done (or killed)."""
    async def run() -> None:
        bot = Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=HTTPXRequest(connection_pool_size=32))
        async with bot:
            await Dispatcher(make_engine(url), TelegramTransport(bot), Limits().scaled(SCALE),
                             stale_after=STALE).drain()
    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), args.worker[2])
        return
    chance = random.Random(args.seed)
    server = RemoteStandIn(SCALE)
    chats = list(range(1, args.chats + 1))
    server.fresh(chats)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/crash.db"
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            for i in range(args.messages):
                outbox.enqueue(session, f"crash:{i}", chats[i % len(chats)], f"msg-{i}")
            session.commit()
        command = [sys.executable, __file__, "--worker", url, str(server.port), server.token]
        kills = 0
        started = time.monotonic()
        while kills < args.kills:
            process = subprocess.Popen(command, cwd=ROOT)
            time.sleep(chance.uniform(0.3, 2.5))  # start-up takes ~1 s: some kills land before any send
            if process.poll() is not None:
                break  # it finished everything
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        subprocess.run(command, cwd=ROOT, check=True)  # the last one runs to the end
        with Session(engine) as session:
            states = dict(session.exec(select(Outbox.state, func.count()).group_by(Outbox.state)).all())
            uncertain = {row.payload["text"] for row in session.exec(select(Outbox).where(Outbox.state == "uncertain"))}
        received = Counter(r["text"] for chat in chats for r in server.control("received", {"chat_id": chat}))
        server.stop()
    expected = {f"msg-{i}" for i in range(args.messages)}
    twice = sum(1 for text, n in received.items() if n > 1)
    lost = len(expected - set(received) - uncertain)
    print(f"{args.messages} messages, {kills} SIGKILLs in {time.monotonic() - started:.0f} s; final states {states}")
    print(f"delivered twice: {twice} (target 0); lost: {lost} (target 0); uncertain: {len(uncertain)} "
          f"(of which actually delivered: {len(uncertain & set(received))})")


if __name__ == "__main__":
    main()
