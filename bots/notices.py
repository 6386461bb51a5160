"""Messages one person's action sends to others, whichever channel the action came from.
To a Telegram chat they come back as (chat id, text, keyboard) for the caller to send (the
bot answers at once; the web queues them); to a person on Zalo, e-mail or SMS they go into
the outbox here, as plain text."""

from __future__ import annotations

import html
import re

from sqlmodel import Session, select

from bots import service
from bots.texts import day_text, say
from models import outbox
from models.clock import utcnow
from models.tables import ChatLink, Obligation, Task, Unit

Notice = tuple[int, str, dict | None]  # Telegram chat id, text, inline keyboard
# A reason as long as a person may type still leaves room in a 4,096-character message for the
# request, and for the decision added to it when the coordinator presses a button.
SHOWN_REASON = 1500


def extension_request(session: Session, ob: Obligation, task: Task, old_due: str, reason: str) -> list[Notice]:
    """To the plan's coordinators: the request, with Approve and Deny buttons on Telegram."""
    unit = session.get(Unit, ob.unit_id).name
    reason = reason if len(reason) <= SHOWN_REASON else reason[:SHOWN_REASON - 1] + "…"  # whole on the dashboard

    def make(lang: str):
        markup = {"inline_keyboard": [[{"text": say(lang, "b_approve"), "callback_data": f"a:{ob.id}"},
                                       {"text": say(lang, "b_deny"), "callback_data": f"n:{ob.id}"}]]}
        return say(lang, "ext_request", unit=unit, code=task.code, period=ob.period, old=old_due,
                   new=day_text(ob.requested_due_at), reason=reason), markup
    return _send(session, service.coordinator_chats(session, ob), make, f"ext-request:{ob.id}")


def to_assignees(session: Session, ob: Obligation, task: Task, key: str, **values) -> list[Notice]:
    """To the unit's linked assignees: a coordinator's decision or note (`key`, a bot text)."""
    links = session.exec(select(ChatLink).where(ChatLink.unit_id == ob.unit_id, ChatLink.active,
                                                ChatLink.role == "assignee")).all()
    return _send(session, links, lambda lang: (say(lang, key, code=task.code, date=day_text(ob.due_at), **values),
                                               None), f"{key}:{ob.id}")


def _send(session: Session, links: list[ChatLink], make, key: str) -> list[Notice]:
    telegram, moment = [], utcnow().isoformat(timespec="seconds")
    for link in links:
        text, markup = make(link.lang)
        if link.channel == "telegram":
            telegram.append((link.chat_id, text, markup))
        else:
            queue_plain(session, f"{key}:{link.id}:{moment}", link, text)
    return telegram


def plain(text: str) -> str:
    """A bot text (Telegram HTML) as plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def queue_plain(session: Session, key: str, link: ChatLink, text: str) -> int:
    text = plain(text)
    if link.channel == "email":
        subject = text.split("\n", 1)[0][:120]
        return outbox.enqueue_email(session, key, link.address, f"[Đôn đốc] {subject}", text,
                                    "<p>" + html.escape(text).replace("\n", "<br>") + "</p>", kind="notice")
    return outbox.enqueue_text(session, key, link.channel, link.address, text, kind="notice")
