"""A Zalo Bot API stand-in on 127.0.0.1, for tests and the demo: `/bot<token>/<method>` as
the Zalo Bot Platform documents it (POST, JSON; `{"ok", "result", "error_code",
"description"}`; getUpdates answers one update at a time, long-polled; sendMessage takes
1–2000 characters; setWebhook with a secret token), and `/_control/<action>` to play the
people: add a user, have them send a text, block the bot, read what they received.

What the platform's documentation leaves open is chosen here and said so: a poll that times
out answers `{"ok": true, "result": null}`; a message to a user who blocked the bot, or to
an unknown chat, answers 403 / 404."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import threading
import time
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from web.server import Background

MAX_TEXT = 2000


@dataclass
class ZaloWorld:
    token: str = field(default_factory=lambda: f"{secrets.randbelow(10**18)}:{secrets.token_urlsafe(24)}")
    users: dict[str, str] = field(default_factory=dict)  # chat id → display name
    blocked: set[str] = field(default_factory=set)
    pending: list[dict] = field(default_factory=list)  # updates not yet fetched
    inbox: dict[str, list[str]] = field(default_factory=dict)  # chat id → texts the bot sent it
    webhook: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_user(self, chat_id: str, name: str) -> None:
        with self.lock:
            self.users[chat_id] = name
            self.inbox.setdefault(chat_id, [])

    def user_sends(self, chat_id: str, text: str) -> None:
        """A message to the bot: queued for getUpdates, or posted to the webhook when one is set."""
        message = {"message_id": secrets.token_hex(10), "date": int(time.time() * 1000), "text": text,
                   "chat": {"id": chat_id, "chat_type": "PRIVATE"},
                   "from": {"id": chat_id, "display_name": self.users.get(chat_id, "")}}
        update = {"event_name": "message.text.received", "message": message}
        if self.webhook:  # the webhook's body, as the platform documents it, wraps the update in a result
            httpx.post(self.webhook["url"], json={"ok": True, "result": update}, timeout=30,
                       headers={"X-Bot-Api-Secret-Token": self.webhook["secret_token"]})
            return
        with self.lock:
            self.pending.append(update)

    def received(self, chat_id: str) -> list[str]:
        with self.lock:
            return list(self.inbox.get(chat_id, []))


class ZaloStandIn:
    """The stand-in's HTTP server, in a thread of its own."""

    def __init__(self, world: ZaloWorld | None = None):
        self.world = world or ZaloWorld()
        app = Starlette(routes=[Route("/bot{token}/{method}", self._api, methods=["POST", "GET"]),
                                Route("/_control/{action}", self._control, methods=["POST", "GET"])])
        self._server = Background(app, port=0)

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/bot"

    @property
    def control_url(self) -> str:
        return f"{self._server.url}/_control"

    def __enter__(self) -> "ZaloStandIn":
        self._server.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.stop()

    async def _api(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.world.token:
            return _error(401, "Unauthorized: invalid bot token")
        params = {**request.query_params, **await _body(request)}  # the platform takes all three encodings
        method = request.path_params["method"]
        if method == "getMe":
            return _ok({"id": self.world.token.split(":")[0], "account_name": "bot.dondoc", "account_type": "BASIC",
                        "can_join_groups": False})
        if method == "getUpdates":
            return await self._get_updates(float(params.get("timeout") or 30))
        if method == "sendMessage":
            return self._send(str(params.get("chat_id") or ""), params.get("text") or "")
        if method in ("setWebhook", "deleteWebhook", "getWebhookInfo"):
            if method == "setWebhook":
                if not 8 <= len(params.get("secret_token") or "") <= 256:
                    return _error(400, "Bad Request: secret_token must be 8 to 256 characters")
                self.world.webhook = {"url": params.get("url", ""), "secret_token": params["secret_token"]}
            if method == "deleteWebhook":
                self.world.webhook = {}
            return _ok({"url": self.world.webhook.get("url", ""), "updated_at": int(time.time() * 1000)})
        return _error(404, f"Not Found: method {method}")

    async def _get_updates(self, timeout: float) -> JSONResponse:
        if self.world.webhook:
            return _error(409, "Conflict: a webhook is set; deleteWebhook before getUpdates")
        deadline = time.monotonic() + min(timeout, 50)
        while True:
            with self.world.lock:
                if self.world.pending:
                    return _ok(self.world.pending.pop(0))
            if time.monotonic() >= deadline:  # the platform's answer to a long poll that ended empty
                return _error(408, "Request timeout")
            await asyncio.sleep(0.02)

    def _send(self, chat_id: str, text: str) -> JSONResponse:
        if not 1 <= len(text) <= MAX_TEXT:
            return _error(400, f"Bad Request: text must be 1 to {MAX_TEXT} characters")
        with self.world.lock:
            if chat_id not in self.world.users:
                return _error(404, "Not Found: chat not found")
            if chat_id in self.world.blocked:
                return _error(403, "Forbidden: the user has blocked the bot")
            self.world.inbox[chat_id].append(text)
        return _ok({"message_id": secrets.token_hex(10), "date": int(time.time() * 1000)})

    async def _control(self, request: Request) -> JSONResponse:
        body = (await request.json()) if request.method == "POST" else dict(request.query_params)
        action, world = request.path_params["action"], self.world
        if action == "add_user":
            world.add_user(str(body["chat_id"]), body.get("name", ""))
        elif action == "send":
            world.user_sends(str(body["chat_id"]), body["text"])
        elif action == "block":
            world.blocked.add(str(body["chat_id"]))
        elif action == "received":
            return _ok(world.received(str(body["chat_id"])))
        else:
            return _error(404, f"unknown control action {action}")
        return _ok(True)


async def _body(request: Request) -> dict:
    """A request's parameters, sent as JSON, as a form (urlencoded or multipart), or not at all."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = await request.body()
        return (await request.json()) if body else {}
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return {}


def _ok(result) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, status_code=code)
