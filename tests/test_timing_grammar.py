"""The timing grammar: each named rule with its examples, compound cells, and what is never guessed."""

import pytest

from models.plans.timing import RULES, parse_timing, plan_year

# rule → [(cell, expected YAML without the phrase)]
EXAMPLES = {
    "continuous": [
        ("Thường xuyên trong năm", {"kind": "continuous"}),
        ("Thường xuyên cả năm", {"kind": "continuous"}),
        ("Thường xuyên", {"kind": "continuous"}),
        ("Liên tục", {"kind": "continuous"}),
        ("Thường xuyên, liên tục", {"kind": "continuous"}),
        ("Hằng ngày", {"kind": "continuous"}),
        ("Duy trì thường xuyên", {"kind": "continuous"}),
        ("Nhiệm vụ thường xuyên", {"kind": "continuous"}),
    ],
    "within_period": [
        ("Thường xuyên trong giai đoạn 2026-2030", {"kind": "continuous", "start": "2026-01-01",
                                                  "end": "2030-12-31"}),
        ("Hằng năm trong giai đoạn 2026 - 2030", {"kind": "annual", "start": "2026-01-01", "end": "2030-12-31"}),
    ],
    "continuous_from": [
        ("Bắt đầu thực hiện từ năm 2026", {"kind": "continuous", "start": "2026-01-01"}),
        ("Thực hiện từ quý III/2026", {"kind": "continuous", "start": "2026-07-01"}),
        ("Từ năm 2026", {"kind": "continuous", "start": "2026-01-01"}),
        ("Bắt đầu từ 01/7/2026", {"kind": "continuous", "start": "2026-07-01"}),
        ("Từ năm 2026 trở đi", {"kind": "continuous", "start": "2026-01-01"}),
    ],
    "yearly_from": [
        ("Năm 2025 và các năm tiếp theo", {"kind": "annual", "start": "2025-01-01"}),
        ("Từ năm 2026 và những năm tiếp theo", {"kind": "annual", "start": "2026-01-01"}),
    ],
    "recurrence": [
        ("Hằng năm và giai đoạn", {"kind": "annual"}),
        ("Hằng quý", {"kind": "quarterly"}),
        ("Định kỳ hằng quý", {"kind": "quarterly"}),
        ("định kì hàng quí", {"kind": "quarterly"}),
        ("Định kỳ 6 tháng", {"kind": "semiannual"}),
        ("Hằng tháng", {"kind": "monthly"}),
        ("Hàng năm", {"kind": "annual"}),
        ("Hằng Năm", {"kind": "annual"}),
        ("Mỗi năm 01 lần", {"kind": "annual"}),
        ("Quý 1 lần", {"kind": "quarterly"}),
        ("01 lần/năm", {"kind": "annual"}),
        ("2 lần/năm", {"kind": "semiannual"}),
        ("Định kỳ hằng năm.", {"kind": "annual"}),
        ("6 tháng/lần", {"kind": "semiannual"}),
        ("01 lần/3 tháng", {"kind": "quarterly"}),
        ("Quý/lần", {"kind": "quarterly"}),
    ],
    "yearly_on": [
        ("Từ tháng 3 đến tháng 11 hằng năm", {"kind": "annual", "due": "30/11"}),
        ("Ban hành kế hoạch trong tháng 01 hằng năm và tổ chức thực hiện", {"kind": "annual", "due": "31/01"}),
        ("Trước ngày 15/12 hằng năm", {"kind": "annual", "due": "15/12"}),
        ("Trước ngày 20 tháng 6 hằng năm", {"kind": "annual", "due": "20/06"}),
        ("Tháng 12 hằng năm", {"kind": "annual", "due": "31/12"}),
        ("Quý I hằng năm", {"kind": "annual", "due": "31/03"}),
        ("Hằng năm, trước ngày 15/12", {"kind": "annual", "due": "15/12"}),
        ("Hằng năm (trước ngày 15/12)", {"kind": "annual", "due": "15/12"}),
        ("Trước 15/12 hằng năm", {"kind": "annual", "due": "15/12"}),
        ("6 tháng đầu năm", {"kind": "annual", "due": "30/06"}),
    ],
    "period_day": [
        ("Trước ngày 10 hằng tháng", {"kind": "monthly", "day": 10}),
        ("Ngày 20 tháng cuối của quý", {"kind": "quarterly", "day": 20}),
        ("Trước ngày 25 của tháng cuối quý", {"kind": "quarterly", "day": 25}),
        ("Hằng tháng (trước ngày 20)", {"kind": "monthly", "day": 20}),
        ("Ngày 25 hằng tháng", {"kind": "monthly", "day": 25}),
        ("Tuần đầu tiên hằng tháng", {"kind": "monthly", "day": 7}),
    ],
    "next_period_day": [
        ("Trước ngày 05 của tháng liền kề", {"kind": "monthly", "after_end": 5}),
        ("Hằng tháng, trước ngày 05 tháng sau", {"kind": "monthly", "after_end": 5}),
        ("Ngày 10 tháng đầu quý sau", {"kind": "quarterly", "after_end": 10}),
        ("Hằng quý, trước ngày 10 tháng đầu quý tiếp theo", {"kind": "quarterly", "after_end": 10}),
        ("Trước ngày 31/01 năm liền kề", {"kind": "annual", "after_end": 31}),
        ("Chậm nhất ngày 10/01 năm sau", {"kind": "annual", "after_end": 10}),
        ("Hằng năm, trước ngày 15/02 năm sau", {"kind": "annual", "after_end": 46}),
    ],
    "range": [
        ("2026-2030", {"kind": "window", "start": "2026-01-01", "end": "2030-12-31"}),
        ("2026 - 2030", {"kind": "window", "start": "2026-01-01", "end": "2030-12-31"}),
        ("Năm 2025 - 2026", {"kind": "window", "start": "2025-01-01", "end": "2026-12-31"}),
        ("Giai đoạn 2021-2025", {"kind": "window", "start": "2021-01-01", "end": "2025-12-31"}),
        ("Quý IV/2025- Quý II/2026", {"kind": "window", "start": "2025-10-01", "end": "2026-06-30"}),
        ("Từ tháng 10/2025 đến tháng 6/2026", {"kind": "window", "start": "2025-10-01", "end": "2026-06-30"}),
        ("Từ năm 2026 đến năm 2030", {"kind": "window", "start": "2026-01-01", "end": "2030-12-31"}),
        ("Tháng 11 - 12/2025", {"kind": "window", "start": "2025-11-01", "end": "2025-12-31"}),
        ("Quý I - II/2026", {"kind": "window", "start": "2026-01-01", "end": "2026-06-30"}),
    ],
    "deadline": [
        ("30/06/2025", {"kind": "once", "date": "2025-06-30"}),
        ("Trước ngày 30/11/2025", {"kind": "once", "date": "2025-11-30"}),
        ("Tháng 5 năm 2026", {"kind": "once", "date": "2026-05-31"}),
        ("Tháng 6/2022", {"kind": "once", "date": "2022-06-30"}),
        ("Quý IV/2025", {"kind": "once", "date": "2025-12-31"}),
        ("Quí IV-2025", {"kind": "once", "date": "2025-12-31"}),
        ("Quý III Năm 2026", {"kind": "once", "date": "2026-09-30"}),
        ("Năm 2026", {"kind": "once", "date": "2026-12-31"}),
        ("2026", {"kind": "once", "date": "2026-12-31"}),
        ("**2025**", {"kind": "once", "date": "2025-12-31"}),
        ("Trong quý II/2026", {"kind": "once", "date": "2026-06-30"}),
        ("Trước quý III/2026", {"kind": "once", "date": "2026-06-30"}),
        ("6 tháng đầu năm 2026", {"kind": "once", "date": "2026-06-30"}),
        ("Cuối năm 2025", {"kind": "once", "date": "2025-12-31"}),
        ("Ngày 15 tháng 12 năm 2025", {"kind": "once", "date": "2025-12-15"}),
        ("Chậm nhất ngày 30/6/2026", {"kind": "once", "date": "2026-06-30"}),
        ("Trước 31/12/2025", {"kind": "once", "date": "2025-12-31"}),
        ("Hoàn thành năm 2026", {"kind": "once", "date": "2026-12-31"}),
        ("Đến hết năm 2025", {"kind": "once", "date": "2025-12-31"}),
        ("Chậm nhất trong tháng 12/2025", {"kind": "once", "date": "2025-12-31"}),
        ("Từ nay đến năm 2030", {"kind": "once", "date": "2030-12-31"}),
        ("Đầu năm 2026", {"kind": "once", "date": "2026-03-31"}),
        ("Giữa năm 2026", {"kind": "once", "date": "2026-06-30"}),
    ],
    "event": [
        ("Sau 03 tháng kể từ khi có văn bản hướng dẫn", {"kind": "on_event"}),
        ("Sau 5 ngày làm việc kể từ ngày nhận được hồ sơ", {"kind": "on_event"}),
        ("Khi có phát sinh", {"kind": "on_event"}),
        ("Khi có phát sinh.", {"kind": "on_event"}),
        ("Ngay khi cấp có thẩm quyền phê duyệt", {"kind": "on_event"}),
        ("Sau khi có Quy chế của TW", {"kind": "on_event"}),
        ("Khi có yêu cầu", {"kind": "on_event"}),
        ("Theo yêu cầu", {"kind": "on_event"}),
        ("Sau khi Kế hoạch được ban hành", {"kind": "on_event"}),
        ("Đột xuất", {"kind": "on_event"}),
        ("Trong thời gian 30 ngày kể từ ngày ký", {"kind": "on_event"}),
    ],
    "event_window": [
        ("Trước và trong quá trình bầu cử", {"kind": "window"}),
    ],
    "per_rule": [
        ("Theo các mốc thời gian tại Quyết định số 123/QĐ-TTg", {"kind": "per_rule"}),
        ("Theo quy định", {"kind": "per_rule"}),
        ("Theo Kế hoạch riêng", {"kind": "per_rule"}),
        ("Theo quy định tại Nghị định số 90/2013/NĐ-CP", {"kind": "per_rule"}),
        ("Theo Kế hoạch của UBND tỉnh", {"kind": "per_rule"}),
        ("Theo tiến độ dự án", {"kind": "per_rule"}),
        ("Đúng thời hạn quy định", {"kind": "per_rule"}),
    ],
}


