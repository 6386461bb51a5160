"""Zalo, SMS and e-mail on 127.0.0.1 at once, for the demo and the benchmarks: the Zalo Bot
API stand-in, the SMS gateway stand-in (with plans/sms/esms.yaml pointed at it) and a real
SMTP server (aiosmtpd), their addresses put in the environment as dondoc reads them."""

from __future__ import annotations

import email
import os
import socket
from collections import Counter
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

from bots.standin.sms import SmsStandIn
from bots.standin.zalo import ZaloStandIn

ESMS = Path(__file__).resolve().parents[2] / "plans" / "sms" / "esms.yaml"
ESMS_URL = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"


class Mailbox:
    """What the SMTP server accepted, parsed."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


class LocalChannels:
    def __init__(self, folder: Path):
        self.folder = folder
        self.zalo, self.sms, self.mailbox = ZaloStandIn(), SmsStandIn(), Mailbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=port)

    def __enter__(self) -> "LocalChannels":
        self.zalo.__enter__()
        self.sms.__enter__()
        self.smtp.start()
        gateway = self.folder / "sms-gateway.yaml"
        gateway.write_text(ESMS.read_text(encoding="utf-8").replace(ESMS_URL, self.sms.url), encoding="utf-8")
        os.environ.update({
            "DONDOC_ZALO_TOKEN": self.zalo.world.token, "DONDOC_ZALO_API": self.zalo.base_url,
            "DONDOC_SMTP_URL": f"smtp://127.0.0.1:{self.smtp.port}", "DONDOC_MAIL_FROM": "Đôn đốc <dondoc@localhost>",
            "DONDOC_SMS_GATEWAY": str(gateway), "DONDOC_SMS_API_KEY": self.sms.world.api_key,
            "DONDOC_SMS_SECRET_KEY": self.sms.world.secret_key, "DONDOC_SMS_BRANDNAME": "SNV-DEMO"})
        return self

    def __exit__(self, *_exc) -> None:
        self.smtp.stop()
        self.sms.__exit__()
        self.zalo.__exit__()

    def received(self, channel: str) -> Counter:
        """Texts received on a channel, counted (a repeat is a message delivered twice)."""
        if channel == "zalo":
            return Counter(text for chat in list(self.zalo.world.inbox) for text in self.zalo.world.received(chat))
        if channel == "sms":
            return Counter(body["Content"] for body in self.sms.world.sent)
        return Counter(message.get_body(("plain",)).get_content().strip() for message in self.mailbox.messages)
