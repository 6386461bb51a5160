"""E-mail as a transport for the outbox: SMTP with STARTTLS (or TLS) and a login, through
aiosmtplib. `EmailTransport.send` tells, in SMTP's terms, an address that will never take
mail (5.1.x: dead) from a message refused for good (other 5xx: failed), a server that asks to
come back (4xx, no connection: retry), and a message that may have gone (the server fell
silent after the data: uncertain).

Settings come from the environment: DONDOC_SMTP_URL (`smtp://user@host:587`, or `smtps://…`
for TLS from the start), DONDOC_SMTP_PASSWORD, DONDOC_MAIL_FROM ("Đôn đốc <dondoc@…>").
The password is never logged nor put in a message or an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

from sqlmodel import select

from bots.outbox.dispatch import ChannelDown, ChannelRefused, Outcome, backoff, bury_link
from bots.outbox.redact import redact_secret
from models.chase.outbox import Limits
from models.store.tables import ChatLink, Outbox, utcnow
from models.access.signed import fill

DEAD_CODES = {550, 551, 553}  # mailbox unavailable, not local, name not allowed: the address is wrong
# A provincial relay takes a few messages a second; one address at a time (a person reads
# one combined reminder, never a burst).
EMAIL_LIMITS = Limits(per_bot=5, per_bot_window=1.0, per_chat=1, per_chat_window=5.0, per_group=1,
                      per_group_window=60.0)


class NoSmtp(Exception):
    """E-mail is not configured (or configured wrongly): the message says what to set."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool  # smtps://: TLS from the start (465); smtp://: STARTTLS when offered
    sender: str
    timeout: float = 30.0

    @classmethod
    def from_env(cls) -> "SmtpSettings":
        url = os.environ.get("DONDOC_SMTP_URL", "")
        if not url:
            raise NoSmtp("DONDOC_SMTP_URL is not set (e.g. smtp://dondoc@mail.example.gov.vn:587)")
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise NoSmtp("DONDOC_SMTP_URL must look like smtp://user@host:587 or smtps://user@host:465")
        sender = os.environ.get("DONDOC_MAIL_FROM", "")
        if "@" not in parseaddr(sender)[1]:
            raise NoSmtp('DONDOC_MAIL_FROM must be an address, e.g. "Đôn đốc <dondoc@example.gov.vn>"')
        password = os.environ.get("DONDOC_SMTP_PASSWORD")
        if password:
            redact_secret(password)
        return cls(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 587),
                   unquote(parts.username) if parts.username else None, password, parts.scheme == "smtps", sender)


def build_message(row: Outbox, sender: str, now: dt.datetime | None = None) -> EmailMessage:
    """The outbox row as an e-mail: text and HTML alternatives with their links filled in
    (signed now), files attached."""
    payload, now = row.payload or {}, now or utcnow()
    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = formataddr((name, address))
    message["To"] = row.address
    message["Subject"] = payload.get("subject", "")
    # The same row always has the same Message-ID: a resend after a crash is one mail to the reader.
    message["Message-ID"] = make_msgid(idstring=hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:24],
                                       domain=address.rpartition("@")[2])
    message.set_content(fill(payload.get("text", ""), now))
    if payload.get("html"):
        message.add_alternative(fill(payload["html"], now), subtype="html")
    for path in payload.get("attachments") or []:
        file = Path(path)
        subtype = {".pdf": ("application", "pdf"), ".xlsx": ("application", "vnd.openxmlformats-officedocument."
                                                                             "spreadsheetml.sheet")}
        main, sub = subtype.get(file.suffix.lower(), ("application", "octet-stream"))
        message.add_attachment(file.read_bytes(), maintype=main, subtype=sub, filename=file.name)
    return message


class EmailTransport:
    channel = "email"
    pacer = None  # the outbox's claim keeps the relay's limits; nothing to pace per request

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(hostname=s.host, port=s.port, use_tls=s.implicit_tls, timeout=s.timeout,
                               start_tls=None if not s.implicit_tls else False)

    async def check(self) -> None:
        """The relay takes our login (connect, STARTTLS, AUTH, QUIT), or say why not."""
        client = self._client()
        try:
            await client.connect()
            if self.settings.username:
                await client.login(self.settings.username, self.settings.password or "")
            await client.quit()
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise ChannelRefused(f"the SMTP server refused the login ({exc.code}): check DONDOC_SMTP_URL's user "
                                 f"and DONDOC_SMTP_PASSWORD") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ChannelDown(f"SMTP server {self.settings.host}:{self.settings.port} unreachable "
                              f"({type(exc).__name__}): retrying") from None
        finally:
            if client.is_connected:
                client.close()

    async def send(self, row: Outbox) -> Outcome:
        s = self.settings
        client = self._client()
        try:
            message = build_message(row, s.sender)
        except OSError as exc:  # an attachment went missing: no use trying again
            return Outcome("failed", error=f"attachment: {exc.strerror}")
        try:
            await client.connect()
            if s.username:
                await client.login(s.username, s.password or "")
        except aiosmtplib.SMTPAuthenticationError as exc:  # every message would fail alike: stop, tell the admin
            return Outcome("fatal", error=f"the SMTP server refused the login ({exc.code}): check the password")
        except (aiosmtplib.SMTPException, OSError) as exc:  # nothing was sent yet
            return Outcome("retry", wait=backoff(row), error=f"SMTP server unreachable: {type(exc).__name__}")
        try:
            await client.send_message(message)
            return Outcome("sent")
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return _refused(row, exc.recipients[0].code, exc.recipients[0].message)
        except aiosmtplib.SMTPResponseException as exc:  # the sender or the data refused, with a code
            return _refused(row, exc.code, exc.message, address_dead=False)
        except (aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected) as exc:
            return Outcome("uncertain", error=f"the SMTP server stopped answering while sending: {type(exc).__name__}")
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()


def _refused(row: Outbox, code: int, message: str, address_dead: bool = True) -> Outcome:
    error = f"{code} {message}"[:300]
    if 400 <= code < 500:
        return Outcome("retry", wait=max(backoff(row), dt.timedelta(minutes=1)), error=error)
    if address_dead and code in DEAD_CODES:
        return Outcome("dead", error=error)
    return Outcome("failed", error=error)


# --- bounces ----------------------------------------------------------------------------------

def bounced_addresses(message) -> list[tuple[str, str]]:
    """(address, status) of each recipient a delivery status notification (RFC 3464) says failed
    for good: `Action: failed` with a 5.x.x status. Other mail gives nothing."""
    if message.get_content_type() != "multipart/report":
        return []
    failed = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():  # the per-message block, then one per recipient
            recipient = str(block.get("Final-Recipient", "")).partition(";")[2].strip()
            status = str(block.get("Status", "")).strip()
            if recipient and str(block.get("Action", "")).strip().lower() == "failed" and status.startswith("5"):
                failed.append((recipient.lower(), status))
    return failed


def bury_bounced(session, messages) -> list[str]:
    """Mark dead the e-mail links whose address bounced for good; the coordinators are told once."""
    buried = []
    for message in messages:
        for address, status in bounced_addresses(message):
            links = session.exec(select(ChatLink).where(ChatLink.channel == "email", ChatLink.active,
                                                        ChatLink.address.ilike(address))).all()
            for link in links:
                bury_link(session, "email", None, link.address, f"bounced: {status}")
                buried.append(link.address)
    return buried
