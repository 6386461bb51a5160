"""The importer on the real Bình Định plan and on other layouts of the same table."""

import pytest

from models.plans.intake import import_plan
from tests.conftest import PLAN_TEXT

H, X, S = "UBND cấp huyện", "UBND cấp xã", "Các sở, ban, ngành"
LQ = "Các cơ quan có liên quan"

# Transcribed by hand from the annex "BẢNG PHÂN CÔNG NHIỆM VỤ CỤ THỂ":
# task → (lead phrases, coordinating phrases, timing phrase, timing kind).
EXPECTED = {
    "1.1": (["Sở Tư pháp", H, X], ["Các cơ quan thông tấn báo chí"], "Định kỳ hằng quý", "quarterly"),
    "1.2": ([H, X], [LQ], "Trước và trong quá trình bầu cử", "window"),
    "1.3": ([X], [], "Định kỳ hằng quý", "quarterly"),
    "1.4": (["Sở Nội vụ", H], [X], "Thường xuyên", "continuous"),
    "2.1": ([X], [], "Hằng năm", "annual"),
    "2.2": ([X], [], "Định kỳ hằng quý", "quarterly"),
    "2.3": ([H, X], [], "Ngay khi cấp có thẩm quyền phê duyệt", "on_event"),
    "2.4": (["Sở Tài nguyên và Môi trường"], [H], "Ngay khi cấp có thẩm quyền phê duyệt", "on_event"),
    "2.5": (["Văn phòng UBND tỉnh", "Sở Tài nguyên và Môi trường"], [H, X],
            "Ngay khi cấp có thẩm quyền phê duyệt", "on_event"),
    "3.1": ([S, H, X], [], "Thường xuyên", "continuous"),
    "3.2": ([S, H, X], [], "Theo quy định tại Nghị định số 90/2013/NĐ-CP", "per_rule"),
    "3.3": ([H, X], ["Sở Kế hoạch và Đầu tư", "Thanh tra cấp huyện", "Ủy ban MTTQ Việt Nam cấp huyện"],
            "Mỗi năm 01 lần", "annual"),
    "4.1": (["Sở Tư pháp", "Thanh tra tỉnh", H, X], [LQ], "Thường xuyên", "continuous"),
    "4.2": (["Sở Nội vụ", "Sở Y tế", "Sở Giáo dục và Đào tạo", H], [LQ], "Hằng Năm", "annual"),
    "4.3": (["Sở Nội vụ", "Sở Thông tin và Truyền thông"], [], "Thường xuyên", "continuous"),
    "5.1": ([S, H, X], [], "Theo Kế hoạch của UBND tỉnh", "per_rule"),
    "5.2": ([S, H, X], [], "Thường xuyên", "continuous"),
    "5.3": ([S, H, X], ["Sở Nội vụ"], "Thường xuyên", "continuous"),
    "5.4": (["Văn phòng UBND tỉnh", "Sở Nội vụ", H], [LQ], "Thường xuyên", "continuous"),
    "5.5": (["Các sở, ban, ngành tỉnh", H], ["Sở Thông tin và Truyền thông"], "Thường xuyên", "continuous"),
    "6.1": (["Bảo hiểm xã hội tỉnh"], [H, X], "Thường xuyên", "continuous"),
    "6.2": (["Sở Y tế"], [H, X], "", "unspecified"),
    "6.3": ([H, "Sở Giáo dục và Đào tạo"], [X], "", "unspecified"),
    "6.4": (["Sở Nông nghiệp và Phát triển nông thôn"], [H, X], "", "unspecified"),
    "6.5": (["Sở Công Thương", "Điện lực Bình Định"], [], "", "unspecified"),
    "6.6": ([H, X], [LQ], "", "unspecified"),
    "6.7": (["Công an tỉnh", "Công an cấp huyện", "Công an cấp xã"], [], "Thường xuyên", "continuous"),
    "7.1": (["Sở Tài nguyên và Môi trường"], [LQ], "Thường xuyên", "continuous"),
    "7.2": (["Sở Tài nguyên và Môi trường"], [LQ], "", "unspecified"),
    "7.3": (["Sở Tài nguyên và Môi trường"], [LQ], "", "unspecified"),
    "7.4": ([H, X], [], "", "unspecified"),
    "7.5": (["Sở Tài nguyên và Môi trường"], [LQ], "Thường xuyên", "continuous"),
    "8.1": (["Sở Thông tin và Truyền thông"], [S, H, X], "", "unspecified"),
    "8.2": (["Văn phòng UBND tỉnh", "Sở Thông tin và Truyền thông"], [S, H, X], "", "unspecified"),
    "8.3": (["Sở Thông tin và Truyền thông", "Văn phòng UBND tỉnh"], [S, H, X], "", "unspecified"),
}

