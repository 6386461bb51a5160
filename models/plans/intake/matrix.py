"""The one interpreter of rows: from a document's tables to the plan's areas and tasks.

Readers only find cells. This module knows what a responsibility matrix looks like:
a header whose columns are recognised by meaning, sections at several levels (A, I,
1) that become areas, numbered task rows, rows with no number of their own that
continue the task above (merged cells), repeated headers, and the cut a copied page
can leave ("….."). It never shifts a cell silently: what it cannot read with
certainty is reported with the line and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.plans.intake.planinfo import read_plan_info
from models.plans.intake.rows import Cell, Document, Row, clean
from models.org.directory import Directory
from models.common.text import fold, is_number
from models.plans.timing import TimingKind, parse_timing, plan_year
from models.common.yamlio import Problem, flow

# Header cell → column role, by the words it contains (diacritics ignored). A cell takes the
# first role whose words it has; within a role the earlier words are the stronger claim, so
# of two columns claiming a role the stronger takes it and the other is kept as a field of
# its own ("Người đứng đầu chịu trách nhiệm" beside "Cơ quan chủ trì").
HEADER_WORDS = [
    ("id", [r"^(?:so )?t\.?t\.?$", r"^stt$", r"^so thu tu$"]),
    ("timing", [r"thoi (?:gian|han) hoan thanh", r"han hoan thanh", r"thoi han", r"thoi gian (?:thuc hien|trinh)",
                r"thoi gian", r"moc thoi gian", r"^tien do"]),
    ("lead", [r"chu tri", r"(?:don vi|co quan)(?:, (?:don vi|to chuc)(?: dang)?)? thuc hien", r"nguoi thuc hien",
              r"can bo thuc hien", r"^don vi$", r"^co quan$", r"chiu trach nhiem", r"phu trach",
              r"^(?:co quan|don vi) chu$"]),  # "Cơ quan chủ | trì": a PDF header cut at its line break
    ("coordinating", [r"phoi hop", r"^(?:co quan|don vi) phoi$"]),
    ("outputs", [r"san pham", r"ket qua"]),
    ("funding", [r"kinh phi", r"nguon von"]),
    ("note", [r"ghi chu"]),
    ("text", [r"ten nhiem vu", r"noi dung", r"nhiem vu", r"cong viec", r"chi tieu", r"giai phap", r"hoat dong",
              r"danh sach", r"ten van ban", r"ten de an"]),
]
ROLES = {role for role, _ in HEADER_WORDS}
REQUIRED = ("text", "lead")
EXTRA = "extra:"  # a column kept as a field of the task under its own header
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
         "XVI", "XVII", "XVIII", "XIX", "XX"]
LETTERS = list("ABCDEFGHKLMNOPQRSTUVXY")  # Vietnamese lists skip I, J, W, Z
_NUMBER = re.compile(r"^\d+(?:\.\d+)*$")
_ITEM = re.compile(r"^(?P<letter>[a-zđ])\s*[).]?$")  # "a)", "b.", "đ)" (written "dd" in ids)
_LETTER_NUMBER = re.compile(r"[a-z]|dd")
_ELLIPSIS = re.compile(r"^[.…\s-]{3,}$|^…+$")
SUFFIXES = "bcdefghiklmnopqrstuvxy"
BULLETS = {"-", "–", "—", "+", "•", "*", "·"}


def suffix(n: int) -> str:
    """The n-th continuation's letter ("b", "c", …), then "z23", "z24": a task may run on."""
    return SUFFIXES[n] if n < len(SUFFIXES) else f"z{n + 2}"


def _claim(text: str) -> tuple[str, int] | None:
    """(role, strength: 0 the strongest) a header cell claims, if any."""
    folded = fold(text).strip(" .:*")
    for role, patterns in HEADER_WORDS:
        for strength, pattern in enumerate(patterns):
            if re.search(pattern, folded):
                return role, strength
    return None


def header_role(text: str) -> str | None:
    claim = _claim(text)
    return claim[0] if claim else None


