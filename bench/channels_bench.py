"""The outbox on each channel other than Telegram (bench/delivery_bench.py measures that one):
how close its dispatcher comes to the channel's ceiling, beside a naive sender.

For e-mail (a real SMTP server, aiosmtpd, on 127.0.0.1), Zalo and SMS (their stand-ins),
`--messages` rows to as many recipients are queued and drained by the channel's Dispatcher
at the channel's own limits (e-mail 5/s, Zalo 10/s, SMS 5/s: what dondoc keeps to, not the
providers' published figures, which are not published). The baseline is the simplest sender
that keeps the same limit: a plain loop calling the same client once per message, one every
window/limit seconds, with no outbox and no claim.

    uv run python bench/channels_bench.py [--messages 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from bots.outbox.dispatch import Dispatcher  # noqa: E402
from bots.email.transport import EMAIL_LIMITS, EmailTransport, SmtpSettings  # noqa: E402
from bots.sms.transport import SMS_LIMITS, SmsTransport, load_gateway  # noqa: E402
from bots.standin.local import LocalChannels  # noqa: E402
from bots.zalo.transport import ZALO_LIMITS, ZaloClient, ZaloTransport  # noqa: E402
from models.chase import outbox  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from models.store.tables import Outbox  # noqa: E402


def queue(engine, channel: str, addresses: list[str]) -> None:
    with Session(engine) as session:
        for n, address in enumerate(addresses):
            if channel == "email":
                outbox.enqueue_email(session, f"bench:{channel}:{n}", address, "Nhắc việc", "Nội dung", "<p>Nội dung</p>")
            else:  # a registered template, as reminders go (the eSMS file sends nothing else)
                values = {"count": 3, "plan": "53/KH-UBND", "due": "14/10/2019", "link": "https://dondoc.vn/s/abc"}
                outbox.enqueue_text(session, f"bench:{channel}:{n}", channel, address, "Nhắc việc: 3 nhiệm vụ",
                                    template=("reminder", values))
        session.commit()


async def run_channel(engine, channel: str, transport, limits, addresses: list[str]) -> tuple[float, float, int, int]:
    queue(engine, channel, addresses)
    start = time.perf_counter()
    stats = await Dispatcher(engine, transport, limits).drain()
    ours = time.perf_counter() - start
    with Session(engine) as session:  # the naive loop sends the same rows again, straight from the table
        rows = session.exec(select(Outbox).where(Outbox.channel == channel)).all()
    busiest = _busiest_window([row.sending_at for row in rows], limits.per_bot_window)
    spacing = limits.per_bot_window / limits.per_bot
    start = time.perf_counter()
    for n, row in enumerate(rows):  # the simplest sender that keeps the limit: one message every `spacing`
        await asyncio.sleep(max(0.0, start + n * spacing - time.perf_counter()))
        await transport.send(row)
    paced = time.perf_counter() - start
    if stats.sent < len(addresses):
        raise SystemExit(f"{channel}: {stats.sent} of {len(addresses)} sent: {stats}")  # a rate of failures is no rate
    return ours, paced, stats.sent, busiest


def _busiest_window(moments: list, seconds: float) -> int:
    """The most sends that fell in any window of the limit's length."""
    moments = sorted(moments)
    return max((sum(1 for m in moments[i:] if (m - start).total_seconds() < seconds)
                for i, start in enumerate(moments)), default=0)


async def main_async(messages: int, folder: Path) -> None:
    engine = make_engine(f"sqlite:///{folder}/bench.db")
    upgrade(engine)
    with LocalChannels(folder) as local:
        for n in range(messages):
            local.zalo.world.add_user(f"zl-{n}", f"Người {n}")
        zalo_client = ZaloClient(local.zalo.world.token, base_url=local.zalo.base_url)
        sms_transport = SmsTransport(load_gateway(Path(os.environ["DONDOC_SMS_GATEWAY"])))
        channels = [
            ("email", EmailTransport(SmtpSettings.from_env()), EMAIL_LIMITS, [f"p{n}@bench.vn" for n in range(messages)]),
            ("zalo", ZaloTransport(zalo_client), ZALO_LIMITS, [f"zl-{n}" for n in range(messages)]),
            ("sms", sms_transport, SMS_LIMITS, [f"09{n:08d}" for n in range(messages)]),
        ]
        for channel, transport, limits, addresses in channels:
            ours, paced, sent, busiest = await run_channel(engine, channel, transport, limits, addresses)
            floor = (sent / limits.per_bot - 1) * limits.per_bot_window  # the least time the limit allows
            print(f"{channel}: {sent} messages through the outbox in {ours:.2f} s = {floor / ours:.0%} of the ceiling "
                  f"(the limit of {limits.per_bot} per {limits.per_bot_window:.0f} s allows no less than {floor:.2f} s; "
                  f"at most {busiest} sent in any {limits.per_bot_window:.0f} s); a paced loop (no outbox, one message "
                  f"every {limits.per_bot_window / limits.per_bot:.2f} s): {paced:.2f} s; ratio {ours / paced:.2f} "
                  f"(target: >= 90% of the ceiling, <= 1.1x the loop)", flush=True)
        await zalo_client.close()
        await sms_transport.client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(main_async(args.messages, Path(folder)))


if __name__ == "__main__":
    main()
