"""What dondoc says by e-mail: subject, text and HTML, both parts from one template in
`templates/email/` (the HTML escapes every value). Links into the dashboard are signed."""

from __future__ import annotations

from models.common.texts import LANGUAGES, catalogue, day_text, stage_text
from models.calendar.periods import period_words
from models.report.render import email_environment
from models.access.signed import join_mark, obligation_mark


def _words(lang: str) -> dict[str, str]:
    """The e-mail texts (templates/locale/<lang>/LC_MESSAGES/email.po)."""
    return catalogue("email", lang if lang in LANGUAGES else "vi")


def email_reminder(link, items: list, plan: str) -> tuple[str, str, str]:
    """Subject, text and HTML of a reminder e-mail for the plan numbered `plan`: one line per
    obligation with a signed link to its page on the dashboard."""
    lang = link.lang if link.lang in LANGUAGES else "vi"
    words = _words(lang)
    items = sorted(items, key=lambda i: (i.obligation.due_at is None, i.obligation.due_at, i.code))
    lines = [{"code": i.code, "task": i.task, "period": period_words(i.obligation.period, lang),
              "due": words["no_deadline"] if i.obligation.no_deadline else day_text(i.obligation.due_at),
              "stage": stage_text(lang, i.stage), "url": obligation_mark(i.obligation.id, link.id)}
             for i in items]
    text, html = _render("email/reminder.j2", w=words, contact=link.contact, unit=items[0].unit, items=lines, plan=plan)
    dated = [i for i in items if not i.obligation.no_deadline and i.obligation.due_at]  # check-ins have no deadline
    subject = (words["subject"].format(count=len(lines), due=day_text(dated[0].obligation.due_at), plan=plan) if dated
               else words["subject_checkin"].format(count=len(lines), plan=plan))
    return subject, text, html


def _render(name: str, **values) -> tuple[str, str]:
    """The text and the HTML part of one template."""
    return tuple(email_environment(flag).get_template(name).render(html=flag, **values) for flag in (False, True))


def email_invitation(contact: str, unit: str, invitation_id: int, lang: str = "vi") -> tuple[str, str, str]:
    words = _words(lang)
    text, html = _render("email/invitation.j2", w=words, contact=contact, unit=unit, url=join_mark(invitation_id))
    return words["invite_subject"].format(unit=unit), text, html
