"""What dondoc says by e-mail: subject, text and HTML, both parts from one template in
`templates/email/` (the HTML escapes every value). Links into the dashboard are signed."""

from __future__ import annotations

from bots.texts import day_text, stage_text
from models.periods import period_words
from models.render import email_environment
from web.links import join_mark, obligation_mark

EMAIL_WORDS = {
    "vi": {"subject": "[Đôn đốc] {count} nhiệm vụ cần báo cáo, hạn gần nhất {due}",
           "greeting": "Kính gửi {contact},", "due": "hạn",
           "intro": "{unit} có {count} nhiệm vụ cần báo cáo:",
           "open": "Mở nhiệm vụ để báo cáo", "no_deadline": "thường xuyên",
           "footer": "Thư gửi tự động từ hệ thống Đôn đốc. Đường liên kết chỉ dành cho người nhận và có hiệu lực "
                     "14 ngày; mở ra, trang sẽ hỏi xác nhận trước khi cho báo cáo.",
           "invite_subject": "[Đôn đốc] Xác nhận nhận nhắc việc của {unit} qua thư điện tử",
           "invite_intro": "Sở Nội vụ mời Anh/Chị nhận nhắc việc và báo cáo tiến độ các nhiệm vụ của {unit} qua "
                           "địa chỉ thư này.",
           "invite_open": "Xác nhận (đường liên kết dùng một lần, hiệu lực 7 ngày)",
           "invite_footer": "Nếu Anh/Chị không phải người phụ trách, xin bỏ qua thư này: không có gì thay đổi."},
    "en": {"subject": "[Dondoc] {count} task(s) to report on, first deadline {due}",
           "greeting": "Dear {contact},", "due": "deadline",
           "intro": "{unit} has {count} task(s) to report on:",
           "open": "Open the task to report", "no_deadline": "continuous",
           "footer": "Sent automatically by Dondoc. The links are for the addressee only and last 14 days; the page "
                     "asks you to confirm before you report.",
           "invite_subject": "[Dondoc] Confirm reminders for {unit} by e-mail",
           "invite_intro": "You are invited to receive reminders and report on the tasks of {unit} at this address.",
           "invite_open": "Confirm (single-use link, valid 7 days)",
           "invite_footer": "If you are not the person in charge, ignore this e-mail: nothing changes."},
}


def email_reminder(link, items: list) -> tuple[str, str, str]:
    """Subject, text and HTML of a reminder e-mail: one line per obligation with a signed link
    to its page on the dashboard."""
    lang = link.lang if link.lang in EMAIL_WORDS else "vi"
    words = EMAIL_WORDS[lang]
    items = sorted(items, key=lambda i: (i.obligation.due_at is None, i.obligation.due_at, i.code))
    lines = [{"code": i.code, "task": i.task, "period": period_words(i.obligation.period, lang),
              "due": words["no_deadline"] if i.obligation.no_deadline else day_text(i.obligation.due_at),
              "stage": stage_text(lang, i.stage), "url": obligation_mark(i.obligation.id, link.id)}
             for i in items]
    text, html = _render("email/reminder.j2", w=words, contact=link.contact, unit=items[0].unit, items=lines)
    subject = words["subject"].format(count=len(lines), due=lines[0]["due"])
    return subject, text, html


def _render(name: str, **values) -> tuple[str, str]:
    """The text and the HTML part of one template."""
    return tuple(email_environment(flag).get_template(name).render(html=flag, **values) for flag in (False, True))


def email_invitation(contact: str, unit: str, invitation_id: int, lang: str = "vi") -> tuple[str, str, str]:
    words = EMAIL_WORDS.get(lang, EMAIL_WORDS["vi"])
    text, html = _render("email/invitation.j2", w=words, contact=contact, unit=unit, url=join_mark(invitation_id))
    return words["invite_subject"].format(unit=unit), text, html
