"""Messages one person's action sends to others, whichever channel the action came from
(the bot answers them at once; the web queues them in the outbox)."""

from __future__ import annotations

from sqlmodel import Session, select

from bots import service
from bots.texts import day_text, say
from models.tables import ChatLink, Obligation, Task, Unit

Notice = tuple[int, str, dict | None]  # chat id, text, inline keyboard


def extension_request(session: Session, ob: Obligation, task: Task, old_due: str, reason: str) -> list[Notice]:
    """To the plan's coordinators: the request, with Approve and Deny buttons."""
    unit = session.get(Unit, ob.unit_id).name
    notices = []
    for coordinator in service.coordinator_chats(session, ob):
        lang = coordinator.lang
        markup = {"inline_keyboard": [[{"text": say(lang, "b_approve"), "callback_data": f"a:{ob.id}"},
                                       {"text": say(lang, "b_deny"), "callback_data": f"n:{ob.id}"}]]}
        notices.append((coordinator.chat_id, say(lang, "ext_request", unit=unit, code=task.code, period=ob.period,
                                                 old=old_due, new=day_text(ob.requested_due_at), reason=reason),
                        markup))
    return notices


def to_assignees(session: Session, ob: Obligation, task: Task, key: str, **values) -> list[Notice]:
    """To the unit's linked assignees: a coordinator's decision or note (`key`, a bot text)."""
    chats = session.exec(select(ChatLink).where(ChatLink.unit_id == ob.unit_id, ChatLink.active,
                                                ChatLink.role == "assignee")).all()
    return [(chat.chat_id, say(chat.lang, key, code=task.code, date=day_text(ob.due_at), **values), None)
            for chat in chats]
