"""Zalo: the Zalo Bot Platform's HTTP Bot API (shaped like Telegram's, without buttons), as
an outbox transport and as a conversation by numbered replies.

`ZaloClient.call` is the one place that talks to the API (httpx; the token is in the path,
so its requests are never logged). `ZaloTransport.send` tells, in the platform's terms, a
chat that will never take messages (403, 404: dead) from a refused message (400: failed),
a busy or failing platform (429, 5xx, no connection: retry), a token the platform refuses
(401: retry, the admin must fix it) and a request that left without an answer (uncertain).
`ZaloBot` polls for updates and answers: a pairing code links the chat to a unit; then the
person replies with numbers ("1 Đã hoàn thành · 2 Tiến độ · 3 Vướng mắc · 4 Gia hạn"),
and every change goes through `models.lifecycle`, as in the Telegram bot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from bots import notices
from bots.service import InvitationError, link_address, new_invitation, token_digest, usable_invitation
from bots.config import tls_context
from bots.delivery import Outcome, backoff
from bots.handlers import context_deadline, parse_day
from bots.redact import redact_secret
from bots.texts import catalogue, day_text, stage_text
from models import lifecycle
from models.lifecycle import ACTIVE, DomainError
from models.outbox import Limits
from models.periods import period_words
from models.tables import ChatLink, Event, Evidence, Obligation, Outbox, Task, utcnow
from web.links import signed_url

log = logging.getLogger("dondoc.zalo")
API = "https://bot-api.zaloplatforms.com/bot"
MAX_TEXT = 2000
# Not published by the platform: kept well under Telegram's, one message a second per chat.
ZALO_LIMITS = Limits(per_bot=10, per_bot_window=1.0, per_chat=1, per_chat_window=1.0, per_group=1,
                     per_group_window=60.0)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed on a phone


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

    async def send(self, row: Outbox) -> Outcome:
        try:
            await self.client.call("sendMessage", chat_id=row.address, text=(row.payload or {})["text"])
            return Outcome("sent")
        except ZaloError as exc:
            if exc.code in (403, 404):
                return Outcome("dead", error=str(exc))
            if exc.code == 401:
                return Outcome("fatal", error="Zalo refused the bot token (401): set a valid one")
            if exc.code == 429 or exc.code >= 500:
                return Outcome("retry", wait=backoff(row), error=str(exc))
            return Outcome("failed", error=str(exc))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return Outcome("retry", wait=backoff(row), error="could not connect to Zalo")
        except httpx.HTTPError as exc:
            return Outcome("uncertain", error=f"sent, but no answer came back ({type(exc).__name__})")


# --- linking -------------------------------------------------------------------------------

def new_pairing_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"DD-{raw[:5]}-{raw[5:]}"


def _normal(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", code.upper()).removeprefix("DD")


def invite_on_zalo(session: Session, unit_id: str, contact: str, role: str = "assignee", actor: str = "cli",
                   now: dt.datetime | None = None) -> str:
    """An invitation whose code the person sends to the bot on Zalo (the platform has no
    deep link with a payload). Only the code's hash is stored."""
    code = new_pairing_code()
    new_invitation(session, unit_id, contact, role, actor, now, channel="zalo").token_hash = token_digest(_normal(code))
    return code


def _redeem(session: Session, text: str, chat_id: str, now: dt.datetime) -> ChatLink | None:
    try:
        invitation = usable_invitation(session, _normal(text), now, ("zalo",))
    except InvitationError:
        session.add(Event(kind="refused", actor=f"zalo:{chat_id}", note="a pairing code that is not valid"))
        return None
    return link_address(session, invitation, chat_id, now)


# --- what the bot says on Zalo (plain text) --------------------------------------------------

LIST_WORDS = {"ds", "danh sach", "danh sách", "/mine", "mine", "list"}
CANCEL_WORDS = {"huy", "hủy", "huỷ", "thoat", "thoát", "cancel", "/cancel"}


def word(key: str, **values) -> str:
    """What the Zalo bot says (templates/locale/vi/LC_MESSAGES/zalo.po; plain text)."""
    return catalogue("zalo", "vi")[key].format(**values)


