"""Plans as Word, web page, PDF and pasted text: the same rows, the same plan."""

import shutil
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from models.plans.intake import import_file, import_plan
from models.common.yamlio import load_yaml
from tests.conftest import ORG, PLAN
from tests.plan_files import write_docx, write_html, write_pdf
from tests.test_importer import EXPECTED

runner = CliRunner()


@pytest.fixture(scope="module")
def shipped():
    return load_yaml(PLAN)


@pytest.fixture(scope="module")
def files(shipped, tmp_path_factory):
    out = tmp_path_factory.mktemp("plans")
    return {"docx": write_docx(shipped, out / "53-KH-UBND.docx"),
            "html": write_html(shipped, out / "53-KH-UBND.html"),
            "pdf": write_pdf(shipped, out / "53-KH-UBND.pdf", out / "for-pdf.html")}


def _cells(task: dict) -> tuple:
    timing = dict(task["timing"])
    return list(task["lead"]), list(task["coordinating"]), timing["phrase"], timing["kind"]


@pytest.mark.parametrize("kind", ["docx", "html", "pdf"])
def test_binh_dinh_as_a_file_reads_to_the_same_35_tasks_every_cell(files, shipped, directory, kind):
    result = import_file(files[kind], directory)
    assert result.errors == [] and result.warnings == []
    tasks = {t["id"]: t for t in result.plan["tasks"]}
    assert list(tasks) == list(EXPECTED)
    for task_id, expected in EXPECTED.items():
        assert _cells(tasks[task_id]) == tuple(expected), task_id
    shipped_text = {t["id"]: t["text"] for t in shipped["tasks"]}
    assert {i: t["text"] for i, t in tasks.items()} == shipped_text
    assert [a["title"] for a in result.plan["areas"]] == [a["title"] for a in shipped["areas"]]
    info = dict(result.plan["plan"])
    assert info == {k: v for k, v in dict(shipped["plan"]).items() if k in info}


def test_the_same_plan_with_no_directory_splits_units_the_same_way(files):
    result = import_file(files["docx"])  # no --org: the shipped vocabulary splits the cells
    tasks = {t["id"]: t for t in result.plan["tasks"]}
    assert [_cells(tasks[i]) for i in EXPECTED] == [tuple(e) for e in EXPECTED.values()]


TABBED = ("KẾ HOẠCH\nTHỰC HIỆN NĂM 2023\n"
          "STT\tNội dung\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian thực hiện\tKết quả dự kiến\n"
          "I\tCÔNG KHAI, MINH BẠCH\t\t\t\t\n"
          "1\tCông khai quy hoạch\tSở Tài nguyên và Môi trường\t\"Sở Xây dựng\nUBND cấp huyện\"\t6 tháng đầu năm\tBáo cáo\n"
          "2\tRà soát thủ tục\tCác sở, ban, ngành\t\tQuý III\t\n")


@pytest.mark.parametrize("variant", ["plain", "crlf", "nfd"])
def test_rows_pasted_from_a_spreadsheet(directory, variant):
    text = {"plain": TABBED, "crlf": TABBED.replace("\n", "\r\n"),
            "nfd": unicodedata.normalize("NFD", TABBED)}[variant]
    result = import_plan(text, "pasted.txt", directory)
    assert result.errors == []
    first, second = result.plan["tasks"]
    assert (first["id"], first["area"], list(first["coordinating"])) == ("1", "I", ["Sở Xây dựng", "UBND cấp huyện"])
    assert dict(first["timing"])["date"] == "2023-06-30"  # the plan's own year
    assert dict(second["timing"]) == {"phrase": "Quý III", "kind": "once", "date": "2023-09-30"}
    assert first["outputs"] == "Báo cáo"


def _page(tmp_path, directory, table: str):
    """A web page holding one table, imported: the result with no errors."""
    page = tmp_path / "plan.html"
    page.write_text(f"<html><body><table>{table}</table></body></html>", encoding="utf-8")
    result = import_file(page, directory)
    assert result.errors == [], [str(e) for e in result.errors]
    return result


def test_a_cell_spanning_rows_in_a_web_page(tmp_path, directory):
    result = _page(tmp_path, directory,
                   "<tr><th>TT</th><th>Nhiệm vụ</th><th>Cơ quan chủ trì</th><th>Thời gian hoàn thành</th></tr>"
                   "<tr><td>(1)</td><td>(2)</td><td>(3)</td><td>(4)</td></tr>"
                   "<tr><td>1</td><td>Việc một</td><td rowspan='3'>Sở Y tế</td><td>Quý I/2026</td></tr>"
                   "<tr><td>2</td><td>Việc hai</td><td>Quý II/2026</td></tr>"
                   "<tr><td></td><td>Việc hai, phần sau</td><td>Quý III/2026</td></tr>")
    assert [(t["id"], list(t["lead"]), dict(t["timing"])["date"]) for t in result.plan["tasks"]] == [
        ("1", ["Sở Y tế"], "2026-03-31"), ("2", ["Sở Y tế"], "2026-06-30"), ("2.b", ["Sở Y tế"], "2026-09-30")]