def header_roles(texts: list[str]) -> list[str | None] | None:
    """Column roles when these cells are a matrix header, else None. Each role goes to the
    column with the strongest claim on it (the leftmost of equals); other claimants and
    unknown headed columns are kept as `extra:<header>`. A header needs a task or a lead
    column and one more it knows: an extra column never makes a matrix unreadable."""
    claims = [_claim(t) if t else None for t in texts]
    best: dict[str, int] = {}
    for i, claim in enumerate(claims):
        if claim and (claim[0] not in best or claim[1] < claims[best[claim[0]]][1]):
            best[claim[0]] = i
    roles: list[str | None] = []
    for i, (text, claim) in enumerate(zip(texts, claims)):
        if claim and best[claim[0]] == i:
            roles.append(claim[0])
        else:
            roles.append(EXTRA + clean_header(text) if text and text.strip() else None)
    if not ("text" in best or "lead" in best) or len(best) < 2:
        return None
    return roles


def clean_header(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" .:*")


def _sub_header(roles: list[str | None], row: Row) -> list[str | None] | None:
    """A second header row under cells merged across columns ("Đơn vị thực hiện" over
    "Chủ trì" | "Phối hợp"): the roles with the sub-headings' meanings, or None."""
    own = [(i, c) for i, c in enumerate(row.cells[:len(roles)]) if not c.empty and not c.spanned and not c.merged]
    if not own or not all(header_role(c.text) for _, c in own):
        return None
    refined = list(roles)
    for i, cell in own:
        refined[i] = header_role(cell.text)
    known = [r for r in refined if r in ROLES]
    return refined if len(set(known)) == len(known) and any(r in known for r in REQUIRED) else None


def _wrapped_header(header: Row, following: Row, roles: list[str | None]) -> list[str | None] | None:
    """A header row whose cells went on in the row below (a PDF cuts a cell at each line): the
    following row has short text only under header cells that have text, none under the number
    column, and the cells joined name more roles ("Cơ quan | phối hợp")."""
    heads, more = header.texts(), following.texts()
    filled = [j for j, text in enumerate(more) if text.strip()]
    if not filled or any(j >= len(heads) or not heads[j].strip() for j in filled):
        return None
    if "id" in roles and roles.index("id") in filled:
        return None
    if any(len(more[j]) > 40 for j in filled):  # words of a header, not a task's text
        return None
    joined = [f"{h} {more[j]}".strip() if j < len(more) else h for j, h in enumerate(heads)]
    better = header_roles(joined)
    known = lambda rs: sum(1 for r in rs if r in ROLES)  # noqa: E731
    return better if better is not None and known(better) > known(roles) else None


def _repeats_header(table: list[Row], i: int, roles: list[str | None]) -> bool:
    """Row i repeats the matrix's header (after a page break), wrapped over two rows or not."""
    own = header_roles(table[i].texts())
    if own is None:
        return False
    return own == roles or (i + 1 < len(table) and _wrapped_header(table[i], table[i + 1], own) == roles)


def _below_header(table: list[Row], header: int) -> int:
    """The first body row of a table that repeats the header (a page break), past the header's
    wrapped line if it has one."""
    following = header + 1
    if following < len(table) and _wrapped_header(table[header], table[following], header_roles(table[header].texts())):
        return following + 1
    return following


def _rehomed(roles: list[str | None], body: list[Row]) -> list[str | None]:
    """A role whose column is (nearly) always empty while the column beside it, which no header
    names, holds the text: the header cell and its data were placed one grid column apart (a
    PDF's ruling lines); the role moves to where the data is."""
    if len(body) < 3:
        return roles
    width = len(roles)

    def filled(j: int) -> float:
        cells = [r.cells[j] for r in body if j < len(r.cells)]
        return sum(1 for c in cells if not c.empty and not c.merged) / len(body)
    moved = list(roles)
    for j, role in enumerate(roles):
        if role not in ROLES or role == "id" or filled(j) > 0.1:
            continue
        beside = [k for k in (j - 1, j + 1) if 0 <= k < width and moved[k] is None and filled(k) >= 0.3]
        if beside:
            moved[beside[0]], moved[j] = role, None
    return moved


