"""Text messages through a brandname SMS gateway. Gateways differ by provider, so the
adapter is driven by a YAML file (`plans/sms/*.yaml`): the URL, the body's fields (with the
message's phone, text, encoding and id filled in, and secrets taken from the environment),
and how to tell success, a retry and a dead number from the answer. `plans/sms/esms.yaml`
is the example. Secrets are never in the file, the database or a log: `${VAR}` names the
environment variable that holds each.

`SmsTransport.send` tells a number that will never take messages (the provider's dead codes:
dead) from a refused message (failed), a busy gateway (its retry codes, 429, 5xx, no
connection: retry) and a request left without an answer (uncertain).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import httpx
from pydantic import Field

from bots.outbox.net import tls_context
from bots.outbox.dispatch import Outcome, backoff
from bots.outbox.redact import redact_secret
from models.common.schema import Strict
from models.chase.outbox import Limits
from models.common.schema import check
from bots.sms.segments import count_segments, for_gateway
from models.store.tables import Outbox, utcnow
from models.access.signed import fill
from models.common.yamlio import InputError, Problem, load_yaml

SMS_LIMITS = Limits(per_bot=5, per_bot_window=1.0, per_chat=1, per_chat_window=30.0, per_group=1,
                    per_group_window=60.0)
_SECRET = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class Success(Strict):
    field: str = Field(min_length=1)  # a top-level field of the JSON answer
    equals: str  # its value when the gateway took the message


class GatewaySpec(Strict):
    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    format: Literal["json", "form"] = "json"
    fields: dict[str, str]
    success: Success
    retry_codes: list[str] = []  # the success field's values that mean "come back later"
    dead_codes: list[str] = []  # ... that mean the number can never receive
    diacritics: bool = False  # Vietnamese letters (UCS-2, 70 a part) or none (GSM-7, 160)
    phone_prefix: Literal["0", "84"] = "0"  # how the gateway wants a Vietnamese number to begin
    price_per_part: float = Field(default=0, ge=0)  # VND, from the contract: the admin's count of cost


def load_gateway(path: Path) -> GatewaySpec:
    """The gateway's file, checked, its secrets present in the environment."""
    spec = check(GatewaySpec, load_yaml(path), str(path))
    missing = sorted({name for value in spec.fields.values() for name in _SECRET.findall(value)
                      if not os.environ.get(name)})
    if missing:
        raise InputError([Problem(str(path), None, "fields", f"set {', '.join(missing)} in the environment")])
    return spec


def phone_for(spec: GatewaySpec, phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    national = digits[2:] if digits.startswith("84") else digits.removeprefix("0")
    return ("84" if spec.phone_prefix == "84" else "0") + national


class SmsTransport:
    channel = "sms"
    pacer = None

    def __init__(self, spec: GatewaySpec, client: httpx.AsyncClient | None = None):
        self.spec = spec
        self.client = client or httpx.AsyncClient(timeout=30, verify=tls_context())
        for value in spec.fields.values():
            for name in _SECRET.findall(value):
                redact_secret(os.environ[name])

    async def check(self) -> None:
        """Gateways share no way to test keys without sending: the first answer's code (keys,
        balance, brandname refused) stops the channel instead, and the admin is told."""

    def _body(self, row: Outbox, text: str) -> dict[str, str]:
        values = {"phone": phone_for(self.spec, row.address or ""), "text": text,
                  "unicode": "1" if self.spec.diacritics else "0", "id": str(row.id)}

        def fill(template: str) -> str:
            template = _SECRET.sub(lambda m: os.environ.get(m.group(1), ""), template)
            return re.sub(r"\{(phone|text|unicode|id)\}", lambda m: values[m.group(1)], template)
        return {name: fill(value) for name, value in self.spec.fields.items()}

    async def send(self, row: Outbox) -> Outcome:
        text = for_gateway(fill((row.payload or {})["text"], utcnow()), self.spec.diacritics)
        outcome = await self._post(row, self._body(row, text))
        outcome.parts = count_segments(text).parts
        return outcome

    async def _post(self, row: Outbox, body: dict[str, str]) -> Outcome:
        try:
            answer = await (self.client.post(self.spec.url, json=body) if self.spec.format == "json"
                            else self.client.post(self.spec.url, data=body))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return Outcome("retry", wait=backoff(row), error="could not connect to the SMS gateway")
        except httpx.HTTPError as exc:
            return Outcome("uncertain", error=f"sent, but no answer came back ({type(exc).__name__})")
        if answer.status_code == 429 or answer.status_code >= 500:
            return Outcome("retry", wait=backoff(row), error=f"gateway answered {answer.status_code}")
        try:
            code = str(answer.json().get(self.spec.success.field, ""))
        except ValueError:
            return Outcome("failed", error=f"gateway answered {answer.status_code}, not JSON")
        if code == self.spec.success.equals:
            return Outcome("sent")
        error = f"{self.spec.name} {self.spec.success.field}={code}"
        if code in self.spec.retry_codes:
            return Outcome("retry", wait=backoff(row), error=error)
        return Outcome("dead" if code in self.spec.dead_codes else "failed", error=error)
