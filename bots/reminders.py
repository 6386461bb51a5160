"""The text of a combined reminder: one message per chat listing every task due a word."""

from __future__ import annotations

from bots.texts import day_text, say

STAGE_KEYS = {"open": "stage_open", "due": "stage_due", "escalate-head": "stage_head",
              "escalate-coordinator": "stage_coordinator"}


def _stage(lang: str, stage: str) -> str:
    if stage.startswith("T-"):
        return say(lang, "stage_before", days=stage[2:])
    if stage.startswith("overdue-"):
        return say(lang, "stage_overdue")
    if stage.startswith("checkin-"):
        return say(lang, "stage_checkin")
    return say(lang, STAGE_KEYS[stage])


def render_reminder(lang: str, items: list) -> tuple[str, dict | None]:
    """Text and inline keyboard (a button per obligation opens its card) for one chat."""
    lines = [say(lang, "reminder_head", count=len(items))]
    for item in sorted(items, key=lambda i: (i.obligation.due_at is None, i.obligation.due_at, i.code)):
        ob = item.obligation
        due = say(lang, "no_deadline") if ob.no_deadline else day_text(ob.due_at)
        lines.append(say(lang, "reminder_line", code=item.code, period=ob.period, due=due,
                         stage=_stage(lang, item.stage)))
    escalation = any(i.stage.startswith("escalate") for i in items)
    buttons = [{"text": i.code, "callback_data": f"c:{i.obligation.id}"} for i in items]
    markup = None if escalation else {"inline_keyboard": [buttons[n:n + 4] for n in range(0, len(buttons), 4)]}
    return "\n".join(lines), markup
