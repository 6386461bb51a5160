"""Crash safety of delivery: the dispatchers killed with SIGKILL at random moments while they
deliver 3,000 messages spread over Telegram, Zalo, e-mail and SMS (their stand-ins and a real
SMTP server on 127.0.0.1), restarted each time. Each kill falls after the process's first
delivery, at a random moment within its sending, and is counted as mid-send when the dead
process left rows `sending` (target: at least 20 of 30). Prints, per channel, messages
delivered twice (target 0), lost (target 0) and uncertain (sent or not: the row was `sending`
when the process died; surfaced, never resent).

    uv run python bench/crash_bench.py [--kills 30 --messages 3000 --channels telegram,zalo,email,sms]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
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

from bots.outbox.dispatch import Dispatcher  # noqa: E402
from bots.telegram.transport import TelegramTransport
from bots.email.transport import EMAIL_LIMITS, EmailTransport, SmtpSettings  # noqa: E402
from bots.sms.transport import SMS_LIMITS, SmsTransport, load_gateway  # noqa: E402
from bots.standin.local import LocalChannels  # noqa: E402
from bots.zalo.transport import ZALO_LIMITS, ZaloClient, ZaloTransport  # noqa: E402
from delivery_bench import RemoteStandIn  # noqa: E402
from models.chase import outbox  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from models.chase.outbox import Limits  # noqa: E402
from models.store.tables import Outbox  # noqa: E402

SCALE = 10
STALE = dt.timedelta(seconds=3)
CHANNELS = ("telegram", "zalo", "email", "sms")  # in production minutes; here the restarted dispatcher must not wait long


def worker(url: str, port: int, token: str) -> None:
    """One process with a dispatcher per channel: drain until done (or killed). The other
    channels' addresses come in the environment the parent set."""
    async def run() -> None:
        engine = make_engine(url)
        bot = Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=HTTPXRequest(connection_pool_size=32))
        zalo = ZaloClient(os.environ["DONDOC_ZALO_TOKEN"], os.environ["DONDOC_ZALO_API"])
        async with bot:
            await asyncio.gather(*(Dispatcher(engine, transport, limits.scaled(SCALE), stale_after=STALE).drain()
                                   for transport, limits in (
                                       (TelegramTransport(bot), Limits()),
                                       (ZaloTransport(zalo), ZALO_LIMITS),
                                       (EmailTransport(SmtpSettings.from_env()), EMAIL_LIMITS),
                                       (SmsTransport(load_gateway(Path(os.environ["DONDOC_SMS_GATEWAY"]))),
                                        SMS_LIMITS))))
    asyncio.run(run())


def sent(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Outbox).where(Outbox.state == "sent")).one()


def in_flight(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Outbox).where(Outbox.state == "sending")).one()


def kill_while_sending(process: subprocess.Popen, engine, chance: random.Random) -> bool:
    """SIGKILL the worker at a random moment after its first delivery, when some row is on its
    way (`sending`). False when the worker finished first."""
    before = sent(engine)
    while sent(engine) == before:  # start-up: nothing of this process has gone yet
        if process.poll() is not None:
            return False
        time.sleep(0.01)
    deadline = time.monotonic() + chance.uniform(0.0, 0.8)  # a random moment within the sending ...
    while time.monotonic() < deadline or not in_flight(engine):  # ... when a send is in flight
        if process.poll() is not None:
            return False
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return True


def address(channel: str, n: int) -> str:
    return {"zalo": f"zl-{n}", "email": f"p{n}@bench.vn", "sms": f"09{n:08d}"}[channel]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--messages", type=int, default=3000)
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
    with tempfile.TemporaryDirectory() as folder, LocalChannels(Path(folder)) as others:
        for n in range(args.chats):
            others.zalo.world.add_user(address("zalo", n), f"n{n}")
        url = f"sqlite:///{folder}/crash.db"
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:  # the messages dealt round the four channels
            for i in range(args.messages):
                channel, n = CHANNELS[i % 4], (i // 4) % args.chats
                if channel == "telegram":
                    outbox.enqueue(session, f"crash:{i}", chats[n], f"msg-{i}")
                elif channel == "email":
                    outbox.enqueue_email(session, f"crash:{i}", address(channel, n), f"msg-{i}", f"msg-{i}", "")
                elif channel == "sms":  # a registered template (the eSMS file sends nothing else), the id in its link
                    values = {"count": 1, "plan": "53/KH-UBND", "due": "14/10/2019", "link": f"https://dondoc.vn/s/msg-{i}"}
                    outbox.enqueue_text(session, f"crash:{i}", channel, address(channel, n), f"msg-{i}",
                                        template=("reminder", values))
                else:
                    outbox.enqueue_text(session, f"crash:{i}", channel, address(channel, n), f"msg-{i}")
            session.commit()
        command = [sys.executable, __file__, "--worker", url, str(server.port), server.token]
        kills = mid_send = 0
        started = time.monotonic()
        while kills < args.kills:
            process = subprocess.Popen(command, cwd=ROOT)
            if not kill_while_sending(process, engine, chance):
                break  # it finished everything
            kills += 1
            mid_send += in_flight(engine) > 0  # rows the dead process left `sending`: it died mid-send
        subprocess.run(command, cwd=ROOT, check=True)  # the last one runs to the end
        with Session(engine) as session:
            states = dict(session.exec(select(Outbox.state, func.count()).group_by(Outbox.state)).all())
            uncertain = {(row.channel, (row.payload or {}).get("text")) for row in
                         session.exec(select(Outbox).where(Outbox.state == "uncertain"))}
        received = {"telegram": Counter(r["text"] for chat in chats
                                        for r in server.control("received", {"chat_id": chat}))}
        received |= {channel: others.received(channel) for channel in CHANNELS[1:]}
        received["sms"] = Counter(re.search(r"msg-\d+", text).group() for text in received["sms"].elements())
        server.stop()
    print(f"{args.messages} messages over {len(CHANNELS)} channels, {kills} SIGKILLs in "
          f"{time.monotonic() - started:.0f} s; final states {states}")
    print(f"kills that landed while messages were being sent: {mid_send} of {kills} (target >= 20 of 30)")
    for k, channel in enumerate(CHANNELS):
        expected = {f"msg-{i}" for i in range(k, args.messages, 4)}
        got = received[channel]
        doubt = {text for c, text in uncertain if c == channel}
        twice = sum(1 for text, n in got.items() if n > 1)
        lost = len(expected - set(got) - doubt)
        print(f"{channel}: delivered twice: {twice} (target 0); lost: {lost} (target 0); uncertain: {len(doubt)} "
              f"(of which actually delivered: {len(doubt & set(got))})")


if __name__ == "__main__":
    main()
