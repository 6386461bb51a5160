"""Loading a validated plan and its org directory into the database.

One transaction: either everything in the files is in the database afterwards, or
nothing changed (and `dry_run` shows the changes, then rolls them back). Rows are
compared before they are written, so applying the same files twice writes nothing.
Nothing that history points at is deleted: dropped units and tasks become inactive,
and the obligations they leave behind are cancelled, reassigned or moved to a
successor unit, each with an audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session, SQLModel, select

from models.engine import lifecycle
from models.engine import policies
from models.engine.decisions import decided_columns, decisions
from models.engine.lifecycle import NOT_CLOSED
from models.engine.opening import insert_new_obligations
from models.org.succession import successors_on
from models.org.directory import Directory, cycles, successions
from models.plans.parts import Part, parts_of
from models.plans.plan import PlanSpec
from models.store.tables import (Area, Assignment, ChatLink, ClassMember, Contact, Event, Invitation, Obligation, Plan,
                                  Task, Unit, UnitClass, utcnow)
from models.plans.validate import validate_plan
from models.calendar.workcal import VN
from models.common.yamlio import InputError, Problem, field_name, line_of


def qualify(directory_id: str, local_id: str | None) -> str | None:
    """Database id of a directory's unit or class: one database holds many provinces."""
    return f"{directory_id}/{local_id}" if local_id else None


@dataclass(frozen=True)
class Change:
    """One thing `apply` changed (or, in a dry run, would change)."""
    subject: str  # what kind of row: "task", "unit", "obligation", "link", "plan", …
    action: str  # "added", "changed", "removed", "no longer listed", "moved", "cancelled", "opened", …
    key: str  # which one: a task code, a unit id, an obligation id
    detail: str = ""  # what happened, in a sentence when the action alone does not say it
    count: int = 1  # rows it stands for (obligations opened for a task's new lead units)

    def __str__(self) -> str:
        return f"{self.subject} {self.key}: {self.detail or self.action}"


# The order a summary lists subjects in: what changes people's work first.
SUBJECTS = ("plan", "area", "task", "obligation", "link", "assignment", "unit", "unitclass", "classmember",
            "contact", "directory")


_PLURALS = {"unitclass": "unit classes", "classmember": "class memberships", "directory": "directories"}


def plural(subject: str) -> str:
    """"task" → "tasks", "unitclass" → "unit classes": a subject as a summary names it."""
    return _PLURALS.get(subject, subject + "s")


def by_subject(changes: list[Change]) -> list[Change]:
    """The changes in SUBJECTS order, each subject's in the order they were made."""
    order = {subject: i for i, subject in enumerate(SUBJECTS)}
    return sorted(changes, key=lambda c: order.get(c.subject, len(order)))


def summary(changes: list[Change]) -> dict[str, dict[str, int]]:
    """{subject: {action: rows}}, subjects in SUBJECTS order: what a dry run is read for."""
    grouped: dict[str, Counter] = {}
    for change in by_subject(changes):
        grouped.setdefault(change.subject, Counter())[change.action] += change.count
    return {subject: dict(actions) for subject, actions in grouped.items()}


def lines(changes: list[Change]) -> list[str]:
    """One line per change, in SUBJECTS order; changes alike but for their key share one line
    ("159 obligations: cancelled (task 1.3 was removed from the plan)")."""
    alike: dict[tuple, list[Change]] = {}
    for change in by_subject(changes):
        alike.setdefault((change.subject, change.action, change.detail), []).append(change)
    return [str(group[0]) if len(group) == 1 else f"{len(group)} {plural(group[0].subject)}: "
                                                  f"{group[0].detail or group[0].action}" for group in alike.values()]


def as_json(changes: list[Change]) -> dict:
    return {"summary": summary(changes), "changes": [asdict(c) for c in changes]}


def notes(changes: list[Change], limit: int = 50) -> str:
    """The first changes as the audit event's note."""
    return "; ".join(str(c) for c in changes[:limit])


BATCH = 10_000  # rows per bulk INSERT
DETAILED = 1_000  # added rows of one table listed one by one; beyond, one change counts them


