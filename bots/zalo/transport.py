"""Zalo's transport: the Zalo Bot Platform's HTTP Bot API (shaped like Telegram's, without buttons).

`ZaloClient.call` is the one place that talks to the API (httpx; the token is in the path,
so its requests are never logged). `ZaloTransport.send` tells, in the platform's terms, a
chat that will never take messages (403, 404: dead) from a refused message (400: failed),
a busy or failing platform (429, 5xx, no connection: retry), a token the platform refuses
(401: retry, the admin must fix it) and a request that left without an answer (uncertain).
"""

from __future__ import annotations

import os

import httpx

from bots.outbox.dispatch import ChannelDown, ChannelRefused, Outcome, backoff
from bots.outbox.net import tls_context
from bots.outbox.redact import redact_secret
from models.chase.outbox import Limits
from models.access.signed import fill
from models.store.tables import Outbox, utcnow

API = "https://bot-api.zaloplatforms.com/bot"
REFUSED_TOKEN = "Zalo refused the bot token (401): set a valid DONDOC_ZALO_TOKEN"
# Not published by the platform: kept well under Telegram's, one message a second per chat.
ZALO_LIMITS = Limits(per_bot=10, per_bot_window=1.0, per_chat=1, per_chat_window=1.0, per_group=1,
                     per_group_window=60.0)
ZALO_TOKEN_VAR = "DONDOC_ZALO_TOKEN"  # the Zalo Bot Platform's token, "<bot id>:<key>"
ZALO_API_VAR = "DONDOC_ZALO_API"  # another Zalo Bot API server, e.g. the stand-in: http://127.0.0.1:8082/bot


def zalo_settings() -> tuple[str, str] | None:
    """(token, base url) when Zalo is configured, else None. The token is registered for redaction."""
    token = os.environ.get(ZALO_TOKEN_VAR)
    if not token:
        return None
    redact_secret(token)
    return token, os.environ.get(ZALO_API_VAR) or API


class ZaloError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(f"{code} {description}")
        self.code, self.description = code, description


class ZaloClient:
    def __init__(self, token: str, base_url: str = API, timeout: float = 40.0):
        redact_secret(token)
        self._http = httpx.AsyncClient(base_url=f"{base_url}{token}", timeout=timeout,
                                       verify=tls_context())

    async def call(self, method: str, **params) -> object:
        answer = await self._http.post(f"/{method}", json=params)
        try:
            body = answer.json()
        except ValueError:
            raise ZaloError(answer.status_code, "not a JSON answer") from None
        if not body.get("ok"):
            raise ZaloError(int(body.get("error_code") or answer.status_code), str(body.get("description", "")))
        return body.get("result")

    async def close(self) -> None:
        await self._http.aclose()


class ZaloTransport:
    channel = "zalo"
    pacer = None

    def __init__(self, client: ZaloClient):
        self.client = client

    async def check(self) -> None:
        """Zalo takes our token (getMe), or say why not."""
        try:
            await self.client.call("getMe")
        except ZaloError as exc:
            if exc.code in (401, 403, 404):
                raise ChannelRefused(REFUSED_TOKEN) from None
            raise ChannelDown(f"Zalo answered {exc.code}: retrying") from None
        except httpx.HTTPError as exc:
            raise ChannelDown(f"Zalo unreachable ({type(exc).__name__}): retrying") from None

    async def send(self, row: Outbox) -> Outcome:
        try:
            text = fill((row.payload or {})["text"], utcnow())  # links are signed as the message leaves
            await self.client.call("sendMessage", chat_id=row.address, text=text)
            return Outcome("sent")
        except ZaloError as exc:
            if exc.code in (403, 404):
                return Outcome("dead", error=str(exc))
            if exc.code == 401:
                return Outcome("fatal", error=REFUSED_TOKEN)
            if exc.code == 429 or exc.code >= 500:
                return Outcome("retry", wait=backoff(row), error=str(exc))
            return Outcome("failed", error=str(exc))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return Outcome("retry", wait=backoff(row), error="could not connect to Zalo")
        except httpx.HTTPError as exc:
            return Outcome("uncertain", error=f"sent, but no answer came back ({type(exc).__name__})")