def label_kind(label: str) -> str | None:
    """"IV" → roman, "B" → letter, "2" → arabic; anything else is not a section label."""
    if label in ROMAN:
        return "roman"
    if label in LETTERS:
        return "letter"
    if is_number(label):
        return "arabic"
    return None


def previous_label(label: str) -> str | None:
    for labels in (ROMAN, LETTERS):
        if label in labels:
            i = labels.index(label)
            return labels[i - 1] if i else None
    return str(int(label) - 1) if is_number(label) and int(label) > 1 else None


_LABELLED = re.compile(r"^(?P<label>[IVX]+|[A-Y]|\d+)[.)]\s+(?P<title>.+)$", re.DOTALL)


def split_label(text: str) -> tuple[str, str] | None:
    """"I. NÂNG CAO NHẬN THỨC" in one cell → ("I", "NÂNG CAO NHẬN THỨC"): a heading in capitals,
    or any heading under a roman numeral or a capital letter ("VI. Đẩy mạnh ứng dụng …")."""
    m = _LABELLED.match(text.strip())
    if not m or not label_kind(m["label"]):
        return None
    capitals = sum(c.isupper() for c in m["title"]) >= 0.8 * sum(c.isalpha() for c in m["title"])
    return (m["label"], m["title"].strip()) if capitals or label_kind(m["label"]) != "arabic" else None


def _next_label(label: str) -> str | None:
    for labels in (ROMAN, LETTERS):
        if label in labels and labels.index(label) + 1 < len(labels):
            return labels[labels.index(label) + 1]
    return str(int(label) + 1) if is_number(label) else None


def is_ellipsis(text: str) -> bool:
    return bool(_ELLIPSIS.match(text.strip()))


@dataclass
class Section:
    kind: str
    label: str


@dataclass
class TaskRow:
    path: tuple[str, ...]  # labels of the sections it is in
    number: str  # as printed ("1", "1.1"); "" for a row continuing the task above
    cells: dict[str, Cell]
    line: int | None
    where: str
    suffix: str = ""  # "b", "c": rows continuing a numbered task


@dataclass
class Result:
    plan: dict | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sources: dict[str, dict] = field(default_factory=dict)  # task id → the cells it was read from, and where


