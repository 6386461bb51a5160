"""The demo's people on the other channels: one commune official on Zalo (links with a
pairing code, reports by numbered replies), one by e-mail, one by SMS, and one whose Telegram
is blocked (as on Vietnam's carriers) so that her reminders fall back to e-mail. Their
stand-ins run on 127.0.0.1: the Zalo Bot API, a brandname SMS gateway, a real SMTP server."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from models.access.people import invite_by_address, redeem_address_invitation
from bots.standin.local import LocalChannels
from bots.zalo.conversation import ZaloBot, invite_on_zalo
from bots.zalo.transport import ZaloClient
from models.store.tables import ChatLink, Outbox, ReminderSent
from models.access.signed import invitation_token

ZALO_CHAT = "zl-demo-7c1f"
PHONE = "0912345678"


class OtherChannels:
    def __init__(self, engine, units: tuple[str, str, str, str], folder: Path, telegram_world):
        self.engine, self.units, self.telegram = engine, units, telegram_world
        self.local = LocalChannels(folder)
        self.zalo, self.sms, self.mailbox = self.local.zalo, self.local.sms, self.local.mailbox
        self._stop, self._bot = asyncio.Event(), None
        self.zalo_answered = 0

    def __enter__(self) -> "OtherChannels":
        self.local.__enter__()
        os.environ["DONDOC_WEB_SECRET"] = os.environ.get("DONDOC_WEB_SECRET") or secrets.token_hex(32)
        return self

    def __exit__(self, *_exc) -> None:
        self.local.__exit__()

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
        # Her Telegram was linked for her, but her carrier blocks Telegram: she never opened the
        # bot, so Telegram refuses to write to her (403) and her reminders fall back to e-mail.
        self.telegram.add_user(608, "Nga")
        self.zalo.world.user_sends(ZALO_CHAT, code)

    async def react(self) -> None:
        """The Zalo official answers each new reminder: the first line's number, then 1 (done)."""
        texts = self.zalo.world.received(ZALO_CHAT)
        reminders = [t for t in texts if t.startswith("Nhắc việc")]
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
