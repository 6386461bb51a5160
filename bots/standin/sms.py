"""A brandname SMS gateway stand-in on 127.0.0.1, answering as eSMS documents its customer-care
API and plans/sms/esms.yaml expects (`{"CodeResult": "100", "SMSID": …}`), for tests and the
demo: wrong keys 101, a content that matches no registered template 146, a RequestId used
before 124, a blocked number 99. `busy` numbers answer the stand-in's own retry code."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from web.server import Background

DEAD_CODE, BUSY_CODE = "99", "998"  # eSMS's "number blocked"; the stand-in's own "come back later"


@dataclass
class SmsWorld:
    api_key: str = field(default_factory=lambda: secrets.token_hex(8))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(12))
    sent: list[dict] = field(default_factory=list)  # the bodies accepted
    dead: set[str] = field(default_factory=set)
    busy: set[str] = field(default_factory=set)
    templates: list[str] = field(default_factory=list)  # registered texts; empty: any content goes
    request_ids: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def registered(self, content: str) -> bool:
        """Whether the content is one of the registered templates with its {values} filled."""
        patterns = [re.escape(t).replace(r"\{", "{").replace(r"\}", "}") for t in self.templates]
        return not self.templates or any(re.fullmatch(re.sub(r"\{\w+\}", ".+", p), content, re.S)
                                         for p in patterns)

    def received(self, phone: str) -> list[str]:
        with self.lock:
            return [body["Content"] for body in self.sent if body["Phone"] == phone]


class SmsStandIn:
    def __init__(self, world: SmsWorld | None = None):
        self.world = world or SmsWorld()
        app = Starlette(routes=[Route("/send", self._send, methods=["POST"])])
        self._server = Background(app, port=0)

    @property
    def url(self) -> str:
        return f"{self._server.url}/send"

    def __enter__(self) -> "SmsStandIn":
        self._server.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.stop()

    async def _send(self, request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("ApiKey") != self.world.api_key or body.get("SecretKey") != self.world.secret_key:
            return JSONResponse({"CodeResult": "101", "ErrorMessage": "Authorize Failed"})
        phone, request_id = body.get("Phone", ""), str(body.get("RequestId") or "")
        if request_id and request_id in self.world.request_ids:
            return JSONResponse({"CodeResult": "124", "ErrorMessage": "Duplicate RequestId"})
        if not self.world.registered(body.get("Content", "")):
            return JSONResponse({"CodeResult": "146", "ErrorMessage": "Wrong customer care template"})
        if phone in self.world.dead:
            return JSONResponse({"CodeResult": DEAD_CODE, "ErrorMessage": "number out of service"})
        if phone in self.world.busy:
            return JSONResponse({"CodeResult": BUSY_CODE, "ErrorMessage": "try again later"})
        with self.world.lock:
            self.world.sent.append(body)
            self.world.request_ids.add(request_id)
        return JSONResponse({"CodeResult": "100", "CountRegenerate": 0, "SMSID": secrets.token_hex(16)})
