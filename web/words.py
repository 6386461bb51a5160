"""What the dashboard's pages say, in Vietnamese (the default) and English: the gettext
catalogue templates/locale/<lang>/LC_MESSAGES/web.po, beside the bots' own. Jinja escapes
every value put into a page; these are plain text. Also how the pages write days, rates,
categories, levels and channels."""

from __future__ import annotations

import datetime as dt

from models.report.rollup import LABELS, LEVEL_NAMES, Category
from models.calendar.workcal import VN
from models.common.texts import LANGUAGES, catalogue


def words(lang: str) -> dict[str, str]:
    """Every text of the dashboard in `lang` (Vietnamese for a language we do not have)."""
    return catalogue("web", lang if lang in LANGUAGES else "vi")


def word(lang: str, key: str, **values: object) -> str:
    text = words(lang).get(key) or words("vi")[key]
    return text.format(**values) if values else text


def day(moment: dt.datetime | dt.date | None) -> str:
    """dd/mm/yyyy, in Vietnam's time."""
    if moment is None:
        return "—"
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(VN)
    return f"{moment:%d/%m/%Y}"


def day_time(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(VN):%d/%m/%Y %H:%M}" if moment else "—"


def category_label(lang: str, category: str) -> str:
    return LABELS.get(lang, LABELS["vi"]).get(Category(category), category) if category else ""


def level_label(lang: str, level: str) -> str:
    if lang == "en":
        return level.replace("_", " ")
    return LEVEL_NAMES.get(level, level)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "email": "E-mail", "sms": "SMS"}


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def file_size(size: int, lang: str) -> str:
    """A file's size as people read it: "38 KB", "2,9 MB"."""
    from babel.numbers import format_decimal

    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{format_decimal(round(size / 1024 / 1024, 1), locale='en' if lang == 'en' else 'vi_VN')} MB"
