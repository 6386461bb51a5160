"""Outbox delivery against Telegram's limits: 5,000 messages to 2,000 chats (100 of them
groups) through the stand-in with its limits 10x looser (300 messages/s per bot, one per
chat per 0.1 s, 20 per group per 6 s). Prints messages/s as a share of the ceiling the
limits allow, 429s received and per-chat limit violations, beside the same messages sent
through python-telegram-bot's own AIORateLimiter (which paces overall and per group), each
private chat's messages sent in turn a chat window apart: the strongest simple sender.

    uv run python bench/delivery_bench.py [--messages 5000 --chats 2000] [--history 300000]

It first times one claim behind a year of sent messages (the outbox keeps them) beside the same
claim with none: a claim reads only the last window.

Target (issue "Chasing"): >= 90 % of the ceiling, zero 429s, zero per-chat violations,
and not slower than AIORateLimiter.

With `--shared 1,2,3 --database-url postgresql://…`, the same messages are sent by 1, then 2,
then 3 dispatcher processes sharing one PostgreSQL database, as in production (target, issue
"Hardening": zero 429s and zero per-chat violations with each; the time beside one's):

    .ci/with-postgres bash -c 'uv run python bench/delivery_bench.py --shared 1,2,3 \
        --database-url "$DONDOC_TEST_PG_URL"'
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import socket
import subprocess
import sys
import urllib.request
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bots.outbox.dispatch import Dispatcher  # noqa: E402
from bots.telegram.transport import TelegramTransport
from bots.standin.world import Limits as TelegramLimits  # noqa: E402
from bots.standin.world import World  # noqa: E402
from models.chase import outbox  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from models.chase.outbox import Limits  # noqa: E402

SCALE = 10
POOL = 64  # concurrent connections to Telegram, the same for both senders


class RemoteStandIn:
    """The stand-in in a process of its own, driven through its control API."""

    def __init__(self, scale: float):
        self.port = _free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "bots.standin", "--port", str(self.port),
                                         "--scale", str(scale)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.process.stdout.readline()  # "stand-in listening on ..."
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.token = World().token

    def control(self, action: str, body: dict | None = None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/_control/{action}",
                                         data=json.dumps(body or {}).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())["result"]

    def fresh(self, chats: list[int]) -> None:
        self.control("reset", {"scale": SCALE})
        self.fresh_chats(chats)

    def fresh_chats(self, chats: list[int]) -> None:
        actions = [{"action": "add_group", "chat_id": c, "title": f"g{c}"} if c < 0 else
                   {"action": "add_user", "user_id": c, "first_name": f"u{c}"} for c in chats]
        actions += [{"action": "start", "user_id": c} for c in chats if c > 0]
        self.control("many", {"actions": actions})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _request() -> HTTPXRequest:
    # Thousands of sends queue for POOL connections: let them wait for one instead of failing.
    return HTTPXRequest(connection_pool_size=POOL, pool_timeout=300)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ceiling_seconds(messages: list[tuple[int, str]]) -> float:
    """The shortest time the limits allow for these messages."""
    limits = TelegramLimits().scaled(SCALE)
    per_chat: dict[int, int] = {}
    for chat, _ in messages:
        per_chat[chat] = per_chat.get(chat, 0) + 1
    overall = (math.ceil(len(messages) / limits.per_bot) - 1) * limits.per_bot_window  # the first batch at 0 s
    private = max((n - 1) * limits.per_chat_window for c, n in per_chat.items() if c > 0)
    groups = max(((n - 1) // limits.per_group) * limits.per_group_window for c, n in per_chat.items() if c < 0)
    return max(overall, private, groups)


def report(name: str, stand_in: RemoteStandIn, seconds: float, ceiling: float) -> None:
    stats = stand_in.control("stats")
    count = stats["received"]
    print(f"{name:>16}: {count} delivered in {seconds:.1f} s = {count / seconds:.0f}/s, {ceiling / seconds:.0%} "
          f"of the ceiling ({count / ceiling:.0f}/s); 429s received {stats['answered_429']}, "
          f"per-chat violations {stats['violations']}", flush=True)


def run_outbox(server: RemoteStandIn, chats: list[int], messages: list[tuple[int, str]], folder: Path) -> float:
    server.fresh(chats)
    engine = make_engine(f"sqlite:///{folder / 'delivery.db'}")
    upgrade(engine)
    with Session(engine) as session:
        for i, (chat, text) in enumerate(messages):
            outbox.enqueue(session, f"bench:{i}", chat, text)
        session.commit()

    async def drain() -> float:
        bot = Bot(server.token, base_url=server.base_url, request=_request())
        async with bot:
            started = time.monotonic()
            await Dispatcher(engine, TelegramTransport(bot), Limits().scaled(SCALE)).drain()
            return time.monotonic() - started
    seconds = asyncio.run(drain())
    report("outbox", server, seconds, ceiling_seconds(messages))
    return seconds


def run_shared(server: RemoteStandIn, chats: list[int], messages: list[tuple[int, str]], url: str,
               processes: int) -> float:
    """The outbox drained by several dispatcher processes at once, sharing one database."""
    server.fresh(chats)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        session.exec(text("DELETE FROM outbox"))
        for i, (chat, body) in enumerate(messages):
            outbox.enqueue(session, f"bench:{i}", chat, body)
        session.commit()
    engine.dispose()
    command = [sys.executable, __file__, "--dispatch", url, "--base-url", server.base_url, "--scale", str(SCALE)]
    started = time.monotonic()
    workers = [subprocess.Popen(command, cwd=ROOT) for _ in range(processes)]
    if any(worker.wait() for worker in workers):
        raise SystemExit("a dispatcher process failed")
    seconds = time.monotonic() - started
    report(f"{processes} dispatcher(s)", server, seconds, ceiling_seconds(messages))
    return seconds


def dispatch(url: str, base_url: str) -> None:
    """One dispatcher process of `run_shared`: drain until the shared outbox is empty."""
    engine = make_engine(url)

    async def drain() -> None:
        async with Bot(World().token, base_url=base_url, request=_request()) as bot:
            await Dispatcher(engine, TelegramTransport(bot), Limits().scaled(SCALE)).drain(idle_timeout=1.0)
    asyncio.run(drain())


def run_aio_rate_limiter(server: RemoteStandIn, chats: list[int], messages: list[tuple[int, str]]) -> float:
    """The baseline: PTB's AIORateLimiter keeping the bot's overall limit and each group's (its
    documented parameters, set to an even pace), and the one limit it leaves to the caller kept
    the simplest way: each private chat's messages sent in turn, a chat window apart."""
    server.fresh(chats)
    limits = TelegramLimits().scaled(SCALE)
    # A bucket of one at the limit's rate: aiolimiter's bucket of the whole limit lets a burst of
    # it through and then the steady rate, twice the limit over the first window (429s).
    limiter = AIORateLimiter(overall_max_rate=1, overall_time_period=limits.per_bot_window / limits.per_bot,
                             group_max_rate=1, group_time_period=limits.per_group_window / limits.per_group,
                             max_retries=10)
    per_chat: dict[int, list[str]] = {}
    for chat, body in messages:
        per_chat.setdefault(chat, []).append(body)

    async def one_chat(bot: ExtBot, chat: int, bodies: list[str]) -> None:
        for n, body in enumerate(bodies):
            if n and chat > 0:
                await asyncio.sleep(limits.per_chat_window)
            await bot.send_message(chat, body)

    async def send_all() -> float:
        bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=limiter,
                     request=_request())
        async with bot:
            started = time.monotonic()
            await asyncio.gather(*(one_chat(bot, chat, bodies) for chat, bodies in per_chat.items()))
            return time.monotonic() - started
    seconds = asyncio.run(send_all())
    report("AIORateLimiter", server, seconds, ceiling_seconds(messages))
    return seconds


