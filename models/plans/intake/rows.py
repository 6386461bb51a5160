"""What every reader produces: tables of rows of cells, whatever the file format."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from models.common.text import plain_text

_MARKS = re.compile(r"\*\*|(?<!\w)\*|\*(?!\w)|__")


def clean(text: str) -> str:
    """A cell line without the web layout's bold/italic marks, stray spaces or what nobody
    types (control characters, NUL, bidi overrides), whatever format it came in."""
    return re.sub(r"\s+", " ", _MARKS.sub("", plain_text(unicodedata.normalize("NFC", text)))).strip()


@dataclass
class Cell:
    lines: tuple[str, ...] = ()  # the cell's lines: paragraphs, or a text wrapped over lines
    line: int | None = None  # 1-based line of the source text, where there is one
    paragraphs: bool = False  # lines are paragraphs (Word, HTML <br>), not wrapping
    spanned: bool = False  # merged with the cell above: its text is the one above
    merged: bool = False  # merged with the cell to its left: part of that cell
    bold: bool = False

    @classmethod
    def of(cls, lines, **kw) -> "Cell":
        cleaned = tuple(c for c in (clean(line) for line in lines) if c)
        return cls(cleaned, **kw)

    @property
    def text(self) -> str:
        """The cell as one line of text (paragraphs joined by a space too). A line that ends
        in "-" or "/" was wrapped inside a token ("NĐ-" / "CP"): it joins without a space."""
        out = ""
        for line in self.lines:
            glue = "" if not out or re.search(r"\S[-/]$", out) else " "
            out += glue + line
        return out

    @property
    def empty(self) -> bool:
        return not self.lines


@dataclass
class Row:
    cells: list[Cell]
    line: int | None = None  # first source line, where there is one
    where: str = ""  # for formats without lines: "table 2, row 7"
    problem: str | None = None  # why the reader could not place this row's cells

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass
class Document:
    """A plan as read: its tables, and its running text (for the number, date, title)."""
    tables: list[list[Row]] = field(default_factory=list)
    text: str = ""
    captions: list[str] = field(default_factory=list)  # per table: the line just above it ("Phần II. …"), if any


class ReadError(Exception):
    """The file cannot be read as a plan: one line saying why."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message)
