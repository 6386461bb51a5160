"""Reviewing an imported plan: the draft the importer made of an uploaded document, what it
was unsure of per task, and the corrections people make cell by cell. Corrections are kept
under the file's name, so a corrected version of the same plan imported later keeps them.
The dashboard's import pages are thin over these functions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from sqlmodel import Session, select

from models.common.text import plain_text, slug
from models.common.yamlio import dump_yaml, flow
from models.org.directory import Directory
from models.plans.intake import import_file
from models.plans.timing import TimingKind, day_month
from models.store.tables import ImportCorrection, ImportDraft, utcnow

FIELDS = ("text", "lead", "coordinating", "timing_kind", "timing_phrase", "timing_date", "timing_start",
          "timing_end", "timing_due")
DATES = ("timing_date", "timing_start", "timing_end", "issued_on")
PLAN_FIELDS = ("id", "number", "title", "issued_by", "issued_on", "coordinator")
KINDS = [kind.value for kind in TimingKind]
MAX_UPLOAD = 20 << 20


class NotAPlan(ValueError):
    """The file holds no matrix, or cannot be read: the message says why, in one line."""


def new_draft(session: Session, file_name: str, content: bytes, actor: str, folder: Path,
              directory: Directory | None = None) -> ImportDraft:
    """Keep the file, import it (against the installation's directory, when it has one, so a
    unit it does not know is marked), apply the corrections made before to a file of that name."""
    name = Path(plain_text(file_name).replace("\\", "/")).name[:200] or "plan"
    digest = hashlib.sha256(content).hexdigest()
    path = folder / "imports" / f"{digest}{Path(name).suffix.lower()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    result = import_file(path, directory)
    if result.plan is None:
        raise NotAPlan("; ".join(p.message for p in result.errors[:3]) or "no responsibility matrix found")
    plan = json.loads(json.dumps(result.plan, default=str))
    for task in plan["tasks"]:
        task["source"] = result.sources.get(task["id"], {})  # shown beside the row; not part of the plan
    plan["plan"]["id"] = slug(Path(name).stem)[:60].strip("-") or "plan"
    notes = [{"line": p.line, "field": p.field, "message": p.message} for p in result.warnings]
    draft = ImportDraft(file_name=name, sha256=digest, created_by=actor, plan=plan, notes=notes)
    for correction in session.exec(select(ImportCorrection).where(ImportCorrection.file_name == name)):
        _set(draft, correction.task_id, correction.field, (correction.value or {}).get("value"))
    session.add(draft)
    session.flush()
    return draft


def correct(session: Session, draft: ImportDraft, task_id: str, field: str, value: str, actor: str) -> None:
    """One cell as a person set it; kept for later imports of the same file. The plan's own
    fields (its number, title, issuer, date, coordinator) are task_id "" and PLAN_FIELDS."""
    value = plain_text(value).strip()  # what nobody types (control characters) never reaches the draft
    if field not in (PLAN_FIELDS if task_id == "" else FIELDS):
        raise ValueError(f"not a field: {field}")
    if field == "timing_kind" and value not in KINDS:
        raise ValueError(f"not a kind of timing: {_shown(value)}")
    if task_id and not any(t["id"] == task_id for t in draft.plan["tasks"]):
        raise ValueError(f"no task {task_id} in this draft")
    typed = _typed(field, value)
    if typed == _current(draft, task_id, field):
        return  # a form sends every field of the timing: only what changed is a correction
    _set(draft, task_id, field, typed)
    found = session.exec(select(ImportCorrection).where(ImportCorrection.file_name == draft.file_name,
                                                        ImportCorrection.task_id == task_id,
                                                        ImportCorrection.field == field)).first()
    if found is None:
        found = ImportCorrection(file_name=draft.file_name, task_id=task_id, field=field, by=actor)
    found.value, found.by, found.at = {"value": typed}, actor, utcnow()
    session.add(found)
    session.add(draft)


def _typed(field: str, value: str):
    value = plain_text(value).strip()
    if field in ("lead", "coordinating"):
        return [part.strip() for part in value.split(";") if part.strip()]
    if field in DATES:
        return _date(value)
    if field == "timing_due":
        parts = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{1,2})", value)
        due = day_month(*parts.groups()) if parts else None
        if value and due is None:
            raise ValueError(f"not a day of every year (dd/mm): {_shown(value)}")
        return due
    return value[:2000]


def _shown(value: str) -> str:
    """A refused value, as the error repeats it: short."""
    return value if len(value) <= 60 else value[:60] + "…"


def _date(value: str) -> str | None:
    """"2026-06-30" (a date field) or "30/06/2026" (typed) → ISO; "" clears it."""
    if not value:
        return None
    try:
        if m := re.fullmatch(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", value):
            return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"not a date: {_shown(value)}") from None


def _current(draft: ImportDraft, task_id: str, field: str):
    if task_id == "":
        return draft.plan["plan"].get(field)
    task = next(t for t in draft.plan["tasks"] if t["id"] == task_id)
    if field.startswith("timing_"):
        return (task.get("timing") or {}).get(field.removeprefix("timing_"))
    return task.get(field)


def _set(draft: ImportDraft, task_id: str, field: str, value) -> None:
    plan = json.loads(json.dumps(draft.plan))  # a new value, so the JSON column sees the change
    if task_id == "":
        plan["plan"] = {k: v for k, v in {**plan["plan"], field: value}.items() if v not in (None, "")}
    for task in plan["tasks"] if task_id else ():
        if task["id"] == task_id:
            if field.startswith("timing_"):
                timing = dict(task.get("timing") or {})
                timing[field.removeprefix("timing_")] = value
                task["timing"] = {k: v for k, v in timing.items() if v is not None}
            else:
                task[field] = value
            task.setdefault("reviewed", [])
            if field not in task["reviewed"]:
                task["reviewed"].append(field)
    draft.plan = plan


def marks(draft: ImportDraft) -> dict[str, list[str]]:
    """What to review on each task: the importer's doubts about it, by task id."""
    by_task: dict[str, list[str]] = {}
    for note in draft.notes or []:
        field = note.get("field") or ""
        if field.startswith("task "):
            task_id = field.removeprefix("task ").rsplit(".", 1)[0]
            by_task.setdefault(task_id, []).append(note["message"])
        elif field.startswith("row "):
            by_task.setdefault(field.removeprefix("row "), []).append(note["message"])
    return by_task


def general_notes(draft: ImportDraft) -> list[str]:
    """Doubts about the plan as a whole (its heading, its columns)."""
    return [n["message"] for n in draft.notes or [] if not (n.get("field") or "").startswith(("task ", "row "))]


def draft_yaml(draft: ImportDraft) -> str:
    """The plan YAML, as `dondoc plan validate` and `apply` read it."""
    plan = json.loads(json.dumps(draft.plan))
    for task in plan["tasks"]:
        task.pop("reviewed", None)
        task.pop("source", None)
        for key in ("lead", "coordinating", "timing"):
            if key in task:
                task[key] = flow(task[key])
    plan["plan"] = flow(plan["plan"])
    return dump_yaml(plan)