def _due(ob: Obligation) -> str:
    """A deadline as a line shows it; a check-in has none."""
    return word("no_deadline") if ob.no_deadline else day_text(ob.due_at)


def _line(key: str, n: int, ob: Obligation, task: Task, **extra) -> str:
    text = task.text if len(task.text) <= 120 else task.text[:117] + "…"
    return word(key, n=n, code=task.code, task=text, period=period_words(ob.period), due=_due(ob), **extra)


def reminder_text(link: ChatLink, items: list, plan: str) -> str:
    """A combined reminder on Zalo: a numbered line per task; the reply's number opens it.
    The list is remembered on the link, so "2" means the second line."""
    items = sorted(items, key=lambda i: (i.obligation.due_at is None, i.obligation.due_at, i.code))
    lines = [word("reminder_head", count=len(items), plan=plan)]
    for n, item in enumerate(items, 1):
        task = Task(code=item.code, text=item.task, timing_kind="")
        lines.append(_line("reminder_line", n, item.obligation, task, stage=stage_text("vi", item.stage)))
    ids = [i.obligation.id for i in items]
    # In the middle of an answer, the answer goes on; the list waits for it to end.
    link.awaiting = {**link.awaiting, "list": ids} if (link.awaiting or {}).get("obligation") else {"list": ids}
    return _fit("\n".join(lines))


def _fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


# --- the conversation ------------------------------------------------------------------------

class ZaloBot:
    """Polls Zalo for messages and answers each, one at a time, in its own transaction."""

    def __init__(self, engine: Engine, client: ZaloClient, poll_timeout: int = 30):
        self.engine, self.client, self.poll_timeout = engine, client, poll_timeout
        self._seen: set[str] = set()  # message ids answered (getUpdates has no offset to confirm with)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                update = await self.client.call("getUpdates", timeout=str(self.poll_timeout))
            except (ZaloError, httpx.HTTPError) as exc:
                log.warning("getUpdates failed: %s", exc)
                await asyncio.sleep(2)
                continue
            if update:
                await self.handle(update)

    async def handle(self, update: dict) -> None:
        message = (update or {}).get("message") or {}
        chat_id, text = str((message.get("chat") or {}).get("id", "")), (message.get("text") or "").strip()
        if not chat_id or message.get("message_id") in self._seen:
            return
        self._seen.add(message.get("message_id"))
        with Session(self.engine, expire_on_commit=False) as session:
            replies = answer(session, chat_id, text, utcnow())
            session.commit()
        for to, reply in replies:
            try:
                await self.client.call("sendMessage", chat_id=to, text=_fit(reply))
            except (ZaloError, httpx.HTTPError) as exc:
                log.warning("reply to a Zalo chat failed: %s", exc)


def answer(session: Session, chat_id: str, text: str, now: dt.datetime) -> list[tuple[str, str]]:
    """The replies to one message (to this chat; a coordinator hears through the outbox)."""
    link = session.exec(select(ChatLink).where(ChatLink.channel == "zalo", ChatLink.address == chat_id,
                                               ChatLink.active)).first()
    if link is None:
        if re.fullmatch(r"(?i)\s*dd[-\s]?[a-z0-9]{5}[-\s]?[a-z0-9]{5}\s*", text):
            link = _redeem(session, text, chat_id, now)
            if link is not None:
                from models.tables import Unit
                return [(chat_id, word("linked", unit=session.get(Unit, link.unit_id).name, contact=link.contact))]
            return [(chat_id, word("code_refused"))]
        return [(chat_id, word("not_linked"))]
    folded = text.lower()
    if folded in CANCEL_WORDS:
        link.awaiting = None
        return [(chat_id, word("cancelled"))]
    if folded in LIST_WORDS or (folded == "0" and (link.awaiting or {}).get("obligation")):
        return [(chat_id, _open_list(session, link))]
    waiting = link.awaiting or {}
    try:
        if "obligation" in waiting:
            return _step(session, link, waiting, text, now)
        if "list" in waiting and text.isdigit():
            return [(chat_id, _choose(session, link, waiting["list"], int(text)))]
    except DomainError as exc:
        link.awaiting = None
        return [(chat_id, word("refused", reason=str(exc)))]
    return [(chat_id, word("help"))]


