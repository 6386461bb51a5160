"""The plan's number, date, issuer, title and coordinator, from the text around its table.

A whole plan says them in its heading ("ỦY BAN NHÂN DÂN / TỈNH BÌNH ĐỊNH", "Số: 53/KH-UBND",
"KẾ HOẠCH …", "Sở Nội vụ theo dõi, đôn đốc"); an annex alone says them in its
"(Kèm theo Kế hoạch số 617/KH-UBND ngày 01/12/2025 của Ủy ban nhân dân tỉnh …)".
What is not found is left for the admin and listed as a warning.
"""

from __future__ import annotations

import re

from models.org.directory import Directory
from models.common.text import fold, nfc, slug

_NUMBER = r"(\d+/[A-ZĐ][\w.]*-[\w.-]+)"
_LEVELS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường")


def read_plan_info(text: str, directory: Directory) -> tuple[dict, list[str]]:
    body = nfc_lines(text)
    attached = _attached_to(body)
    number = _search(rf"Số:?\s*{_NUMBER}", body) or attached.get("number", "")
    issued_on = _date(body[:3000] if not attached.get("date") else attached["date"])
    issuer = _issuer(text.split("\n")) or attached.get("issuer", "")
    info = {"id": _plan_id(issuer, number, issued_on), "number": number, "title": _place_cased(title(text), issuer),
            "issued_by": issuer, "issued_on": issued_on, "coordinator": _coordinator(body, directory)}
    missing = [k for k, v in info.items() if not v and k != "id"]
    return info, missing


def _place_cased(title_text: str, issuer: str) -> str:
    """The province's name as the issuer writes it: "… thành phố hà nội" → "… thành phố Hà Nội"."""
    place = re.sub(r"^UBND\s+(?:tỉnh|thành phố)\s+", "", issuer, flags=re.IGNORECASE)
    if not place or place == issuer:
        return title_text
    return re.sub(re.escape(place), place, title_text, flags=re.IGNORECASE)


def nfc_lines(text: str) -> str:
    return "\n".join(nfc(line) for line in text.replace("*", "").split("\n"))


def _search(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    return m.group(1) if m else ""


def _date(text: str) -> str:
    m = re.search(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", text) or \
        re.search(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", text)
    return f"{int(m.group(3)):04d}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else ""


def _attached_to(body: str) -> dict:
    """"(Kèm theo Kế hoạch số 617/KH-UBND ngày 01/12/2025 của Ủy ban nhân dân tỉnh)"."""
    m = re.search(r"Kèm theo (?:Kế hoạch|Quyết định|Chương trình)[^)]*", body.replace("\n", " "))
    if not m:
        return {}
    found = m.group()
    out = {"number": _search(rf"số:?\s*{_NUMBER}", found), "date": found}
    if issuer := re.search(r"của\s+(?:Ủy ban nhân dân|UBND)\s+(.+)$", found):
        out["issuer"] = _ubnd(issuer.group(1).strip(" ."))
    return out


def _ubnd(place: str) -> str:
    """"Thành phố Hồ Chí Minh" → "UBND Thành phố Hồ Chí Minh"; "tỉnh" alone names no province."""
    if fold(place) in {fold(level) for level in _LEVELS}:
        return ""
    return f"UBND {place}"


def _issuer(lines: list[str]) -> str:
    """'ỦY BAN NHÂN DÂN' over 'TỈNH BÌNH ĐỊNH' → 'UBND tỉnh Bình Định'."""
    for i, line in enumerate(lines[:40]):
        if fold(line).strip(" *") == "uy ban nhan dan" and i + 1 < len(lines):
            place = nfc(lines[i + 1]).strip(" *").title()
            for level in ("Tỉnh", "Thành Phố", "Huyện", "Quận", "Thị Xã", "Xã", "Phường"):
                if place.startswith(level + " "):
                    return f"UBND {level.lower()} {place[len(level) + 1:]}"
    return ""


def title(text: str) -> str:
    """The upper-case line(s) after 'KẾ HOẠCH' in sentence case (acronyms in brackets kept);
    an annex alone: its own heading after 'PHỤ LỤC'."""
    lines = [nfc(line).strip(" *") for line in text.split("\n")]
    for heading in ("ke hoach", "phu luc"):
        for i, line in enumerate(lines[:80]):
            if fold(line) == heading:
                words = []
                for following in lines[i + 1:i + 8]:
                    if following and _mostly_upper(following) and not fold(following).startswith("(kem theo"):
                        words.append(following)
                    elif words or (following and not _mostly_upper(following)):
                        break
                if words:
                    joined = " ".join(words)
                    sentence = joined[:1] + joined[1:].lower()
                    return re.sub(r"\(([^)]*)\)", lambda m: f"({m.group(1).upper()})", _acronyms(sentence, joined))
                if written := _title_as_written(lines[i + 1:i + 5]):
                    return written
    return ""


def _title_as_written(lines: list[str]) -> str:
    """A title set in sentence case under the heading: its lines up to a blank line or the
    first "Căn cứ …" / "Thực hiện …" paragraph."""
    words = []
    for line in lines:
        if not line or re.match(r"(?i)(?:căn cứ|thực hiện|triển khai|nhằm|\(kèm theo|số:)", line) or len(line) > 200:
            break
        words.append(line)
    return " ".join(words)


def _mostly_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _acronyms(sentence: str, original: str) -> str:
    """Words written with digits or known acronyms keep their case ("5G, IoT", "PAPI")."""
    for word in re.findall(r"\b[\w]*\d[\w]*\b|\b(?:IoT|PAPI|PAR|SIPAS|UBND|HĐND)\b", original, re.IGNORECASE):
        sentence = re.sub(rf"\b{re.escape(word.lower())}\b", word, sentence)
    return sentence


def _coordinator(body: str, directory: Directory) -> str:
    """The unit that 'theo dõi, đôn đốc' (tracks and chases) the plan."""
    for m in re.finditer(r"(?:^|\n)(?:\d+\.\s*)?([^\n]{3,80}?)\s+(?:chủ trì,\s*)?theo dõi,\s*đôn đốc", body):
        target = directory.resolve(m.group(1))
        if target is not None and target.kind == "unit":
            return target.name
        if directory.resolve(m.group(1)) is None and fold(m.group(1)).startswith("so "):
            return m.group(1).strip()
    return ""


def _plan_id(issuer: str, number: str, issued_on: str) -> str:
    place = slug(re.sub(r"^UBND (tỉnh|thành phố) ", "", issuer, flags=re.IGNORECASE)) if issuer else "plan"
    return "-".join(p for p in (place, number.split("/")[0], issued_on[:4]) if p)
