"""The demo's people on the other channels: one commune official on Zalo (links with a
pairing code, reports by numbered replies), one by e-mail, one by SMS, and one whose Telegram
is blocked (as on Vietnam's carriers) so that her reminders fall back to e-mail. Their
stand-ins run on 127.0.0.1: the Zalo Bot API, a brandname SMS gateway, a real SMTP server."""

from __future__ import annotations

import asyncio
import email
import os
import secrets
from collections import Counter
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from bots.service import invite_by_address, redeem_address_invitation
from bots.standin.sms import SmsStandIn
from bots.standin.zalo import ZaloStandIn
from bots.zalo import ZaloBot, ZaloClient, invite_on_zalo
from models.tables import ChatLink, Outbox, ReminderSent
from web.links import invitation_token

ZALO_CHAT = "zl-demo-7c1f"
PHONE = "0912345678"


class _Mailbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


class OtherChannels:
    def __init__(self, engine, units: tuple[str, str, str, str], folder: Path, telegram_world):
        self.engine, self.units, self.folder, self.telegram = engine, units, folder, telegram_world
        self.zalo, self.sms, self.mailbox = ZaloStandIn(), SmsStandIn(), _Mailbox()
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=_free_port())
        self._stop, self._bot = asyncio.Event(), None
        self.zalo_answered = 0

    def __enter__(self) -> "OtherChannels":
        self.zalo.__enter__()
        self.sms.__enter__()
        self.smtp.start()
        gateway = self.folder / "sms-gateway.yaml"
        gateway.write_text((Path(__file__).resolve().parents[1] / "plans" / "sms" / "esms.yaml")
                           .read_text(encoding="utf-8").replace(
            "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/", self.sms.url),
            encoding="utf-8")
        os.environ.update({
            "DONDOC_ZALO_TOKEN": self.zalo.world.token, "DONDOC_ZALO_API": self.zalo.base_url,
            "DONDOC_SMTP_URL": f"smtp://127.0.0.1:{self.smtp.port}", "DONDOC_MAIL_FROM": "Đôn đốc <dondoc@localhost>",
            "DONDOC_SMS_GATEWAY": str(gateway), "DONDOC_SMS_API_KEY": self.sms.world.api_key,
            "DONDOC_SMS_SECRET_KEY": self.sms.world.secret_key, "DONDOC_SMS_BRANDNAME": "SNV-DEMO",
            "DONDOC_WEB_SECRET": os.environ.get("DONDOC_WEB_SECRET") or secrets.token_hex(32)})
        return self

    def __exit__(self, *_exc) -> None:
        self.smtp.stop()
        self.sms.__exit__()
        self.zalo.__exit__()

    async def start(self) -> None:
        self.zalo.world.add_user(ZALO_CHAT, "Lý Văn Hải")
        client = ZaloClient(self.zalo.world.token, base_url=self.zalo.base_url)
        self._bot = asyncio.create_task(ZaloBot(self.engine, client, poll_timeout=1).run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._bot:
            await self._bot

    async def link(self) -> None:
        """Each person linked as an admin would: a pairing code on Zalo, an address confirmed
        from the invitation (as if its link were opened), and Telegram plus e-mail for the last."""
        zalo_unit, email_unit, sms_unit, blocked_unit = self.units
        with Session(self.engine) as session:
            code = invite_on_zalo(session, zalo_unit, "Lý Văn Hải")
            tokens = [invitation_token(invite_by_address(session, channel, unit, name, address).id)
                      for channel, unit, name, address in (
                          ("email", email_unit, "Mai Thị Lan", "lan.mt@demo.gov.vn"),
                          ("sms", sms_unit, "Tô Văn Minh", PHONE),
                          ("email", blocked_unit, "Hà Thị Nga", "nga.ht@demo.gov.vn"))]
            for token in tokens:
                redeem_address_invitation(session, token)
            session.add(ChatLink(chat_id=608, unit_id=blocked_unit, contact="Hà Thị Nga"))
            session.commit()
        self.telegram.add_user(608, "Nga")
        self.telegram.user_blocks(608)  # her carrier blocks Telegram: nothing reaches her there
        self.zalo.world.user_sends(ZALO_CHAT, code)

    async def react(self) -> None:
        """The Zalo official answers each new reminder: the first line's number, then 1 (done)."""
        texts = self.zalo.world.received(ZALO_CHAT)
        reminders = [t for t in texts if t.startswith("Nhắc việc:")]
        if len(reminders) > self.zalo_answered:
            self.zalo_answered = len(reminders)
            self.zalo.world.user_sends(ZALO_CHAT, "1")
            await asyncio.sleep(0.3)
            self.zalo.world.user_sends(ZALO_CHAT, "1")
            await asyncio.sleep(0.3)

    def summary(self) -> str:
        with Session(self.engine) as session:
            sent = Counter(session.exec(select(Outbox.channel).where(Outbox.state == "sent")).all())
            fallbacks = Counter(stage.split("@")[1] for stage in session.exec(select(ReminderSent.stage))
                                if "@" in stage)
        passed = ", ".join(f"{n} to {channel}" for channel, n in sorted(fallbacks.items())) or "none"
        return (f"delivered: telegram {sent['telegram']}, zalo {sent['zalo']}, email {sent['email']}, "
                f"sms {sent['sms']}; fallback (reminders passed to a person's next channel): {passed}; "
                f"mails in the local mailbox {len(self.mailbox.messages)}, texts at the gateway "
                f"{len(self.sms.world.sent)}, Zalo messages {len(self.zalo.world.received(ZALO_CHAT))}")


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

