"""Plan intake: a plan's file in, a plan YAML draft out.

One reader per format finds the cells (`text`, `docx`, `html`, `pdf`, `xlsx`); all of them give
the same rows, and one interpreter (`matrix`) turns rows into areas and tasks.
"""

from __future__ import annotations

from pathlib import Path

from models.plans.intake.matrix import Interpreter, Result
from models.plans.intake.rows import Document, ReadError
from models.org.directory import Directory
from models.common.yamlio import Problem

MAX_BYTES = 20 * 1024 * 1024  # a plan's file; larger ones are refused, not read for minutes


def import_plan(text: str, source: str, directory: Directory | None = None) -> Result:
    """A plan given as text (any of the text layouts)."""
    from models.plans.intake.text import read_text
    directory = directory or Directory.empty()
    return Interpreter(source, directory).read(read_text(text, directory))


def import_file(path: Path, directory: Directory | None = None) -> Result:
    directory = directory or Directory.empty()
    try:
        doc = read_file(path, directory)
        return Interpreter(str(path), directory).read(doc)
    except ReadError as exc:
        return Result(None, [Problem(str(path), exc.line, "", str(exc))])
    except Exception as exc:  # noqa: BLE001 - a layout nobody foresaw: one line, never a traceback
        return Result(None, [Problem(str(path), None, "", f"could not be read ({type(exc).__name__}: {exc}): "
                                     "please send this file to the developers")])


def read_file(path: Path, directory: Directory) -> Document:
    """The document's rows, by the reader its file type calls for."""
    if path.stat().st_size > MAX_BYTES:
        raise ReadError(f"the file is {path.stat().st_size // 2**20} MB; plans over {MAX_BYTES // 2**20} MB "
                        "are not read")
    suffix = path.suffix.lower()
    head = path.read_bytes()[:8]
    if suffix == ".xlsx" or (head.startswith(b"PK") and suffix in (".xlsm",)):
        from models.plans.intake.xlsx import read_xlsx
        return read_xlsx(path)
    if suffix == ".docx" or (head.startswith(b"PK") and suffix not in (".xlsx", ".odt", ".ods")):
        from models.plans.intake.docx import read_docx
        return read_docx(path)
    if suffix == ".pdf" or head.startswith(b"%PDF"):
        from models.plans.intake.pdf import read_pdf
        return read_pdf(path)
    if suffix == ".doc" or head.startswith(b"\xd0\xcf\x11\xe0"):
        from models.plans.intake.docx import read_doc
        return read_doc(path)
    if suffix in (".xls", ".ods", ".odt", ".rtf"):
        raise ReadError(f"{suffix} files are not read: save the plan as .xlsx, .docx, .html, .pdf or text, "
                        "or paste its table into a text file")
    text = _decode(path)
    if suffix in (".html", ".htm", ".xhtml") or text.lstrip()[:200].lower().startswith(("<!doctype html", "<html")):
        from models.plans.intake.html import read_html
        return read_html(text)
    from models.plans.intake.text import read_text
    return read_text(text, directory)


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")  # a byte-order mark from Windows editors is dropped
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ReadError("not UTF-8 text: save the file as UTF-8", line) from None
