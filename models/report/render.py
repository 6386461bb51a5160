"""Rendering user-facing text from the Jinja2 templates in `templates/`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from models.report.rollup import LABELS, LEVEL_NAMES, Category, Tally

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    # StrictUndefined: a missing value is a bug to see, not an empty string to send. HTML
    # templates escape every value (task texts and unit names come from plan files and users).
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                       keep_trailing_newline=True, autoescape=lambda name: ".html" in (name or ""))


@lru_cache(maxsize=2)
def email_environment(html: bool) -> Environment:
    """E-mails render one template twice: as text, and as HTML with every value escaped."""
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=html,
                       keep_trailing_newline=True)


def status_text(tallies: list[Tally], lang: str, empty: str, names: dict[tuple, str] | None = None) -> str:
    """Counts by category per group, in Vietnamese (default) or English; `names` says a group's
    key in words ("1. Tham gia của người dân ở cấp cơ sở" for an area)."""

    labels = LABELS[lang]
    blocks = []
    for tally in tallies:
        lines = [(labels[c], tally[c]) for c in Category if tally[c]]
        lines += [(labels[flag], n) for flag, n in (("due_soon", tally.due_soon), ("extended", tally.extended)) if n]
        name = (names or {}).get(tuple(tally.key)) or " ".join(LEVEL_NAMES.get(str(k), str(k)) for k in tally.key)
        blocks.append({"name": name, "total": tally.total, "lines": lines})
    width = max(len(label) for label in labels.values())
    return environment().get_template("status.txt.j2").render(tallies=blocks, width=width, empty=empty).strip()