class Sync:
    """Brings one table's rows in line with the rows the files describe."""

    def __init__(self, session: Session, actor: str):
        self.session = session
        self.actor = actor
        self.changes: list[Change] = []

    def rows(self, model: type[SQLModel], key: tuple[str, ...], desired: Iterable[dict[str, Any]],
             *where: Any) -> dict[tuple, SQLModel]:
        """Insert missing rows, update changed ones; return the rows (among those `where`
        selects) that the files no longer name. `desired` may be a generator: new rows go in
        bulk INSERTs of BATCH rows (a plan at the size limit adds 1.5 million assignments;
        as ORM objects they took minutes and gigabytes)."""
        query = select(model).where(*where)
        existing = {tuple(getattr(r, k) for k in key): r for r in self.session.exec(query)}
        name, added, new_keys = model.__tablename__, [], []
        for row in desired:
            row_key = tuple(row[k] for k in key)
            current = existing.pop(row_key, None)
            if current is None:
                added.append(row)
                new_keys.append(row_key)
                if len(added) == BATCH:
                    self.session.execute(insert(model), added)
                    added.clear()
                continue
            changed = [f for f, v in row.items() if getattr(current, f) != v]
            for field in changed:
                setattr(current, field, row[field])
            if changed:
                self.note(Change(name, "changed", "/".join(map(str, row_key)), f"{', '.join(changed)} changed"))
        self.session.flush()
        if added:
            self.session.execute(insert(model), added)
        self.note_added(name, new_keys)
        return existing

    def note_added(self, name: str, keys: list[tuple]) -> None:
        """One change per row added, or one for them all when there are many (a summary counts
        them alike; a list of a million keys helps nobody and costs memory)."""
        if len(keys) > DETAILED:
            self.note(Change(name, "added", f"{len(keys):,} rows", count=len(keys)))
            return
        for row_key in keys:
            self.note(Change(name, "added", "/".join(map(str, row_key))))

    def deactivate(self, leftovers: dict[tuple, SQLModel]) -> list[SQLModel]:
        dropped = [row for row in leftovers.values() if row.active]
        for row in dropped:
            row.active = False
            self.note(Change(row.__tablename__, "no longer listed", str(getattr(row, "code", None) or row.id)))
        return dropped

    def delete(self, leftovers: dict[tuple, SQLModel]) -> None:
        for row_key, row in leftovers.items():
            self.session.delete(row)
            self.note(Change(row.__tablename__, "removed", "/".join(map(str, row_key))))
        self.session.flush()

    def note(self, change: Change) -> None:
        self.changes.append(change)


# --- the directory ---------------------------------------------------------------

def _parents_first(directory: Directory) -> list:
    def depth(unit) -> int:
        steps = 0
        while unit.parent and steps < 10:
            unit, steps = directory.units[unit.parent], steps + 1
        return steps
    return sorted(directory.spec.units, key=depth)


def sync_directory(sync: Sync, directory: Directory, today: dt.date) -> bool:
    """Bring the directory's rows in line; True when what openings depend on changed (units,
    classes, memberships, successions), not only contacts."""
    d = directory.spec.directory.id
    start = len(sync.changes)
    units = [{"id": qualify(d, u.id), "directory_id": d, "name": u.name, "level": u.level.value,
              "parent_id": qualify(d, u.parent), "gso_code": u.gso_code, "aliases": u.aliases or None,
              "active": True} for u in _parents_first(directory)]
    sync.deactivate(sync.rows(Unit, ("id",), units, Unit.directory_id == d))
    sync_successions(sync, directory)  # successors point at units that now all exist
    classes = [{"id": qualify(d, c.id), "directory_id": d, "name": c.name,
                "level": c.level.value if c.level else None} for c in directory.spec.classes]
    sync.rows(UnitClass, ("id",), classes, UnitClass.directory_id == d)
    members = [{"class_id": qualify(d, c), "unit_id": qualify(d, u)}
               for c in directory.classes for u in directory.members(c)]
    before = set(sync.session.exec(select(ClassMember.class_id, ClassMember.unit_id)
                                   .where(ClassMember.class_id.startswith(d + "/"))).all())
    sync.delete(sync.rows(ClassMember, ("class_id", "unit_id"), members, ClassMember.class_id.startswith(d + "/")))
    moved = before ^ {(m["class_id"], m["unit_id"]) for m in members}
    if before and moved:  # not the directory's first load
        _reach_class_members(sync, directory, {class_id for class_id, _ in moved}, today)
    structural = len(sync.changes) > start
    contacts = [{"unit_id": qualify(d, u.id), "name": c.name, "role": c.role, "phone": c.phone, "email": c.email,
                 "head": c.head, "channels": c.channels} for u in directory.spec.units for c in u.contacts]
    sync.delete(sync.rows(Contact, ("unit_id", "name"), contacts, Contact.unit_id.startswith(d + "/")))
    sync.session.flush()
    for change in apply_successions(sync.session, today, sync.actor):
        sync.note(change)
    return structural


