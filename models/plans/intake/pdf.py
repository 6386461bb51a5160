"""Reading a plan's PDF through pdfplumber's table finder: each page's ruled tables, cells
merged across columns or rows told apart by their position. A PDF without a text layer
(a scan) is refused: reading it would need OCR."""

from __future__ import annotations

from pathlib import Path

from models.plans.intake.rows import Cell, Document, ReadError, Row


def read_pdf(path: Path) -> Document:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(str(path))
    except (PDFSyntaxError, ValueError, OSError) as exc:
        raise ReadError(f"not a PDF that can be opened ({exc.__class__.__name__})") from None
    with pdf:
        if not any(page.chars for page in pdf.pages):
            raise ReadError("this PDF has no text layer (a scanned document): it cannot be read without OCR; "
                            "ask for the Word file, or a PDF saved from it")
        tables, text = [], []
        for p, page in enumerate(pdf.pages, start=1):
            text.append(page.extract_text() or "")
            for t, table in enumerate(page.find_tables(), start=1):
                tables.append(_rows(table, f"page {p}, table {t}"))
    return Document(tables, "\n".join(text))


def _rows(table, where: str) -> list[Row]:
    boxes = [row.cells for row in table.rows]
    texts = table.extract()
    starts = _column_starts(boxes)
    rows = []
    for r, (row_boxes, row_texts) in enumerate(zip(boxes, texts), start=1):
        cells = []
        for c, (box, text) in enumerate(zip(row_boxes, row_texts)):
            if box is not None:
                cells.append(Cell.of((text or "").split("\n")))
            elif _covered_from_left(row_boxes, c, starts):
                cells.append(Cell(merged=True))
            else:
                cells.append(Cell(spanned=True))
        rows.append(Row(cells, where=f"{where}, row {r}"))
    return rows


def _column_starts(boxes: list[list]) -> list[float]:
    width = max((len(row) for row in boxes), default=0)
    return [min((row[c][0] for row in boxes if c < len(row) and row[c] is not None), default=0.0)
            for c in range(width)]


def _covered_from_left(row: list, column: int, starts: list[float]) -> bool:
    """A missing cell is part of the cell to its left when that cell reaches over it."""
    for left in range(column - 1, -1, -1):
        if row[left] is not None:
            return row[left][2] > starts[column] + 1
    return False
