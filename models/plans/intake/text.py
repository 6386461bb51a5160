"""Readers for a plan pasted or saved as text. Four layouts, one output (rows of cells):

- **markdown**: a pipe table, one row a line ("| TT | Nhiệm vụ | Cơ quan chủ trì |"), as
  converters and chat tools write one; a "<br>" inside a cell separates its lines;
- **pipe**: a legal-document web site's table as its page text gives it: each cell
  between lines holding a lone "|", a cell's text wrapped over several lines;
- **tabs**: rows pasted from Word or a spreadsheet, cells separated by tabs
  (a quoted cell may hold line breaks);
- **lines**: one cell per line, cells separated by blank lines or not, as a browser
  copies a table; rows are found at their numbers ("1", "1.1", "II").

In the flattened layouts a row boundary and an empty cell can look alike; where they
do, the reading that fits the columns (a timing phrase in the timing column, unit names
in the unit columns) is taken, and a row that fits no reading is reported.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass

from models.plans.intake.matrix import header_role, header_roles, is_ellipsis, label_kind, split_label
from models.plans.intake.rows import Cell, Document, Row, clean
from models.org.directory import Directory
from models.plans.timing import TimingKind, parse_timing

_ANCHOR = re.compile(r"^(?:[IVX]+|[A-Y]|\d+(?:\.\d+)*)\.?$|^[a-zđ]\)$")  # "a)": a lettered item


_MARKDOWN_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def sniff(text: str) -> str:
    lines = text.split("\n")
    pipes = sum(1 for line in lines if line.strip() == "|")
    tabs = sum(1 for line in lines if line.count("\t") >= 2)
    markdown = sum(1 for line in lines if _MARKDOWN_ROW.match(line) and line.count("|") >= 4)
    if markdown >= 3 and any(_MARKDOWN_RULE.match(line) for line in lines):
        return "markdown"
    if pipes >= 6:
        return "pipe"
    if tabs >= 2:
        return "tabs"
    return "lines"


def read_text(text: str, directory: Directory) -> Document:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    layout = sniff(text)
    if layout != "markdown":
        text = _unfold_markdown_header(text)
    judge = Judge(directory)
    if layout == "markdown":
        return read_markdown(text)
    if layout == "pipe":
        return read_pipe(text, judge)
    if layout == "tabs":
        return read_tabs(text)
    return read_lines(text, judge)


class Judge:
    """How well a cell's text reads as what a column holds (0 = not at all)."""

    def __init__(self, directory: Directory):
        self.directory = directory

    def fits(self, role: str | None, text: str) -> float:
        if role in ("outputs", "funding", "note", None):
            return 1.0
        if role == "id":
            return 2.0 if not text or _ANCHOR.match(text) else 0.0
        if role == "timing":
            return 1.0 if not text else (0.0 if parse_timing(text).kind is TimingKind.unknown else 2.0)
        units = self.unit_share(text)
        if role == "lead":
            return 0.0 if not text else 1.0 + units
        if role == "coordinating":
            return 1.0 if not text else 0.5 + units
        if not text or units == 1.0 or parse_timing(text).kind is not TimingKind.unknown:
            return 0.0
        return 2.0

    def unit_share(self, text: str) -> float:
        phrases = self.directory.split(text) if text else []
        if not phrases:
            return 0.0
        return sum(self.directory.knows(p) for p in phrases) / len(phrases)


def _row_of(cells: list[Cell], width: int, line: int | None, section: bool = False) -> Row:
    """A row padded to the header's width: after a section title the rest of the row is part
    of it; after a task's last cell the rest is merged from the row above."""
    pad = [Cell(merged=section, spanned=not section) for _ in range(width - len(cells))]
    return Row(cells + pad, line)


# --- pipe ------------------------------------------------------------------------------

@dataclass
class _Segment:
    lines: list[tuple[int, str]]

    @property
    def empty(self) -> bool:
        return not any(text.strip() for _, text in self.lines)

    def cell(self) -> Cell:
        texts = [t for _, t in self.lines if t.strip()]
        line = next((n for n, t in self.lines if t.strip()), None)
        return Cell.of(texts, line=line, bold=any("**" in t for t in texts))


def read_pipe(text: str, judge: Judge) -> Document:
    segments, current, preamble = [], None, []
    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.strip() == "|":
            if current is not None:
                segments.append(current)
            current = _Segment([])
        elif current is None:
            preamble.append(raw)
        else:
            current.lines.append((number, raw))
    runs = _runs(segments)
    header_at = next((i for i, (cells, _) in enumerate(runs) if header_roles([c.text for c in cells])), None)
    if header_at is None:
        return Document([], "\n".join(preamble))
    roles = header_roles([c.text for c in runs[header_at][0]])
    rows = _PipeRows(roles, judge).cut(runs[header_at:])
    return Document([rows], "\n".join(preamble))


