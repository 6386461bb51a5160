"""What dondoc says by text message: short (a count, the nearest deadline, one link), in
Vietnamese; the gateway's file says whether diacritics go (bots.sms.segments.for_gateway)."""

from __future__ import annotations

from models.common.texts import catalogue, day_text
from models.access.signed import join_mark, mine_mark


def _say(key: str, **values) -> str:
    """A text message (templates/locale/vi/LC_MESSAGES/sms.po)."""
    return catalogue("sms", "vi")[key].format(**values)


def sms_reminder(link, unit: str, items: list, plan: str) -> str:
    dated = sorted(i.obligation.due_at for i in items if i.obligation.due_at and not i.obligation.no_deadline)
    return _say("reminder", unit=unit, count=len(items), plan=plan, due=day_text(dated[0]) if dated else "—",
                link=mine_mark(link.id))


def sms_invitation(contact: str, unit: str, invitation_id: int) -> str:
    return _say("invitation", contact=contact, unit=unit, link=join_mark(invitation_id))
