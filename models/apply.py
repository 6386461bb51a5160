"""Loading a validated plan and its org directory into the database.

One transaction: either everything in the files is in the database afterwards, or
nothing changed. Rows are compared before they are written, so applying the same
files twice writes nothing. Nothing is deleted that history may point at: units
and tasks that disappear from the files are marked inactive instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from models.db import transaction
from models.org import Directory
from models.plan import PlanSpec
from models.tables import Area, Assignment, ClassMember, Contact, Event, Plan, Task, Unit, UnitClass, utcnow
from models.validate import validate_plan
from models.yamlio import InputError


class Sync:
    """Brings one table's rows in line with the rows the files describe."""

    def __init__(self, session: Session):
        self.session = session
        self.changes: list[str] = []

    def rows(self, model: type[SQLModel], key: tuple[str, ...], desired: list[dict[str, Any]],
             **scope: Any) -> dict[tuple, SQLModel]:
        """Insert missing rows, update changed ones; return the rows the files no longer name."""
        query = select(model).filter_by(**scope) if scope else select(model)
        existing = {tuple(getattr(r, k) for k in key): r for r in self.session.exec(query)}
        name = model.__tablename__
        for row in desired:
            row_key = tuple(row[k] for k in key)
            current = existing.pop(row_key, None)
            if current is None:
                self.session.add(model(**row))
                self.changes.append(f"{name} {'/'.join(map(str, row_key))}: added")
                continue
            changed = [f for f, v in row.items() if getattr(current, f) != v]
            for field in changed:
                setattr(current, field, row[field])
            if changed:
                self.changes.append(f"{name} {'/'.join(map(str, row_key))}: {', '.join(changed)} changed")
        self.session.flush()
        return existing

    def deactivate(self, leftovers: dict[tuple, SQLModel]) -> None:
        for row_key, row in leftovers.items():
            if row.active:
                row.active = False
                self.changes.append(f"{row.__tablename__} {'/'.join(map(str, row_key))}: no longer listed")

    def delete(self, leftovers: dict[tuple, SQLModel]) -> None:
        for row_key, row in leftovers.items():
            self.session.delete(row)
            self.changes.append(f"{row.__tablename__} {'/'.join(map(str, row_key))}: removed")
        self.session.flush()


def _parents_first(directory: Directory) -> list:
    def depth(unit) -> int:
        steps = 0
        while unit.parent and steps < 10:
            unit, steps = directory.units[unit.parent], steps + 1
        return steps
    return sorted(directory.spec.units, key=depth)


def sync_directory(sync: Sync, directory: Directory) -> None:
    directory_id = directory.spec.directory.id
    units = [{"id": u.id, "directory_id": directory_id, "name": u.name, "level": u.level.value,
              "parent_id": u.parent, "gso_code": u.gso_code, "aliases": u.aliases or None, "active": True}
             for u in _parents_first(directory)]
    sync.deactivate(sync.rows(Unit, ("id",), units, directory_id=directory_id))
    classes = [{"id": c.id, "directory_id": directory_id, "name": c.name,
                "level": c.level.value if c.level else None} for c in directory.spec.classes]
    sync.rows(UnitClass, ("id",), classes, directory_id=directory_id)
    class_ids = [c.id for c in directory.spec.classes]
    members = [{"class_id": c, "unit_id": u} for c in class_ids for u in directory.members(c)]
    stale = sync.rows(ClassMember, ("class_id", "unit_id"), members)
    sync.delete({k: v for k, v in stale.items() if k[0] in directory.classes})
    contacts = [{"unit_id": u.id, "name": c.name, "role": c.role, "phone": c.phone, "email": c.email,
                 "head": c.head} for u in directory.spec.units for c in u.contacts]
    stale = sync.rows(Contact, ("unit_id", "name"), contacts)
    sync.delete({k: v for k, v in stale.items() if k[0] in directory.units})


def sync_plan(sync: Sync, spec: PlanSpec, directory: Directory, content_hash: str) -> None:
    info = spec.plan
    plan_row = {"id": info.id, "number": info.number, "title": info.title, "issued_by": info.issued_by,
                "issued_on": info.issued_on, "coordinator_unit_id": directory.resolve(info.coordinator).id,
                "content_hash": content_hash}
    sync.rows(Plan, ("id",), [plan_row], id=info.id)
    sync.rows(Area, ("plan_id", "code"), [{"plan_id": info.id, "code": a.id, "title": a.title}
                                          for a in spec.areas], plan_id=info.id)
    tasks = [{"plan_id": info.id, "code": t.id, "area_code": t.area, "text": t.text,
              "timing_phrase": t.timing.phrase, "timing_kind": t.timing.kind.value, "timing_due": t.timing.due,
              "timing_date": t.timing.date, "timing_start": t.timing.start, "timing_end": t.timing.end,
              "active": True} for t in spec.tasks]
    sync.deactivate(sync.rows(Task, ("plan_id", "code"), tasks, plan_id=info.id))
    task_ids = {t.code: t.id for t in sync.session.exec(select(Task).where(Task.plan_id == info.id))}
    assignments = _assignments(spec, directory, task_ids)
    stale = sync.rows(Assignment, ("task_id", "unit_id", "role"), assignments)
    sync.delete({k: v for k, v in stale.items() if k[0] in task_ids.values()})
    if sync.changes:
        plan = sync.session.get(Plan, info.id)
        plan.applied_at = utcnow()


def _assignments(spec: PlanSpec, directory: Directory, task_ids: dict[str, int]) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for task in spec.tasks:
        for role in ("lead", "coordinating"):
            for phrase in getattr(task, role):
                for unit_id in directory.expand(phrase):
                    key = (task_ids[task.id], unit_id, role)
                    rows.setdefault(key, {"task_id": key[0], "unit_id": unit_id, "role": role, "phrase": phrase})
    return list(rows.values())


def apply_plan(engine: Engine, plan_path: Path | str, directory: Directory, actor: str = "cli") -> list[str]:
    """Validate, then load plan and directory in one transaction. Returns what changed."""
    report = validate_plan(plan_path, directory)
    if not report.ok:
        raise InputError(report.errors)
    spec = report.spec
    content_hash = hashlib.sha256(Path(plan_path).read_bytes()).hexdigest()
    with transaction(engine) as session:
        sync = Sync(session)
        sync_directory(sync, directory)
        sync_plan(sync, spec, directory, content_hash)
        if sync.changes:
            session.add(Event(kind="plan_applied", actor=actor, plan_id=spec.plan.id,
                              after={"content_hash": content_hash, "changes": len(sync.changes)},
                              note="; ".join(sync.changes[:50])))
    return sync.changes