_SUCCESSION_FIELDS = ("successor_id", "successor_on", "successors_also", "succession_share", "succession_note",
                      "succession_by")


def sync_successions(sync: Sync, directory: Directory) -> None:
    """The successions a directory states, on the units they concern, which may belong to
    another directory already in the database ("binh-dinh/xa-21550" → "gia-lai/xa-21583")."""
    d = directory.spec.directory.id
    stated = {unit: (succ, path) for unit, succ, path in successions(directory.spec)}
    problems = []
    for unit in sync.session.exec(select(Unit).where(Unit.succession_by == d)):
        if unit.id not in stated:
            _set_succession(sync, unit, dict.fromkeys(_SUCCESSION_FIELDS))
    named = {ref for unit_id, (succ, _) in stated.items() for ref in (unit_id, succ.id, *succ.also) if ref}
    list(sync.session.exec(select(Unit).where(Unit.id.in_(named))))  # into the session, one query for all
    waiting = {unit_id.split("/")[0] for unit_id in stated} - set(sync.session.exec(
        select(Unit.directory_id).where(Unit.directory_id.in_({u.split("/")[0] for u in stated})).distinct()))
    for unit_id, (succ, path) in stated.items():
        where = (directory.source, line_of(directory.doc, path), field_name(path))
        if unit_id.split("/")[0] in waiting:
            continue  # the old directory is not loaded (yet): nothing to succeed
        missing = [ref for ref in (unit_id, succ.id, *succ.also) if ref and sync.session.get(Unit, ref) is None]
        if missing:
            problems.append(Problem(*where, f'unit "{missing[0]}" is not in the database: apply the directory '
                                             f'"{missing[0].split("/")[0]}" first'))
            continue
        unit = sync.session.get(Unit, unit_id)
        if unit.succession_by not in (None, d):
            problems.append(Problem(*where, f'"{unit_id}" is already succeeded, as {unit.succession_by} says'))
            continue
        _set_succession(sync, unit, {"successor_id": succ.id, "successor_on": succ.on,
                                     "successors_also": succ.also or None, "succession_share": succ.share,
                                     "succession_note": succ.closed or succ.note, "succession_by": d})
    for name in sorted(waiting):
        sync.note(Change("directory", "waiting", name, "its successions wait until it is applied "
                                                      "(then apply this one again)"))
    sync.session.flush()
    problems += _succession_cycles(sync.session, stated, directory)
    if problems:
        raise InputError(problems)


def _set_succession(sync: Sync, unit: Unit, values: dict) -> None:
    changed = [f for f, v in values.items() if getattr(unit, f) != v]
    for field in changed:
        setattr(unit, field, values[field])
    if changed:
        sync.note(Change("unit", f"succession {'cleared' if values['successor_on'] is None else 'set'}", unit.id))


def _succession_cycles(session: Session, stated: dict, directory: Directory) -> list[Problem]:
    """A chain of successors across directories that leads back to where it began."""
    after = {u.id: u.successor_id for u in session.exec(select(Unit).where(Unit.successor_on.is_not(None)))}
    problems = []
    for cycle in cycles(after):
        for path in [stated[u][1] for u in cycle if u in stated][:1]:
            problems.append(Problem(directory.source, line_of(directory.doc, path), field_name(path),
                                    "its successors lead back to it: " + " → ".join(cycle)))
    return problems


