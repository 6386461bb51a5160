"""Reading a plan copied from a web page into a plan YAML draft.

A copied table arrives flattened to one cell per line: cells separated by blank
lines (or not), empty cells as a lone space or as blank lines, a task's text
sometimes broken over several lines. The reader:

1. finds the header row and learns the columns from it (not from positions);
2. cuts the body into rows at row numbers ("1", "1.1", "I"), accepting a number
   only where the numbering can continue, so a "2023" cell is not taken for a row;
3. places each row's cells in the columns. Where the count does not match it
   tries the few readings that can explain it (a stray empty cell, a lost empty
   cell, a text broken over lines) and keeps the one whose cells read as what
   their column holds (unit names in unit columns, a timing phrase in the timing
   column). If no reading is clearly best it reports the line instead of guessing.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from models.org import Directory
from models.text import fold, nfc, slug
from models.timing import TimingKind, parse_timing
from models.yamlio import Problem, flow

# Header cell → column role, by words the header contains (diacritics ignored).
# Order matters: the first role whose words appear wins.
HEADER_WORDS = [
    ("lead", ["chu tri", "don vi thuc hien", "co quan thuc hien", "chiu trach nhiem"]),
    ("coordinating", ["phoi hop"]),
    ("timing", ["thoi gian", "thoi han", "tien do"]),
    ("product", ["san pham", "ket qua"]),
    ("note", ["ghi chu"]),
    ("text", ["nhiem vu", "noi dung", "cong viec", "giai phap"]),
]
ID_HEADERS = {"stt", "tt", "so tt", "so thu tu"}
REQUIRED_COLUMNS = ["text", "lead"]

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]
LETTERS = list("ABCDEFGHKLMNOP")  # Vietnamese lists skip I and J
_ANCHOR = re.compile(r"^(?:(?P<label>[IVX]+|[A-P])|(?P<num>\d+(?:\.\d+)*))\.?$")


@dataclass
class Cell:
    line: int  # 1-based line in the source text
    text: str  # "" for an empty cell


@dataclass
class Row:
    number: str  # as printed: "1", "1.1", "II"
    line: int
    cells: list[Cell] = field(default_factory=list)


@dataclass
class ImportResult:
    plan: dict | None
    errors: list[Problem]
    warnings: list[Problem]


class _Reader:
    def __init__(self, text: str, source: str, directory: Directory):
        self.lines = [line.rstrip("\r\n") for line in text.split("\n")]
        self.source = source
        self.directory = directory
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, line: int | None, field_: str, message: str) -> None:
        self.errors.append(Problem(self.source, line, field_, message))

    def warn(self, line: int | None, field_: str, message: str) -> None:
        self.warnings.append(Problem(self.source, line, field_, message))

    # --- 1. the header ------------------------------------------------------------

    def find_header(self) -> tuple[list[str], int, bool] | None:
        """Column roles, the index of the first body line, and whether cells are
        separated by blank lines."""
        for start, line in enumerate(self.lines):
            if fold(line).strip(" .:") not in ID_HEADERS:
                continue
            roles, i, separated = ["id"], start + 1, False
            while i < len(self.lines):
                if not self.lines[i].strip():
                    separated = True
                    i += 1
                    continue
                role = _header_role(self.lines[i])
                if role is None:
                    break
                roles.append(role)
                i += 1
            missing = [r for r in REQUIRED_COLUMNS if r not in roles]
            if missing:
                self.error(start + 1, "header", f"table header lacks the column(s): {', '.join(missing)}")
                return None
            duplicated = {r for r in roles if roles.count(r) > 1}
            if duplicated:
                self.error(start + 1, "header", f"more than one column reads as {', '.join(sorted(duplicated))}")
                return None
            return roles, i, separated
        self.error(None, "header", 'no table header found (expected a row starting with "Số TT" or "STT")')
        return None

    # --- 2. rows ------------------------------------------------------------------

    def cells(self, first: int, separated: bool) -> list[Cell]:
        """Body lines as cells. A lone space is an empty cell; with blank-line
        separators, a run of 2n+1 blank lines holds n empty cells."""
        cells: list[Cell] = []
        blanks = 0
        for index in range(first, len(self.lines)):
            raw = self.lines[index]
            if raw == "":
                blanks += 1
                continue
            empties = (blanks - 1) // 2 if separated else blanks
            cells += [Cell(index + 1 - blanks + k, "") for k in range(max(empties, 0))]
            blanks = 0
            cells.append(Cell(index + 1, nfc(raw)))
        return cells

    def rows(self, cells: list[Cell]) -> list[Row]:
        rows: list[Row] = []
        numbering = _Numbering()
        for cell in cells:
            skipped = len(numbering.skips)
            if numbering.accepts(cell.text):
                rows.append(Row(cell.text.rstrip("."), cell.line))
                if len(numbering.skips) > skipped:
                    after, found = numbering.skips[-1]
                    self.warn(cell.line, f"row {found}", f"numbering jumps from {after} to {found}: "
                              "is a row missing from the source?")
            elif rows:
                rows[-1].cells.append(cell)
        return rows

    # --- 3. placing cells ---------------------------------------------------------

    def place(self, row: Row, columns: list[str], last: bool) -> dict[str, Cell] | None:
        cells = row.cells[: len(columns)] if last else row.cells
        best, best_score, ties = None, -1.0, []
        for reading in _readings(cells, len(columns)):
            score = sum(self._fits(column, cell.text) for column, cell in zip(columns, reading))
            if score > best_score:
                best, best_score, ties = reading, score, [reading]
            elif score == best_score and _texts(reading) != _texts(best):
                ties.append(reading)
        if best is None:
            self.error(row.line, f"row {row.number}",
                       f"{len(cells)} cells where the header has {len(columns)} columns; cannot place them")
            return None
        if len(ties) > 1:
            self.error(row.line, f"row {row.number}",
                       f"{len(cells)} cells where the header has {len(columns)} columns, and more than one "
                       "placement reads equally well; check this row in the source")
            return None
        if len(cells) != len(columns) and not self._confident(columns, best):
            self.error(row.line, f"row {row.number}",
                       f"{len(cells)} cells where the header has {len(columns)} columns, and no placement "
                       "reads as units and timing the directory knows; check this row in the source")
            return None
        return dict(zip(columns, best))

    def _confident(self, columns: list[str], reading: list[Cell]) -> bool:
        """Every cell reads as its column should: known units, a known timing."""
        needed = {"text": 2.0, "lead": 2.0, "coordinating": 1.0, "timing": 1.0}
        return all(self._fits(c, cell.text) >= needed.get(c, 0.0) for c, cell in zip(columns, reading))

    def _fits(self, column: str, text: str) -> float:
        """How well a cell's text reads as what the column holds (0 = not at all)."""
        if column in ("product", "note"):
            return 1.0
        if column == "timing":
            return 1.0 if not text else (0.0 if parse_timing(text).kind is TimingKind.unknown else 2.0)
        units = self._unit_share(text)
        if column == "lead":
            return 0.0 if not text else 1.0 + units
        if column == "coordinating":
            return 1.0 if not text else 0.5 + units
        if column == "text":
            if not text or units == 1.0 or parse_timing(text).kind not in (TimingKind.unknown,):
                return 0.0
            return 2.0
        return 1.0

    def _unit_share(self, text: str) -> float:
        phrases = self.directory.split(text) if text else []
        if not phrases:
            return 0.0
        return sum(self.directory.resolve(p) is not None for p in phrases) / len(phrases)


