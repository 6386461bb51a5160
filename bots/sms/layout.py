"""What dondoc says by text message: short (a count, the nearest deadline, one link), in
Vietnamese; the gateway's file says whether diacritics go (bots.sms.segments.for_gateway)."""

from __future__ import annotations

from models.common.texts import catalogue, day_text
from models.access.signed import join_mark, mine_mark


def _say(key: str, **values) -> str:
    """A text message (templates/locale/vi/LC_MESSAGES/sms.po)."""
    return catalogue("sms", "vi")[key].format(**values)


OVERDUE_STAGES = ("overdue", "escalate", "late-on-arrival")


def sms_reminder(link, items: list, plan: str) -> tuple[str, str, dict]:
    """(which message, the text, its values): "quá hạn" when the work is late, the nearest
    deadline otherwise; short enough for one part without diacritics (the person knows their
    unit: its name would take a second part). A gateway that sends only registered templates
    fills its own with the values."""
    late = [i for i in items if i.stage.startswith(OVERDUE_STAGES)]
    chosen = late or items
    dated = sorted(i.obligation.due_at for i in chosen if i.obligation.due_at and not i.obligation.no_deadline)
    message = "reminder_overdue" if late else "reminder"
    values = {"count": str(len(late or items)), "plan": plan, "due": day_text(dated[0]) if dated else "—",
              "link": mine_mark(link.id)}
    return message, _say(message, **values), values


def sms_invitation(contact: str, unit: str, invitation_id: int) -> tuple[str, dict]:
    values = {"contact": contact, "unit": unit, "link": join_mark(invitation_id)}
    return _say("invitation", **values), values