def apply_successions(session: Session, today: dt.date, actor: str) -> list[Change]:
    """Open obligations of units succeeded by `today` go to their successors, each move an
    audit event naming both units; a dissolved unit's are closed as no longer applicable.
    Run by `plan apply` and by the daily flow on the effective date: a second run finds
    nothing left to move."""
    succeeded = {u.id: u for u in session.exec(select(Unit).where(Unit.successor_on <= today))}
    if not succeeded:
        return []
    changes = (_move_coordinators(session, succeeded, today, actor) + _move_links(session, succeeded, today, actor)
               + _move_invitations(session, succeeded, today, actor))
    obligations = list(session.exec(select(Obligation).where(
        Obligation.unit_id.in_(list(succeeded)), Obligation.status.in_([s.value for s in NOT_CLOSED]))))
    heirs: dict[str, list[Unit]] = {}  # per unit, not per obligation: a commune has dozens
    for ob in obligations:
        old = succeeded[ob.unit_id]
        if old.id not in heirs:
            heirs[old.id] = successors_on(session, old, today)
        targets = heirs[old.id]
        if not targets:
            note = f"no longer applicable: {old.name} ended on {old.successor_on}" + (
                f" ({old.succession_note})" if old.succession_note else "")
            lifecycle.cancel(session, ob, actor, note)
            changes.append(Change("obligation", "closed", str(ob.id), note))
            continue
        first, *others = targets
        note = f"{first.name} took over from {old.name} on {old.successor_on}"
        changes.append(_move(session, actor, ob, first.id, note))
        for other in others:
            changes.append(_copy(session, actor, ob, other, f"{other.name} shares {old.name}'s duty from "
                                                          f"{old.successor_on}"))
    return changes


def _answering(session: Session, unit_id: str, today: dt.date) -> str:
    """The unit that answers for unit_id today (itself, or its successor)."""
    unit = session.get(Unit, unit_id)
    heirs = successors_on(session, unit, today) if unit is not None else []
    return heirs[0].id if heirs else unit_id


def _move_coordinators(session: Session, succeeded: dict[str, Unit], today: dt.date, actor: str) -> list[Change]:
    """A plan's coordinating unit that was merged or renamed: its successor coordinates."""
    changes = []
    for plan in session.exec(select(Plan).where(Plan.coordinator_unit_id.in_(list(succeeded)))):
        heir = _answering(session, plan.coordinator_unit_id, today)
        if heir != plan.coordinator_unit_id:
            note = f"coordinated by {heir} from {succeeded[plan.coordinator_unit_id].successor_on}"
            session.add(Event(kind="coordinator_moved", actor=actor, plan_id=plan.id, note=f"{plan.id}: {note}",
                              before={"unit_id": plan.coordinator_unit_id}, after={"unit_id": heir}))
            plan.coordinator_unit_id = heir
            changes.append(Change("plan", "coordinator moved", plan.id, note))
    return changes


def _move_links(session: Session, succeeded: dict[str, Unit], today: dt.date, actor: str) -> list[Change]:
    """The people linked to a unit that was merged or renamed now speak for its successor (the
    officials of merged communes serve the new one); a dissolved unit's links end."""
    changes = []
    for link in session.exec(select(ChatLink).where(ChatLink.active, ChatLink.unit_id.in_(list(succeeded)))):
        old = succeeded[link.unit_id]
        heir = _answering(session, link.unit_id, today)
        if heir == link.unit_id:  # dissolved: nobody to speak for
            link.active, link.unlinked_at = False, utcnow()
            note = f"{link.contact}: {old.name} ended on {old.successor_on}; the link ends"
        else:
            note = f"{link.contact}: now for {unit_name(session, heir)} (was {old.name}, from {old.successor_on})"
            link.unit_id = heir
        session.add(Event(kind="link_moved", actor=actor, note=note, before={"unit_id": old.id},
                          after={"unit_id": link.unit_id, "active": link.active}))
        changes.append(Change("link", "moved" if link.active else "ended", link.contact, note))
    return changes