def _header_role(line: str) -> str | None:
    folded = fold(line)
    for role, words in HEADER_WORDS:
        if any(word in folded for word in words):
            return role
    return None


def _texts(reading: list[Cell] | None) -> list[str]:
    return [c.text for c in reading or []]


def _readings(cells: list[Cell], width: int):
    """Ways to read a row's cells as exactly `width` columns (the first is text)."""
    count = len(cells)
    if count == width:
        yield cells
    elif count > width:
        surplus = count - width
        empties = [i for i, c in enumerate(cells) if not c.text]
        if len(empties) <= 12:
            for dropped in itertools.combinations(empties, min(surplus, len(empties))):
                if len(dropped) == surplus:
                    yield [c for i, c in enumerate(cells) if i not in dropped]
        # A text broken over several lines: its first surplus+1 cells are one text.
        head = cells[: surplus + 1]
        if all(c.text for c in head):
            yield [Cell(head[0].line, "\n".join(c.text for c in head)), *cells[surplus + 1:]]
    else:
        for gaps in itertools.combinations(range(1, width), width - count):
            reading, source = [], iter(cells)
            for i in range(width):
                reading.append(Cell(cells[0].line if cells else 0, "") if i in gaps else next(source))
            yield reading


class _Numbering:
    """Which row numbers may come next: "1" → "1.1" or "2"; "1.1" → "1.2", "2" or "2.1";
    "I" (or "A") → "1" or "II"; "1" under "I" → "2" or "II". A number may skip ahead by
    a few (a row missing from the source), which is reported; anything else is a cell."""

    MAX_SKIP = 3

    def __init__(self):
        self.area: str | None = None
        self.task = 0
        self.skips: list[tuple[str, str]] = []  # (after, found)

    def accepts(self, text: str) -> bool:
        m = _ANCHOR.match(text.strip())
        if not m:
            return False
        if m.group("label"):
            return self._accept_label(m.group("label"))
        parts = m.group("num").split(".")
        if len(parts) == 1:
            return self._accept_number(int(parts[0]))
        return len(parts) == 2 and self._accept_task(parts[0], int(parts[1]))

    def _labelled(self) -> bool:
        return self.area is not None and _label_list(self.area) is not None

    def _next_area(self) -> str:
        if self.area is None:
            return "1"
        labels = _label_list(self.area)
        if labels is not None:
            return labels[labels.index(self.area) + 1]
        return str(int(self.area) + 1)

    def _accept_label(self, label: str) -> bool:
        labels = _label_list(label)
        expected = self._next_area() if self._labelled() else labels[0]
        if label == expected:
            self.area, self.task = label, 0
            return True
        return False

    def _accept_number(self, n: int) -> bool:
        if self._labelled():  # "I" then tasks "1", "2"
            return self._step_task(n)
        if str(n) == self._next_area():
            self.area, self.task = str(n), 0
            return True
        return False

    def _accept_task(self, area: str, n: int) -> bool:
        if area == self.area and not self._labelled():
            return self._step_task(n)
        if area == self._next_area() and n == 1:
            self.area, self.task = area, 1
            return True
        return False

    def _step_task(self, n: int) -> bool:
        if not self.task < n <= self.task + 1 + self.MAX_SKIP:
            return False
        if n != self.task + 1:
            self.skips.append((self._label(self.task), self._label(n)))
        self.task = n
        return True

    def _label(self, n: int) -> str:
        return str(n) if self._labelled() else f"{self.area}.{n}"


