"""What dondoc says by text message: short (a count, the nearest deadline, one link), in
Vietnamese; the gateway's file says whether diacritics go (bots.sms.segments.for_gateway)."""

from __future__ import annotations

from models.common.texts import catalogue, day_text
from models.access.signed import join_mark, mine_mark


def _say(key: str, **values) -> str:
    """A text message (templates/locale/vi/LC_MESSAGES/sms.po)."""
    return catalogue("sms", "vi")[key].format(**values)


def sms_reminder(link, unit: str, items: list, plan: str) -> tuple[str, dict]:
    """(the text, its values): a gateway that sends only registered templates fills its own."""
    dated = sorted(i.obligation.due_at for i in items if i.obligation.due_at and not i.obligation.no_deadline)
    values = {"unit": unit, "count": str(len(items)), "plan": plan, "due": day_text(dated[0]) if dated else "—",
              "link": mine_mark(link.id)}
    return _say("reminder", **values), values


def sms_invitation(contact: str, unit: str, invitation_id: int) -> tuple[str, dict]:
    values = {"contact": contact, "unit": unit, "link": join_mark(invitation_id)}
    return _say("invitation", **values), values
