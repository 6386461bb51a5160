"""The text of a combined reminder: one message per chat listing every task due a word.
The coordinator's escalation is a summary per unit instead: a province has hundreds."""

from __future__ import annotations

from collections import defaultdict

from bots.email.layout import email_reminder
from bots.sms.layout import sms_reminder
from models.common.text import cut_at_word, vi_key
from models.common.texts import day_text, say, stage_text
from bots.zalo.layout import reminder_text
from models.access.people import coordinator_address
from models.chase import outbox
from models.calendar.periods import period_words
from models.calendar.reminders import LATE_ON_ARRIVAL
from models.store.tables import Plan, Task

CODES_SHOWN = 6  # per unit in the coordinator's summary; the rest is counted
UNITS_SHOWN = 30  # units named in the coordinator's summary (most overdue first); /overdue lists all


TASK_SHOWN = 80  # characters of a task's text on a reminder's line (cut at a word)


def render_reminder(lang: str, items: list, plan_number: str = "") -> tuple[str, dict | None]:
    """Text and inline keyboard for one chat: a line and a button per obligation (the button
    opens its card), or, for the coordinator, a line per unit with overdue tasks."""
    if all(i.stage in COORDINATOR_STAGES for i in items):
        return _coordinator_summary(lang, items), None
    # The unit's head hears which of the unit's tasks went unanswered, and can act on each.
    to_head = all(i.stage == "escalate-head" for i in items)
    head = "head_head" if to_head else "reminder_head"
    lines = [say(lang, head, count=len(items), plan=plan_number, unit=items[0].unit)]
    items = sorted(items, key=lambda i: (i.obligation.due_at is None, i.obligation.due_at, i.code))
    for item in items:
        ob = item.obligation
        due = say(lang, "no_deadline") if ob.no_deadline else day_text(ob.due_at)
        stage = say(lang, "stage_overdue") if to_head else stage_text(lang, item.stage)
        lines.append(say(lang, "reminder_line", code=item.code, task=cut_at_word(item.task, TASK_SHOWN),
                         period=period_words(ob.period, lang), due=due, stage=stage))
    # Buttons in the order of the lines; a task due for two periods names the period in words.
    repeated = {i.code for i in items if sum(j.code == i.code for j in items) > 1}
    buttons = [{"text": f"{i.code} · {period_words(i.obligation.period, lang)}" if i.code in repeated else i.code,
                "callback_data": f"c:{i.obligation.id}"} for i in items]
    return "\n".join(lines), {"inline_keyboard": [buttons[n:n + 4] for n in range(0, len(buttons), 4)]}


# The coordinator's stages and the head of each one's section: work that was already overdue
# when it was opened (the catch-up, once), then work that stayed overdue.
COORDINATOR_STAGES = {LATE_ON_ARRIVAL: "late_head", "escalate-coordinator": "escalation_head"}


def _coordinator_summary(lang: str, items: list) -> str:
    lines = []
    for stage, head in COORDINATOR_STAGES.items():
        if section := [i for i in items if i.stage == stage]:
            lines += _units_section(lang, head, section)
    lines.append(say(lang, "escalation_tail"))
    return "\n".join(lines)


def _units_section(lang: str, head: str, items: list) -> list[str]:
    """A head line, then a line per unit with its task codes, the units with most first."""
    by_unit: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_unit[item.unit].append(item.code)
    lines = [say(lang, head, count=len(items), units=len(by_unit))]
    ranked = sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), vi_key(kv[0])))
    for unit, codes in ranked[:UNITS_SHOWN]:
        shown = ", ".join(sorted(set(codes))[:CODES_SHOWN]) + ("…" if len(set(codes)) > CODES_SHOWN else "")
        lines.append(say(lang, "escalation_line", unit=unit, count=len(codes), codes=shown))
    if len(ranked) > UNITS_SHOWN:
        lines.append(say(lang, "escalation_more", units=len(ranked) - UNITS_SHOWN))
    return lines


# --- by channel ------------------------------------------------------------------------

def _plan_of(session, items: list) -> Plan:
    """The plan the reminder is for (a reminder is made for one plan at a time)."""
    return session.get(Plan, session.get(Task, items[0].obligation.task_id).plan_id)


def one_per_obligation(items: list) -> list:
    """A task named once in a message: a reminder passed on from another channel ("…@") and the
    day's own stage for the same obligation are one line, the day's own stage kept."""
    kept: dict[int, object] = {}
    for item in items:
        held = kept.get(item.obligation.id)
        if held is None or (held.stage.endswith("@") and not item.stage.endswith("@")):
            kept[item.obligation.id] = item
    return list(kept.values())


def queue_reminder(session, key: str, link, items: list) -> int:
    """A combined reminder into the outbox, in the link's channel, naming its plan."""
    items = one_per_obligation(items)
    of = _plan_of(session, items)
    plan = of.number
    if link.channel == "email":
        subject, text, html = email_reminder(link, items, plan)
        return outbox.enqueue_email(session, key, link.address, subject, text, html, kind="reminder",
                                    reply_to=coordinator_address(session, of))
    if link.channel == "sms":
        message, text, values = sms_reminder(link, items, plan)
        return outbox.enqueue_text(session, key, "sms", link.address, text, kind="reminder",
                                   template=(message, values))
    if link.channel == "zalo":
        return outbox.enqueue_text(session, key, "zalo", link.address, reminder_text(link, items, plan),
                                   kind="reminder")
    text, markup = render_reminder(link.lang, items, plan)
    return outbox.enqueue(session, key, link.chat_id, text, reply_markup=markup, kind="reminder")
