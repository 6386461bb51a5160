"""Checking a plan YAML against its schema and the org directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.org import Directory
from models.plan import PlanSpec, load_plan
from models.timing import TimingKind
from models.yamlio import InputError, Problem, field_name, line_of


@dataclass
class Report:
    file: str
    areas: int = 0
    tasks: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    needs_decision: list[str] = field(default_factory=list)
    spec: PlanSpec | None = None  # the checked plan, when it could be read

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "areas": self.areas, "tasks": self.tasks,
                "errors": [p.as_dict() for p in self.errors],
                "warnings": [p.as_dict() for p in self.warnings],
                "needs_decision": self.needs_decision}


class _Checker:
    def __init__(self, spec: PlanSpec, doc: Any, source: str, directory: Directory):
        self.spec, self.doc, self.source, self.directory = spec, doc, source, directory
        self.report = Report(source, areas=len(spec.areas), tasks=len(spec.tasks), spec=spec)

    def problem(self, path: tuple, message: str, warning: bool = False) -> None:
        entry = Problem(self.source, line_of(self.doc, path), field_name(path), message)
        (self.report.warnings if warning else self.report.errors).append(entry)

    def run(self) -> Report:
        self.check_unique("areas", [a.id for a in self.spec.areas])
        self.check_unique("tasks", [t.id for t in self.spec.tasks])
        self.check_coordinator()
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
            timing = task.timing.to_timing()
            if timing.needs_decision():
                self.report.needs_decision.append(task.id)
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

    def check_phrase(self, path: tuple, phrase: str, lead: bool) -> None:
        target = self.directory.resolve(phrase)
        if target is None and self.directory.is_outside(phrase):
            if lead:
                self.problem(path, f'"{phrase}" is outside government: recorded as informed, never chased',
                             warning=True)
            return
        if target is None:
            self.problem(path, self.unknown(phrase, "a unit or class from the directory"))
        elif lead and target.kind == "class" and not self.directory.members(target.id):
            self.problem(path, f'class "{target.name}" has no members in the directory: '
                         "no obligation will be opened for it", warning=True)

    def unknown(self, phrase: str, expected: str) -> str:
        hint = self.directory.suggest(phrase)
        message = f'unknown "{phrase}": expected {expected}'
        return message + (f'; did you mean "{hint}"?' if hint else "")


def validate_plan(path: Path | str, directory: Directory) -> Report:
    try:
        spec, doc = load_plan(path)
    except InputError as exc:
        return Report(str(path), errors=exc.problems)
    return _Checker(spec, doc, str(path), directory).run()
