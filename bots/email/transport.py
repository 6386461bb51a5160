"""E-mail as a transport for the outbox: SMTP with STARTTLS (or TLS) and a login, through
aiosmtplib. `EmailTransport.send` tells, in SMTP's terms, an address that will never take
mail (5.1.x: dead) from a message refused for good (other 5xx: failed), a server that asks to
come back (4xx, no connection: retry), and a message that may have gone (the server fell
silent after the data: uncertain).

Settings come from the environment: DONDOC_SMTP_URL (`smtp://user@host:587`, or `smtps://…`
for TLS from the start), DONDOC_SMTP_PASSWORD, DONDOC_MAIL_FROM ("Đôn đốc <dondoc@…>"),
DONDOC_SMTP_CA (the relay's own CA certificate, when a provincial CA signed it).
The password is never logged nor put in a message or an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import ssl
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib
import certifi

from sqlmodel import select

from bots.outbox.dispatch import ChannelDown, ChannelRefused, Outcome, backoff, bury_link
from bots.outbox.net import tls_context
from bots.outbox.redact import redact_secret
from models.chase.outbox import Limits
from models.store.tables import ChatLink, Outbox, utcnow
from models.access.signed import fill

ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.\d{1,3}\b")  # RFC 3463: class.subject.detail
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
    ca_file: str | None = None  # DONDOC_SMTP_CA: a relay whose certificate a provincial CA signed

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
        ca_file = os.environ.get("DONDOC_SMTP_CA") or None
        if ca_file and not Path(ca_file).is_file():
            raise NoSmtp(f"DONDOC_SMTP_CA names {ca_file}, which is not a file (the relay's CA certificate, PEM)")
        return cls(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 587),
                   unquote(parts.username) if parts.username else None, password, parts.scheme == "smtps", sender,
                   ca_file=ca_file)

    def tls_context(self) -> ssl.SSLContext:
        return _tls_context(self.ca_file)


@functools.cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The public CAs, and the relay's own CA when one is named (made once: loading costs ~50 ms)."""
    if not ca_file:
        return tls_context()
    context = ssl.create_default_context(cafile=certifi.where())
    context.load_verify_locations(cafile=ca_file)
    return context


class _Policy(EmailPolicy):
    """The standard policy, but a non-ASCII Subject is folded as RFC 2047 wants: every space
    inside an encoded word. The standard folder can leave a space between two encoded words,
    where readers drop it ("16nhiệm vụ", "nhấtthường xuyên")."""

    def _fold(self, name, value, refold_binary=False):
        if name.lower() != "subject" or str(value).isascii():
            return super()._fold(name, value, refold_binary)
        encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
        return f"{name}: {encoded}{self.linesep}"


POLICY = _Policy(cte_type="7bit")  # 7-bit bodies (quoted-printable, base64): any relay takes them


def message_id(row: Outbox, domain: str) -> str:
    """The same row always has the same Message-ID (a resend after a crash, or a row rebuilt,
    is one mail to the reader), and no two rows share one."""
    return f"<dondoc.{hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(row: Outbox, sender: str, now: dt.datetime | None = None) -> EmailMessage:
    """The outbox row as an e-mail: text and HTML alternatives with their links filled in
    (signed now), files attached. Marked as sent by a program (RFC 3834), so absence
    notices and autoresponders do not answer it; replies go to the coordinator when known."""
    payload, now = row.payload or {}, now or utcnow()
    message = EmailMessage(policy=POLICY)
    name, address = parseaddr(sender)
    message["From"] = formataddr((name, address))
    message["To"] = row.address
    if payload.get("reply_to"):
        message["Reply-To"] = payload["reply_to"]
    message["Subject"] = payload.get("subject", "")
    message["Date"] = format_datetime(now)  # RFC 5322 requires it; content filters bounce mail without it
    message["Message-ID"] = message_id(row, address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"  # Exchange's own word for the same
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
                               start_tls=None if not s.implicit_tls else False, tls_context=s.tls_context())

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
            # our own bytes: aiosmtplib's send_message re-serialises with email.policy.SMTP, whose
            # folding loses the spaces between a subject's encoded words
            await client.sendmail(parseaddr(s.sender)[1], [row.address],
                                  message.as_bytes(policy=POLICY.clone(linesep="\r\n")))
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
    """An SMTP refusal, read by its enhanced status code (RFC 3463) where the server gives one:
    5.1.x and 5.2.1 say the address is wrong or gone; 5.7.x is the relay's policy (a filter,
    relaying denied, authentication), the admin's to settle, never the address's."""
    error = f"{code} {message}"[:300]
    enhanced = ENHANCED.search(message or "")
    if 400 <= code < 500 or (enhanced and enhanced.group(1) == "4"):
        return Outcome("retry", wait=max(backoff(row), dt.timedelta(minutes=1)), error=error)
    if enhanced:
        detail = enhanced.group(0)
        if enhanced.group(2) == "7":
            return Outcome("failed", error=error, tell_admin=True)
        if address_dead and (enhanced.group(2) == "1" or detail.startswith("5.2.1")):
            return Outcome("dead", error=error)
        return Outcome("failed", error=error)
    if address_dead and code in DEAD_CODES:
        return Outcome("dead", error=error)
    return Outcome("failed", error=error)


def address_gone(status: str) -> bool:
    """A delivery status (5.1.1, 5.2.1, …) that says the address will never take mail."""
    return status.startswith("5.1.") or status.startswith("5.2.1")


# --- bounces ----------------------------------------------------------------------------------

def bounced_addresses(message) -> list[tuple[str, str]]:
    """(address, status) of each recipient a delivery status notification (RFC 3464) says is
    gone for good: `Action: failed` with a 5.1.x or 5.2.1 status. A policy refusal (5.7.x), a
    full mailbox or a message too large says nothing of the address; other mail gives nothing."""
    if message.get_content_type() != "multipart/report":
        return []
    failed = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():  # the per-message block, then one per recipient
            recipient = str(block.get("Final-Recipient", "")).partition(";")[2].strip()
            status = str(block.get("Status", "")).strip()
            if recipient and str(block.get("Action", "")).strip().lower() == "failed" and address_gone(status):
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