def test_every_rule_has_examples():
    assert set(EXAMPLES) == set(RULES)


@pytest.mark.parametrize("cell,expected", [pair for pairs in EXAMPLES.values() for pair in pairs])
def test_rule_examples(cell, expected):
    assert parse_timing(cell).as_yaml() == {"phrase": cell, **expected}


COMPOUNDS = [
    ("Hoàn thành trong quý II/2026, sau đó cập nhật hằng năm",
     {"kind": "once", "date": "2026-06-30", "then": [{"phrase": "sau đó cập nhật hằng năm", "kind": "annual"}]}),
    ("Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính",
     {"kind": "continuous", "then": [{"phrase": "định kỳ hằng quý báo cáo về Sở Tài chính", "kind": "quarterly",
                                      "report_to": "Sở Tài chính"}]}),
    ("Thường xuyên, hằng năm", {"kind": "continuous", "then": [{"phrase": "hằng năm", "kind": "annual"}]}),
    ("Định kỳ 6 tháng và hằng năm", {"kind": "semiannual", "then": [{"phrase": "hằng năm", "kind": "annual"}]}),
    ("Báo cáo trước ngày 15/12 hằng năm về Sở Nội vụ", None),  # the unit before the frequency: not read
    ("Hằng năm báo cáo về Sở Nội vụ", {"kind": "annual", "report_to": "Sở Nội vụ"}),
    ("Thường xuyên, kịp thời", {"kind": "continuous"}),
    ("Hằng quý (trước ngày 20 của tháng cuối quý)", {"kind": "quarterly", "day": 20}),
    ("Hằng năm (báo cáo trước 15/12)", {"kind": "annual", "due": "15/12"}),
    ("Hằng năm, trước 15/12 báo cáo UBND tỉnh", {"kind": "annual", "due": "15/12", "report_to": "UBND tỉnh"}),
    ("Hằng năm báo cáo kết quả thực hiện", {"kind": "annual"}),
    ("Thường xuyên hằng năm", {"kind": "continuous", "then": [{"phrase": "hằng năm", "kind": "annual"}]}),
    ("Thường xuyên (báo cáo hằng quý)",
     {"kind": "continuous", "then": [{"phrase": "báo cáo hằng quý", "kind": "quarterly"}]}),
    ("Hằng quý, 6 tháng, năm", {"kind": "quarterly", "then": [{"phrase": "6 tháng", "kind": "semiannual"},
                                                              {"phrase": "năm", "kind": "annual"}]}),
]


