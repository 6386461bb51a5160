"""Where the bot's token and Telegram's address come from. The token is a secret: it comes
from the environment or a Prefect Secret block, never from a file in the repository, and
it is registered for redaction the moment it is read."""

from __future__ import annotations

import os

from bots.outbox.redact import redact_secret

TOKEN_VAR = "DONDOC_TELEGRAM_TOKEN"
SECRET_BLOCK = "dondoc-telegram-token"  # Prefect Secret block, for the server + workers path
API_VAR = "DONDOC_TELEGRAM_API"  # another Bot API server, e.g. the stand-in: http://127.0.0.1:8081/bot
# Telegram is blocked on Vietnam's main carriers since mid-2025: a server in Vietnam reaches it
# through a proxy (http://…, socks5://…; socks needs httpx[socks]).
PROXY_VAR = "DONDOC_TELEGRAM_PROXY"


class NoToken(Exception):
    pass


def telegram_token() -> str:
    token = os.environ.get(TOKEN_VAR) or _secret_block()
    if not token:
        raise NoToken(f"set {TOKEN_VAR}, or create the Prefect Secret block {SECRET_BLOCK!r}")
    redact_secret(token)
    return token


def _secret_block() -> str | None:
    try:
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():  # no Prefect server: do not start one just to ask it
            return None
        from prefect.blocks.system import Secret

        return Secret.load(SECRET_BLOCK).get()
    except Exception:  # no Prefect server, no such block: the caller says what to set
        return None


def telegram_proxy() -> str | None:
    proxy = os.environ.get(PROXY_VAR) or None
    if proxy and "@" in proxy:  # credentials in the proxy's address are secrets too
        redact_secret(proxy)
    return proxy


def api_urls() -> tuple[str | None, str | None]:
    """(base_url, base_file_url) for PTB: None means Telegram itself."""
    base = os.environ.get(API_VAR)
    return (base, base.replace("/bot", "/file/bot")) if base else (None, None)
