"""Addresses of the dashboard's pages, for links sent by the bot, e-mail and SMS.

A link in an e-mail or SMS is signed (HMAC-SHA256 with the site's secret) and expires: it
names the person's link (their unit and name) and one obligation, and opens a page that
asks to confirm before signing them in (mail scanners open links)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from models.common.tokens import same_secret

DEFAULT_URL = "http://127.0.0.1:8080"
SIGNED_LIFETIME = dt.timedelta(days=14)  # a reminder's link still opens after a fortnight's leave


def web_url() -> str:
    """DONDOC_WEB_URL: where people reach the dashboard (https://… in production)."""
    return (os.environ.get("DONDOC_WEB_URL") or DEFAULT_URL).rstrip("/")


def login_url(token: str) -> str:
    return f"{web_url()}/login?token={token}"


def secret_file() -> Path:
    """Where the site's secret is kept when DONDOC_WEB_SECRET does not give it."""
    return Path(os.environ.get("DONDOC_HOME", ".")) / "var" / "web-secret"


def _secret() -> bytes:
    """DONDOC_WEB_SECRET, or a random key kept in var/web-secret (made once, readable by us only)."""
    if os.environ.get("DONDOC_WEB_SECRET"):
        return os.environ["DONDOC_WEB_SECRET"].encode()
    path = secret_file()
    if not path.exists():
        # Written whole under another name, then linked into place: two processes starting at once
        # (serve and web) agree on one secret, and nobody reads a file half written.
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, written = tempfile.mkstemp(dir=path.parent, prefix=".web-secret-")  # readable by us only
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
            os.link(written, path)
        except FileExistsError:
            pass  # another process made it first: its secret is the one
        finally:
            os.unlink(written)
    return path.read_text().strip().encode()


def installation_id() -> str:
    """A short id of this installation, the same at every start (derived from the site's
    secret): a provider that wants request ids unique across its customers gets ours prefixed."""
    return hmac.new(_secret(), b"installation", hashlib.sha256).hexdigest()[:10]


def sms_report_token() -> str:
    """The secret part of the address SMS delivery reports are posted to."""
    return hmac.new(_secret(), b"sms-report", hashlib.sha256).hexdigest()[:32]


def sms_report_url() -> str:
    return f"{web_url()}/hooks/sms/{sms_report_token()}"


def _signature(path: str, link_id: int, expires: int) -> str:
    return hmac.new(_secret(), f"{path}|{link_id}|{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def signed_url(path: str, link_id: int, now: dt.datetime) -> str:
    """`path` on the dashboard, openable by the person of `link_id` until the link expires."""
    expires = int((now + SIGNED_LIFETIME).timestamp())
    return f"{web_url()}{path}?" + urlencode({"l": link_id, "e": expires, "s": _signature(path, link_id, expires)})


def signature_ok(path: str, link_id: int, expires: int, signature: str, now: dt.datetime) -> bool:
    if expires < now.timestamp():
        return False
    return same_secret(_signature(path, link_id, expires), signature)


# --- links in queued messages -------------------------------------------------------------
# A queued e-mail keeps marks, not links: the database never holds a working credential.
# The transport fills them in as the message leaves.

_MARK = re.compile(r"\[\[(o|join|m):(\d+)(?::(\d+))?\]\]")


def obligation_mark(obligation_id: int, link_id: int) -> str:
    """Stands for the signed link to an obligation's page for the person of `link_id`."""
    return f"[[o:{obligation_id}:{link_id}]]"


def mine_mark(link_id: int) -> str:
    """Stands for the signed link to the open work of the person of `link_id` (short: an SMS)."""
    return f"[[m:{link_id}]]"


def join_mark(invitation_id: int) -> str:
    """Stands for the link that confirms an e-mail invitation."""
    return f"[[join:{invitation_id}]]"


def invitation_token(invitation_id: int) -> str:
    """An e-mail invitation's token, derived from the site's secret: only its hash is stored,
    and the mail can be (re)made from the invitation's id alone."""
    digest = hmac.new(_secret(), f"invitation|{invitation_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def fill(text: str, now: dt.datetime, html: bool = False) -> str:
    """The text with its marks replaced by working links (HTML-escaped for a Telegram HTML text)."""
    def link(match: re.Match) -> str:
        url = address(match)
        return url.replace("&", "&amp;") if html else url

    def address(match: re.Match) -> str:
        kind, first, second = match.group(1), int(match.group(2)), match.group(3)
        if kind == "o" and second:
            return signed_url(f"/o/{first}", int(second), now)
        if kind == "m":
            return signed_url("/m", first, now)
        return f"{web_url()}/join/{invitation_token(first)}"
    return _MARK.sub(link, text)
