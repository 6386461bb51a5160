"""Unit phrases in a plan's lead and coordinating cells, with or without a directory.

`plans/vocab/units.yaml` ships the generic names every province uses: the classes of
the two-level and three-level systems ("UBND các xã, phường, đặc khu"), the provincial
departments before and after the 2025 mergers with their abbreviations ("Sở KH&CN"),
and the words that name parties outside government ("Doanh nghiệp"). A cell is split
into the phrases a person would list:

- a known name is taken whole, so "UBND các phường, xã" keeps its inner comma and two
  names with no separator ("Sở Khoa học và Công nghệ Sở Công Thương") come apart;
- otherwise a phrase runs to the next ";" or ",", or to a "và" that a known name follows;
- a fragment that only qualifies the one before ("có liên quan", "khoản 1") stays with it;
- "… cấp tỉnh, cấp xã" lists the same body at two levels: both are written out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from models.common.text import fold, key, nfc
from models.common.yamlio import load_yaml

VOCABULARY = Path(__file__).resolve().parents[2] / "plans" / "vocab" / "units.yaml"

_TOKEN = re.compile(r"[;,]|[^\s;,]+")
_SEPARATORS = {";", ","}
# Words that start a fragment qualifying the phrase before it, not naming a unit.
_QUALIFIERS = {key(w) for w in ("có", "liên", "trên", "thuộc", "khoản", "điểm", "mục", "điều", "tại", "trong", "theo",
                                 "khu", "cụm")}
_LEVEL = re.compile(r"^cấp (tỉnh|huyện|xã|cơ sở|thành phố)$", re.IGNORECASE)


def _tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def name_key(text: str) -> str:
    """Key of a name: case, Unicode form, tone placement, punctuation spacing and a
    trailing full stop ignored."""
    return " ".join(key(t.group()) for t in _tokens(nfc(text).rstrip(" ."))).strip()


class Vocabulary:
    """Known names → their canonical name; and the outside-government words."""

    def __init__(self, doc: dict):
        self.canonical: dict[str, str] = {}
        for entry in [*doc.get("classes", []), *doc.get("units", [])]:
            for name in [entry["name"], *entry.get("aliases", [])]:
                self.canonical.setdefault(name_key(name), entry["name"])
        self.outside = [fold(w) for w in doc.get("outside", [])]

    def is_outside(self, phrase: str) -> bool:
        """A party outside government (businesses, investors, citizens): informed, never chased."""
        folded = fold(phrase)
        return any(folded == w or folded.startswith(w + " ") for w in self.outside)


@lru_cache(maxsize=1)
def _document() -> dict:
    return load_yaml(VOCABULARY)


def vocabulary_entries(kind: str) -> list[dict]:
    """The shipped "classes" or "units", as written in the YAML."""
    return list(_document().get(kind, []))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary(_document())


class Splitter:
    """Splits a cell into unit phrases using a set of known name keys."""

    def __init__(self, known: set[str]):
        self.known = known
        self.longest = max((len(k.split(" ")) for k in known), default=1)

    def split(self, cell: str) -> list[str]:
        text = nfc(cell)
        if _SENTENCE.match(text):  # "Theo phân công tại Quyết định số …": a reference, kept whole
            return [text.rstrip(" .;,")]
        kept = [m.group() for m in _COLLECTIVE.finditer(text)  # "Các bộ, ngành, địa phương liên quan": one party
                if not self._known_prefix(m.group())]  # a name the vocabulary has is read as it has it
        for i, phrase in enumerate(kept):
            text = text.replace(phrase, f"\u27e6{i}\u27e7", 1)
        return [_restored(p, kept) for p in self._split(text)]

    def _split(self, text: str) -> list[str]:
        tokens = _tokens(text)
        spans: list[tuple[int, int]] = []  # token ranges of the phrases
        i = 0
        while i < len(tokens):
            word = tokens[i].group()
            if word in _SEPARATORS or word.casefold() in {"và", "."}:
                i += 1
                continue
            known = self._known_at(tokens, i)
            end = self._extended(tokens, known) if known else self._fragment_end(tokens, i)
            if spans and not known and key(word) in _QUALIFIERS and word[:1].islower():
                spans[-1] = (spans[-1][0], end)  # "có liên quan", "khoản 1": part of the phrase before
            else:
                spans.append((i, end))
            i = end
        spans = _join_field_lists(tokens, spans)
        phrases = [text[tokens[a].start():tokens[b - 1].end()].rstrip(" .;,") for a, b in spans]
        return _write_out_levels([p for p in phrases if p])

    def _known_at(self, tokens: list[re.Match], start: int) -> int | None:
        if tokens[start].group().startswith("\u27e6"):
            return start + 1  # a collective party kept whole
        for end in range(min(len(tokens), start + self.longest), start, -1):
            if " ".join(key(t.group()) for t in tokens[start:end]).rstrip(" .") in self.known:
                return end
        return None

    def _known_prefix(self, phrase: str) -> bool:
        tokens = _tokens(phrase)
        return any(" ".join(key(t.group()) for t in tokens[:n]) in self.known for n in range(len(tokens), 1, -1))

    def _party_at(self, tokens: list[re.Match], start: int) -> bool:
        """Whether a party begins here, so a "và" before it joins two parties (not the words of
        one name, as in "Sở Khoa học và Công nghệ"): a known name, or "các …" (a collective)."""
        if start >= len(tokens):
            return False
        word = tokens[start].group()
        return bool(self._known_at(tokens, start)) or word.casefold() == "các"

    def _extended(self, tokens: list[re.Match], end: int) -> int:
        """A known name goes on to the next separator when words follow it directly
        ("Sở Tài chính tỉnh Đồng Nai", "UBND các phường, xã có liên quan"), unless they
        start another known name ("Sở Khoa học và Công nghệ Sở Công Thương")."""
        if end >= len(tokens) or tokens[end].group() in _SEPARATORS or tokens[end].group().casefold() == "và" \
                or self._known_at(tokens, end):
            return end
        return self._fragment_end(tokens, end)

    def _fragment_end(self, tokens: list[re.Match], start: int) -> int:
        end = start + 1
        while end < len(tokens) and tokens[end].group() not in _SEPARATORS:
            if tokens[end].group().casefold() == "và" and self._party_at(tokens, end + 1):
                break
            if end > start + 1 and tokens[end].group() in ("Sở", "UBND") and self._known_at(tokens, end):
                break  # a second name with no separator: "Ban Quản lý … Sở Công Thương"
            end += 1
        return end


# Collective parties: "các" and nouns for kinds of bodies, listed with commas ("Các bộ, ngành,
# địa phương liên quan", "các cơ quan, đơn vị, địa phương", "các sở, ban, ngành"), with what
# qualifies them after. Cutting at those commas made three parties of one.
_BODY = (r"(?:bộ|ban|ngành|sở|địa phương|cơ quan|đơn vị|tổ chức(?: chính trị - xã hội)?|đoàn thể|doanh nghiệp|hội|"
         r"cơ sở|trường|viện|trung tâm|xã|phường|đặc khu|thị trấn|quận|huyện|thành phố|tỉnh|ủy ban|cấp ủy|"
         r"mặt trận|hiệp hội)")
_COLLECTIVE = re.compile(rf"(?i)\bcác\s+{_BODY}(?:\s*,\s*{_BODY})+"
                         r"(?:\s+(?:có\s+)?liên\s+quan|\s+(?:trên\s+địa\s+bàn|thuộc|trực\s+thuộc|của)\s+[^,;]+)?")
_SENTENCE = re.compile(r"(?i)^\s*(?:theo\s+(?:phân\s+công|quy\s+định|chỉ\s+đạo)|căn\s+cứ)\b")


# Bodies named by the fields they cover, which Vietnamese lists with a comma before "và":
# "Vụ Khoa học công nghệ, Đào tạo và Môi trường", "Trung tâm Xúc tiến đầu tư, thương mại và du lịch".
# (First words: "Tổng" for Tổng cục, "Chi" for Chi cục, "Trung" for Trung tâm, "Học" for Học viện.)
_NAMED_BY_FIELDS = {key(w) for w in ("Bộ", "Sở", "Vụ", "Cục", "Tổng", "Chi", "Trung", "Viện", "Ban", "Phòng", "Học",
                                      "Trường", "Quỹ", "Hội")}
# Words that begin a body's name: a fragment that starts with one is a party of its own.
_ORGAN_WORDS = _NAMED_BY_FIELDS | {key(w) for w in (
    "UBND", "Ủy", "Uỷ", "HĐND", "Văn", "Thanh", "Công", "Bộ", "Kho", "Thuế", "Bảo", "Đài", "Báo", "Bệnh", "Liên",
    "Tỉnh", "Thành", "Đoàn", "Tòa", "Toà", "Ngân", "Kiểm", "Tập", "Tổng", "Hiệp", "Các", "các", "Doanh", "Đảng",
    "Mặt", "Quân", "Cảnh", "Hải", "Cảng", "Nhà", "Người", "Hợp", "Cơ", "Đơn", "Địa", "Lãnh", "Chủ", "Thường")}


def _join_field_lists(tokens: list[re.Match], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A fragment after a comma that names fields, not a body ("Đào tạo và Môi trường"), ends
    the name before it when that name is a body named by its fields."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        words = [t.group() for t in tokens[a:b]]
        if out and tokens[a - 1].group() == "," and "và" in words[1:-1] and key(words[0]) not in _ORGAN_WORDS \
                and not words[0].startswith("\u27e6") and key(tokens[out[-1][0]].group()) in _NAMED_BY_FIELDS:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _restored(phrase: str, kept: list[str]) -> str:
    return re.sub("\u27e6(\\d+)\u27e7", lambda m: kept[int(m.group(1))], phrase)


def _write_out_levels(phrases: list[str]) -> list[str]:
    """"Ban Chỉ huy Phòng thủ dân sự cấp tỉnh", "cấp xã" → the body named at both levels."""
    out: list[str] = []
    for phrase in phrases:
        m = _LEVEL.match(phrase)
        if m and out and (head := re.match(r"(.+?)\s+cấp \S+(?: \S+)?$", out[-1])):
            out.append(f"{head.group(1)} {phrase}")
        else:
            out.append(phrase)
    return out