def _move_invitations(session: Session, succeeded: dict[str, Unit], today: dt.date, actor: str) -> list[Change]:
    """Invitations still waiting for a unit that was merged or renamed invite to its successor
    (the person will answer for it); a dissolved unit's are withdrawn."""
    changes = []
    waiting = session.exec(select(Invitation).where(Invitation.used_at.is_(None), Invitation.expires_at > utcnow(),
                                                    Invitation.unit_id.in_(list(succeeded))))
    for invitation in waiting:
        old = succeeded[invitation.unit_id]
        heir = _answering(session, invitation.unit_id, today)
        if heir == invitation.unit_id:
            invitation.expires_at = utcnow()
            note = f"{invitation.contact}: {old.name} ended on {old.successor_on}; the invitation is withdrawn"
        else:
            invitation.unit_id = heir
            note = f"{invitation.contact}: invited for {unit_name(session, heir)} (was {old.name})"
        session.add(Event(kind="invitation_moved", actor=actor, note=note, before={"unit_id": old.id},
                          after={"unit_id": invitation.unit_id}))
        changes.append(Change("invitation", "moved" if heir != old.id else "withdrawn", invitation.contact, note))
    return changes


def unit_name(session: Session, unit_id: str) -> str:
    unit = session.get(Unit, unit_id)
    return unit.name if unit else unit_id


def _move(session: Session, actor: str, ob: Obligation, unit_id: str, note: str) -> Change:
    """Reassign, or cancel when the new unit already has this task for this period."""
    taken = session.exec(select(Obligation.id).where(
        Obligation.task_id == ob.task_id, Obligation.period == ob.period, Obligation.unit_id == unit_id)).first()
    if taken:
        note = f"{note}; it already has obligation {taken}"
        lifecycle.cancel(session, ob, actor, note)
        return Change("obligation", "cancelled", str(ob.id), note)
    lifecycle.reassign(session, ob, unit_id, actor, note)
    return Change("obligation", "moved", str(ob.id), note)


def _copy(session: Session, actor: str, ob: Obligation, unit: Unit, note: str) -> Change:
    """The same duty for another successor of a split (share: all)."""
    row = {"task_id": ob.task_id, "unit_id": unit.id, "period": ob.period, "status": "open",
           "starts_on": ob.starts_on, "opened_at": utcnow(), "due_at": ob.due_at,
           "original_due_at": ob.original_due_at, "no_deadline": ob.no_deadline, "policy_id": ob.policy_id}
    if insert_new_obligations(session, [row]):
        session.add(Event(kind="obligation_shared", actor=actor, obligation_id=ob.id, note=note,
                          after={"unit": unit.id}))
    return Change("obligation", "shared", str(ob.id), note)


# --- the plan ----------------------------------------------------------------------

def _task_schedule(task) -> dict | None:
    """The task's own rules; a due day read from its timing cell ("trước ngày 10 hằng tháng")
    is its due rule unless the task says otherwise."""
    own = task.schedule.model_dump(mode="json", exclude_none=True) if task.schedule else {}
    if task.timing.day and "due" not in own:
        own["due"] = {"day_of_last_month": task.timing.day}
    if task.timing.after_end and "due" not in own:  # "trước ngày 05 của tháng liền kề": calendar days
        own["due"] = {"after_end": task.timing.after_end, "working_days": False}
    return own or None


