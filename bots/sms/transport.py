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
from models.access.signed import fill, installation_id, sms_report_url
from models.common.yamlio import InputError, Problem, line_of, load_yaml

SMS_LIMITS = Limits(per_bot=5, per_bot_window=1.0, per_chat=1, per_chat_window=30.0, per_group=1,
                    per_group_window=60.0)
_SECRET = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class Success(Strict):
    field: str = Field(min_length=1)  # a top-level field of the JSON answer
    equals: str  # its value when the gateway took the message


class Template(Strict):
    id: str = Field(min_length=1)  # as the provider registered it
    text: str = Field(min_length=1)  # exactly as registered, with dondoc's {values} where it varies


class GatewaySpec(Strict):
    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    format: Literal["json", "form"] = "json"
    fields: dict[str, str]
    success: Success
    provider_id_field: str | None = None  # the answer's id of the message taken (eSMS: SMSID)
    error_field: str | None = None  # where an answer without the success field says why ({"error": …})
    retry_codes: list[str] = []  # the success field's values that mean "come back later"
    dead_codes: list[str] = []  # ... that mean the number can never receive
    sent_codes: list[str] = []  # ... that mean the message is there already (a request id used before)
    fatal_codes: list[str] = []  # ... that refuse every message (keys, balance, brandname): stop, tell the admin
    templates_required: bool = False  # the provider sends only texts registered in advance (customer care)
    templates: dict[str, Template] = {}  # dondoc's message → the registered template that carries it
    diacritics: bool = False  # Vietnamese letters (UCS-2, 70 a part) or none (GSM-7, 160)
    phone_prefix: Literal["0", "84"] = "0"  # how the gateway wants a Vietnamese number to begin
    price_per_part: float = Field(default=0, ge=0)  # VND, from the contract: the admin's count of cost


# What dondoc sends by text message, and the values each fills into its template.
SMS_MESSAGES = {"reminder": {"count", "plan", "due", "link"}, "reminder_overdue": {"count", "plan", "due", "link"},
                "invitation": {"contact", "unit", "link"}, "notice": {"text"}, "digest": {"text"}}
PLACEHOLDERS = {"phone", "text", "unicode", "id", "callback", "template_id"}


def load_gateway(path: Path) -> GatewaySpec:
    """The gateway's file, checked: its secrets present in the environment and, where the
    provider sends only registered templates, one for each message dondoc sends, filled only
    with values that message has. Every problem names the file, line and field."""
    document = load_yaml(path)
    spec = check(GatewaySpec, document, str(path))
    problems = []
    missing = sorted({name for value in spec.fields.values() for name in _SECRET.findall(value)
                      if not os.environ.get(name)})
    if missing:
        problems.append(Problem(str(path), line_of(document, ["fields"]), "fields",
                                f"set {', '.join(missing)} in the environment"))
    for name, value in spec.fields.items():
        unknown = set(re.findall(r"(?<!\$)\{(\w+)\}", value)) - PLACEHOLDERS  # ${VAR}: a secret
        if unknown:
            problems.append(Problem(str(path), line_of(document, ["fields", name]), f"fields.{name}",
                                    f"unknown {{{', '.join(sorted(unknown))}}}; a field may hold "
                                    + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))))
    for message, values in SMS_MESSAGES.items():
        registered = spec.templates.get(message)
        if registered is None:
            if spec.templates_required:
                problems.append(Problem(str(path), line_of(document, ["templates"]), f"templates.{message}",
                                        f"no registered template for dondoc's {message} message: add the id and "
                                        f"text the provider registered (values: "
                                        + ", ".join(f"{{{v}}}" for v in sorted(values)) + ")"))
            continue
        unknown = set(re.findall(r"\{(\w+)\}", registered.text)) - values
        if unknown:
            problems.append(Problem(str(path), line_of(document, ["templates", message, "text"]),
                                    f"templates.{message}.text", f"the {message} message has no "
                                    + ", ".join(f"{{{v}}}" for v in sorted(unknown)) + "; it has "
                                    + ", ".join(f"{{{v}}}" for v in sorted(values))))
    for name in set(spec.templates) - set(SMS_MESSAGES):
        problems.append(Problem(str(path), line_of(document, ["templates", name]), f"templates.{name}",
                                f"dondoc sends no {name} message; it sends " + ", ".join(sorted(SMS_MESSAGES))))
    if problems:
        raise InputError(problems)
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

    def _body(self, row: Outbox, text: str, template_id: str) -> dict[str, str]:
        values = {"phone": phone_for(self.spec, row.address or ""), "text": text,
                  "unicode": "0" if count_segments(text).encoding == "GSM-7" else "1",  # as the text needs
                  "id": f"{installation_id()}-{row.id}",  # unique across the provider's customers
                  "callback": sms_report_url(), "template_id": template_id}

        def filled(field: str) -> str:
            field = _SECRET.sub(lambda m: os.environ.get(m.group(1), ""), field)
            return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), field)
        return {name: filled(value) for name, value in self.spec.fields.items()}

    def _text(self, row: Outbox) -> tuple[str, str] | None:
        """(the text, its registered template's id), or None when the provider needs a
        registered template this message does not have."""
        payload = row.payload or {}
        registered = self.spec.templates.get(payload.get("template") or "")
        if registered is not None:
            return registered.text.format(**payload.get("values", {})), registered.id
        if self.spec.templates_required:
            return None
        return payload["text"], ""

    async def send(self, row: Outbox) -> Outcome:
        found = self._text(row)
        if found is None:
            return Outcome("failed", tell_admin=True, error=f"{self.spec.name} sends only registered templates and "
                           f"this {(row.payload or {}).get('template') or row.kind} message has none in the gateway file")
        text = for_gateway(fill(found[0], utcnow()), self.spec.diacritics)
        outcome = await self._post(row, self._body(row, text, found[1]))
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
            body = answer.json()
        except ValueError:
            return Outcome("failed", error=f"gateway answered {answer.status_code}, not JSON")
        body = body if isinstance(body, dict) else {}
        code = str(body.get(self.spec.success.field, ""))
        provider_id = str(body.get(self.spec.provider_id_field) or "") or None if self.spec.provider_id_field else None
        if code == self.spec.success.equals or code in self.spec.sent_codes:  # taken now, or taken before
            return Outcome("sent", provider_id=provider_id)
        said = str(body.get(self.spec.error_field, "")) if self.spec.error_field else ""
        error = f"{self.spec.name} {self.spec.success.field}={code}" + (f": {said[:200]}" if said else "")
        if code in self.spec.fatal_codes:  # every message would be refused alike: the channel stops
            return Outcome("fatal", error=f"{error} (the gateway refuses this account's messages: see its "
                                          f"documentation for the code)")
        if code in self.spec.retry_codes:
            return Outcome("retry", wait=backoff(row), error=error)
        return Outcome("dead" if code in self.spec.dead_codes else "failed", error=error)