def _open_list(session: Session, link: ChatLink) -> str:
    from models.tables import Unit

    rows = session.exec(select(Obligation, Task).join(Task, Task.id == Obligation.task_id)
                        .where(Obligation.unit_id == link.unit_id, Obligation.status.in_([s.value for s in ACTIVE]))
                        .order_by(Obligation.no_deadline, Obligation.due_at, Task.code).limit(30)).all()
    if not rows:
        link.awaiting = None
        return word("list_empty")
    link.awaiting = {"list": [ob.id for ob, _ in rows]}
    lines = [word("list_head", unit=session.get(Unit, link.unit_id).name, count=len(rows))]
    lines += [_line("list_line", n, ob, task) for n, (ob, task) in enumerate(rows, 1)]
    return _fit("\n".join(lines))


def _choose(session: Session, link: ChatLink, ids: list[int], n: int) -> str:
    if not 1 <= n <= len(ids):
        return word("help")
    ob = session.get(Obligation, ids[n - 1])
    if ob is None or ob.unit_id != link.unit_id:
        return word("help")
    task = session.get(Task, ob.task_id)
    link.awaiting = {"obligation": ob.id, "step": "menu", "list": ids}
    return _menu(link, ob, task)


def _menu(link: ChatLink, ob: Obligation, task: Task) -> str:
    """The task and its numbered choices, with a signed link to its page (sent, never stored)."""
    return word("menu", code=task.code, task=task.text[:300], due=_due(ob),
                url=signed_url(f"/o/{ob.id}", link.id, utcnow()))


def _step(session: Session, link: ChatLink, waiting: dict, text: str, now: dt.datetime) -> list[tuple[str, str]]:
    ob = lifecycle.load_for_update(session, waiting["obligation"])
    if ob.unit_id != link.unit_id:  # the unit's work moved elsewhere since
        link.awaiting = None
        return [(link.address, word("help"))]
    task, actor, step = session.get(Task, ob.task_id), f"zalo:{link.address}", waiting["step"]
    say = lambda key, **v: [(link.address, word(key, code=task.code, **v))]  # noqa: E731
    if step == "menu":
        if text == "1":
            if task.evidence_required and not session.exec(select(Evidence.id).where(Evidence.obligation_id == ob.id)).first():
                return say("evidence_first")
            lifecycle.mark_done(session, ob, actor)
            link.awaiting = None
            return say("done")
        following = {"2": ("percent", "ask_percent"), "3": ("reason", "ask_reason"), "4": ("date", "ask_date")}
        if text not in following:
            return [(link.address, _menu(link, ob, task))]
        link.awaiting = {**waiting, "step": following[text][0]}
        return say(following[text][1])
    if step == "percent":
        number = re.fullmatch(r"(\d{1,3})\s*%?", text)
        if number is None or int(number.group(1)) > 100:
            return say("bad_percent")
        lifecycle.report_progress(session, ob, int(number.group(1)), actor)
        link.awaiting = None
        return say("progress", percent=int(number.group(1)))
    if step == "reason":
        lifecycle.mark_blocked(session, ob, text, actor)
        notices.blocked(session, ob, task, text)
        link.awaiting = None
        return say("blocked", coordinator=notices.coordinator_name(session, task))
    if step == "date":
        day = parse_day(text, ob.due_at.date()) if ob.due_at else None
        if day is None or context_deadline(day) <= ob.due_at:
            return say("bad_date", due=day_text(ob.due_at))
        link.awaiting = {**waiting, "step": "ext_reason", "until": day.isoformat()}
        return say("ask_ext_reason")
    old = day_text(ob.due_at)
    lifecycle.request_extension(session, ob, context_deadline(dt.date.fromisoformat(waiting["until"])), text,
                                actor)
    link.awaiting = None
    notices.extension_request(session, ob, task, old, text)
    return say("extension", date=day_text(ob.requested_due_at), coordinator=notices.coordinator_name(session, task))
