"""Checking a loaded YAML document against a pydantic schema, with file:line:field errors."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from models.common.text import plain_text
from models.common.yamlio import InputError, Problem, field_name, line_of

M = TypeVar("M", bound=BaseModel)

# pydantic's wording, made to say what was expected in an admin's terms.
_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check its spelling)",
}


def problems_from(exc: ValidationError, doc: Any, source: str) -> list[Problem]:
    problems = []
    for error in exc.errors():
        path = tuple(error["loc"])
        message = _MESSAGES.get(error["type"], error["msg"])
        if error["type"] not in _MESSAGES and "input" in error and not isinstance(error["input"], (dict, list)):
            message += f' (got "{error["input"]}")'
        problems.append(Problem(source, line_of(doc, path), field_name(path), message))
    return problems


def check(model: type[M], doc: Any, source: str) -> M:
    if not isinstance(doc, dict):
        raise InputError([Problem(source, 1, "", f"expected a mapping at the top, got {type(doc).__name__}")])
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise InputError(problems_from(exc, doc, source)) from None


ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class Strict(BaseModel):
    """A file's section: no field it does not know; text as people mean it (no control
    characters, NUL or bidi overrides: a NUL in a plan's cell stopped `plan apply` on PostgreSQL)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {key: _plain(value) for key, value in data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, list):
        return [plain_text(v) if isinstance(v, str) else v for v in value]
    return value
