"""Normalising Vietnamese text so that the same words typed differently compare equal.

Admins type unit names by hand, plans are copied from web pages, and the same
syllable can arrive in NFC or NFD, with the tone mark on either vowel ("hoà" vs
"hòa", the old and new placement rules), in any case and with stray spaces.
"""

import re
from functools import lru_cache
import unicodedata

# The five Vietnamese tone marks as combining characters (NFD). The other
# combining marks (circumflex, breve, horn) change the letter, not the tone.
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\S+")


def nfc(text: str) -> str:
    """NFC form with runs of white space (including non-breaking) folded to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _tone_free_syllable(word: str) -> str:
    """Move a syllable's tone mark to its end, so both placement rules give one key."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    base = "".join(c for c in decomposed if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", base) + "".join(tones)


def key(text: str) -> str:
    """Comparison key: case, Unicode form, tone-mark placement and spacing ignored.

    Letters and their diacritics still count, so "Sở Tư Phap" does not match
    "Sở Tư pháp": a missing accent is a typo to report, not a name to accept.
    """
    folded = nfc(text).casefold()
    return _WORD.sub(lambda m: _tone_free_syllable(m.group()), folded)


def fold(text: str) -> str:
    """Key with every diacritic removed (đ → d): for pattern matching and suggestions."""
    decomposed = unicodedata.normalize("NFD", nfc(text).casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d")


def slug(text: str) -> str:
    """ASCII identifier from a Vietnamese name: "Sở Tư pháp" → "so-tu-phap"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def without_diacritics(text: str) -> str:
    """The same text with every diacritic removed, case kept (đ → d, Đ → D): what a text
    message without Unicode carries."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


def code_key(code: str) -> tuple:
    """"1.10" after "1.9": a dotted code's numbers compared as numbers."""
    return tuple(int(part) if is_number(part) else part for part in code.split("."))


# Characters nobody means to type: C0 and C1 controls but tab and newline (a bell, an escape
# sequence, NUL, which PostgreSQL refuses in text), the bidi overrides and isolates that make
# "hồ sơ\u202eexe.fdp" read as "hồ sơpdf.exe", lone surrogates and the non-characters that
# XML (Excel, Word) refuses.
_UNTYPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def plain_text(text: str) -> str:
    """Text from outside (a chat, a form, a file name, a plan cell) as we keep and show it:
    printable characters, tabs and line breaks; carriage returns become line breaks."""
    return _UNTYPED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def is_number(text: str) -> bool:
    """Digits 0-9 only: what int() takes. str.isdigit() also says yes to "²" and "①", on
    which int() raises, so one such character typed anywhere became a crash."""
    return text.isascii() and text.isdigit()


def did_you_mean(typed: str, known: list[str]) -> str:
    """'; did you mean "binh-dinh-53-2019"?' when an id close to the one typed exists."""
    import difflib

    close = difflib.get_close_matches(typed, known, n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


@lru_cache(maxsize=1)
def _vietnamese_collator():
    import icu  # ICU's Vietnamese collation (icukit-pyicu bundles the library)
    return icu.Collator.createInstance(icu.Locale("vi_VN"))


def vi_key(text: str) -> bytes:
    """Sort key in Vietnamese alphabetical order: a ă â b c d đ e ê … o ô ơ … u ư …, tones after
    the letter ("Bình Định" before "Bùi Thị Xuân", "Đập Đá" after every D and before E)."""
    return _vietnamese_collator().getSortKey(text or "")


def cut_at_word(text: str, most: int) -> str:
    """A text cut to at most `most` characters at a word, with "…": a task's text on a phone."""
    if len(text) <= most:
        return text
    cut = text[:most - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:.- ") + "…"