AREAS = ["Tham gia của người dân ở cấp cơ sở", "Công khai, minh bạch", "Trách nhiệm giải trình với nhân dân",
         "Kiểm soát tham nhũng trong khu vực công", "Thủ tục hành chính", "Cung ứng dịch vụ công",
         "Quản trị môi trường", "Quản trị điện tử"]


@pytest.fixture(scope="module")
def binh_dinh(directory):
    return import_plan(PLAN_TEXT.read_text(encoding="utf-8"), str(PLAN_TEXT), directory)


def test_real_plan_has_8_areas_and_35_tasks(binh_dinh):
    assert binh_dinh.errors == [] and binh_dinh.warnings == []
    plan = binh_dinh.plan
    assert [a["title"] for a in plan["areas"]] == AREAS
    assert [t["id"] for t in plan["tasks"]] == list(EXPECTED)


@pytest.mark.parametrize("task_id", list(EXPECTED))
def test_real_plan_puts_every_cell_in_its_task(binh_dinh, task_id):
    task = next(t for t in binh_dinh.plan["tasks"] if t["id"] == task_id)
    lead, coordinating, phrase, kind = EXPECTED[task_id]
    assert list(task["lead"]) == lead
    assert list(task["coordinating"]) == coordinating
    assert dict(task["timing"]) == {"phrase": phrase, "kind": kind}
    assert task["area"] == task_id.split(".")[0]


def test_real_plan_details(binh_dinh):
    plan = dict(binh_dinh.plan["plan"])
    assert plan["id"] == "binh-dinh-53-2019"
    assert plan["number"] == "53/KH-UBND"
    assert plan["issued_by"] == "UBND tỉnh Bình Định"
    assert plan["issued_on"] == "2019-06-24"
    assert plan["coordinator"] == "Sở Nội vụ"
    assert "(PAPI)" in plan["title"]
    task_1_1 = binh_dinh.plan["tasks"][0]["text"]
    assert task_1_1.startswith("Tăng cường thông tin, tuyên truyền về Pháp lệnh")


# Another province's layout: other header words, an extra "Sản phẩm" column, no blank
# lines between cells (so an empty cell is an empty line), and a text broken in two.
OTHER_LAYOUT = """\
ỦY BAN NHÂN DÂN
TỈNH HÀ NAM
Số: 12/KH-UBND
Hà Nam, ngày 5 tháng 3 năm 2022
KẾ HOẠCH
NÂNG CAO CHỈ SỐ PAPI NĂM 2022
Sở Nội vụ chủ trì, theo dõi, đôn đốc việc thực hiện Kế hoạch.
STT
Nội dung công việc
Cơ quan chủ trì
Cơ quan phối hợp
Thời gian hoàn thành
Sản phẩm
I
Công khai, minh bạch
1
Công khai quy hoạch sử dụng đất
Sở Tài nguyên và Môi trường

Quý III/2022
Báo cáo
2
Rà soát thủ tục hành chính.
Tập trung lĩnh vực đất đai.
Các sở, ban, ngành; UBND cấp huyện
Văn phòng UBND tỉnh
Trước ngày 15/12 hằng năm
Danh mục
II
Quản trị điện tử
1
Nâng cấp Cổng dịch vụ công
Sở Thông tin và Truyền thông
Các sở, ban, ngành
Tháng 6/2022
Cổng mới
"""


