"""Builds plan files (.docx, .html, .pdf) from a plan's data the way provinces lay them out:
a heading block, the annex table with a header, a section title merged across its row,
several units in one cell as separate paragraphs, a timing cell merged down over the
tasks that share it, and the header repeated part-way (as after a page break)."""

from __future__ import annotations

import html
from pathlib import Path

HEADER = ["Số TT", "Nhiệm vụ trọng tâm", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"]


def _sections(plan: dict):
    """(area, [tasks]) in order, with runs of tasks sharing a timing phrase marked."""
    for area in plan["areas"]:
        yield area, [t for t in plan["tasks"] if t.get("area") == area["id"]]


def _runs(tasks: list[dict]) -> list[int]:
    """For each task, how many rows its timing cell spans (0: merged into the one above)."""
    spans, i = [0] * len(tasks), 0
    while i < len(tasks):
        j = i
        phrase = tasks[i]["timing"].get("phrase", "")
        while j + 1 < len(tasks) and phrase and tasks[j + 1]["timing"].get("phrase", "") == phrase:
            j += 1
        spans[i] = j - i + 1
        i = j + 1
    return spans


def heading_lines(plan: dict) -> list[str]:
    info = plan["plan"]
    day, month, year = info["issued_on"][8:], info["issued_on"][5:7], info["issued_on"][:4]
    return ["ỦY BAN NHÂN DÂN", "TỈNH BÌNH ĐỊNH", f"Số: {info['number']}",
            f"Bình Định, ngày {int(day)} tháng {int(month)} năm {year}", "KẾ HOẠCH", info["title"].upper(),
            f"{info['coordinator']} theo dõi, đôn đốc, tổng hợp tình hình thực hiện Kế hoạch.",
            "BẢNG PHÂN CÔNG NHIỆM VỤ CỤ THỂ"]


def write_docx(plan: dict, path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in heading_lines(plan):
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=5)
    for cell, title in zip(table.rows[0].cells, HEADER):
        cell.text = title
    for n, (area, tasks) in enumerate(_sections(plan)):
        if n == 4:  # a page break: Word repeats the header row
            for cell, title in zip(table.add_row().cells, HEADER):
                cell.text = title
        row = table.add_row().cells
        row[0].text = area["id"]
        title = row[1].merge(row[4])
        title.text = area["title"]
        title.paragraphs[0].runs[0].bold = True
        first = len(table.rows)
        for task in tasks:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = task["id"], task["text"]
            for cell, units in ((cells[2], task["lead"]), (cells[3], task["coordinating"])):
                _paragraphs(cell, list(units))
        for i, span in enumerate(_runs(tasks)):
            if span:
                top = table.cell(first + i, 4)
                merged = top.merge(table.cell(first + i + span - 1, 4)) if span > 1 else top
                merged.text = tasks[i]["timing"].get("phrase", "")
    document.save(str(path))
    return path


def _paragraphs(cell, lines: list[str]) -> None:
    cell.text = lines[0] if lines else ""
    for line in lines[1:]:
        cell.add_paragraph(line)


def write_html(plan: dict, path: Path) -> Path:
    e = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Kế hoạch</title>",
           "<style>table{border-collapse:collapse}td,th{border:1px solid #000;padding:2px;font-size:8pt}</style>",
           "</head><body>", *[f"<p>{e(line)}</p>" for line in heading_lines(plan)],
           "<table><thead><tr>", *[f"<th>{e(h)}</th>" for h in HEADER], "</tr></thead><tbody>"]
    for area, tasks in _sections(plan):
        out.append(f"<tr><td><b>{e(area['id'])}</b></td><td colspan='4'><b>{e(area['title'])}</b></td></tr>")
        for task, span in zip(tasks, _runs(tasks)):
            timing = task["timing"].get("phrase", "")
            cells = [e(task["id"]), e(task["text"]), "<br>".join(e(u) for u in task["lead"]),
                     "<br/>".join(e(u) for u in task["coordinating"])]
            row = "".join(f"<td>{c}</td>" for c in cells)
            if span:
                row += f"<td rowspan='{span}'><p>{e(timing)}</p></td>" if span > 1 else f"<td>{e(timing)}</td>"
            out.append(f"<tr>{row}</tr>")
    out.append("</tbody></table><p>Nơi nhận: như trên.</p></body></html>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def write_pdf(plan: dict, path: Path, html_path: Path) -> Path:
    import weasyprint

    write_html(plan, html_path)
    weasyprint.HTML(filename=str(html_path)).write_pdf(str(path))
    return path
