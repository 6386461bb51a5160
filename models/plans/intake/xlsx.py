"""Reading a plan kept as a spreadsheet (.xlsx) through openpyxl: every sheet a table, cells
merged across rows or columns told apart as Word's are (the value in the first cell, the
others spanned or merged), numbers as the sheet shows them ("1.0" is task 1, "1.1" its
part), dates as dd/mm/yyyy. Formulas are read by their last computed value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.plans.intake.rows import Cell, Document, ReadError, Row


def read_xlsx(path: Path) -> Document:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ReadError(f"not a spreadsheet openpyxl can read ({type(exc).__name__})") from None
    sheets = [(sheet.title, _table(sheet)) for sheet in book.worksheets if not sheet.sheet_state == "hidden"]
    sheets = [(title, table) for title, table in sheets if table]
    return Document([table for _, table in sheets], "\n".join(book.sheetnames), [title for title, _ in sheets])


def _table(sheet) -> list[Row]:
    spans = {}  # (row, column) → "spanned" (below the first cell) or "merged" (right of it)
    for block in sheet.merged_cells.ranges:
        for r in range(block.min_row, block.max_row + 1):
            for c in range(block.min_col, block.max_col + 1):
                if (r, c) != (block.min_row, block.min_col):
                    spans[(r, c)] = "merged" if r == block.min_row else (
                        "spanned" if c == block.min_col else "merged")
    rows = []
    for r, values in enumerate(sheet.iter_rows(values_only=True), 1):
        cells = []
        for c, value in enumerate(values, 1):
            kind = spans.get((r, c))
            cells.append(Cell.of(_shown(value).split("\n"), spanned=kind == "spanned", merged=kind == "merged",
                                 paragraphs=True))
        while cells and cells[-1].empty and not cells[-1].spanned:
            cells.pop()
        if cells:
            rows.append(Row(cells, where=f"sheet {sheet.title}, row {r}"))
    return rows


def _shown(value) -> str:
    """A value as the sheet shows it to a reader."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else f"{int(value)}"
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)