class Interpreter:
    def __init__(self, source: str, directory: Directory):
        self.source, self.directory = source, directory
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.sections: list[Section] = []
        self.areas: dict[str, str] = {}  # id → title, in order
        self.rows: list[TaskRow] = []
        self.cut_at: int | None = None  # line of a "….." cut; rows after it may be in a lost section
        self.orphans: list[TaskRow] = []
        self.numbered_by_position = False  # the rows carry no numbers of their own
        self.sources: dict[str, dict] = {}
        self.table_starts: dict[int, str] = {}  # body row index → the caption of the table that begins there
        self.next_caption: str | None = None  # a table has just begun: its caption, until its first numbered row
        self.parts: list[str] = []  # labels of the annex's parts, once a table restarted the numbering

    def problem(self, row: Row | TaskRow | None, field_: str, message: str, warning: bool = False,
                cell: Cell | None = None) -> None:
        line = (cell.line if cell is not None and cell.line else None) or (row.line if row else None)
        where = f" ({row.where})" if row is not None and row.where and not line else ""
        (self.warnings if warning else self.errors).append(Problem(self.source, line, field_, message + where))

    # --- the table ------------------------------------------------------------------

    def find_matrix(self, doc: Document) -> tuple[list[str | None], list[Row]] | None:
        """The header's roles and the body rows: the first table whose header says most of
        a matrix (a task and a lead column first, then more roles it knows), and the tables
        after it with the same header or the same width (a table split across pages)."""
        found = []  # (score, table index, header row index, roles)
        for t, table in enumerate(doc.tables):
            for i, row in enumerate(table[:12]):
                roles = header_roles(row.texts())
                if roles is not None:
                    known = {r for r in roles if r in ROLES}
                    found.append(((all(r in known for r in REQUIRED), len(known)), t, i, roles))
                    break
        if not found:
            self.problem(None, "header", "no responsibility matrix found: no table has a header with a column "
                         'for the task ("Nhiệm vụ", "Nội dung") or for the lead unit ("Cơ quan chủ trì")')
            return None
        _, first, i, roles = max(found, key=lambda f: (f[0], -f[1]))
        start = i + 1
        table = doc.tables[first]
        if start < len(table) and (wrapped := _wrapped_header(table[i], table[start], roles)):
            roles, start = wrapped, start + 1  # "Cơ quan chủ | trì thực hiện": a header cell cut at its line break
        if start < len(table) and (refined := _sub_header(roles, table[start])):
            roles, start = refined, start + 1
        body = list(table[start:])
        caption = dict(enumerate(doc.captions)).get
        self.table_starts[0] = caption(first) or ""
        for n, table in enumerate(doc.tables[first + 1:], start=first + 1):
            header = next((i for i, row in enumerate(table[:3]) if _repeats_header(table, i, roles)), None)
            if header is not None or (table and len(table[0].cells) == len(roles)):
                self.table_starts[len(body)] = caption(n) or ""
                body += table[_below_header(table, header):] if header is not None else table
        roles = _rehomed(roles, body)  # after the tables are joined: a page's repeated header is matched as read
        for role in REQUIRED:
            if role not in roles:
                self.problem(None, "header", f"no {'task' if role == 'text' else 'lead unit'} column: every row "
                             "is marked for review", warning=True)
        return roles, body

    def read(self, doc: Document) -> Result:
        found = self.find_matrix(doc)
        if found is None:
            return Result(None, self.errors, self.warnings)
        roles, body = found
        kept = [r.removeprefix(EXTRA) for r in roles if r and r.startswith(EXTRA)]
        if kept:
            self.problem(None, "header", "column(s) kept as fields of each task: " + ", ".join(f'"{k}"' for k in kept),
                         warning=True)
        above: list[Cell] = [Cell() for _ in roles]
        for n, row in enumerate(body):
            if n in self.table_starts and n:
                self.next_caption = self.table_starts[n]
            cells = self._inherit(row, above, len(roles))
            above = cells
            self._row(row, roles, cells)
        self._place_orphans(None)
        if not self.rows:
            self.problem(None, "table", "the matrix has a header but no task rows")
            return Result(None, self.errors, self.warnings)
        info, missing = read_plan_info(doc.text, self.directory)
        for name in missing:
            self.problem(None, f"plan.{name}", "not found in the text: fill it in by hand", warning=True)
        plan = {"plan": flow(info), "areas": [{"id": a, "title": t} for a, t in self.areas.items()],
                "tasks": self._tasks(plan_year(info["title"]))}
        return Result(plan, self.errors, self.warnings, self.sources)  # doubtful rows are marked, never refused

    @staticmethod
    def _inherit(row: Row, above: list[Cell], width: int) -> list[Cell]:
        cells = list(row.cells[:width]) + [Cell() for _ in range(width - len(row.cells))]
        return [above[i] if c.spanned and c.empty else c for i, c in enumerate(cells)]

    def _row(self, row: Row, roles: list[str | None], cells: list[Cell]) -> None:
        texts = [c.text for c, m in zip(cells, row.cells) if not m.merged] if row.cells else []
        if not any(texts):
            return
        if all(is_ellipsis(t) for t in texts if t):
            self.cut_at = row.line or 0
            self.problem(row, "table", "the text is cut here (an ellipsis line): rows may be missing from the "
                         "source", warning=True)
            return
        own = [c for c in row.cells if not c.empty and not c.merged and not c.spanned]
        if _numbers_the_columns(row):
            return  # "(1) (2) (3) …" under the header
        if header_roles([c.text for c in row.cells]) == roles or \
                (len(own) >= 2 and all(header_role(c.text) for c in own)):
            return  # the header repeated after a page break
        if row.problem:  # cells that fit no reading: kept whole as the task's text, for a person to place
            first = row.cells[0].text if row.cells else ""
            self.problem(row, f"row {first}".strip(), row.problem + ": its cells are kept as the task's text, "
                         "review", warning=True)
            number = first.rstrip(".") if _NUMBER.match(first.rstrip(".")) else ""
            rest = [c.text for c in row.cells[1 if number else 0:] if c.text]
            self._task(row, number, {"text": Cell((" | ".join(rest),), row.line)})
            return
        by_role = {r: c for r, c in zip(roles, cells) if r}  # extras under "extra:<header>"
        number = by_role["id"].text.rstrip(".") if "id" in by_role and not row.cells[0].spanned else ""
        if number in BULLETS:  # "-", "+", "•" in the number column: an item with no number of its own
            number = ""
        own_texts = [c.text for c in row.cells if not c.empty and not c.merged and not c.spanned]
        if len(own_texts) == 1 and (labelled := split_label(own_texts[0])):
            number, title = labelled
            self._open_section(label_kind(number), number, title)
            return
        if labelled := _heading_by_shape(own_texts, [c for c in row.cells if not c.empty and not c.merged
                                                      and not c.spanned]):
            self._open_section(label_kind(labelled[0]), *labelled)  # wherever its label sits
            return
        if self._section(row, number, by_role, cells):
            return
        self._task(row, number, by_role)

    def _section(self, row: Row, number: str, by_role: dict[str, Cell], cells: list[Cell]) -> bool:
        """A heading row: a label ("II", "B", "3") and a title, no lead and no timing. A dotted
        number ("5.1") heads a sub-section only when the whole row is set in bold."""
        own = [c for c in row.cells if not c.empty and not c.merged and not c.spanned]
        content = [c for c in own if c.text.rstrip(".") != number]
        kind = label_kind(number)
        if kind is None and _NUMBER.match(number) and own and all(c.bold for c in own):
            kind = f"sub{number.count('.')}"
        if kind is None or len(content) != 1 or not (by_role.get("timing") or Cell()).empty:
            return False
        if not kind.startswith("sub") and not (by_role.get("lead") or Cell()).empty:
            return False
        self._open_section(kind, number, content[0].text)
        return True

    def _open_section(self, kind: str, label: str, title: str) -> None:
        self._place_orphans(label, kind)
        depth = next((i for i, s in enumerate(self.sections) if s.kind == kind), len(self.sections))
        path = [s.label for s in self.sections[:depth]]
        if self.next_caption is not None and previous_label(label) is None and ".".join([*path, label]) in self.areas:
            self._begin_part()  # the next table starts its sections again: a part of its own
            depth, path = 1, [self.parts[-1]]
        self.next_caption = None
        if ".".join([*path, label]) in self.areas:  # "IV" twice: the second is the next one, "V"
            following = _next_label(label)
            if following is None or ".".join([*path, following]) in self.areas:
                self.problem(None, f"area {'.'.join([*path, label])}", f'section "{label}" appears twice: '
                             'its tasks are numbered apart, review', warning=True)
            else:
                self.problem(None, f"area {'.'.join([*path, label])}", f'section "{label}" appears twice: the '
                             f'second ("{title}") is read as "{following}"', warning=True)
                label = following
        self.sections[depth:] = [Section(kind, label)]
        self.areas[".".join(s.label for s in self.sections)] = title
        self.cut_at = None

    def _task(self, row: Row, number: str, by_role: dict[str, Cell]) -> None:
        last = self.sections[-1] if self.sections else None
        if last is not None and last.kind == "arabic" and is_number(number) and is_number(last.label) \
                and int(number) == int(last.label) + 1:
            self.sections.pop()  # "3" after the heading "2": the next item of that list, not a task inside "2"
        path = tuple(s.label for s in self.sections)
        if item := _ITEM.match(number):  # "a)", "b." under a numbered task: its parts
            letter = item["letter"].replace("đ", "dd")
            parent = next((t for t in reversed(self.rows) if t.path == path and t.number
                           and not _LETTER_NUMBER.fullmatch(t.number)), None)
            if parent is None:  # items straight under a heading ("1 | Tuyên truyền", no lead): numbered a, b, …
                self.rows.append(TaskRow(path, letter, by_role, row.line, row.where))
                return
            self.rows.append(TaskRow(path, parent.number, by_role, row.line, row.where, letter))
            return
        if not number and self.next_caption is not None and self.rows and self._only_text(by_role):
            self._run_on(row, by_role)  # a row cut by a page break: its text goes on the row before
            return
        if not number:
            parent = next((t for t in reversed(self.rows) if t.path == path and t.number), None)
            if parent is None or self.numbered_by_position:  # no number column, or Word numbered the rows itself
                self.numbered_by_position = True
                number = str(sum(1 for t in self.rows if t.path == path and not t.suffix) + 1)
                self.problem(row, f"row {number}", "no number in the source: numbered by its position, review",
                             warning=True)
                self.rows.append(TaskRow(path, number, by_role, row.line, row.where))
                return
            taken = sum(1 for t in self.rows if t.path == path and t.number == parent.number and t.suffix)
            task = TaskRow(path, parent.number, by_role, row.line, row.where, suffix(taken))
        else:
            task = TaskRow(path, number, by_role, row.line, row.where)
            if self.next_caption is not None and _NUMBER.match(number):
                if number == "1" and self._restarts(task):  # the next table numbers from 1 again: a part
                    self._begin_part()
                    task.path = path = tuple(s.label for s in self.sections)
                self.next_caption = None
            if self.cut_at is not None and self._restarts(task):
                self.orphans.append(task)
            else:
                self._check_jump(task)
        for part in _run_together(task, self.directory):
            self.rows.append(part)

    @staticmethod
    def _only_text(by_role: dict[str, Cell]) -> bool:
        """Text and nothing else: no lead, no partner, no timing of its own."""
        return not (by_role.get("text") or Cell()).empty and all(
            (by_role.get(role) or Cell()).empty for role in ("lead", "coordinating", "timing"))

    def _run_on(self, row: Row, by_role: dict[str, Cell]) -> None:
        last = self.rows[-1]
        before = last.cells.get("text") or Cell()
        last.cells = {**last.cells, "text": Cell((*before.lines, *by_role["text"].lines), before.line,
                                                 before.paragraphs)}
        self.problem(row, f"row {last.number}", "a row cut by a page break: its text joined to the row before, "
                     "review", warning=True)

    def _begin_part(self) -> None:
        """A table of the annex numbers its rows (or sections) from the start again: each table
        is a part with its own id prefix. The first time, the rows so far become part 1."""
        if not self.parts:
            label, title = _part_label(self.table_starts.get(0, ""), 1)
            for task in [*self.rows, *self.orphans]:
                task.path = (label, *task.path)
            self.areas = {label: title, **{f"{label}.{k}": v for k, v in self.areas.items()}}
            self.parts.append(label)
        label, title = _part_label(self.next_caption or "", len(self.parts) + 1)
        if label in self.parts:
            label = f"P{len(self.parts) + 1}"
        self.parts.append(label)
        self.sections = [Section("part", label)]
        self.areas[label] = title
        self.next_caption = None
        self.problem(None, f"area {label}", f'a further table numbers its rows from the start again: read as '
                     f'part "{label}" ({title}), its tasks numbered "{label}.…", review', warning=True)

    def _check_jump(self, task: TaskRow) -> None:
        before = [t for t in self.rows if t.path == task.path and t.number and not t.suffix]
        if not before or not _NUMBER.match(task.number) or not _NUMBER.match(before[-1].number):
            return
        last, this = _number_key(before[-1].number), _number_key(task.number)
        if len(last) == len(this) and last[:-1] == this[:-1] and this[-1] > last[-1] + 1:
            self.problem(task, f"row {task.number}", f"numbering jumps from {before[-1].number} to "
                         f"{task.number}: is a row missing from the source?", warning=True)

    def _restarts(self, task: TaskRow) -> bool:
        """After a cut, numbering that goes back means the rows belong to a lost section."""
        before = [t for t in self.rows if t.path == task.path and t.number and t not in self.orphans]
        return bool(before) and _number_key(task.number) <= _number_key(before[-1].number)

    def _place_orphans(self, label: str | None, kind: str | None = None) -> None:
        """Rows after a cut whose section was lost belong to the section just before the next
        one ("VII" → "VI"), when that section was not seen; otherwise they cannot be placed."""
        if not self.orphans:
            return
        lost = previous_label(label) if label else None
        parent = tuple(s.label for s in self.sections if s.kind != kind)[:len(self.orphans[0].path) - 1]
        lost_path = (*parent, lost) if lost else None
        if lost_path is None or ".".join(lost_path) in self.areas:
            first = self.orphans[0]
            self.problem(first, f"row {first.number}", "the numbering restarts after a cut in the text and "
                         "the section these rows belong to is not in the source: kept where they are, review",
                         warning=True)
        else:
            self.areas[".".join(lost_path)] = "(tiêu đề mục bị mất trong văn bản nguồn)"
            self.problem(self.orphans[0], f"area {'.'.join(lost_path)}",
                         f"the rows after the cut belong to section {lost}, whose heading is lost: "
                         "fill in its title", warning=True)
            for task in self.orphans:
                task.path = lost_path
        self.orphans = []

    # --- tasks ----------------------------------------------------------------------

    def _tasks(self, year: int | None) -> list[dict]:
        ids = _unique_ids(self.rows)
        for i, task_id in enumerate(ids):
            if re.search(r"\.dup\d+$", task_id):
                self.problem(self.rows[i], f"task {task_id}", "the same number twice in one section: numbered "
                             "apart, review", warning=True)
        return [self._task_dict(ids[i], row, year) for i, row in enumerate(self.rows)]

    def _task_dict(self, task_id: str, row: TaskRow, year: int | None) -> dict:
        def cell(role: str) -> Cell:
            return row.cells.get(role) or Cell()

        task: dict = {"id": task_id}
        self.sources[task_id] = {"where": f"line {row.line}" if row.line else row.where,
                                 "cells": {role: " / ".join(c.lines) for role, c in row.cells.items() if c.lines}}
        if row.path:
            task["area"] = ".".join(row.path)
        task["text"] = cell("text").text
        if not task["text"]:
            self.problem(row, f"task {task_id}.text", "the task has no text: review", warning=True)
        for column in ("lead", "coordinating"):
            task[column] = flow(self.phrases(cell(column)))
            for phrase in task[column] if self.directory.units else ():
                if self.directory.resolve(phrase) is None and not self.directory.is_outside(phrase):
                    hint = self.directory.suggest(phrase)
                    self.problem(row, f"task {task_id}.{column}", f'"{phrase}" is not in the directory'
                                 + (f' (did you mean "{hint}"?)' if hint else ""), warning=True, cell=cell(column))
        if not task["lead"]:
            self.problem(row, f"task {task_id}.lead", "no lead unit in this row: review", warning=True)
        timing = parse_timing(cell("timing").text, year)
        if timing.kind is TimingKind.unknown:
            self.problem(row, f"task {task_id}.timing", f'timing "{timing.phrase}" is not understood: kept '
                         "verbatim, needs an admin decision", warning=True, cell=cell("timing"))
        task["timing"] = flow(timing.as_yaml())
        for extra in ("outputs", "funding", "note"):
            if cell(extra).text:
                task[extra] = cell(extra).text
        columns = {r.removeprefix(EXTRA): c.text for r, c in row.cells.items() if r.startswith(EXTRA) and c.text}
        if columns:
            task["columns"] = columns
        return task

    def phrases(self, cell: Cell) -> list[str]:
        parts = cell.lines if cell.paragraphs else (cell.text,) if cell.lines else ()
        return [p for part in parts for p in self.directory.split(part)]


