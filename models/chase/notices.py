"""Messages one person's action sends to others, whichever channel the action came from
(the bot, Zalo, the web). They go into the outbox in the same transaction as the action, so a
send that fails is retried or surfaced, never lost behind the "sent" the actor was told: to a
Telegram chat as HTML with its keyboard, to Zalo, e-mail or SMS as plain text."""

from __future__ import annotations

import html
import re

from sqlmodel import Session, select

from models.access import people
from models.common.texts import day_text, say
from models.chase import outbox
from models.common.clock import utcnow
from models.calendar.periods import period_words
from models.store.tables import ChatLink, Obligation, Plan, Task, Unit

# A reason as long as a person may type still leaves room in a 4,096-character message for the
# request, and for the decision added to it when the coordinator presses a button.
SHOWN_REASON = 1500


def coordinator_name(session: Session, task: Task) -> str:
    """Who coordinates the task's plan, by name ("Sở Nội vụ"): the person is told who was told."""
    return session.get(Unit, session.get(Plan, task.plan_id).coordinator_unit_id).name


def extension_request(session: Session, ob: Obligation, task: Task, old_due: str, reason: str) -> None:
    """To the plan's coordinators: the request, with Approve and Deny buttons on Telegram."""
    unit = session.get(Unit, ob.unit_id).name
    reason = reason if len(reason) <= SHOWN_REASON else reason[:SHOWN_REASON - 1] + "…"  # whole on the dashboard

    def make(lang: str):
        markup = {"inline_keyboard": [[{"text": say(lang, "b_approve"), "callback_data": f"a:{ob.id}"},
                                       {"text": say(lang, "b_deny"), "callback_data": f"n:{ob.id}"}]]}
        return say(lang, "ext_request", unit=unit, code=task.code, period=period_words(ob.period, lang), old=old_due,
                   new=day_text(ob.requested_due_at), reason=reason), markup
    _send(session, people.coordinator_chats(session, ob), make, f"ext-request:{ob.id}")


def blocked(session: Session, ob: Obligation, task: Task, reason: str) -> None:
    """To the plan's coordinators, at once: who is blocked on what, and why; on Telegram with
    buttons to reply, postpone, or set a new deadline."""
    unit = session.get(Unit, ob.unit_id).name
    text = task.text if len(task.text) <= 300 else task.text[:299] + "…"

    def make(lang: str):
        markup = {"inline_keyboard": [[{"text": say(lang, "b_note"), "callback_data": f"k:{ob.id}"},
                                       {"text": say(lang, "b_postpone"), "callback_data": f"z:{ob.id}"},
                                       {"text": say(lang, "b_new_due"), "callback_data": f"g:{ob.id}"}]]}
        due = say(lang, "no_deadline") if ob.no_deadline else day_text(ob.due_at)
        return say(lang, "blocked_request", unit=unit, code=task.code, period=period_words(ob.period, lang), due=due,
                   text=text, reason=reason), markup
    _send(session, people.coordinator_chats(session, ob), make, f"blocked:{ob.id}")


def to_assignees(session: Session, ob: Obligation, task: Task, key: str, **values) -> None:
    """To the unit's linked assignees: a coordinator's decision or note (`key`, a bot text)."""
    links = session.exec(select(ChatLink).where(ChatLink.unit_id == ob.unit_id, ChatLink.active,
                                                ChatLink.role == "assignee")).all()
    _send(session, links, lambda lang: (say(lang, key, code=task.code, date=day_text(ob.due_at), **values), None),
          f"{key}:{ob.id}", plan=session.get(Plan, task.plan_id))


def _send(session: Session, links: list[ChatLink], make, key: str, plan: Plan | None = None) -> None:
    moment = utcnow().isoformat()  # the same notice again later (a second request) is a new message
    for link in links:
        text, markup = make(link.lang)
        if link.channel == "telegram":
            outbox.enqueue(session, f"{key}:{link.id}:{moment}", link.chat_id, text, markup, kind="notice")
        else:
            queue_plain(session, f"{key}:{link.id}:{moment}", link, text, plan)


def plain(text: str) -> str:
    """A bot text (Telegram HTML) as plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def queue_plain(session: Session, key: str, link: ChatLink, text: str, plan: Plan | None = None) -> int:
    """A notice as plain text on the link's channel; an e-mail about `plan` can be answered to its coordinator."""
    text = plain(text)
    if link.channel == "email":
        subject = text.split("\n", 1)[0][:120]
        reply_to = people.coordinator_address(session, plan) if plan is not None else None
        return outbox.enqueue_email(session, key, link.address, f"[Đôn đốc] {subject}", text,
                                    "<p>" + html.escape(text).replace("\n", "<br>") + "</p>", kind="notice",
                                    reply_to=reply_to)
    return outbox.enqueue_text(session, key, link.channel, link.address, text, kind="notice",
                               template=("notice", {"text": text}))


FRESH_EVERY = 600  # seconds: asking again within ten minutes sends nothing more


def send_fresh_link(session: Session, link: ChatLink, obligation_id: int | None, now) -> None:
    """A new signed link, to the address the person linked (a used or stale one asked for it).
    The queued text holds a mark; the link itself is signed as the message leaves."""
    from models.access.signed import mine_mark, obligation_mark

    mark = obligation_mark(obligation_id, link.id) if obligation_id else mine_mark(link.id)
    bucket = int(now.timestamp()) // FRESH_EVERY
    text = say(link.lang, "fresh_link", url=mark)
    if link.channel == "telegram":
        outbox.enqueue(session, f"fresh:{link.id}:{obligation_id}:{bucket}", link.chat_id, text, None, kind="notice")
    else:
        queue_plain(session, f"fresh:{link.id}:{obligation_id}:{bucket}", link, text)