@pytest.mark.parametrize("cell,expected", COMPOUNDS)
def test_compound_cells(cell, expected):
    got = parse_timing(cell).as_yaml()
    assert got == ({"phrase": cell, **expected} if expected else {"phrase": cell, "kind": "unknown"})


def test_year_relative_phrases_take_the_plans_own_year():
    assert parse_timing("6 tháng đầu năm", year=2023).as_yaml()["date"] == "2023-06-30"
    assert parse_timing("Quý III", year=2023).as_yaml()["date"] == "2023-09-30"
    assert parse_timing("Trước ngày 30/6", year=2023).as_yaml()["date"] == "2023-06-30"
    assert parse_timing("Quý III").kind == "unknown"  # no year known: not guessed
    assert plan_year("Kế hoạch cải thiện chỉ số PAPI năm 2023") == 2023
    assert plan_year("Kế hoạch phát triển kinh tế số giai đoạn 2026 - 2030") is None
    assert plan_year("Kế hoạch phát triển hạ tầng 5G đến năm 2030") is None


@pytest.mark.parametrize("cell", [
    "Trước ngày 31/02 hằng năm", "Tháng 13/2022", "Khi nào rảnh", "Quý V/2022", "Hằng tuần",
    "Quý II và Quý IV/2026", "2030-2026", "Quý IV/2025, Quý II/2026", "Năm 2026, theo quy định",
    "Năm 2025, 2026", "Hằng năm và khi có yêu cầu", "Năm học 2025-2026", "Quý IV/2025 (đã hoàn thành)",
    "Kịp thời", "Năm 2026 (hoàn thành trước 30/6/2026)", "Hằng năm hoặc đột xuất",
    "Tháng 6/2026 và tháng 12/2026", "Trước ngày 31/3 năm sau", "Ngày 30 tháng liền kề", "Quý I, II/2026",
])
def test_what_is_not_read_is_unknown_never_guessed(cell):
    timing = parse_timing(cell)
    assert timing.kind == "unknown" and timing.phrase == cell and timing.needs_decision()


@pytest.mark.parametrize("cell", ["", " ", "-", "…"])
def test_an_empty_cell_is_unspecified(cell):
    assert parse_timing(cell).kind == "unspecified"
