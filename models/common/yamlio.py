"""Reading and writing the YAML files admins edit, keeping line numbers for errors.

Every problem found in an input file is a `Problem` (models/common/problems.py) that names the
file, the line and the field, so a message reads `plans/x.yaml:42: tasks[3].lead[0]: unknown unit`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from models.common.problems import InputError, Problem  # noqa: F401  (where most callers look for them)

FieldPath = tuple[str | int, ...]

# A plan or directory is a few hundred kilobytes (a province's 3,000 units: 400 KB); the
# limit keeps a mistaken or hostile file from tying the machine up for minutes.
MAX_INPUT_BYTES = 5 * 1024 * 1024


class _DatesAsText(RoundTripConstructor):
    """Leave dates as text so that an impossible date ("2019-02-30") becomes a
    validation error with a line number instead of an exception inside the parser."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


class _FastDatesAsText(SafeConstructor):
    """The same, for the fast (C) loader that keeps no line numbers."""


_FastDatesAsText.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


class Document(dict):
    """A YAML file's top-level mapping, read by the fast loader. Line numbers are only needed
    when something is wrong, so the slow line-keeping parse happens then, once."""

    def __init__(self, data: dict, text: str):
        super().__init__(data)
        self._text, self._lines = text, None

    def with_lines(self) -> Any:
        if self._lines is None:
            self._lines = _yaml().load(self._text)
        return self._lines


def _yaml() -> YAML:
    yaml = YAML()
    yaml.Constructor = _DatesAsText
    yaml.allow_unicode = True
    yaml.width = 4096  # one task text per line: easier to diff and to grep
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_yaml(path: Path | str) -> Any:
    """Load a YAML file, or raise InputError naming the line where it is malformed."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError([Problem(str(path), None, "", f"file too large: {path.stat().st_size:,} bytes; the limit "
                                      f"is {MAX_INPUT_BYTES // 2**20} MB ({MAX_INPUT_BYTES:,} bytes)")])
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise InputError([Problem(str(path), None, "", "file not found")]) from None
    except IsADirectoryError:
        raise InputError([Problem(str(path), None, "", "is a folder, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(str(path), None, "", f"not UTF-8 text ({exc.reason})")]) from None
    try:
        data = _fast_yaml().load(text)
    except YAMLError:
        data = _parse_marking_errors(path, text)  # only the line-keeping parser marks every error
    except RecursionError:
        raise InputError([Problem(str(path), None, "", "malformed YAML: nested too deeply")]) from None
    return Document(data, text) if isinstance(data, dict) else data


def _parse_marking_errors(path: Path, text: str) -> Any:
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = f"malformed YAML: {exc.problem or exc.context}"
        raise InputError([Problem(str(path), line, "", message)]) from None
    except YAMLError as exc:
        raise InputError([Problem(str(path), None, "", f"malformed YAML: {exc}")]) from None


def _fast_yaml() -> YAML:
    yaml = YAML(typ="safe")
    yaml.Constructor = _FastDatesAsText
    return yaml


def line_of(doc: Any, path: FieldPath) -> int | None:
    """1-based line of the deepest node along `path` that the document has."""
    line = None
    node = doc.with_lines() if isinstance(doc, Document) else doc
    for part in path:
        position = None
        if isinstance(node, CommentedMap) and part in node:
            position = node.lc.value(part) if not isinstance(node[part], (CommentedMap, CommentedSeq)) else node.lc.key(part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            position = node.lc.item(part)
        else:
            break
        if position is not None:
            line = position[0] + 1
        node = node[part]
    return line


def field_name(path: FieldPath) -> str:
    """`("tasks", 3, "lead", 0)` → `tasks[3].lead[0]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def dump_yaml(data: Any) -> str:
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


def flow(items: list | dict) -> CommentedSeq | CommentedMap:
    """A list or mapping written on one line (`[a, b]`, `{k: v}`), as admins read it best."""
    node = CommentedSeq(items) if isinstance(items, list) else CommentedMap(items)
    node.fa.set_flow_style()
    return node