def sync_plan(sync: Sync, spec: PlanSpec, directory: Directory, content_hash: str, today: dt.date) -> None:
    info, d = spec.plan, directory.spec.directory.id
    known = sync.session.get(Plan, info.id) is not None
    coordinator = _answering(sync.session, qualify(d, directory.resolve(info.coordinator).id), today)
    plan_row = {"id": info.id, "number": info.number, "title": info.title, "issued_by": info.issued_by,
                "issued_on": info.issued_on, "coordinator_unit_id": coordinator,
                "directory_id": d, "schedule": spec.schedule.model_dump(mode="json"), "content_hash": content_hash,
                "parent_plan_id": info.parent}
    sync.rows(Plan, ("id",), [plan_row], Plan.id == info.id)
    sync.rows(Area, ("plan_id", "code"), [{"plan_id": info.id, "code": a.id, "title": a.title,
                                           "serves": a.serves} for a in spec.areas], Area.plan_id == info.id)
    added_on = {t.code: t.added_on for t in sync.session.exec(select(Task).where(Task.plan_id == info.id))}
    decided = decisions(sync.session, info.id) if known else {}
    tasks = []
    for t in spec.tasks:
        row = {"plan_id": info.id, "code": t.id, "area_code": t.area, "text": t.text,
               "timing_phrase": t.timing.phrase, "timing_kind": t.timing.kind.value, "timing_due": t.timing.due,
               "timing_date": t.timing.date, "timing_start": t.timing.start, "timing_end": t.timing.end,
               "schedule": _task_schedule(t), "evidence_required": t.evidence_required,
               "target": t.target.model_dump(mode="json") if t.target else None, "implements": t.implements,
               "active": True, "added_on": added_on.get(t.id, today if known else None), "part_of": None,
               "report_to": t.timing.report_to, "partners": _partners(t, directory)}
        if t.timing.to_timing().needs_decision():  # an admin's schedule for it, kept across applies
            row.update(decided_columns(decided.get(t.id)))
        tasks.append(row)
        tasks += [_part_row(row, part, t, added_on.get(part.code, today if known else None))
                  for part in parts_of(t, spec.schedule)]
    for task in sync.deactivate(sync.rows(Task, ("plan_id", "code"), tasks, Task.plan_id == info.id)):
        _cancel_open(sync, [task.id], None, f"task {task.code} was removed from the plan")
    task_ids = {t.code: t.id for t in sync.session.exec(select(Task).where(Task.plan_id == info.id, Task.active))}
    before = _leads(sync.session, list(task_ids.values()))
    all_tasks = select(Task.id).where(Task.plan_id == info.id)
    sync.delete(sync.rows(Assignment, ("task_id", "unit_id", "role"), _assignments(spec, directory, task_ids),
                          Assignment.task_id.in_(all_tasks)))
    if any(change.subject == "assignment" for change in sync.changes):
        sync.session.get(Plan, info.id).leads_version += 1  # openings see their inputs changed
    after = _leads(sync.session, list(task_ids.values()))
    for task_id in task_ids.values():
        follow_lead_change(sync, task_id, before.get(task_id, set()), after.get(task_id, set()))
    if sync.changes:
        sync.session.get(Plan, info.id).applied_at = utcnow()


def _part_row(task_row: dict, part: Part, task, added_on: dt.date | None) -> dict:
    """A further part of the task (a report its cell asks for, a window's yearly progress): a
    task of its own, with the task's units and reminders and the part's own schedule."""
    own = dict(task_row["schedule"] or {})
    own.pop("due", None)
    if part.day:
        own["due"] = {"day_of_last_month": part.day}
    elif part.after_end:
        own["due"] = {"after_end": part.after_end, "working_days": False}
    return {**task_row, "code": part.code, "text": part.text, "timing_phrase": part.phrase,
            "timing_kind": part.kind.value, "timing_due": part.due, "timing_date": None,
            "timing_start": part.start, "timing_end": part.end, "schedule": own or None, "target": None,
            "implements": None, "added_on": added_on, "part_of": task.id, "report_to": part.report_to}


def _partners(task, directory: Directory) -> list[str] | None:
    """Coordinating parties the directory does not hold (a ministry named as a partner): kept
    as the plan writes them, informed in words, never chased."""
    outside = [p for p in task.coordinating if directory.resolve(p) is None]
    return outside or None


def _assignments(spec: PlanSpec, directory: Directory, task_ids: dict[str, int]) -> Iterator[dict]:
    """Each task's assignments (and its parts' the same), a unit named twice in a role (by two
    phrases) once."""
    d = directory.spec.directory.id
    for task in spec.tasks:
        for code in [task.id, *(part.code for part in parts_of(task, spec.schedule))]:
            rows: dict[tuple, dict] = {}
            for role in ("lead", "coordinating"):
                for phrase in getattr(task, role):
                    for unit_id in directory.expand(phrase):
                        key = (task_ids[code], qualify(d, unit_id), role)
                        rows.setdefault(key, {"task_id": key[0], "unit_id": key[1], "role": role, "phrase": phrase})
            yield from rows.values()


