"""The period report as an editable Word document, in the layout of an administrative
document (Nghị định 30/2020/NĐ-CP, Phụ lục I): issuing body and number on the left, the
national motto and place and date on the right, title, body, recipients and signature; A4,
Times New Roman, page numbers centred at the top from the second page. Its narrative is built
from the numbers, the blockers and the notes; the coordinator completes it and signs."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from models.calendar.periods import period_words
from models.common.text import plain_text
from models.report.period import SPLIT_HEADS, Report, place_of, split_values
from models.report.rollup import LABELS, REPORT_FOUR, Category, Tally

CENTER = WD_ALIGN_PARAGRAPH.CENTER
LISTED = 30  # blockers and notes quoted in the body; the spreadsheet has every one


def report_docx(report: Report) -> bytes:
    document = Document()
    _page(document)
    _heading(document, report)
    _body(document, report)
    _closing(document, report)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def _page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Times New Roman")
    section.different_first_page_header_footer = True  # no number on the first page
    number = section.header.paragraphs[0]
    number.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._p.append(field)


def _line(container, text: str, bold: bool = False, italic: bool = False, size: int | None = None,
          align=CENTER, underline: bool = False, first: bool = False):
    paragraph = container.paragraphs[0] if first else container.add_paragraph()
    paragraph.alignment = align
    run = paragraph.add_run(plain_text(text))
    run.bold, run.italic, run.underline = bold, italic, underline
    if size:
        run.font.size = Pt(size)
    return paragraph


def _heading(document, report: Report) -> None:
    above, issuer = report.issuer
    left, right = document.add_table(rows=1, cols=2).rows[0].cells
    _line(left, above.upper(), size=12, first=True)
    _line(left, issuer.upper(), bold=True, size=12)
    _line(left, "Số: ……/BC-……", size=13)
    _line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, first=True)
    _line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, underline=True)
    _line(right, f"{place_of(above)}, ngày …… tháng …… năm {report.at.year}", italic=True, size=13)
    _line(document, "BÁO CÁO", bold=True, size=14)
    scope = period_words(report.title) + (f" – {report.unit}" if report.unit else "")
    plan = report.plan
    _line(document, f"Kết quả thực hiện Kế hoạch số {plan.number} ngày {plan.issued_on:%d/%m/%Y} của "
                    f"{plan.issued_by} về {plan.title}", bold=True, size=14)
    _line(document, scope, bold=True, size=14)


def _body(document, report: Report) -> None:
    total = Tally.summed(("total",), [t for _, _, t in report.by_area])
    four = {c: total[c] for c in REPORT_FOUR}
    done = four[Category.done_on_time] + four[Category.done_late]
    dated = sum(four.values())
    def paragraph(text: str):  # Word refuses control characters: a note may hold one
        return document.add_paragraph(plain_text(text))

    paragraph("1. Tình hình chung").runs[0].bold = True
    paragraph(f"Trong kỳ báo cáo ({period_words(report.title)}), "
              f"{len(report.rows)} nhiệm vụ của {report.unit or 'các đơn vị'} được theo dõi, trong đó "
              f"{dated} nhiệm vụ có thời hạn: {four[Category.done_on_time]} {LABELS['vi'][Category.done_on_time].lower()}, "
              f"{four[Category.done_late]} {LABELS['vi'][Category.done_late].lower()}, "
              f"{four[Category.open_on_time]} {LABELS['vi'][Category.open_on_time].lower()}, "
              f"{four[Category.open_overdue]} {LABELS['vi'][Category.open_overdue].lower()}; "
              f"{total[Category.no_deadline]} nhiệm vụ thường xuyên. Tỷ lệ hoàn thành đúng hạn: "
              f"{_share(four[Category.done_on_time], dated)}; đã hoàn thành {_share(done, dated)}.")
    paragraph("2. Kết quả theo lĩnh vực").runs[0].bold = True
    _area_table(document, report)
    paragraph("3. Khó khăn, vướng mắc").runs[0].bold = True
    blocked = _said_once([(row.unit, row.code, row.blocked) for row in report.rows if row.blocked])
    for line in blocked[:LISTED]:
        paragraph(line)
    if len(blocked) > LISTED:
        paragraph(f"- Và {len(blocked) - LISTED} vướng mắc khác (chi tiết trong bảng tính kèm theo).")
    if not blocked:
        paragraph("Không có đơn vị báo vướng mắc.")
    noted = _said_once([(row.unit, row.code, row.note) for row in report.rows if row.note and not row.blocked])
    if noted:
        paragraph("4. Ý kiến, ghi chú của các đơn vị").runs[0].bold = True
        for line in noted[:LISTED]:
            paragraph(line)
    paragraph(f"{5 if noted else 4}. Đề xuất, kiến nghị").runs[0].bold = True
    paragraph("……")


def _said_once(said: list[tuple[str, str, str]]) -> list[str]:
    """What each unit said, once, naming every task it said it of: "- UBND xã A, nhiệm vụ 1.1,
    2.3: chờ kinh phí" (a note given for seven tasks read seven times)."""
    tasks: dict[tuple[str, str], list[str]] = {}
    for unit, code, text in said:
        codes = tasks.setdefault((unit, text), [])
        if code not in codes:
            codes.append(code)
    return [f"- {unit}, nhiệm vụ {', '.join(codes)}: {text}" for (unit, text), codes in tasks.items()]


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}".replace(".", ",") if whole else "—"


def _area_table(document, report: Report) -> None:
    heads = ["Lĩnh vực"] + SPLIT_HEADS
    table = document.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, heads):
        cell.paragraphs[0].add_run(head).bold = True
    rows = [[f"{code}. {title}"] + split_values(tally) for code, title, tally in report.by_area]
    rows.append(["Tổng cộng", *(sum(column) for column in zip(*(r[1:] for r in rows)))])
    for values in rows:
        for cell, value in zip(table.add_row().cells, values):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(plain_text(str(value)))
            run.font.size, run.bold = Pt(11), values[0] == "Tổng cộng"
            if isinstance(value, int):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # numbers right-aligned, as tables of figures are


def _closing(document, report: Report) -> None:
    document.add_paragraph()
    left, right = document.add_table(rows=1, cols=2).rows[0].cells
    _line(left, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    for recipient in (f"- {report.plan.issued_by} (để báo cáo);", "- Các đơn vị có tên trong Kế hoạch;", "- Lưu: VT."):
        _line(left, recipient, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _line(right, "THỦ TRƯỞNG CƠ QUAN", bold=True, size=13, first=True)
    _line(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=13)