def _label_list(label: str) -> list[str] | None:
    for labels in (ROMAN, LETTERS):
        if label in labels:
            return labels
    return None


def import_plan(text: str, source: str, directory: Directory) -> ImportResult:
    reader = _Reader(text, source, directory)
    header = reader.find_header()
    if header is None:
        return ImportResult(None, reader.errors, reader.warnings)
    roles, first, separated = header
    rows = reader.rows(reader.cells(first, separated))
    if not rows:
        reader.error(first + 1, "table", "no numbered rows after the header")
        return ImportResult(None, reader.errors, reader.warnings)
    areas, tasks = _areas_and_tasks(reader, rows, roles[1:])
    plan = {"plan": _plan_info(reader, text), "areas": areas, "tasks": tasks}
    return ImportResult(None if reader.errors else plan, reader.errors, reader.warnings)


def _is_group(rows: list[Row], i: int) -> bool:
    """A row is an area when the next row is numbered beneath it ("1" then "1.1")."""
    if i + 1 >= len(rows):
        return False
    row, following = rows[i].number, rows[i + 1].number
    return following.startswith(row + ".") or (_label_list(row) is not None and following == "1")


def _areas_and_tasks(reader: _Reader, rows: list[Row], columns: list[str]) -> tuple[list, list]:
    areas, tasks, area = [], [], None
    for i, row in enumerate(rows):
        if _is_group(rows, i):
            title = next((c.text for c in row.cells if c.text), "")
            if not title:
                reader.error(row.line, f"area {row.number}", "area row has no title")
            area = row.number
            areas.append({"id": area, "title": title})
            continue
        placed = reader.place(row, columns, last=i == len(rows) - 1)
        if placed is not None:
            task_id = f"{area}.{row.number}" if area and _label_list(area) else row.number
            tasks.append(_task(reader, task_id, area, row, placed))
    return areas, tasks