_PART = re.compile(r"(?i)^(?:phần|phụ lục|mục|bảng)\s+(?P<label>[IVX]+|[A-Z]|\d+)\b\s*[.:\-–]?\s*")


def _part_label(caption: str, n: int) -> tuple[str, str]:
    """A part's label and title from the line above its table ("Phần II. Nhiệm vụ …",
    "B. CÁC NHIỆM VỤ …"), or "P<n>" and "Phần <n>" when there is none."""
    caption = clean(caption)
    if m := _PART.match(caption):
        return m["label"].upper(), caption
    if labelled := split_label(caption):
        return labelled[0], caption
    return f"P{n}", caption or f"Phần {n}"


def _heading_by_shape(texts: list[str], cells: list[Cell]) -> tuple[str, str] | None:
    """A row of just a label and a title, in whichever columns ("A. | BỘ TƯ PHÁP" with the lead
    column first): a section heading when the label is roman or a capital letter, or a number
    before a title in capitals or bold (a task's number before its text is not)."""
    if len(texts) != 2:
        return None
    label, title = texts[0].rstrip(".)"), texts[1]
    kind = label_kind(label)
    if kind is None or not re.search(r"[^\W\d_]", title):
        return None
    capitals = sum(c.isupper() for c in title) >= 0.8 * sum(c.isalpha() for c in title)
    if kind == "arabic" and not (capitals or all(c.bold for c in cells)):
        return None
    if kind != "arabic" and not (capitals or kind == "roman"):
        return None  # "A | Sở Tư pháp" may be a letter item's lead: only a heading in capitals
    return label, title