def _leads(session: Session, task_ids: list[int]) -> dict[int, set[str]]:
    leads: dict[int, set[str]] = {}
    rows = session.exec(select(Assignment.task_id, Assignment.unit_id)
                        .where(Assignment.task_id.in_(task_ids), Assignment.role == "lead"))
    for task_id, unit_id in rows:
        leads.setdefault(task_id, set()).add(unit_id)
    return leads


def follow_lead_change(sync: Sync, task_id: int, before: set[str], after: set[str]) -> None:
    """Open obligations follow a change of lead: one unit replaced by one is a
    reassignment; otherwise dropped units' obligations are cancelled and new units
    get obligations for the periods still open."""
    removed, added = sorted(before - after), sorted(after - before)
    if not removed and not added:
        return
    open_rows = list(sync.session.exec(select(Obligation).where(
        Obligation.task_id == task_id, Obligation.status.in_([s.value for s in NOT_CLOSED]))))
    if len(removed) == 1 and len(added) == 1:
        for ob in [o for o in open_rows if o.unit_id == removed[0]]:
            sync.note(_move(sync.session, sync.actor, ob, added[0], f"lead changed from {removed[0]} to {added[0]}"))
        return
    _cancel_open(sync, [task_id], set(removed), "no longer a lead unit of this task")
    periods = {o.period: o for o in open_rows}
    rows = [{"task_id": task_id, "unit_id": unit_id, "period": period, "status": "open",
             "starts_on": ob.starts_on, "opened_at": utcnow(),
             "due_at": ob.original_due_at, "original_due_at": ob.original_due_at, "no_deadline": ob.no_deadline,
             "policy_id": ob.policy_id}
            for period, ob in periods.items() for unit_id in added]
    created = insert_new_obligations(sync.session, rows)
    if created:
        sync.note(Change("obligation", "opened", f"of task {task_id}", f"{created} opened for new lead units",
                         count=created))


def _cancel_open(sync: Sync, task_ids: list[int], units: set[str] | None, note: str) -> None:
    query = select(Obligation).where(Obligation.task_id.in_(task_ids),
                                     Obligation.status.in_([s.value for s in NOT_CLOSED]))
    for ob in sync.session.exec(query):
        if units is None or ob.unit_id in units:
            lifecycle.cancel(sync.session, ob, sync.actor, note)
            sync.note(Change("obligation", "cancelled", str(ob.id), f"cancelled ({note})"))


def _reach_class_members(sync: Sync, directory: Directory, changed: set[str], today: dt.date) -> None:
    """Plans already applied that name a class whose members changed ("UBND cấp xã" gained a
    commune) follow it without being applied again: a unit added to (or moved into) the class is
    assigned from the next period (`since`), a unit no longer in it no longer is."""
    d = directory.spec.directory.id
    on_this_map = (select(Assignment).join(Task, Task.id == Assignment.task_id)  # plans of this directory only
                   .join(Plan, Plan.id == Task.plan_id).where(Plan.directory_id == d))
    phrases = {}  # the plans' words for the changed classes → the class
    for phrase in sync.session.exec(on_this_map.with_only_columns(Assignment.phrase).distinct()).all():
        target = directory.resolve(phrase)
        if target is not None and target.kind == "class" and qualify(d, target.id) in changed:
            phrases[phrase] = target.id
    if not phrases:
        return
    have = {(a.task_id, a.unit_id, a.role): a for a in sync.session.exec(
        on_this_map.where(Assignment.phrase.in_(phrases)))}
    wanted: dict[tuple, dict] = {}
    for task_id, role, phrase in {(a.task_id, a.role, a.phrase) for a in have.values()}:
        for unit_id in directory.members(phrases[phrase]):
            key = (task_id, qualify(d, unit_id), role)
            wanted.setdefault(key, {"task_id": task_id, "unit_id": key[1], "role": role, "phrase": phrase})
    added = [{**row, "since": today} for key, row in wanted.items() if key not in have]
    gone = [a for key, a in have.items() if key not in wanted]
    for row in added:
        sync.session.add(Assignment(**row))
        sync.note(Change("assignment", "added", f"{row['task_id']}/{row['unit_id']}",
                         f"joined {row['phrase']}: asked from the next period"))
    for assignment in gone:
        sync.session.delete(assignment)
        sync.note(Change("assignment", "removed", f"{assignment.task_id}/{assignment.unit_id}",
                         f"no longer in {assignment.phrase}"))
    plans = {plan_id for plan_id in sync.session.exec(select(Task.plan_id).where(
        Task.id.in_({row["task_id"] for row in added} | {a.task_id for a in gone}))).all()}
    for plan in sync.session.exec(select(Plan).where(Plan.id.in_(plans))):
        plan.leads_version += 1  # openings see their inputs changed
    sync.session.flush()