def _task(reader: _Reader, task_id: str, area: str | None, row: Row, placed: dict[str, Cell]) -> dict:
    def text(column: str) -> str:
        return placed[column].text if column in placed else ""

    task = {"id": task_id, "area": area, "text": text("text").replace("\n", " ")}
    for column in ("lead", "coordinating"):
        phrases = reader.directory.split(text(column))
        for phrase in phrases:
            if reader.directory.resolve(phrase) is None:
                hint = reader.directory.suggest(phrase)
                reader.warn(placed[column].line, f"task {task_id}.{column}",
                            f'"{phrase}" is not in the directory' + (f' (did you mean "{hint}"?)' if hint else ""))
        task[column] = flow(phrases)
    if not task["lead"]:
        reader.error(row.line, f"task {task_id}.lead", "no lead unit in this row")
    timing = parse_timing(text("timing"))
    if timing.kind is TimingKind.unknown:
        reader.warn(placed["timing"].line if "timing" in placed else row.line, f"task {task_id}.timing",
                    f'timing phrase "{timing.phrase}" is not understood: kept verbatim, needs an admin decision')
    task["timing"] = flow(timing.as_yaml())
    if text("product"):
        task["product"] = text("product")
    if area is None:
        del task["area"]
    return task


# --- the plan's own details, from the text around the table --------------------

def _plan_info(reader: _Reader, text: str) -> dict:
    body = unicodedata.normalize("NFC", text)
    number = _search(r"Số:?\s*(\d+/[A-ZĐ][\w.-]*-[\w.-]+)", body)
    when = re.search(r"ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})", body)
    issued_on = f"{int(when.group(3)):04d}-{int(when.group(2)):02d}-{int(when.group(1)):02d}" if when else ""
    issuer = _issuer(reader.lines)
    coordinator = _coordinator(reader, body)
    title = _title(reader.lines)
    for name, value in (("number", number), ("issued_on", issued_on), ("issued_by", issuer),
                        ("coordinator", coordinator), ("title", title)):
        if not value:
            reader.warn(None, f"plan.{name}", "not found in the text: fill it in by hand")
    place = slug(re.sub(r"^UBND (tỉnh|thành phố) ", "", issuer)) if issuer else "plan"
    plan_id = "-".join(p for p in (place, (number or "").split("/")[0], issued_on[:4]) if p)
    return flow({"id": plan_id, "number": number or "", "title": title, "issued_by": issuer,
                 "issued_on": issued_on, "coordinator": coordinator})


def _search(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    return m.group(1) if m else ""


def _issuer(lines: list[str]) -> str:
    """'ỦY BAN NHÂN DÂN' over 'TỈNH BÌNH ĐỊNH' → 'UBND tỉnh Bình Định'."""
    for i, line in enumerate(lines[:40]):
        if fold(line) == "uy ban nhan dan" and i + 1 < len(lines):
            place = nfc(lines[i + 1]).title()
            for level in ("Tỉnh", "Thành Phố", "Huyện", "Quận", "Thị Xã"):
                if place.startswith(level + " "):
                    return f"UBND {level.lower()} {place[len(level) + 1:]}"
    return ""


def _title(lines: list[str]) -> str:
    """The upper-case line(s) after 'KẾ HOẠCH', in sentence case, acronyms in brackets kept."""
    for i, line in enumerate(lines[:80]):
        if fold(line) == "ke hoach":
            words = []
            for following in lines[i + 1:i + 6]:
                if following.strip():
                    words.append(nfc(following))
                elif words:
                    break
            title = " ".join(words)
            sentence = title[:1] + title[1:].lower()
            return re.sub(r"\(([^)]*)\)", lambda m: f"({m.group(1).upper()})", sentence)
    return ""


def _coordinator(reader: _Reader, body: str) -> str:
    """The unit that 'theo dõi, đôn đốc' (tracks and chases) the plan."""
    for m in re.finditer(r"(?:^|\n)(?:\d+\.\s*)?([^\n]{3,80}?)\s+(?:chủ trì,\s*)?theo dõi,\s*đôn đốc", body):
        target = reader.directory.resolve(m.group(1))
        if target is not None and target.kind == "unit":
            return target.name
    return ""


def import_file(path: Path, directory: Directory) -> ImportResult:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark from Windows editors is dropped
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        return ImportResult(None, [Problem(str(path), line, "", "not UTF-8 text: save the file as UTF-8")], [])
    return import_plan(text, str(path), directory)