def run_raw(server: RemoteStandIn, chats: list[int], messages: list[tuple[int, str]]) -> float:
    """What this machine's client and stand-in carry with no pacing and the limits off: the
    figure the ceiling can only be reached within."""
    server.control("reset", {"scale": 1_000_000})
    server.fresh_chats(chats)

    async def send_all() -> float:
        bot = Bot(server.token, base_url=server.base_url, request=_request())
        async with bot:
            started = time.monotonic()
            await asyncio.gather(*(bot.send_message(chat, text) for chat, text in messages))
            return time.monotonic() - started
    seconds = asyncio.run(send_all())
    print(f"{'raw capacity':>16}: {len(messages)} in {seconds:.1f} s = {len(messages) / seconds:.0f}/s with no pacing "
          f"and no limits (the most this client and stand-in carry)", flush=True)
    return seconds


def claim_behind_history(folder: Path, history: int) -> None:
    """One claim of 30 rows out of 2,000 pending, behind `history` messages sent over a year (the
    outbox keeps them, emptied), beside the same claim with no history: what the years cost it."""
    def outbox_with(sent: int, name: str):
        engine = make_engine(f"sqlite:///{folder / name}")
        upgrade(engine)
        rows = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
        with engine.begin() as conn:
            if sent:
                conn.execute(text(rows + "INSERT INTO outbox (idempotency_key, channel, chat_id, kind, state, payload, "
                                  "attempts, created_at, sending_at, sent_at, claimed_by) SELECT 'old:' || i, 'telegram', "
                                  "1 + i % 3000, 'reminder', 'sent', NULL, 1, datetime('now', '-' || (i % 365) || ' days'), "
                                  "datetime('now', '-' || (i % 365) || ' days'), datetime('now', '-' || (i % 365) || ' days'), "
                                  "'old' FROM n"), {"count": sent})
            conn.execute(text(rows + "INSERT INTO outbox (idempotency_key, channel, chat_id, kind, state, payload, attempts, "
                              "created_at) SELECT 'new:' || i, 'telegram', 1 + i % 600, 'reminder', 'pending', "
                              "'{\"text\": \"x\"}', 0, datetime('now') FROM n"), {"count": 2000})
        return engine

    def best_claim(engine) -> float:
        best = None
        for _ in range(10):
            with Session(engine) as session:
                started = time.perf_counter()
                outbox.claim(session, "bench", Limits())
                best = min(best or 1e9, time.perf_counter() - started)
                session.rollback()
        return best
    fresh, years = best_claim(outbox_with(0, "fresh.db")), best_claim(outbox_with(history, "history.db"))
    print(f"{'claim':>16}: behind {history:,} sent messages {years * 1000:.1f} ms; with no history "
          f"{fresh * 1000:.1f} ms; ratio {years / fresh:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--scale", type=float, default=10, help="how many times looser than Telegram's limits")
    parser.add_argument("--shared", help="dispatcher process counts to try on one database, e.g. 1,2,3")
    parser.add_argument("--database-url", help="the database they share (PostgreSQL)")
    parser.add_argument("--history", type=int, default=300_000, help="sent messages behind the timed claim")
    parser.add_argument("--dispatch", help=argparse.SUPPRESS)  # a worker process of --shared
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global SCALE
    SCALE = args.scale
    if args.dispatch:
        return dispatch(args.dispatch, args.base_url)
    chats = [-(1000 + g) for g in range(args.groups)] + list(range(1, args.chats - args.groups + 1))
    messages = [(chats[i % len(chats)], f"Nhắc việc số {i}") for i in range(args.messages)]
    server = RemoteStandIn(SCALE)
    if args.shared:
        try:
            times = [run_shared(server, chats, messages, args.database_url, int(n)) for n in args.shared.split(",")]
        finally:
            server.stop()
        print("time against one dispatcher: " + ", ".join(f"{t / times[0]:.2f}" for t in times))
        return
    try:
        with tempfile.TemporaryDirectory() as folder:
            claim_behind_history(Path(folder), args.history)
            raw = run_raw(server, chats, messages)
            ours = run_outbox(server, chats, messages, Path(folder))
            theirs = run_aio_rate_limiter(server, chats, messages)
    finally:
        server.stop()
    print(f"outbox / AIORateLimiter time: {ours / theirs:.2f} (target <= 1); "
          f"outbox reaches {raw / ours:.0%} of the raw capacity")


if __name__ == "__main__":
    main()
