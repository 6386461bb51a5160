"""Checking a plan YAML against its schema and the org directory."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.org.directory import Directory, cycles, successions
from models.plans.parts import parts_of
from models.plans.plan import PlanSpec, load_plan
from models.plans.timing import TimingKind
from models.common.yamlio import InputError, Problem, field_name, line_of


@dataclass
class Report:
    file: str
    areas: int = 0
    tasks: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    needs_decision: list[str] = field(default_factory=list)
    decisions: list[Problem] = field(default_factory=list)  # per task needing one: where, and what to write
    parts: list[str] = field(default_factory=list)  # "1.3-BC: định kỳ hằng quý báo cáo về Sở Tài chính"
    spec: PlanSpec | None = None  # the checked plan, when it could be read

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "areas": self.areas, "tasks": self.tasks,
                "errors": [p.as_dict() for p in self.errors],
                "warnings": [p.as_dict() for p in self.warnings],
                "needs_decision": self.needs_decision, "decisions": [p.as_dict() for p in self.decisions],
                "parts": self.parts}


class _Checker:
    def __init__(self, spec: PlanSpec, doc: Any, source: str, directory: Directory,
                 successors: list[Directory] = (), as_of: dt.date | None = None,
                 plan_parents: dict[str, str | None] | None = None):
        self.spec, self.doc, self.source, self.directory = spec, doc, source, directory
        self.plan_parents = plan_parents or {}
        self.report = Report(source, areas=len(spec.areas), tasks=len(spec.tasks), spec=spec)
        self.as_of = as_of or dt.date.today()
        self.succession = {unit: succ for d in [directory, *successors] for unit, succ, _ in successions(d.spec)}
        self.names = {f"{d.spec.directory.id}/{u.id}": u.name for d in [directory, *successors] for u in d.spec.units}

    def problem(self, path: tuple, message: str, warning: bool = False) -> None:
        entry = Problem(self.source, line_of(self.doc, path), field_name(path), message)
        (self.report.warnings if warning else self.report.errors).append(entry)

    def run(self) -> Report:
        self.check_unique("areas", [a.id for a in self.spec.areas])
        self.check_unique("tasks", [t.id for t in self.spec.tasks])
        self.check_coordinator()
        self.check_parent()
        area_ids = {a.id for a in self.spec.areas}
        for i, task in enumerate(self.spec.tasks):
            if task.area is not None and task.area not in area_ids:
                self.problem(("tasks", i, "area"), f'unknown area "{task.area}" (areas: {", ".join(sorted(area_ids))})')
            for column in ("lead", "coordinating"):
                for j, phrase in enumerate(getattr(task, column)):
                    self.check_phrase(("tasks", i, column, j), phrase, lead=column == "lead")
            if task.implements and not self.spec.plan.parent:
                self.problem(("tasks", i, "implements"), "implements a parent task, but the plan names no parent "
                             "(plan: parent: <the parent plan's id>)")
            self.report.parts += [f"{part.code}: {part.phrase}" for part in parts_of(task, self.spec.schedule)]
            timing = task.timing.to_timing()
            if timing.needs_decision():
                self.report.needs_decision.append(task.id)
                # named by task id, not line: finding lines means a second, slow read of the file
                self.report.decisions.append(Problem(self.source, None, f"task {task.id} (tasks[{i}].timing)",
                                                     decision_hint(timing)))
                if timing.kind is TimingKind.unknown:
                    self.problem(("tasks", i, "timing"), f'timing "{timing.phrase}" is not understood; '
                                 "set kind to a schedule", warning=True)
        return self.report

    def check_unique(self, section: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, item_id in enumerate(ids):
            if item_id in seen:
                self.problem((section, i, "id"), f'duplicate id "{item_id}"')
            seen.add(item_id)

    def check_coordinator(self) -> None:
        target = self.directory.resolve(self.spec.plan.coordinator)
        if target is None or target.kind != "unit":
            self.problem(("plan", "coordinator"), self.unknown(self.spec.plan.coordinator, "a unit"))

    def check_parent(self) -> None:
        """A plan implements another, never itself, nor one that (through its own parents,
        as already applied) implements this one."""
        plan = self.spec.plan
        if plan.parent and (loop := [c for c in cycles({**self.plan_parents, plan.id: plan.parent}) if plan.id in c]):
            self.problem(("plan", "parent"), "the plan's parents lead back to it: " + " → ".join(loop[0]))

    def check_phrase(self, path: tuple, phrase: str, lead: bool) -> None:
        target = self.directory.resolve(phrase)
        if target is None and self.directory.is_outside(phrase):
            if lead:
                self.problem(path, f'"{phrase}" is outside government: recorded as informed, never chased',
                             warning=True)
            return
        if target is None and not lead:  # a ministry named only as a partner: informed in words, not chased
            self.problem(path, self.unknown(phrase, "a unit or class from the directory")
                         + ": kept as the plan writes it, informed, never chased", warning=True)
        elif target is None:
            self.problem(path, self.unknown(phrase, "a unit or class from the directory"))
        elif lead and target.kind == "class" and not self.directory.members(target.id):
            self.problem(path, f'class "{target.name}" has no members in the directory: '
                         "no obligation will be opened for it", warning=True)
        elif lead:
            self.check_succeeded(path, phrase)

    def check_succeeded(self, path: tuple, phrase: str) -> None:
        """A lead whose units have all been succeeded by now (an old plan on today's map)."""
        d = self.directory.spec.directory.id
        members = [f"{d}/{u}" for u in self.directory.expand(phrase)]
        ended = [self.succession.get(m) for m in members]
        if not members or not all(s is not None and s.on <= self.as_of for s in ended):
            return
        on = min(s.on for s in ended)
        if all(s.closed for s in ended):
            self.problem(path, f'"{phrase}": its {len(members)} unit(s) ended on {on:%d/%m/%Y} '
                         f"({ended[0].closed}); nothing opens for it since; suggested replacement: "
                         f'"{self.suggest_replacement(phrase, members)}"', warning=True)
            return
        heirs = sorted({self.names.get(s.id, s.id) for s in ended if s.id})
        target = self.directory.resolve(phrase)
        if (target.kind == "class" and len(heirs) > 1) or heirs == [target.name]:
            return  # a class follows its members; a unit that only moved province keeps its name
        shown = ", ".join(heirs[:3]) + (f" and {len(heirs) - 3} more" if len(heirs) > 3 else "")
        self.problem(path, f'"{phrase}": from {on:%d/%m/%Y} its obligations open for {shown}; '
                     f'write that name if the plan is edited', warning=True)

    def suggest_replacement(self, phrase: str, members: list[str]) -> str:
        """District-level work went to the communes in the two-level system: "Công an cấp
        huyện" → "Công an cấp xã" where that class exists, else "UBND cấp xã"."""
        levels = {self.directory.units[m.split("/", 1)[1]].level.value for m in members}
        if not levels <= {"district", "district_agency"}:
            return "the units that took the work over"
        commune_level = re.sub(r"cấp huyện", "cấp xã", self.directory.resolve(phrase).name)
        return commune_level if self.directory.resolve(commune_level) else "UBND cấp xã"

    def unknown(self, phrase: str, expected: str) -> str:
        hint = self.directory.suggest(phrase)
        message = f'unknown "{phrase}": expected {expected}'
        return message + (f'; did you mean "{hint}"?' if hint else "")


def decision_hint(timing) -> str:
    """What an admin writes for a task nothing is opened for yet."""
    phrase = (timing.phrase or "").replace('"', "'")
    if timing.kind is TimingKind.window:
        example = f'{{phrase: "{phrase}", kind: window, start: "2025-01-01", end: "2025-12-31"}}'
    else:
        example = f'{{phrase: "{phrase}", kind: annual, due: "15/12"}}'
    return (f'"{phrase or "(empty)"}" opens nothing until a schedule is set; write, for example: '
            f"timing: {example} (or kind: quarterly, monthly, once with due: dd/mm/yyyy, continuous)")


def validate_plan(path: Path | str, directory: Directory, successors: list[Directory] = (),
                  as_of: dt.date | None = None, plan_parents: dict[str, str | None] | None = None) -> Report:
    """Check a plan against its directory; `successors` are directories that succeed units
    of it (today's map), so a lead whose units have all ended by `as_of` is reported;
    `plan_parents` are the plans already applied (id → parent), for cycles through them."""
    try:
        spec, doc = load_plan(path)
    except InputError as exc:
        return Report(str(path), errors=exc.problems)
    return _Checker(spec, doc, str(path), directory, list(successors), as_of, plan_parents).run()