def _numbers_the_columns(row: Row) -> bool:
    texts = [c.text.strip("()") for c in row.cells if not c.merged]
    return len(texts) >= 3 and texts == [str(i) for i in range(1, len(texts) + 1)]


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split(".")) if _NUMBER.match(number) else (0,)


def _unique_ids(rows: list[TaskRow]) -> list[str]:
    """The document's own numbers; where a number repeats in the plan, prefixed with the
    section label in which numbering restarts ("II.3", "A.2.7")."""
    depth = max((len(r.path) for r in rows), default=0)
    for levels in [(), *[(k,) for k in range(depth)], tuple(range(depth))]:
        ids = []
        for r in rows:
            prefix = [r.path[k] for k in levels if k < len(r.path)]
            ids.append(".".join([*prefix, r.number, *([r.suffix] if r.suffix else [])]))
        if len(set(ids)) == len(ids):
            return ids
    seen: dict[str, int] = {}  # still the same: the later ones numbered apart ("3", "3.dup2")
    for i, task_id in enumerate(ids):
        seen[task_id] = seen.get(task_id, 0) + 1
        if seen[task_id] > 1:
            ids[i] = f"{task_id}.dup{seen[task_id]}"
    return ids


def _run_together(task: TaskRow, directory: Directory) -> list[TaskRow]:
    """Two table rows whose row break was lost arrive as one row holding two sentences of
    task text, two lead lines and two coordinating lines. Split only when every count agrees
    and each lead line is a whole unit phrase; otherwise the row is one task."""
    text, lead, coord = (task.cells.get(r) or Cell() for r in ("text", "lead", "coordinating"))
    sentences = _sentences(text.lines)
    k = len(sentences)
    if k < 2 or text.paragraphs or len(lead.lines) != k or len(coord.lines) not in (0, k):
        return [task]
    if not all(directory.split(line) and all(directory.knows(p) for p in directory.split(line))
               for line in lead.lines):
        return [task]
    parts = []
    for i in range(k):
        cells = dict(task.cells)
        cells["text"] = Cell(sentences[i], text.line)
        cells["lead"] = Cell((lead.lines[i],), lead.line)
        if coord.lines:
            cells["coordinating"] = Cell((coord.lines[i],), coord.line)
        parts.append(TaskRow(task.path, task.number, cells, task.line, task.where,
                             task.suffix if i == 0 else suffix(i - 1)))
    return parts


def _sentences(lines: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Lines grouped into sentences that end at a line ending with a full stop."""
    groups, current = [], []
    for line in lines:
        current.append(line)
        if line.endswith("."):
            groups.append(tuple(current))
            current = []
    if current:
        groups.append(tuple(current))
    return groups