def _runs(segments: list[_Segment]) -> list[tuple[list[Cell], int]]:
    """Runs of cells with content, each with the number of empty segments after it. A cell
    ending in an ellipsis line (a page cut when the text was copied) ends its row there."""
    runs: list[tuple[list[Cell], int]] = []
    for empty, group in itertools.groupby(segments, key=lambda s: s.empty):
        group = list(group)
        if empty:
            if runs:
                runs[-1] = (runs[-1][0], len(group))
            continue
        cells: list[Cell] = []
        for segment in group:
            cell = segment.cell()
            if cell.lines and is_ellipsis(cell.lines[-1]):
                before = [*cells, Cell(cell.lines[:-1], cell.line)] if len(cell.lines) > 1 else cells
                if before:
                    runs.append((before, 1))
                runs.append(([Cell(cell.lines[-1:], cell.line)], 1))
                cells = []
            else:
                cells.append(cell)
        if cells:
            runs.append((cells, 0))
    return runs


class _PipeRows:
    """Cuts runs of cells into rows. A row boundary is always a run of empty segments (the
    "|" closing one row and the one opening the next); empty cells look the same."""

    def __init__(self, roles: list[str | None], judge: Judge):
        self.roles, self.width, self.judge = roles, len(roles), judge

    def cut(self, runs: list[tuple[list[Cell], int]]) -> list[Row]:
        rows: list[Row] = []
        current: list[Cell] = []
        for i, (cells, empties) in enumerate(runs):
            if cells and is_ellipsis(cells[0].text):
                rows.append(Row([cells[0]], cells[0].line))  # a cut in the text, then the row goes on
                cells = cells[1:]
                if not cells:
                    continue
            current += cells
            following = runs[i + 1][0] if i + 1 < len(runs) else None
            if following is None or self._breaks(current, empties, following):
                trailing = min(max(empties - 1, 0), self.width - len(current))
                current += [Cell() for _ in range(trailing)]
                rows.append(self._row(current))
                current = []
            else:
                current += [Cell() for _ in range(empties)]
        return rows

    def _breaks(self, current: list[Cell], empties: int, following: list[Cell]) -> bool:
        if empties == 0:
            return False
        if len(current) + empties + len(following) > self.width or len(current) >= self.width:
            return True
        first = following[0].text
        if _ANCHOR.match(first) or is_ellipsis(first) or split_label(first) or _is_section(current):
            return True
        if len(current) + empties + len(following) == self.width:
            return False
        column = self.roles[len(current) + empties]
        return self.judge.fits(column, first) < 2.0

    def _row(self, cells: list[Cell]) -> Row:
        line = cells[0].line if cells else None
        if _is_section(cells):
            return _row_of(cells, self.width, line, section=True)
        if len(cells) == 1 and split_label(cells[0].text):
            return _row_of(cells, self.width, line, section=True)
        if len(cells) < self.width and cells and not _ANCHOR.match(cells[0].text) and "id" in self.roles:
            cells = [Cell(spanned=True)] + cells  # a row continuing the task above starts at its text
        return _row_of(cells, self.width, line)


def _is_section(cells: list[Cell]) -> bool:
    """"**II**", "**TITLE**": a label and a title with nothing after them."""
    return len(cells) == 2 and label_kind(cells[0].text.rstrip(".")) is not None and \
        (cells[1].bold or cells[1].text.upper() == cells[1].text)


# --- markdown --------------------------------------------------------------------------

def read_markdown(text: str) -> Document:
    """Each run of pipe-table lines is a table; the text around them is the plan's text."""
    tables, table, prose = [], [], []
    for number, line in enumerate(text.split("\n"), 1):
        if _MARKDOWN_ROW.match(line):
            if not _MARKDOWN_RULE.match(line):
                cells = [part.strip() for part in line.strip().strip("|").split("|")]
                table.append(Row([_markdown_cell(c, number) for c in cells], number))
            continue
        if table:
            tables.append(table)
            table = []
        prose.append(line)
    if table:
        tables.append(table)
    return Document(tables, "\n".join(prose))


