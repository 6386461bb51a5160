"""Reading a plan's Word file (.docx) through python-docx: the tables themselves, merged cells
included (a section title across a row, a lead or timing cell spanning several task rows,
several units in one cell as separate paragraphs)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from models.plans.intake.rows import Cell, Document, ReadError, Row


def read_docx(path: Path) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError(f"not a Word .docx file that can be opened ({exc.__class__.__name__})") from None
    tables = [_rows(table, n) for n, table in enumerate(_all_tables(document), start=1)]
    return Document(tables, _running_text(document), _captions(document))


def _captions(document) -> list[str]:
    """For each top-level table, the last paragraph with text above it (a part's heading
    between two tables of one annex); nested tables have none."""
    from docx.oxml.ns import qn

    captions, last = [], ""
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t"))).strip()
            last = text or last
        elif child.tag == qn("w:tbl"):
            captions.append(last)
            last = ""
    return captions


def _all_tables(document):
    """Tables in document order, including a table nested in a layout table's cell."""
    for table in document.tables:
        yield table
        for row in table.rows:
            for cell in row.cells:
                yield from cell.tables


def _rows(table, number: int) -> list[Row]:
    from docx.table import _Cell

    rows: list[Row] = []
    for r, tr in enumerate(table._tbl.tr_lst, start=1):
        cells: list[Cell] = []
        for tc in tr.tc_lst:
            cell = _Cell(tc, table)
            paragraphs = [p.text for p in cell.paragraphs]
            bold = any(run.bold for p in cell.paragraphs for run in p.runs if run.text.strip())
            continued = tc.vMerge == "continue"
            cells.append(Cell.of([] if continued else paragraphs, paragraphs=True, spanned=continued, bold=bold))
            cells += [Cell(merged=True, paragraphs=True) for _ in range(tc.grid_span - 1)]
        rows.append(Row(cells, where=f"table {number}, row {r}"))
    return rows


def _running_text(document) -> str:
    lines = [p.text for p in document.paragraphs]
    for table in document.tables[:1]:  # the heading block ("ỦY BAN NHÂN DÂN", "Số: …") is often a table
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


def read_doc(path: Path) -> Document:
    """An old Word .doc: converted by LibreOffice when it is on the machine."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ReadError("an old Word .doc file: open it in Word or LibreOffice and save it as .docx "
                        "(with LibreOffice installed, `soffice` converts it here)")
    with tempfile.TemporaryDirectory() as out:
        try:
            subprocess.run([soffice, "--headless", "--convert-to", "docx", "--outdir", out, str(path)],
                           check=True, capture_output=True, timeout=120)
        except (subprocess.SubprocessError, OSError) as exc:
            raise ReadError(f"LibreOffice could not convert this .doc file ({exc.__class__.__name__})") from None
        converted = Path(out) / (path.stem + ".docx")
        if not converted.exists():
            raise ReadError("LibreOffice could not convert this .doc file")
        return read_docx(converted)
