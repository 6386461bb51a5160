"""What people read, in Vietnamese (the default) and English: gettext catalogues in
templates/locale/<lang>/LC_MESSAGES/, one per channel (telegram, zalo, email, sms) and one for
the dashboard (web). Telegram's texts are HTML and every value put into them is escaped by `say`."""

from __future__ import annotations

import datetime as dt
import functools
import html
from pathlib import Path

from models.common.clock import VN

LOCALE = Path(__file__).resolve().parents[2] / "templates" / "locale"
LANGUAGES = ("vi", "en")  # vi is the default; a person picks en with /lang en


@functools.cache
def catalogue(domain: str, lang: str) -> dict[str, str]:
    """{key: text} of templates/locale/<lang>/LC_MESSAGES/<domain>.po, the gettext catalogue
    translators edit (msgid is the key the code asks for)."""
    from babel.messages.pofile import read_po

    with (LOCALE / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        return {message.id: message.string for message in read_po(po) if message.id}


def template(lang: str, key: str) -> str:
    """The Telegram text for `key` in `lang` (Vietnamese for a language we do not have), unfilled."""
    return catalogue("telegram", lang if lang in LANGUAGES else "vi")[key]


def say(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, with values HTML-escaped (they come from users and plans)."""
    return template(lang, key).format(**{k: html.escape(str(v), quote=False) for k, v in values.items()})


def day_text(moment: dt.datetime | None) -> str:
    """A deadline as people in Vietnam write it: 14/10/2019 (— when there is none)."""
    return moment.astimezone(VN).strftime("%d/%m/%Y") if moment else "—"


STAGE_KEYS = {"open": "stage_open", "due": "stage_due", "escalate-head": "stage_head",
              "escalate-coordinator": "stage_coordinator", "late-on-arrival": "stage_late_on_arrival"}


def stage_text(lang: str, stage: str) -> str:
    """A reminder stage in words: "T-3" → "còn 3 ngày làm việc" (on any channel: "T-3@zalo")."""
    stage = stage.split("@")[0]
    if stage.startswith("T-"):
        return say(lang, "stage_before", days=stage[2:])
    if stage.startswith("overdue-"):
        return say(lang, "stage_overdue")
    if stage.startswith("checkin-"):
        return say(lang, "stage_checkin")
    if stage.startswith("blocked-"):
        return say(lang, "stage_blocked")
    return say(lang, STAGE_KEYS[stage])


# A provider's reason for never delivering again, by the words it uses → what people read.
# The provider's own text stays in the audit trail and the link's dead_reason, never in a message.
DEAD_REASONS = (
    ("blocked by the user", "dead_blocked"),
    ("can't initiate conversation", "dead_not_started"),
    ("kicked", "dead_removed"),
    ("not a member", "dead_removed"),
    ("deactivated", "dead_gone"),
    ("chat not found", "dead_gone"),
    ("bounced", "dead_address"),
    ("user unknown", "dead_address"),
    ("erased on request", "dead_erased"),
)
CHANNEL_WORDS = {"telegram": "Telegram", "zalo": "Zalo", "email": "channel_email", "sms": "SMS"}


def dead_reason_text(lang: str, reason: str | None) -> str:
    """Why a channel will not deliver to a person any more, in words ("người nhận đã chặn bot")."""
    folded = (reason or "").casefold()
    key = next((key for words, key in DEAD_REASONS if words in folded), "dead_other")
    return template(lang, key)


def channel_text(lang: str, channel: str) -> str:
    word = CHANNEL_WORDS.get(channel, channel)
    return template(lang, word) if word.startswith("channel_") else word


def refusal_text(lang: str, refusal) -> str:
    """Why a change was refused (a lifecycle DomainError's key and values), in people's words:
    "hạn mới 20/10/2019 không sau hạn hiện tại 31/10/2019", never the English for logs."""
    values = {}
    for name, value in getattr(refusal, "values", {}).items():
        if isinstance(value, dt.datetime):
            value = day_text(value)
        elif name == "status":
            value = template(lang, f"st_{value}") if f"st_{value}" in catalogue("telegram", _lang(lang)) else value
        elif name == "action":
            value = template(lang, f"act_{value}") if f"act_{value}" in catalogue("telegram", _lang(lang)) else value
        elif isinstance(value, int):
            value = f"{value:,}".replace(",", ".") if lang == "vi" else f"{value:,}"
        values[name] = value
    key = getattr(refusal, "key", None)
    if key is None or key not in catalogue("telegram", _lang(lang)):
        return str(refusal)
    return template(lang, key).format(**values)


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "vi"
