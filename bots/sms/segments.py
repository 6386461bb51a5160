"""Text messages as the networks count them: a message whose characters all belong to the
GSM 03.38 alphabet goes as GSM-7 (160 characters, or 153 a part when split); any other
character (Vietnamese letters with diacritics among them) makes the whole message UCS-2
(70, or 67 a part). A brandname gateway bills per part."""

from __future__ import annotations

from dataclasses import dataclass

from models.common.text import without_diacritics

GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")  # two septets each


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    parts: int
    characters: int


def count_segments(text: str) -> Segments:
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        septets = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        return Segments("GSM-7", 1 if septets <= 160 else -(-septets // 153), len(text))
    units = len(text.encode("utf-16-le")) // 2
    return Segments("UCS-2", 1 if units <= 70 else -(-units // 67), len(text))


def for_gateway(text: str, diacritics: bool) -> str:
    """The text as the gateway takes it: Vietnamese letters kept (UCS-2), or without
    diacritics (GSM-7 where nothing else is outside its alphabet)."""
    return text if diacritics else without_diacritics(text)
