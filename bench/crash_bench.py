"""Crash safety of delivery: the dispatchers killed with SIGKILL at random moments while they
deliver 2,000 messages spread over Telegram, Zalo, e-mail and SMS (their stand-ins and a real
SMTP server on 127.0.0.1), restarted each time. Prints, per channel, messages delivered twice
(target 0), lost (target 0) and uncertain (sent or not: the row was `sending` when the process
died).

    uv run python bench/crash_bench.py [--kills 30 --messages 2000 --channels telegram,zalo,email,sms]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email
import email.policy
import os
import random
import socket
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

from aiosmtpd.controller import Controller  # noqa: E402

from bots.delivery import Dispatcher, TelegramTransport  # noqa: E402
from bots.email import EMAIL_LIMITS, EmailTransport, SmtpSettings  # noqa: E402
from bots.sms import SMS_LIMITS, SmsTransport, load_gateway  # noqa: E402
from bots.standin.sms import SmsStandIn  # noqa: E402
from bots.standin.zalo import ZaloStandIn  # noqa: E402
from bots.zalo import ZALO_LIMITS, ZaloClient, ZaloTransport  # noqa: E402
from delivery_bench import RemoteStandIn  # noqa: E402
from models import outbox  # noqa: E402
from models.db import make_engine, upgrade  # noqa: E402
from models.outbox import Limits  # noqa: E402
from models.tables import Outbox  # noqa: E402

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


class Others:
    """Zalo and SMS stand-ins and an SMTP server, in this (the parent) process: they outlive
    every killed dispatcher, and count what they received."""

    def __init__(self, folder: Path, addresses: int):
        self.zalo, self.sms, self.mail = ZaloStandIn(), SmsStandIn(), _Mailbox()
        self.smtp = Controller(self.mail, hostname="127.0.0.1", port=_free_port())
        self.addresses = addresses
        self.folder = folder

    def __enter__(self) -> "Others":
        self.zalo.__enter__()
        self.sms.__enter__()
        self.smtp.start()
        for n in range(self.addresses):
            self.zalo.world.add_user(f"zl-{n}", f"n{n}")
        gateway = self.folder / "gateway.yaml"
        gateway.write_text((ROOT / "plans" / "sms" / "esms.yaml").read_text(encoding="utf-8").replace(
            "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/", self.sms.url), encoding="utf-8")
        os.environ.update({"DONDOC_ZALO_TOKEN": self.zalo.world.token, "DONDOC_ZALO_API": self.zalo.base_url,
                           "DONDOC_SMTP_URL": f"smtp://127.0.0.1:{self.smtp.port}",
                           "DONDOC_MAIL_FROM": "Bench <b@localhost>", "DONDOC_SMS_GATEWAY": str(gateway),
                           "DONDOC_SMS_API_KEY": self.sms.world.api_key,
                           "DONDOC_SMS_SECRET_KEY": self.sms.world.secret_key, "DONDOC_SMS_BRANDNAME": "BENCH"})
        return self

    def __exit__(self, *_exc) -> None:
        self.smtp.stop()
        self.sms.__exit__()
        self.zalo.__exit__()

    def address(self, channel: str, n: int) -> str:
        return {"zalo": f"zl-{n}", "email": f"p{n}@bench.vn", "sms": f"09{n:08d}"}[channel]

    def received(self, channel: str) -> Counter:
        if channel == "zalo":
            return Counter(text for n in range(self.addresses) for text in self.zalo.world.received(f"zl-{n}"))
        if channel == "sms":
            return Counter(body["Content"] for body in self.sms.world.sent)
        return Counter(message.get_body(("plain",)).get_content().strip() for message in self.mail.messages)


class _Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    with tempfile.TemporaryDirectory() as folder, Others(Path(folder), args.chats) as others:
        url = f"sqlite:///{folder}/crash.db"
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:  # the messages dealt round the four channels
            for i in range(args.messages):
                channel, n = CHANNELS[i % 4], (i // 4) % args.chats
                if channel == "telegram":
                    outbox.enqueue(session, f"crash:{i}", chats[n], f"msg-{i}")
                elif channel == "email":
                    outbox.enqueue_email(session, f"crash:{i}", others.address(channel, n), f"msg-{i}", f"msg-{i}", "")
                else:
                    outbox.enqueue_text(session, f"crash:{i}", channel, others.address(channel, n), f"msg-{i}")
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
            uncertain = {(row.channel, (row.payload or {}).get("text")) for row in
                         session.exec(select(Outbox).where(Outbox.state == "uncertain"))}
        received = {"telegram": Counter(r["text"] for chat in chats
                                        for r in server.control("received", {"chat_id": chat}))}
        received |= {channel: others.received(channel) for channel in CHANNELS[1:]}
        server.stop()
    print(f"{args.messages} messages over {len(CHANNELS)} channels, {kills} SIGKILLs in "
          f"{time.monotonic() - started:.0f} s; final states {states}")
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