# --- files that are not plans: one clear line, exit 1 ----------------------------------

def _no_table_docx(path: Path) -> Path:
    import docx
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH không có bảng")
    document.save(str(path))
    return path


def _scanned_pdf(path: Path, tmp: Path) -> Path:
    import weasyprint
    from PIL import Image
    Image.new("RGB", (200, 100), "white").save(tmp / "scan.png")
    weasyprint.HTML(string=f"<img src='file://{tmp / 'scan.png'}'>").write_pdf(str(path))
    return path


def _xlsx(path: Path) -> Path:
    import openpyxl
    book = openpyxl.Workbook()
    book.active["A1"] = "STT"
    book.save(str(path))
    return path


BAD = {
    "no-table.docx": (_no_table_docx, "no responsibility matrix found"),
    "scan.pdf": (_scanned_pdf, "no text layer"),
    "page.html": (lambda p: p.write_text("<html><body><p>Tin tức</p><table><tr><td>a</td></tr></table></body>"
                                         "</html>", encoding="utf-8") and p, "no responsibility matrix found"),
    "matrix.xlsx": (_xlsx, "no responsibility matrix found"),  # a sheet is read; this one holds no matrix
    "old.xls": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512) and p, "old Word .doc"),
    "old.doc": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512) and p, "old Word .doc"),
    "broken.docx": (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip") and p, "not a Word .docx file"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_file_that_is_not_a_plan_gets_one_clear_line_and_exit_1(tmp_path, name, monkeypatch):
    build, message = BAD[name]
    path = tmp_path / name
    if name == "scan.pdf":
        build(path, tmp_path)
    else:
        build(path)
    if name == "old.doc":
        monkeypatch.setattr(shutil, "which", lambda _: None)  # no LibreOffice on this machine
    result = runner.invoke(app, ["plan", "import", str(path), "-o", str(tmp_path / "out.yaml")])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_import_into_a_missing_folder_is_one_line(tmp_path, files):
    result = runner.invoke(app, ["plan", "import", str(files["html"]), "-o", str(tmp_path / "no" / "x.yaml")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_import_writes_a_draft_that_validates(tmp_path, files):
    out = tmp_path / "plan.yaml"
    result = runner.invoke(app, ["plan", "import", str(files["docx"]), "-o", str(out), "--org", str(ORG)])
    assert result.exit_code == 0, result.output
    check = runner.invoke(app, ["plan", "validate", str(out), "--org", str(ORG)])
    assert check.exit_code == 0, check.output


def test_a_header_over_two_rows(tmp_path, directory):
    """"Đơn vị thực hiện" merged over "Chủ trì" and "Phối hợp", as many provinces lay it out."""
    result = _page(tmp_path, directory,
                   "<tr><th rowspan='2'>TT</th><th rowspan='2'>Nội dung</th><th colspan='2'>Đơn vị thực hiện</th>"
                   "<th rowspan='2'>Thời gian</th></tr><tr><th>Chủ trì</th><th>Phối hợp</th></tr>"
                   "<tr><td>1</td><td>Việc một</td><td>Sở Y tế</td><td>Sở Nội vụ</td><td>Hằng quý</td></tr>")
    assert not [w for w in result.warnings if "not recognised" in w.message]
    (task,) = result.plan["tasks"]
    assert (list(task["lead"]), list(task["coordinating"])) == (["Sở Y tế"], ["Sở Nội vụ"])


def test_lettered_items_under_a_task_are_its_parts(tmp_path, directory):
    result = _page(tmp_path, directory,
                   "<tr><th>STT</th><th>Nhiệm vụ</th><th>Cơ quan chủ trì</th><th>Thời gian thực hiện</th></tr>"
                   "<tr><td>1</td><td>Việc chung</td><td>Sở Y tế</td><td>Năm 2026</td></tr>"
                   "<tr><td>a)</td><td>Phần một</td><td>UBND cấp xã</td><td>Quý I/2026</td></tr>"
                   "<tr><td>b)</td><td>Phần hai</td><td>Sở Nội vụ</td><td>Quý II/2026</td></tr>"
                   "<tr><td>2</td><td>Việc khác</td><td>Sở Tư pháp</td><td>Hằng năm</td></tr>")
    assert [(t["id"], list(t["lead"])) for t in result.plan["tasks"]] == [
        ("1", ["Sở Y tế"]), ("1.a", ["UBND cấp xã"]), ("1.b", ["Sở Nội vụ"]), ("2", ["Sở Tư pháp"])]


_HEAD = "<tr><th>TT</th><th>Nhiệm vụ</th><th>Cơ quan chủ trì</th><th>Thời gian</th></tr>"


def _rows(*texts: str) -> str:
    return "".join(f"<tr><td>{n}</td><td>{t}</td><td>Sở Y tế</td><td>Hằng quý</td></tr>"
                   for n, t in enumerate(texts, start=1))


def test_two_tables_of_one_annex_numbered_apart_are_two_parts(tmp_path, directory):
    """An annex of two tables with a part's heading between them, each numbered from 1: each
    table is a part with its own id prefix, titled by the heading above it."""
    page = tmp_path / "plan.html"
    page.write_text(f"<html><body><p>Phần I. Nhiệm vụ chung</p><table>{_HEAD}{_rows('Một', 'Hai')}</table>"
                    f"<p>Phần II. Nhiệm vụ cụ thể</p><table>{_HEAD}{_rows('Ba', 'Bốn', 'Năm')}</table>"
                    "</body></html>", encoding="utf-8")
    result = import_file(page, directory)
    assert result.errors == []
    tasks = result.plan["tasks"]
    assert [(t["id"], t["text"]) for t in tasks] == [("I.1", "Một"), ("I.2", "Hai"), ("II.1", "Ba"),
                                                      ("II.2", "Bốn"), ("II.3", "Năm")]
    assert [(a["id"], a["title"]) for a in result.plan["areas"]] == [("I", "Phần I. Nhiệm vụ chung"),
                                                                      ("II", "Phần II. Nhiệm vụ cụ thể")]
    assert any("numbers its rows from the start again" in w.message for w in result.warnings)


def test_a_table_split_across_pages_goes_on_numbering(tmp_path, directory):
    page = tmp_path / "plan.html"
    more = "".join(f"<tr><td>{n}</td><td>Việc {n}</td><td>Sở Y tế</td><td>Hằng quý</td></tr>" for n in (3, 4))
    page.write_text(f"<html><body><table>{_HEAD}{_rows('Một', 'Hai')}</table><table>{_HEAD}{more}</table>"
                    "</body></html>", encoding="utf-8")
    result = import_file(page, directory)
    assert [t["id"] for t in result.plan["tasks"]] == ["1", "2", "3", "4"]
    assert result.plan["areas"] == []


def test_two_word_tables_with_no_heading_between_are_parts_p1_p2(tmp_path, directory):
    import docx

    document = docx.Document()
    for texts in (("Một", "Hai"), ("Ba",)):
        table = document.add_table(rows=1 + len(texts), cols=4)
        for c, head in enumerate(("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian")):
            table.cell(0, c).text = head
        for r, text in enumerate(texts, start=1):
            for c, value in enumerate((str(r), text, "Sở Y tế", "Hằng quý")):
                table.cell(r, c).text = value
    document.save(tmp_path / "plan.docx")
    result = import_file(tmp_path / "plan.docx", directory)
    assert [t["id"] for t in result.plan["tasks"]] == ["P1.1", "P1.2", "P2.1"]
    assert [a["title"] for a in result.plan["areas"]] == ["Phần 1", "Phần 2"]


def test_a_gazette_pdfs_table_is_read_across_its_pages(directory):
    """As pdfplumber gives a Công báo annex: a header cell cut at its line break ("Cơ quan chủ" /
    "trì thực hiện"), header and data one grid column apart, the header repeated on each page,
    and a row cut by the page break: read as one table of whole rows."""
    from models.plans.intake.matrix import Interpreter
    from models.plans.intake.rows import Cell, Document, Row

    def row(*texts):
        return Row([Cell.of([t]) if t else Cell() for t in texts])

    header = [row("TT", "Nội dung, nhiệm vụ", "", "Cơ quan chủ", "", "Cơ quan", "Thời gian"),
              row("", "", "", "trì thực hiện", "", "phối hợp", "")]
    page1 = [*header, row("1", "Rà soát thể chế", "Bộ Nội vụ", "", "Bộ Tư pháp", "", "Năm 2026"),
             row("2", "Xây dựng cơ sở dữ liệu về", "Bộ Công an", "", "Bộ Tài chính", "", "Quý IV/2026")]
    page2 = [*header, row("", "các thủ tục hành chính", "", "", "", "", ""),
             row("3", "Đào tạo cán bộ", "Bộ Nội vụ", "", "", "", "Hằng năm")]
    result = Interpreter("gazette.pdf", directory).read(Document([page1, page2]))
    tasks = [(t["id"], t["text"], list(t["lead"]), list(t["coordinating"])) for t in result.plan["tasks"]]
    assert tasks == [("1", "Rà soát thể chế", ["Bộ Nội vụ"], ["Bộ Tư pháp"]),
                     ("2", "Xây dựng cơ sở dữ liệu về các thủ tục hành chính", ["Bộ Công an"], ["Bộ Tài chính"]),
                     ("3", "Đào tạo cán bộ", ["Bộ Nội vụ"], [])]
    assert any("cut by a page break" in w.message for w in result.warnings)
