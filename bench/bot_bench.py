"""Bot responsiveness: button presses handled per second, and the p50/p95 latency from a
press to its answer (answerCallbackQuery), for 50 and 200 simulated users, against a bare
python-telegram-bot echo handler in the same run (same stand-in, same users, same presses).

    uv run python bench/bot_bench.py [--presses 10] [--rounds 3]

The baseline is the strongest simple handler: answer the press and send one message, no
database. Rounds alternate (echo, dondoc, echo, …); the ratio is taken per round.

Target (issue "Speed where people wait"): our p95 at most 2.5x the echo handler's, at 50 and
200 users. SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import Application, CallbackQueryHandler, ContextTypes  # noqa: E402

from models.access import people as linking  # noqa: E402
from bots.telegram.app import build_application  # noqa: E402
from bots.outbox.dispatch import Pacer  # noqa: E402
from bots.standin.server import StandIn  # noqa: E402
from bots.standin.world import Limits, World  # noqa: E402
from models.engine.apply import apply_plan  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from models.engine.opening import Opener  # noqa: E402
from models.org.directory import load_directory  # noqa: E402
from models.chase.outbox import Limits as OutboxLimits  # noqa: E402
from models.store.tables import Obligation, Task, Unit  # noqa: E402
from models.calendar.workcal import WorkingCalendar  # noqa: E402

PLAN = ROOT / "plans" / "binh-dinh-53-2019.yaml"
LOOSER = 1000  # the stand-in's limits, this many times Telegram's: the bench measures handling, not limits
ORG = ROOT / "plans" / "org" / "binh-dinh.yaml"


def prepare_database(url: str, users: int) -> dict[int, tuple[str, int]]:
    """Plan applied, 2019-Q3 opened; one invitation per user, spread over the communes.
    Returns user id → (invitation token, obligation id of their task 1.1)."""
    engine = make_engine(url)
    upgrade(engine)
    apply_plan(engine, PLAN, load_directory(ORG), today=dt.date(2019, 7, 1))
    with Session(engine) as session:
        Opener(session, "binh-dinh-53-2019", WorkingCalendar()).period("2019-Q3")
        rows = session.exec(select(Obligation.id, Obligation.unit_id).join(Task, Task.id == Obligation.task_id)
                            .join(Unit, Unit.id == Obligation.unit_id)
                            .where(Task.code == "1.1", Unit.level == "commune").order_by(Obligation.id)).all()
        people = {}
        for index in range(users):
            obligation_id, unit_id = rows[index % len(rows)]
            people[10_000 + index] = (linking.create_invitation(session, unit_id, f"user {index}"), obligation_id)
        session.commit()
    engine.dispose()
    return people


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bare handler: answer the press and echo its data back, nothing else."""
    await update.callback_query.answer()
    await update.effective_chat.send_message(update.callback_query.data)


async def measure(application: Application, world: World, people: dict, presses: int,
                  link_first: bool) -> tuple[float, list[float]]:
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        for user, (token, _obligation_id) in people.items():
            world.add_user(user, f"u{user}")
            world.user_starts(user, token if link_first else None)
        if link_first:  # dondoc answers the link; wait until everyone is linked
            await _until(lambda: all(world.received(u) for u in people), 120)
        anchors = {}
        for user, (_token, obligation_id) in people.items():  # the prompt whose button they press
            data = f"p:{obligation_id}"
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tiến độ", callback_data=data)]])
            sent = await application.bot.send_message(user, "Nhiệm vụ 1.1", reply_markup=markup)
            anchors[user] = (sent.message_id, data)
        latencies: list[float] = []
        loop = asyncio.get_running_loop()
        waiting: dict[str, asyncio.Future] = {}

        def answered(query_id: str) -> None:  # called on the stand-in's thread
            future = waiting.get(query_id)
            if future is not None:
                loop.call_soon_threadsafe(lambda: future.done() or future.set_result(None))

        world.on_answer = answered

        async def person(user: int) -> None:
            message_id, data = anchors[user]
            for _ in range(presses):
                pressed = time.monotonic()
                with world.lock:  # register before the bot can possibly answer
                    query = world.user_presses(user, message_id, data=data)
                    waiting[query] = loop.create_future()
                await asyncio.wait_for(waiting[query], 120)
                latencies.append(time.monotonic() - pressed)

        started = time.monotonic()
        await asyncio.gather(*(person(u) for u in people))
        return time.monotonic() - started, latencies
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def _until(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not answer in time")
        await asyncio.sleep(0.002)


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1] if len(values) > 1 else values[0]


def forget_updates(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM seenupdate")
    engine.dispose()


def run(users: int, presses: int, rounds: int, server: StandIn, folder: Path) -> None:
    """Echo and dondoc in turn, `rounds` times each (a busy moment of the machine falls on both)."""
    url = f"sqlite:///{folder / f'bot-{users}.db'}"
    people = prepare_database(url, users)
    results: dict[str, list[tuple[float, float, float]]] = {"echo": [], "dondoc": []}
    for round_ in range(rounds):
        for name in results:
            world = server.reset(World(limits=Limits().scaled(LOOSER)))
            if name == "echo":
                application = Application.builder().token(world.token).base_url(server.base_url).build()
                application.add_handler(CallbackQueryHandler(echo))
            else:
                forget_updates(url)  # a fresh stand-in numbers its updates from 1 again; Telegram never does
                # dondoc keeps the stand-in's limits, as loose as they are here: the same budget for both
                application = build_application(world.token, make_engine(url), folder / "evidence",
                                                base_url=server.base_url, base_file_url=server.base_file_url,
                                                pacer=Pacer(OutboxLimits().scaled(LOOSER)))
            seconds, latencies = asyncio.run(measure(application, world, people, presses,
                                                     link_first=name == "dondoc" and round_ == 0))
            results[name].append((len(latencies) / seconds, percentile(latencies, 0.50), percentile(latencies, 0.95)))
    for name, runs in results.items():
        rates, p50s, p95s = zip(*runs)
        print(f"[{users} users] {name:>6}: {presses * users} presses x {rounds} rounds; updates/s median "
              f"{statistics.median(rates):,.0f}; p50 median {statistics.median(p50s) * 1000:.0f} ms; p95 min "
              f"{min(p95s) * 1000:.0f} ms, median {statistics.median(p95s) * 1000:.0f} ms", flush=True)
    ratios = sorted(d[2] / e[2] for e, d in zip(results["echo"], results["dondoc"]))
    print(f"[{users} users] p95 dondoc / echo, per round: min {ratios[0]:.2f}, median {statistics.median(ratios):.2f} "
          f"(target <= 2.5)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=10, help="presses per user")
    parser.add_argument("--users", type=int, nargs="*", default=[50, 200])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, StandIn() as server:
        for users in args.users:
            run(users, args.presses, args.rounds, server, Path(folder))


if __name__ == "__main__":
    main()