def test_other_layout_is_read_from_its_header(directory):
    result = import_plan(OTHER_LAYOUT, "ha-nam.txt", directory)
    assert result.errors == []
    plan = result.plan
    assert [a["id"] for a in plan["areas"]] == ["I", "II"]
    tasks = {t["id"]: t for t in plan["tasks"]}
    assert list(tasks) == ["I.1", "I.2", "II.1"]
    assert list(tasks["I.1"]["coordinating"]) == []
    assert dict(tasks["I.1"]["timing"]) == {"phrase": "Quý III/2022", "kind": "once", "date": "2022-09-30"}
    assert tasks["I.1"]["outputs"] == "Báo cáo"
    assert tasks["I.2"]["text"] == "Rà soát thủ tục hành chính. Tập trung lĩnh vực đất đai."
    assert list(tasks["I.2"]["lead"]) == ["Các sở, ban, ngành", "UBND cấp huyện"]
    assert dict(tasks["I.2"]["timing"])["due"] == "15/12"
    assert dict(tasks["II.1"]["timing"])["date"] == "2022-06-30"
    info = dict(plan["plan"])
    assert (info["number"], info["issued_on"], info["coordinator"]) == ("12/KH-UBND", "2022-03-05", "Sở Nội vụ")
    assert info["issued_by"] == "UBND tỉnh Hà Nam"


def test_a_row_that_cannot_be_placed_is_kept_and_marked_with_its_line(directory):
    # Row 1.2 has two cells for four columns, and its unit is not in the directory:
    # whether it leads or coordinates cannot be told, so the importer says where.
    text = "Số TT\n\nNhiệm vụ\n\nĐơn vị chủ trì\n\nĐơn vị phối hợp\n\nThời gian thực hiện\n\n" \
           "1\n\nKhu vực\n\n1.1\n\nViệc một\n\nSở Y tế\n\nSở Nội vụ\n\nHằng năm\n\n" \
           "1.2\n\nViệc hai\n\nPhòng Quản lý đô thị\n\n1.3\n\nViệc ba\n\nSở Y tế\n\n \n\nHằng năm\n"
    result = import_plan(text, "broken.txt", directory)
    assert result.errors == []  # one doubtful row never stops an import: it is marked for review
    (marked,) = [p for p in result.warnings if p.field == "row 1.2"]
    assert marked.line == 25 and "check this row in the source" in marked.message and "review" in marked.message
    kept = next(t for t in result.plan["tasks"] if t["id"] == "1.2")
    assert kept["text"] == "Việc hai | Phòng Quản lý đô thị" and not kept["lead"]


def test_a_lost_empty_cell_is_placed_by_what_the_cells_say(directory):
    # Row 1.1 lost its empty coordinating cell: the timing phrase still lands in timing.
    text = "STT\nNhiệm vụ\nĐơn vị chủ trì\nĐơn vị phối hợp\nThời gian thực hiện\n" \
           "1.1\nViệc một\nSở Y tế\nĐịnh kỳ hằng quý\n1.2\nViệc hai\nSở Nội vụ\nSở Y tế\nHằng năm\n"
    result = import_plan(text, "lost.txt", directory)
    assert result.errors == []
    first = result.plan["tasks"][0]
    assert (list(first["coordinating"]), dict(first["timing"])["kind"]) == ([], "quarterly")


def test_no_header_is_an_error_not_a_guess(directory):
    result = import_plan("Kế hoạch\n\n1.1\n\nViệc\n", "x.txt", directory)
    assert result.plan is None
    assert "no responsibility matrix found" in result.errors[0].message


def test_unknown_units_and_timings_are_kept_and_flagged(directory):
    text = "STT\nNhiệm vụ\nĐơn vị chủ trì\nThời gian thực hiện\n1\nViệc\nSở Tư Phap\nKhi nào rảnh\n"
    result = import_plan(text, "x.txt", directory)
    assert result.errors == []
    task = result.plan["tasks"][0]
    assert list(task["lead"]) == ["Sở Tư Phap"]
    assert dict(task["timing"]) == {"phrase": "Khi nào rảnh", "kind": "unknown"}
    messages = [str(w) for w in result.warnings]
    assert any('x.txt:7: task 1.lead: "Sở Tư Phap" is not in the directory (did you mean "Sở Tư pháp"?)' == m
               for m in messages), messages
    assert any("x.txt:8: task 1.timing" in m for m in messages), messages


