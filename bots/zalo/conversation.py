"""Zalo's conversation: `ZaloBot` polls for updates (or takes what the webhook posts) and
answers: a pairing code links the chat to a unit; then the person replies with numbers
("1 Đã hoàn thành · 2 Tiến độ · 3 Vướng mắc · 4 Gia hạn"), and every change goes through
`models.engine.lifecycle`, as in the Telegram bot.
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

from bots.zalo.layout import due, fit, line, paged, word
from bots.zalo.transport import ZaloClient, ZaloError
from models.access.people import InvitationError, link_address, new_invitation, token_digest, usable_invitation
from models.access.signed import signed_url
from models.calendar.days import context_deadline, parse_day
from models.chase import notices
from models.common.text import plain_text
from models.common.texts import day_text, refusal_text
from models.engine import lifecycle
from models.engine.lifecycle import ACTIVE, DomainError
from models.store.tables import ChatLink, Event, Evidence, Obligation, Task, Unit, utcnow

log = logging.getLogger("dondoc.zalo")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed on a phone
NUMBER = re.compile(r"[0-9]{1,4}")
LIST_WORDS = {"ds", "danh sach", "danh sách", "/mine", "mine", "list"}
LISTED = 200  # open tasks a unit's list holds, paged
NEXT_WORDS = {"tiếp", "tiep", "xem tiếp", "xem tiep", "t", "trang sau", "next"}
CANCEL_WORDS = {"huy", "hủy", "huỷ", "thoat", "thoát", "cancel", "/cancel"}


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
            except ZaloError as exc:
                if exc.code == 408:  # the platform's word for a long poll that ended empty
                    continue
                if exc.code in (401, 403, 404):  # the token: polling cannot work until the admin fixes it
                    log.error("Zalo refused the bot token (%s): the Zalo bot stops answering", exc.code)
                    return
                log.warning("getUpdates failed: %s", exc)
                await asyncio.sleep(2)
                continue
            except httpx.HTTPError as exc:
                log.warning("getUpdates failed: %s", exc)
                await asyncio.sleep(2)
                continue
            if update:
                await self.handle_safely(update)

    async def handle_safely(self, update: dict) -> None:
        """Answer one update; whatever it holds, the bot goes on answering the others."""
        try:
            await self.handle(update)
        except Exception:  # noqa: BLE001 - one message must never stop Zalo for everyone
            log.exception("a Zalo update could not be answered; the bot goes on")

    async def handle(self, update: dict) -> None:
        """One update, as getUpdates returns it or as the webhook posts it (wrapped in
        {"ok": true, "result": …}); only text messages are read, anything else is answered
        with the help."""
        if isinstance(update, dict) and "result" in update and "message" not in update:
            update = update.get("result")
        message = (update or {}).get("message") or {} if isinstance(update, dict) else {}
        chat_id = str((message.get("chat") or {}).get("id", ""))
        text = plain_text(str(message.get("text") or "")).strip()[:4000]
        if not chat_id or message.get("message_id") in self._seen:
            return
        self._seen.add(message.get("message_id"))
        with Session(self.engine, expire_on_commit=False) as session:
            replies = answer(session, chat_id, text, utcnow())
            session.commit()
        for to, reply in replies:
            try:
                await self.client.call("sendMessage", chat_id=to, text=fit(reply))
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
                linked = word("linked", unit=session.get(Unit, link.unit_id).name, contact=link.contact)
                return [(chat_id, f"{linked}\n\n{word('privacy_notice')}")]
            return [(chat_id, word("code_refused"))]
        return [(chat_id, word("not_linked"))]
    folded = text.lower()
    if folded in CANCEL_WORDS:
        link.awaiting = None
        return [(chat_id, word("cancelled"))]
    if folded in NEXT_WORDS and "obligation" not in (link.awaiting or {}):
        return [(chat_id, _next_page(link))]
    if folded in LIST_WORDS or (folded == "0" and (link.awaiting or {}).get("obligation")):
        return [(chat_id, _open_list(session, link))]
    waiting = link.awaiting or {}
    try:
        if "obligation" in waiting:
            return _step(session, link, waiting, text, now)
        if "list" in waiting and NUMBER.fullmatch(text):  # not str.isdigit: "²" is a digit to it
            return [(chat_id, _choose(session, link, waiting["list"], int(text)))]
    except DomainError as exc:
        link.awaiting = None
        return [(chat_id, word("refused", reason=refusal_text(link.lang, exc)))]
    return [(chat_id, word("help"))]


def _next_page(link: ChatLink) -> str:
    """The next page of a list too long for one message (its numbers run on from the last)."""
    waiting = dict(link.awaiting or {})
    more = list(waiting.get("more") or [])
    if not more:
        return word("no_more")
    link.awaiting = {**waiting, "more": more[1:]}
    return more[0]


def _open_list(session: Session, link: ChatLink) -> str:
    rows = session.exec(select(Obligation, Task).join(Task, Task.id == Obligation.task_id)
                        .where(Obligation.unit_id == link.unit_id, Obligation.status.in_([s.value for s in ACTIVE]))
                        .order_by(Obligation.no_deadline, Obligation.due_at, Task.code).limit(LISTED)).all()
    if not rows:
        link.awaiting = None
        return word("list_empty")
    head = word("list_head", unit=session.get(Unit, link.unit_id).name, count=len(rows))
    pages = paged(head, [line("list_line", n, ob, task) for n, (ob, task) in enumerate(rows, 1)])
    link.awaiting = {"list": [ob.id for ob, _ in rows], "more": pages[1:]}
    return pages[0]


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
    return word("menu_checkin" if ob.no_deadline else "menu", code=task.code, task=task.text[:300], due=due(ob),
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
            return say("checkin" if ob.no_deadline else "done")
        following = {"2": ("percent", "ask_percent"), "3": ("reason", "ask_reason"), "4": ("date", "ask_date")}
        if ob.no_deadline:
            following.pop("4")  # work without a deadline has none to extend
        if text not in following:
            return [(link.address, _menu(link, ob, task))]
        link.awaiting = {**waiting, "step": following[text][0]}
        return say(following[text][1])
    if step == "percent":
        number = re.fullmatch(r"([0-9]{1,3})\s*%?", text)
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
