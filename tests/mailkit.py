"""A real SMTP server on 127.0.0.1 for the e-mail tests: the `smtp` fixture (registered in
conftest), with a login, some addresses refused as real servers refuse them, and every mail
kept as it arrived."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

PASSWORD = "smtp-Pass-9431-xyz"


class Mailbox:
    """What the SMTP server accepted; some addresses refused as real servers refuse them."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []  # as they arrived, before any parser read them

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 <gone@example.gov.vn>: mailbox unavailable"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        if address.startswith("filtered@"):  # the relay's content policy, not the address
            return "550 5.7.1 message refused by policy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


def _login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself


@pytest.fixture
def smtp(monkeypatch, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=_login, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    monkeypatch.setenv("DONDOC_SMTP_URL", f"smtp://dondoc@127.0.0.1:{port}")
    monkeypatch.setenv("DONDOC_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("DONDOC_MAIL_FROM", "Đôn đốc Sở Nội vụ <dondoc@snv.example.gov.vn>")
    monkeypatch.setenv("DONDOC_WEB_SECRET", "a-test-secret-for-signing-links")
    monkeypatch.setenv("DONDOC_WEB_URL", "https://dondoc.example.gov.vn")
    yield mailbox
    controller.stop()