def test_letter_areas_and_a_missing_row_are_read_and_reported(directory):
    text = "TT.\nNội dung\nCơ quan chủ trì\nThời hạn\n(1)\n(2)\n(3)\n(4)\n" \
           "A\nKhu vực A\n1\nViệc một\nSở Y tế\nHằng năm\n3\nViệc ba\nSở Nội vụ\nHằng quý\n" \
           "B\nKhu vực B\n1\nViệc bốn\nSở Tư pháp\nThường xuyên\n"
    result = import_plan(text, "letters.txt", directory)
    assert result.errors == []
    assert [t["id"] for t in result.plan["tasks"]] == ["A.1", "A.3", "B.1"]
    assert [(w.line, w.field) for w in result.warnings if "jumps" in w.message] == [(15, "row 3")]


@pytest.mark.parametrize("cell, parties", [
    ("Các bộ, ngành, địa phương liên quan", ["Các bộ, ngành, địa phương liên quan"]),
    ("Các cơ quan, đơn vị, địa phương", ["Các cơ quan, đơn vị, địa phương"]),
    ("Bộ Nội vụ và các bộ, ngành liên quan", ["Bộ Nội vụ", "các bộ, ngành liên quan"]),
    ("Bộ Công an, Bộ Quốc phòng và các địa phương", ["Bộ Công an", "Bộ Quốc phòng", "các địa phương"]),
    ("Sở Khoa học và Công nghệ", ["Sở Khoa học và Công nghệ"]),  # "và" inside one name
    ("Các sở, ban, ngành tỉnh UBND cấp huyện", ["Các sở, ban, ngành tỉnh", "UBND cấp huyện"]),
    ("Theo phân công tại Quyết định số 12/QĐ-UBND của Chủ tịch UBND tỉnh",
     ["Theo phân công tại Quyết định số 12/QĐ-UBND của Chủ tịch UBND tỉnh"]),  # a reference, kept whole
    # bodies named by the fields they cover keep their inner comma
    ("Vụ Khoa học công nghệ, Đào tạo và Môi trường; Văn phòng Bộ",
     ["Vụ Khoa học công nghệ, Đào tạo và Môi trường", "Văn phòng Bộ"]),
    ("Trung tâm Xúc tiến đầu tư, thương mại và du lịch tỉnh, Sở Tài chính",
     ["Trung tâm Xúc tiến đầu tư, thương mại và du lịch tỉnh", "Sở Tài chính"]),
    ("Bộ Văn hóa, Thể thao và Du lịch, Bộ Y tế", ["Bộ Văn hóa, Thể thao và Du lịch", "Bộ Y tế"]),
    ("Sở Nội vụ, Liên minh Hợp tác xã và Hội Nông dân tỉnh",
     ["Sở Nội vụ", "Liên minh Hợp tác xã", "Hội Nông dân tỉnh"]),
    ("Cục Kiểm soát thủ tục hành chính, Văn phòng Chính phủ",
     ["Cục Kiểm soát thủ tục hành chính", "Văn phòng Chính phủ"]),
])
def test_unit_phrases_by_a_small_grammar(cell, parties):
    """Collective parties stay one party; "và" splits only between two parties; a cell that is
    a reference to another document is kept whole."""
    from models.org.directory import Directory

    assert Directory.empty().split(cell) == parties


def test_section_rows_by_their_shape_wherever_the_label_sits(directory):
    """The lead column before the task column ("A. | BỘ TƯ PHÁP" lands in lead and number), and
    a section's label in the task cell with the number cell empty ("I. Kinh tế số"): headings."""
    text = ("Cơ quan chủ trì\tTT\tNhiệm vụ\tThời gian hoàn thành\n"
            "A.\tBỘ TƯ PHÁP\t\t\n"
            "Bộ Tư pháp\t1\tRà soát văn bản\tQuý IV/2025\n"
            "\t\tI. Kinh tế số\t\n"
            "Bộ Công Thương\t2\tPhát triển thương mại điện tử\tHằng quý\n")
    plan = import_plan(text, "lead-first.txt", directory).plan
    assert [(a["id"], a["title"]) for a in plan["areas"]] == [("A", "BỘ TƯ PHÁP"), ("A.I", "Kinh tế số")]
    assert [(t["id"], t["area"], list(t["lead"])) for t in plan["tasks"]] == [
        ("1", "A", ["Bộ Tư pháp"]), ("2", "A.I", ["Bộ Công Thương"])]
