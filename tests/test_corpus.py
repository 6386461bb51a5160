"""Real plans as they were published (tests/corpus, a copy of shared/plans/corpus: the
Government's, ministries', a department's and a party office's matrices in Markdown, Word,
PDF, spreadsheet and text), imported without a directory as a new user would. The
expectations are read off the documents themselves (each has its .source.txt)."""

from pathlib import Path

import pytest

from models.plans.intake import import_file

CORPUS = Path(__file__).resolve().parent / "corpus"


def imported(name: str) -> dict:
    result = import_file(CORPUS / name)
    assert result.plan is not None and result.errors == [], [str(e) for e in result.errors[:3]]
    return result.plan


def tasks_of(plan: dict) -> dict[str, dict]:
    return {t["id"]: t for t in plan["tasks"]}


@pytest.mark.parametrize("name, rows", [  # the task rows each .source.txt counts, as a range where it says "about"
    ("01-cp-nq03-2025-nq57-phuluc2.md", (140, 146)), ("10-cp-nq66.18-2026-danhmuc-vbqppl.docx", (145, 155)),
    ("12-laocai-sct-kh2242-2026-kiemtra-vlncn.docx", (9, 9)), ("14-btnmt-kh09-2024-ct13-tinchi-cacbon.txt", (9, 9)),
    ("18-hanoi-btctu-phongtccb-nhiemvu-2026.xlsx", (370, 380)),
])
def test_every_published_plan_imports_its_rows(name, rows):
    """No plan is refused for a row it doubts: the draft is written and the doubts marked."""
    count = len(imported(name)["tasks"])
    assert rows[0] <= count <= rows[1], count


@pytest.mark.parametrize("name", ["02-ttg-qd844-2026-bhyt.pdf", "04-cp-nq105-2026-kl210-bomay.pdf",
                                  "06-ttg-qd982-2026-dn-congnghe-so.pdf", "07-cp-nq116-2026-phongchongthientai.pdf",
                                  "09-cp-nq97-2026-nq66-bosung.pdf", "16-hanoi-syt-cv6582-2026-ditru-hssk.pdf"])
def test_an_official_gazette_pdf_is_never_refused(name):
    """The Gazette's tables have no vertical rules: their cells are found, but a task's lines
    may come as rows of their own (marked for review, not yet joined): the draft is written."""
    result = import_file(CORPUS / name)
    assert result.plan is not None and result.errors == [] and result.plan["tasks"]
    assert any("review" in w.message for w in result.warnings)


def test_a_government_programme_as_a_markdown_table():
    plan = imported("01-cp-nq03-2025-nq57-phuluc2.md")
    tasks = tasks_of(plan)
    assert {str(n) for n in range(1, 141)} <= set(tasks)  # numbered 1. to 140. across the sections
    assert [a["id"] for a in plan["areas"]][:3] == ["I", "II", "III"]
    assert plan["areas"][0]["title"].startswith("Nâng cao nhận thức, đột phá về đổi mới tư duy")
    seventy_five = tasks["75"]
    assert (seventy_five["area"], list(seventy_five["lead"])) == ("III", ["Bộ Công an"])
    assert dict(seventy_five["timing"]) == {"phrase": "3/2025", "kind": "once", "date": "2025-03-31"}


def test_a_list_of_laws_one_table_among_fifty_forms():
    """Word: the matrix is one table among about fifty form tables; no timing and no partner
    column; the column of articles to amend is kept as the task's own field."""
    plan = imported("10-cp-nq66.18-2026-danhmuc-vbqppl.docx")
    assert [a["title"] for a in plan["areas"]] == ["DANH SÁCH LUẬT", "DANH SÁCH NGHỊ ĐỊNH", "DANH SÁCH THÔNG TƯ"]
    first = tasks_of(plan)["I.1"]
    assert first["text"] == "Luật Lưu trữ số 33/2024/QH15" and list(first["lead"]) == ["Bộ Nội vụ"]
    assert list(first["columns"]) == ["ĐIỀU, KHOẢN, ĐIỂM CẦN SỬA ĐỔI, BỔ SUNG, BÃI BỎ"]


def test_a_department_plan_by_person_with_word_numbering():
    """Responsibility by person, names on lines of one cell; Word numbered the rows itself
    (the cells are empty), so they are numbered by position and marked for review."""
    plan = imported("12-laocai-sct-kh2242-2026-kiemtra-vlncn.docx")
    tasks = plan["tasks"]
    assert [t["id"] for t in tasks] == [str(n) for n in range(1, 10)]
    assert tasks[0]["text"] == "Rà soát việc đáp ứng các điều kiện của học viên"
    assert list(tasks[0]["lead"]) == ["Đỗ Mạnh Cường", "Vũ Việt Linh", "Nguyễn Thị Loan"]


def test_a_ministry_plan_as_page_text_with_a_pipe_table():
    tasks = imported("14-btnmt-kh09-2024-ct13-tinchi-cacbon.txt")["tasks"]
    assert [t["id"] for t in tasks] == [str(n) for n in range(1, 10)]
    assert list(tasks[0]["lead"]) == ["Cục Biến đổi khí hậu"]
    assert "các đơn vị có liên quan thuộc Bộ TN&MT" in tasks[0]["coordinating"]  # a collective party, whole
    assert dict(tasks[2]["timing"]) == {"phrase": "2024 - 2025", "kind": "window", "start": "2024-01-01",
                                        "end": "2025-12-31"}


def test_a_party_office_keeps_its_matrix_in_a_spreadsheet():
    """Excel: decimal numbers (1.0, 1.1), a person as the lead, extra columns kept by header."""
    tasks = tasks_of(imported("18-hanoi-btctu-phongtccb-nhiemvu-2026.xlsx"))
    part = tasks["1.1"]
    assert part["text"] == "Bổ nhiệm, giới thiệu ứng cử; luân chuyển, điều động"
    assert (list(part["lead"]), list(part["coordinating"])) == (["Đ/c Hùng"], ["Đ/c Hồng"])
    assert part["columns"]["Lĩnh vực"] == "Cán bộ" and part["outputs"] == "7 trường hợp"


def test_a_half_converted_table_header_in_pipes_cells_one_per_line():
    """The header as one pipe row, the cells one per line; lettered items a) … đ) under two
    headings: the eleven rows the document counts, with the items' own letters (đ as dd)."""
    tasks = tasks_of(imported("13-bnnmt-qd2200-2026-kh-nd180-carbon-rung.txt"))
    assert len(tasks) == 11
    assert {"1.a", "1.b", "1.c", "2.a", "2.dd", "3", "4", "5"} <= set(tasks)  # 3-5 follow the headings 1, 2
    assert list(tasks["1.a"]["lead"]) == ["Cục Lâm nghiệp và Kiểm lâm"]
    assert dict(tasks["1.a"]["timing"])["phrase"] == "Quý III, IV/2026"