def _record_directory(session: Session, sync: Sync, directory: Directory, structural: bool, actor: str) -> None:
    """The audit event of a directory's changes. When units, classes or successions changed, it
    is a plan_applied event naming no plan: every plan on the directory may open more, so their
    openings run again; a change of contacts alone concerns no opening."""
    if sync.changes:
        session.add(Event(kind="plan_applied" if structural else "directory_applied", actor=actor,
                          note=notes(sync.changes),
                          after={"directory": directory.spec.directory.id, "changes": len(sync.changes)}))


def apply_directory(engine: Engine, directory: Directory, actor: str = "cli", dry_run: bool = False,
                    today: dt.date | None = None) -> list[Change]:
    """Load a directory alone (its units, classes, contacts and the successions it states)
    in one transaction: a new map's directory that succeeds units already in the database."""
    today = today or utcnow().astimezone(VN).date()
    with Session(engine) as session:
        try:
            sync = Sync(session, actor)
            _record_directory(session, sync, directory, sync_directory(sync, directory, today), actor)
            session.rollback() if dry_run else session.commit()
        except BaseException:
            session.rollback()
            raise
    return sync.changes


def apply_plan(engine: Engine, plan_path: Path | str, directory: Directory, actor: str = "cli",
               dry_run: bool = False, today: dt.date | None = None, reapply_reminders: bool = False) -> list[Change]:
    """Validate, then load plan and directory in one transaction. Returns what changed
    (with dry_run, what would change; nothing is kept). With reapply_reminders, open
    obligations take the plan's current reminder policy (new ones always do)."""
    with Session(engine) as session:
        applied = dict(session.exec(select(Plan.id, Plan.parent_plan_id)).all())
    report = validate_plan(plan_path, directory, plan_parents=applied)
    if not report.ok:
        raise InputError(report.errors)
    content_hash = hashlib.sha256(Path(plan_path).read_bytes()).hexdigest()
    return apply_spec(engine, report.spec, directory, content_hash, actor, dry_run, today, reapply_reminders)


def apply_plan_text(engine: Engine, text: str, directory: Directory, actor: str) -> list[Change]:
    """A plan YAML that is not a file yet (a draft reviewed on the dashboard), applied as
    `apply_plan` applies a file: every problem raised as InputError, nothing half-applied."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        return apply_plan(engine, path, directory, actor=actor)


def apply_spec(engine: Engine, spec: PlanSpec, directory: Directory, content_hash: str, actor: str = "cli",
               dry_run: bool = False, today: dt.date | None = None, reapply_reminders: bool = False) -> list[Change]:
    """Load an already validated plan and its directory in one transaction."""
    today = today or utcnow().astimezone(VN).date()
    with Session(engine) as session:
        try:
            sync = Sync(session, actor)
            _record_directory(session, sync, directory, sync_directory(sync, directory, today), actor)
            directory_changes = len(sync.changes)
            sync_plan(sync, spec, directory, content_hash, today)
            if reapply_reminders:
                moved = policies.reapply(session, spec.plan.id, actor)
                if moved:
                    sync.note(Change("obligation", "policy updated", "open", f"{moved} now chased under the current "
                                                                             "reminder policy", count=moved))
            if len(sync.changes) > directory_changes:
                session.add(Event(kind="plan_applied", actor=actor, plan_id=spec.plan.id,
                                  after={"content_hash": content_hash, "changes": len(sync.changes)},
                                  note=notes(sync.changes[directory_changes:])))
            session.rollback() if dry_run else session.commit()
        except BaseException:
            session.rollback()
            raise
    return sync.changes
