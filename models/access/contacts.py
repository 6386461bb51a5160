"""A province's contact list, as offices keep it (a .csv or an .xlsx sheet: unit, name, role,
phone, e-mail, Zalo), read into rows for invitations; and the units still without anyone.

The columns are found by what their headers say ("Đơn vị", "Họ và tên", "Chức vụ", "Số điện
thoại", "Email", "Zalo"), in any order; a unit is named by its id or by its name or alias as
the directory writes it. A row that cannot be used is a problem naming the file, line and
field, and the caller invites nobody until the list is right.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, func, select

from models.common.problems import InputError, Problem
from models.common.text import fold, plain_text, vi_key
from models.engine.lifecycle import ACTIVE
from models.org.vocabulary import name_key
from models.store.tables import ChatLink, Invitation, Obligation, Unit, utcnow

HEADERS = {  # column → what its header says (folded, no diacritics)
    "unit": r"don vi|co quan|unit",
    "name": r"ho (?:va )?ten|ten can bo|nguoi (?:dau moi|lien he)|^ten$|name|contact",
    "role": r"chuc vu|chuc danh|vai tro|role",
    "phone": r"dien thoai|sdt|di dong|phone|mobile",
    "email": r"e-?mail|thu dien tu",
    "zalo": r"zalo",
}
# A head of unit by the title they hold: escalations go to them ("Phó Chủ tịch" is not one).
HEAD_TITLES = re.compile(r"^(?:chu tich|giam doc|truong (?:phong|ban)|chanh van phong|thu truong|head)\b")


@dataclass
class ContactRow:
    line: int
    unit: str
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""
    zalo: str = ""

    @property
    def head(self) -> bool:
        return bool(HEAD_TITLES.match(fold(self.role)))

    def channels(self) -> list[tuple[str, str]]:
        """(channel, address) of each invitation the row asks for: e-mail, SMS, Zalo."""
        return [(channel, address) for channel, address in (("email", self.email), ("sms", self.phone),
                                                            ("zalo", self.zalo)) if address]


def read_contact_list(path: Path) -> list[ContactRow]:
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    for index, (_, cells) in enumerate(rows[:10]):  # a title or two may stand above the header
        columns = _columns(cells)
        if "unit" in columns and "name" in columns:
            return [_row(n, cells, columns) for n, cells in rows[index + 1:] if any(c.strip() for c in cells)]
    raise InputError([Problem(str(path), rows[0][0] if rows else None, "header",
                              'no header naming the unit ("Đơn vị") and the person ("Họ và tên") columns')])


def _columns(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        for column, pattern in HEADERS.items():
            if column not in found and re.search(pattern, fold(cell or "")):
                found[column] = i
                break
    return found


def _row(line: int, cells: list[str], columns: dict[str, int]) -> ContactRow:
    def cell(column: str) -> str:
        i = columns.get(column)
        return plain_text(cells[i]).strip() if i is not None and i < len(cells) and cells[i] else ""
    return ContactRow(line, cell("unit"), cell("name"), cell("role"), cell("phone"), cell("email"), cell("zalo"))


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), None, "", f"cannot be read as UTF-8 text ({type(exc).__name__})")])
    return [(n, row) for n, row in enumerate(csv.reader(text.splitlines()), start=1)]


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise InputError([Problem(str(path), None, "", f"not a spreadsheet openpyxl can read ({type(exc).__name__})")])
    sheet = book.worksheets[0]
    return [(n, [_text(v) for v in values]) for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unit_names(session: Session) -> dict[str, str]:
    """Every active unit's id, short id, name and aliases (as keys) → its id."""
    index: dict[str, str] = {}
    for unit in session.exec(select(Unit).where(Unit.active)):
        for name in [unit.id, unit.id.split("/", 1)[-1], unit.name, *(unit.aliases or [])]:
            index.setdefault(name_key(name), unit.id)
    return index


def units_without_anyone(session: Session) -> list[tuple[str, str, int]]:
    """Units with open work that no live link speaks for and no invitation waits on:
    (id, name, open obligations), the most open work first."""
    live = select(ChatLink.unit_id).where(ChatLink.active, ChatLink.role.in_(["assignee", "head"]))
    waiting = select(Invitation.unit_id).where(Invitation.used_at.is_(None), Invitation.expires_at > utcnow())
    open_work = func.count(Obligation.id)
    rows = session.exec(
        select(Unit.id, Unit.name, open_work).join(Obligation, Obligation.unit_id == Unit.id)
        .where(Obligation.status.in_([s.value for s in ACTIVE]), Unit.id.not_in(live), Unit.id.not_in(waiting))
        .group_by(Unit.id, Unit.name)).all()
    return sorted((tuple(r) for r in rows), key=lambda r: (-r[2], vi_key(r[1])))
