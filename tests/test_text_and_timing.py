"""Name keys and timing phrases: the same words typed differently read the same."""

import unicodedata
from datetime import date

import pytest

from models.common.text import fold, key
from models.plans.timing import TimingKind, parse_timing


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_key_ignores_case_unicode_form_spacing_and_tone_placement():
    assert key("Sở  Tư pháp") == key("sở tư PHÁP") == key(nfd("Sở Tư pháp"))
    assert key("Sở Văn hoá") == key("Sở Văn hóa")  # old and new tone placement
    assert key("Thuỷ lợi") == key("Thủy lợi")


def test_key_keeps_letters_so_a_missing_accent_is_a_difference():
    assert key("Sở Tư Phap") != key("Sở Tư pháp")
    assert fold("Sở Tư Phap") == fold("Sở Tư pháp") == "so tu phap"


# Every phrase DOMAIN.md lists, verbatim, with its kind and dates.
PHRASES = [
    ("Định kỳ hằng quý", TimingKind.quarterly, {}),
    ("Hằng năm", TimingKind.annual, {}),
    ("Hằng Năm", TimingKind.annual, {}),
    ("Mỗi năm 01 lần", TimingKind.annual, {}),
    ("Thường xuyên", TimingKind.continuous, {}),
    ("Ngay khi cấp có thẩm quyền phê duyệt", TimingKind.on_event, {}),
    ("Trước và trong quá trình bầu cử", TimingKind.window, {}),
    ("Theo quy định tại Nghị định số 90/2013/NĐ-CP", TimingKind.per_rule, {}),
    ("Theo Kế hoạch của UBND tỉnh", TimingKind.per_rule, {}),
    ("", TimingKind.unspecified, {}),
    (" ", TimingKind.unspecified, {}),
    ("Quý III/2022", TimingKind.once, {"date": date(2022, 9, 30)}),
    ("Năm 2023", TimingKind.once, {"date": date(2023, 12, 31)}),
    ("Trước ngày 15/12 hằng năm", TimingKind.annual, {"due": "15/12"}),
    ("Tháng 6/2022", TimingKind.once, {"date": date(2022, 6, 30)}),
    ("6 tháng đầu năm", TimingKind.annual, {"due": "30/06"}),
    ("Giai đoạn 2021-2025", TimingKind.window, {"start": date(2021, 1, 1), "end": date(2025, 12, 31)}),
    ("Định kỳ 6 tháng", TimingKind.semiannual, {}),
]


@pytest.mark.parametrize("phrase,kind,dates", PHRASES)
def test_domain_phrases(phrase, kind, dates):
    timing = parse_timing(phrase)
    assert timing.kind is kind
    for name, value in dates.items():
        assert getattr(timing, name) == value
    assert timing.phrase == phrase.strip()


@pytest.mark.parametrize("variant", [
    "định kì hàng quí", nfd("Định kỳ hằng quý"), "ĐỊNH KỲ HẰNG QUÝ", "Định kỳ  hằng quý.", "Hàng quý",
])
def test_typing_variants_read_the_same(variant):
    assert parse_timing(variant).kind is TimingKind.quarterly


@pytest.mark.parametrize("phrase", ["Trước ngày 31/02 hằng năm", "Tháng 13/2022", "Khi nào rảnh", "Quý V/2022"])
def test_unknown_or_impossible_phrases_are_not_guessed(phrase):
    timing = parse_timing(phrase)
    assert timing.kind is TimingKind.unknown and timing.phrase == phrase
    assert timing.needs_decision()


def test_which_kinds_need_a_decision():
    assert parse_timing("Theo Kế hoạch của UBND tỉnh").needs_decision()
    assert parse_timing("").needs_decision()
    assert parse_timing("Trước và trong quá trình bầu cử").needs_decision()  # a window with no dates yet
    assert not parse_timing("Giai đoạn 2021-2025").needs_decision()
    assert not parse_timing("Ngay khi cấp có thẩm quyền phê duyệt").needs_decision()
