"""The Bot API stand-in over HTTP on 127.0.0.1: `/bot<token>/<method>`, file downloads at
`/file/bot<token>/<path>`, and a control API at `/_control/...` for tests and the demo.

python-telegram-bot pointed at it (`base_url`, `base_file_url`) cannot tell it from
Telegram for the methods dondoc uses.

    with StandIn() as telegram:
        bot = Bot(telegram.world.token, base_url=telegram.base_url, base_file_url=telegram.base_file_url)
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import threading
import time
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bots.standin.world import ApiError, Faults, Limits, World

LONG_POLL_MAX = 50  # seconds (telegram-bot-api's LONG_POLL_MAX_TIMEOUT)
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout"}
JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "caption_entities"}


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(error: ApiError) -> JSONResponse:
    headers = {"Retry-After": str(error.parameters["retry_after"])} if "retry_after" in error.parameters else None
    return JSONResponse(error.payload(), status_code=error.code, headers=headers)


async def _params(request: Request) -> dict[str, Any]:
    """Bot API parameters from the query string, a form, a multipart upload or JSON."""
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        body = await request.body()
        params.update(json.loads(body) if body else {})
    elif "form" in content_type:
        form = await request.form()
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                params[name] = {"file_name": value.filename or name, "content": await value.read(),
                                "mime_type": value.content_type}
            else:
                params[name] = value
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = params.get(value.removeprefix("attach://"))
        elif name in JSON_FIELDS and isinstance(value, str):
            params[name] = json.loads(value)
    for name in INT_FIELDS & params.keys():
        try:
            params[name] = int(params[name])
        except (TypeError, ValueError):
            pass
    return params


class StandIn:
    """The HTTP server, running in a thread of its own."""

    def __init__(self, world: World | None = None, port: int | None = None):
        self.world = world or World()
        self.port = port or _free_port()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_updates: asyncio.Event | None = None
        self._poll_generation = 0
        self.app = Starlette(routes=[
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            Route("/_control/{action}", self._control, methods=["GET", "POST"]),
        ], lifespan=self._lifespan)
        # No access log: request paths carry the bot token.
        # A long poll or a client that died mid-request must not hold the stop up.
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="on", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="telegram-stand-in", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> "StandIn":
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Telegram stand-in did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def reset(self, world: World | None = None) -> World:
        """Start over with a fresh simulated Telegram (or the given one), same server."""
        self.world = world or World()
        if self._loop is not None:
            self.world.on_update = lambda: self._loop.call_soon_threadsafe(self._new_updates.set)
        return self.world

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app):
        self._loop = asyncio.get_running_loop()
        self._new_updates = asyncio.Event()
        self.world.on_update = lambda: self._loop.call_soon_threadsafe(self._new_updates.set)
        pusher = asyncio.create_task(self._push_to_webhook())
        yield
        pusher.cancel()
        self.world.on_update = lambda: None

    async def _push_to_webhook(self) -> None:
        """With a webhook set, Telegram POSTs each update to it, oldest first, with the secret
        token in a header; an update the webhook did not take with a 2xx is tried again."""
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                await asyncio.sleep(0.05)
                while (waiting := self.world.next_for_webhook()) is not None:
                    url, secret, update = waiting
                    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                    try:
                        answer = await client.post(url, json=update, headers=headers)
                        error = None if answer.is_success else \
                            f"Wrong response from the webhook: {answer.status_code} {answer.reason_phrase}"
                    except httpx.HTTPError:
                        error = "Connection refused"
                    self.world.webhook_answered(update, error)
                    if error:
                        await asyncio.sleep(1)
                        break

    # --- the Bot API -------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        try:
            self.world.check_token(request.path_params["token"])
            params = await _params(request)
            if method.lower() == "getupdates":
                return _ok(await self._get_updates(params))
            fault = self.world.inject_fault(method)
            if fault == "429":
                retry = self.world.faults.retry_after
                self.world.fault_log.append(("429", params.get("chat_id"), self.world.clock(), retry))
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
            if fault == "5xx":
                self.world.fault_log.append(("5xx", params.get("chat_id"), self.world.clock(), 0))
                return JSONResponse({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status_code=502)
            result = self.world.call(method, params)
            if fault == "unanswered":
                await asyncio.sleep(60)  # delivered, but the client gives up waiting
            return _ok(result)
        except ApiError as error:
            return _error(error)

    async def _get_updates(self, params: dict) -> list[dict]:
        """Long polling: wait up to `timeout` seconds for updates; a newer call ends this one (409)."""
        self._poll_generation += 1
        generation = self._poll_generation
        timeout = min(max(int(params.get("timeout") or 0), 0), LONG_POLL_MAX)
        deadline = time.monotonic() + timeout
        while True:
            self._new_updates.clear()
            with self.world.lock:
                updates = self.world.pending_updates(params.get("offset"), int(params.get("limit") or 100))
            if updates or time.monotonic() >= deadline:
                return updates
            try:
                await asyncio.wait_for(self._new_updates.wait(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                pass
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")

    async def _file(self, request: Request) -> Response:
        try:
            self.world.check_token(request.path_params["token"])
        except ApiError as error:
            return _error(error)
        content = self.world.download(request.path_params["path"])
        if content is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        return Response(content, media_type="application/octet-stream")

    # --- the control API: act as people, read back what chats received ----------------

    async def _control(self, request: Request) -> Response:
        action = request.path_params["action"]
        body = (await request.json()) if request.method == "POST" else dict(request.query_params)
        if action == "many":  # a batch of control actions in one request: [{"action", ...}, ...]
            results = []
            for item in body["actions"]:
                results.append(await self._control_one(item.pop("action"), item))
            return _ok(results)
        try:
            return _ok(await self._control_one(action, body))
        except (KeyError, StopIteration, ValueError) as exc:
            return JSONResponse({"ok": False, "description": f"{action}: {exc!r}"}, status_code=400)

    async def _control_one(self, action: str, body: dict):
        world = self.world
        actions = {
            "add_user": lambda b: world.add_user(int(b["user_id"]), b["first_name"], b.get("language_code", "vi"))
            .as_json(),
            "add_group": lambda b: world.add_group(int(b["chat_id"]), b["title"]).as_json(),
            "start": lambda b: world.user_starts(int(b["user_id"]), b.get("payload")),
            "send": lambda b: world.user_sends(int(b["user_id"]), b["text"], b.get("chat_id")),
            "press": lambda b: world.user_presses(int(b["user_id"]), int(b["message_id"]), b.get("button_text"),
                                                  b.get("data"), b.get("chat_id")),
            "upload": lambda b: world.user_uploads(int(b["user_id"]), b["file_name"],
                                                   base64.b64decode(b["content_base64"]),
                                                   b.get("mime_type", "application/pdf"), b.get("chat_id")),
            "block": lambda b: world.user_blocks(int(b["user_id"])),
            "migrate": lambda b: world.group_migrates(int(b["chat_id"])),
            "received": lambda b: [r.__dict__ for r in world.received(int(b["chat_id"]))],
            "limits": lambda b: setattr(world, "limits", Limits(**b)),
            "stats": lambda b: {"answered_429": world.answered_429, "violations": world.violations,
                                "received": sum(len(world.received(c)) for c in list(world.chats))},
            "reset": lambda b: self.reset(World(limits=Limits().scaled(float(b.get("scale", 1))))) and None,
            "faults": lambda b: setattr(world, "faults", Faults(**b)),
        }
        if action not in actions:
            raise KeyError(f"unknown control action {action}")
        return actions[action](body)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
