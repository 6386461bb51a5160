"""What dondoc says by text message: short (a count, the nearest deadline, one link), in
Vietnamese; the gateway's file says whether diacritics go (models.sms.for_gateway)."""

from __future__ import annotations

from bots.texts import day_text
from web.links import join_mark, mine_mark

WORDS = {
    "reminder": "[Đôn đốc] {unit}: {count} nhiệm vụ cần báo cáo, hạn gần nhất {due}. Báo cáo: {link}",
    "invitation": "[Đôn đốc] Mời {contact} nhận nhắc việc của {unit} qua tin nhắn. Xác nhận: {link}",
}


def sms_reminder(link, unit: str, items: list) -> str:
    dated = sorted(i.obligation.due_at for i in items if i.obligation.due_at and not i.obligation.no_deadline)
    return WORDS["reminder"].format(unit=unit, count=len(items), due=day_text(dated[0]) if dated else "—",
                                    link=mine_mark(link.id))


def sms_invitation(contact: str, unit: str, invitation_id: int) -> str:
    return WORDS["invitation"].format(contact=contact, unit=unit, link=join_mark(invitation_id))