def _unfold_markdown_header(text: str) -> str:
    """A header written as one pipe row over cells that follow one per line (a converter's
    half-finished table): the header's cells one per line too, as the rows are, on the same
    line count (the rule line left blank) so every line number still points at the source."""
    lines = text.split("\n")
    for i, line in enumerate(lines[:-2]):
        if _MARKDOWN_ROW.match(line) and _MARKDOWN_RULE.match(lines[i + 1]) and not _MARKDOWN_ROW.match(lines[i + 2]):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            lines[i], lines[i + 1] = "\n".join(cells), ""
    return "\n".join(lines)


def _markdown_cell(text: str, line: int) -> Cell:
    parts = re.split(r"<br\s*/?>", text, flags=re.I)
    cell = Cell.of(parts, line=line, paragraphs=len(parts) > 1)
    cell.bold = text.startswith("**") and text.endswith("**")
    return cell


# --- tabs ------------------------------------------------------------------------------

def read_tabs(text: str) -> Document:
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.count("\t") >= 2), 0)
    table, line_no = [], start + 1
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter="\t")
    for cells in reader:
        table.append(Row([Cell.of(c.split("\n"), line=line_no, paragraphs=True) for c in cells], line_no))
        line_no = start + 1 + reader.line_num
    return Document([table], "\n".join(lines[:start]))


# --- one cell per line ----------------------------------------------------------------

def read_lines(text: str, judge: Judge) -> Document:
    lines = text.split("\n")
    found = _line_header(lines)
    if found is None:
        return Document([], text)
    roles, first, separated = found
    cells = _line_cells(lines, first, separated)
    rows = [Row([Cell((_HEADER_TEXT[r],)) for r in roles], first)]  # the header, for the interpreter
    placer = _Placer(roles, judge)
    numbered = list(_numbered(cells))
    for i, (number, row_cells) in enumerate(numbered):
        if i == len(numbered) - 1:
            row_cells = row_cells[:len(roles) - 1]  # the text after the table is not part of its last row
        rows.append(placer.place(number, row_cells))
    return Document([rows], "\n".join(lines[:first]))


_HEADER_TEXT = {"id": "STT", "text": "Nhiệm vụ", "lead": "Cơ quan chủ trì", "coordinating": "Cơ quan phối hợp",
                "timing": "Thời gian thực hiện", "outputs": "Sản phẩm", "funding": "Kinh phí", "note": "Ghi chú"}


def _line_header(lines: list[str]) -> tuple[list[str], int, bool] | None:
    """Column roles, the first body line's index, and whether cells are separated by blank lines."""
    for start, line in enumerate(lines):
        if header_role(line) != "id":
            continue
        roles, i, separated = ["id"], start + 1, False
        while i < len(lines):
            if not lines[i].strip():
                separated = True
                i += 1
                continue
            role = header_role(lines[i])
            if role is None:
                break
            roles.append(role)
            i += 1
        if header_roles([_HEADER_TEXT[r] for r in roles]) is not None:
            return roles, _skip_column_numbers(lines, i, len(roles)), separated
    return None


def _skip_column_numbers(lines: list[str], i: int, width: int) -> int:
    """A row numbering the columns, "(1)" … "(n)", under the header."""
    found = [ln for ln in lines[i:i + 2 * width] if ln.strip()][:width]
    if [f.strip() for f in found] == [f"({k})" for k in range(1, width + 1)]:
        last = found[-1]
        return next(j for j in range(i, len(lines)) if lines[j] == last) + 1
    return i


def _line_cells(lines: list[str], first: int, separated: bool) -> list[Cell]:
    """Body lines as cells. A lone space is an empty cell; with blank-line separators a run
    of 2n+1 blank lines holds n empty cells."""
    cells: list[Cell] = []
    blanks = 0
    for index in range(first, len(lines)):
        raw = lines[index]
        if raw == "":
            blanks += 1
            continue
        empties = (blanks - 1) // 2 if separated else blanks
        cells += [Cell(line=index + 1 - blanks + k) for k in range(max(empties, 0))]
        blanks = 0
        cells.append(Cell.of([raw], line=index + 1))
    return cells


def _numbered(cells: list[Cell]):
    """Cells cut into rows at row numbers that continue the numbering."""
    numbering = _Numbering()
    number, row = None, []
    for cell in cells:
        if numbering.accepts(cell.text):
            if number is not None:
                yield number, row
            number, row = cell, []
        elif number is not None:
            row.append(cell)
    if number is not None:
        yield number, row


class _Placer:
    """Places a row's cells in the columns. Where the count does not match, it tries the
    readings that can explain it (a stray empty cell, a lost one, a text broken over lines)
    and keeps the one whose cells read as their columns hold; if none is clearly best, the
    row is passed on as it is and the interpreter reports it."""

    def __init__(self, roles: list[str], judge: Judge):
        self.roles, self.judge = roles, judge

    def place(self, number: Cell, cells: list[Cell]) -> Row:
        width = len(self.roles) - 1
        content = [c for c in cells if not c.empty]
        if len(content) <= 1 and label_kind(number.text.rstrip(".")) is not None:
            return _row_of([number, *content], width + 1, number.line, section=True)
        scored = sorted(((self._score(r), i, r) for i, r in enumerate(_readings(cells, width))),
                        key=lambda s: (-s[0], s[1]))
        if not scored:
            return Row([number, *cells], number.line, problem=f"{len(cells)} cells where the header has {width} "
                       "columns besides the number; cannot place them")
        best_score, _, best = scored[0]
        ties = [r for s, _, r in scored[1:] if s == best_score and [c.text for c in r] != [c.text for c in best]]
        confident = len(cells) == width or all(self.judge.fits(role, c.text) >= _NEEDED.get(role, 0.0)
                                               for role, c in zip(self.roles[1:], best))
        if ties or not confident:
            why = "more than one placement reads equally well" if ties else \
                "no placement reads as units and timing the directory knows"
            return Row([number, *cells], number.line, problem=f"{len(cells)} cells where the header has {width} "
                       f"columns besides the number, and {why}; check this row in the source")
        return Row([number, *best], number.line)

    def _score(self, reading: list[Cell]) -> float:
        return sum(self.judge.fits(role, c.text) for role, c in zip(self.roles[1:], reading))


_NEEDED = {"text": 2.0, "lead": 2.0, "coordinating": 1.0, "timing": 1.0}


def _readings(cells: list[Cell], width: int):
    """Ways to read a row's cells as exactly `width` columns (the first is text)."""
    count = len(cells)
    if count == width:
        yield cells
    elif count > width:
        surplus = count - width
        empties = [i for i, c in enumerate(cells) if c.empty]
        if len(empties) <= 12:
            for dropped in itertools.combinations(empties, min(surplus, len(empties))):
                if len(dropped) == surplus:
                    yield [c for i, c in enumerate(cells) if i not in dropped]
        head = cells[: surplus + 1]
        if all(not c.empty for c in head):  # a text broken over several lines
            yield [Cell(tuple(line for c in head for line in c.lines), head[0].line), *cells[surplus + 1:]]
    else:
        for gaps in itertools.combinations(range(1, width), width - count):
            source = iter(cells)
            yield [Cell(line=cells[0].line if cells else None) if i in gaps else next(source) for i in range(width)]


class _Numbering:
    """Which row numbers may come next: "1" → "1.1" or "2"; "1.1" → "1.2", "2" or "2.1";
    "I" (or "A") → "1" or "II"; "1" under "I" → "2" or "II". A number may skip ahead by a
    few (a row missing from the source); anything else is a cell."""

    MAX_SKIP = 3

    def __init__(self):
        self.area: str | None = None
        self.task = 0

    def accepts(self, text: str) -> bool:
        text = clean(text).rstrip(".")
        if not _ANCHOR.match(text):
            return False
        if text.endswith(")"):  # "a)": a lettered item of the task above, numbering unchanged
            return True
        kind = label_kind(text)
        if kind in ("roman", "letter"):
            return self._accept_label(text, kind)
        parts = text.split(".")
        if len(parts) == 1:
            return self._accept_number(int(parts[0]))
        return len(parts) == 2 and self._accept_task(parts[0], int(parts[1]))

    def _labelled(self) -> bool:
        return self.area is not None and label_kind(self.area) in ("roman", "letter")

    def _accept_label(self, label: str, kind: str) -> bool:
        from models.plans.intake.matrix import LETTERS, ROMAN
        labels = ROMAN if kind == "roman" else LETTERS
        if self._labelled() and self.area in labels:
            expected = labels[labels.index(self.area) + 1]
        else:
            expected = labels[0]
        if label == expected:
            self.area, self.task = label, 0
            return True
        return False

    def _accept_number(self, n: int) -> bool:
        if self._labelled():
            return self._step_task(n)
        if n == (int(self.area) + 1 if self.area else 1):
            self.area, self.task = str(n), 0
            return True
        return False

    def _accept_task(self, area: str, n: int) -> bool:
        if area == self.area and not self._labelled():
            return self._step_task(n)
        if not self._labelled() and area == str(int(self.area or 0) + 1) and n == 1:
            self.area, self.task = area, 1
            return True
        return False

    def _step_task(self, n: int) -> bool:
        if not self.task < n <= self.task + 1 + self.MAX_SKIP:
            return False
        self.task = n
        return True

