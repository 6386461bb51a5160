"""The org directory: units, the classes they belong to, and how plan phrases resolve.

A plan names either one unit ("Sở Tư pháp") or a class of units ("UBND cấp xã").
The directory YAML (`plans/org/<province>.yaml`) is the one place those names live.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.common.text import fold
from models.org.vocabulary import Splitter, name_key, vocabulary
from models.common.yamlio import Problem, field_name, line_of, load_yaml
from models.common.schema import ID_PATTERN, Strict, check


class Level(StrEnum):
    province = "province"  # the provincial People's Committee itself
    department = "department"  # sở, ban, ngành: specialised agencies of the province
    central = "central"  # central agencies and state firms located in the province
    press = "press"
    mass_org = "mass_org"  # Mặt trận Tổ quốc and other socio-political bodies
    district = "district"  # district-level People's Committees (until 1 July 2025)
    district_agency = "district_agency"  # a district's police, inspectorate, ...
    commune = "commune"  # commune-level People's Committees
    commune_agency = "commune_agency"
    other = "other"


class ContactSpec(Strict):
    name: str = Field(min_length=1)
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    head: bool = False  # the unit's head: escalations go to them
    # The channels this person is reached on, in the order they chose: "[zalo, email]". The
    # first live one gets each reminder; the next one if nobody acts on it. Default: Telegram,
    # Zalo, e-mail, SMS.
    channels: list[Literal["telegram", "zalo", "email", "sms"]] | None = Field(default=None, min_length=1)


# A unit in this directory ("xa-21553") or in another one ("gia-lai/xa-21553").
UNIT_REF = r"^(?:[a-z0-9][a-z0-9-]*/)?[a-z0-9][a-z0-9-]*$"


class Successor(Strict):
    """Who answers for a unit from a date on: the unit it was merged into or renamed to
    (`id`); for a split, the other units that share its area (`also`: the open obligations
    go to `id` alone, or to every successor with `share: all`); for a dissolution, no
    successor but the reason (`closed`): its open obligations are closed as no longer
    applicable."""
    id: str | None = Field(default=None, pattern=UNIT_REF)
    on: date
    also: list[Annotated[str, Field(pattern=UNIT_REF)]] = []
    share: Literal["one", "all"] = "one"
    closed: str | None = Field(default=None, min_length=1)
    note: str | None = None  # the decision that made it so

    @model_validator(mode="after")
    def _one_outcome(self) -> "Successor":
        if (self.id is None) == (self.closed is None):
            raise ValueError("give the successor's id, or closed: <the reason>, not both")
        if self.also and self.id is None:
            raise ValueError("also (the other successors of a split) needs id, the one that takes over")
        return self


class Succession(Strict):
    """A succession stated by the directory that succeeds the unit: `unit` → `to` (what a
    unit's own `successor:` says with `id`)."""
    unit: str = Field(pattern=UNIT_REF)
    on: date
    to: str | None = Field(default=None, pattern=UNIT_REF)
    also: list[Annotated[str, Field(pattern=UNIT_REF)]] = []
    share: Literal["one", "all"] = "one"
    closed: str | None = Field(default=None, min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _as_successor(self) -> "Succession":
        self.successor()  # the same rules
        return self

    def successor(self) -> Successor:
        return Successor(id=self.to, on=self.on, also=self.also, share=self.share, closed=self.closed,
                         note=self.note)


class UnitSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    aliases: list[str] = []
    level: Level
    parent: str | None = None
    gso_code: int | None = None  # the General Statistics Office's code
    classes: list[str] = []
    contacts: list[ContactSpec] = []
    successor: Successor | None = None


class ClassSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    aliases: list[str] = []
    level: Level | None = None  # every unit of this level is a member


class DirectoryInfo(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    gso_code: int | None = None
    source: str | None = None


class DirectorySpec(Strict):
    directory: DirectoryInfo
    classes: list[ClassSpec] = []
    units: list[UnitSpec]
    successions: list[Succession] = []  # units of other directories this one succeeds


@dataclass(frozen=True)
class Target:
    """What a phrase names: one unit or one class."""
    kind: str  # "unit" or "class"
    id: str
    name: str


class Directory:
    @classmethod
    def empty(cls) -> "Directory":
        """No province's units: phrases split and resolve by the shipped vocabulary alone."""
        return cls(DirectorySpec(directory=DirectoryInfo(id="none", name="none"), units=[]), "<none>")

    def __init__(self, spec: DirectorySpec, source: str = "<directory>", doc=None):
        self.spec = spec
        self.source = source
        self.doc = doc  # the YAML as read, for line numbers
        self.units = {u.id: u for u in spec.units}
        self.classes = {c.id: c for c in spec.classes}
        self.problems: list[Problem] = []
        self._index: dict[str, Target] = {}
        self._splitter: Splitter | None = None
        for c in spec.classes:
            self._add_names(Target("class", c.id, c.name), [c.name, *c.aliases])
        for u in spec.units:
            self._add_names(Target("unit", u.id, u.name), [u.name, *u.aliases])

    def _add_names(self, target: Target, names: list[str]) -> None:
        for name in names:
            k = name_key(name)
            if k in self._index and self._index[k] != target:
                other = self._index[k]
                self.problems.append(Problem(self.source, None, f"{target.kind} {target.id}",
                                             f'name "{name}" is also used by {other.kind} {other.id}'))
                continue
            self._index[k] = target

    # --- resolving plan phrases -------------------------------------------------

    def resolve(self, phrase: str) -> Target | None:
        """The unit or class a phrase names: by the directory's own names first, then by
        the shipped vocabulary's wordings of the same name ("Sở KH&CN", "UBND các xã, phường")."""
        k = name_key(phrase)
        if k in self._index:
            return self._index[k]
        canonical = vocabulary().canonical.get(k)
        return self._index.get(name_key(canonical)) if canonical else None

    def knows(self, phrase: str) -> bool:
        """The phrase names something known: a unit or class here, a generic name, or a party
        outside government."""
        return self.resolve(phrase) is not None or name_key(phrase) in vocabulary().canonical \
            or vocabulary().is_outside(phrase)

    def is_outside(self, phrase: str) -> bool:
        """A party outside government: recorded as informed, never chased."""
        return self.resolve(phrase) is None and vocabulary().is_outside(phrase)

    def members(self, class_id: str) -> list[str]:
        """Unit ids in a class: by its level and by the units that list it."""
        level = self.classes[class_id].level
        return [u.id for u in self.spec.units if u.level == level or class_id in u.classes]

    def expand(self, phrase: str) -> list[str]:
        target = self.resolve(phrase)
        if target is None:
            return []
        return [target.id] if target.kind == "unit" else self.members(target.id)

    def suggest(self, phrase: str) -> str | None:
        """The known name closest to a phrase that did not resolve (typos, missing accents)."""
        names = {}
        for target in self._index.values():
            names.setdefault(fold(target.name), target.name)
        for spec in [*self.spec.units, *self.spec.classes]:
            for alias in spec.aliases:
                names.setdefault(fold(alias), spec.name)
        match = difflib.get_close_matches(fold(phrase), list(names), n=1, cutoff=0.75)
        return names[match[0]] if match else None

    def split(self, cell: str) -> list[str]:
        """A cell's unit phrases, knowing the directory's names and the shipped vocabulary."""
        if self._splitter is None:
            self._splitter = Splitter(set(self._index) | set(vocabulary().canonical))
        return self._splitter.split(cell)


def load_directory(path: Path | str) -> Directory:
    """Load and check a directory YAML; raise InputError listing every problem."""
    from models.common.yamlio import InputError

    path = Path(path)
    doc = load_yaml(path)
    spec = check(DirectorySpec, doc, str(path))
    directory = Directory(spec, str(path), doc)
    problems = directory.problems + _reference_problems(spec, doc, str(path))
    if problems:
        raise InputError(problems)
    return directory


def _reference_problems(spec: DirectorySpec, doc, source: str) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for kind, items in (("classes", spec.classes), ("units", spec.units)):
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(Problem(source, line_of(doc, (kind, i, "id")), f"{kind}[{i}].id",
                                        f'duplicate id "{item.id}"'))
            seen[item.id] = i
    class_ids = {c.id for c in spec.classes}
    unit_ids = {u.id for u in spec.units}
    for i, unit in enumerate(spec.units):
        if unit.parent and unit.parent not in unit_ids:
            problems.append(Problem(source, line_of(doc, ("units", i, "parent")), f"units[{i}].parent",
                                    f'unknown unit "{unit.parent}"'))
        for j, class_id in enumerate(unit.classes):
            if class_id not in class_ids:
                problems.append(Problem(source, line_of(doc, ("units", i, "classes", j)),
                                        f"units[{i}].classes[{j}]", f'unknown class "{class_id}"'))
    return problems + _succession_problems(spec, doc, source) + _parent_cycles(spec, doc, source)


def successions(spec: DirectorySpec) -> list[tuple[str, Successor, tuple]]:
    """Every succession the directory states, as (qualified unit id, successor with qualified
    ids, path in the YAML for line numbers)."""
    d = spec.directory.id

    def q(ref: str | None) -> str | None:
        return ref if ref is None or "/" in ref else f"{d}/{ref}"

    out = []
    for i, unit in enumerate(spec.units):
        if unit.successor:
            out.append((q(unit.id), unit.successor, ("units", i, "successor")))
    for i, entry in enumerate(spec.successions):
        out.append((q(entry.unit), entry.successor(), ("successions", i)))
    return [(unit, succ.model_copy(update={"id": q(succ.id), "also": [q(a) for a in succ.also]}), path)
            for unit, succ, path in out]


def _succession_problems(spec: DirectorySpec, doc, source: str) -> list[Problem]:
    """Unknown units of this directory, a unit succeeded twice, and cycles (A → B → A)."""
    d = spec.directory.id
    own = {f"{d}/{u.id}" for u in spec.units}
    problems, after, where = [], {}, {}
    for unit, succ, path in successions(spec):
        line = line_of(doc, path)
        for field, ref in (("unit", unit), ("to" if path[0] == "successions" else "id", succ.id),
                           *[("also", a) for a in succ.also]):
            if ref and ref.startswith(d + "/") and ref not in own:
                problems.append(Problem(source, line, field_name((*path, field)), f'unknown unit "{ref}"'))
        if unit in after:
            problems.append(Problem(source, line, field_name(path), f'"{unit}" is already succeeded at line '
                                    f"{where[unit]}"))
        after[unit], where[unit] = succ.id, line
    for cycle in cycles(after):
        problems.append(Problem(source, where[cycle[0]], cycle[0],
                                "its successors lead back to it: " + " → ".join(cycle)))
    return problems


def cycles(after: dict[str, str | None]) -> list[list[str]]:
    """Every cycle in a "next" mapping (successors, parents), each once, written from its
    smallest member and closed: ["a", "b", "a"]. Linear: each key is walked once."""
    state: dict[str, int] = {}  # 1 = on the walk in progress, 2 = done
    found = []
    for start in after:
        walk, node = [], start
        while node is not None and node in after and node not in state:
            state[node] = 1
            walk.append(node)
            node = after[node]
        if node is not None and state.get(node) == 1:  # the walk ran into itself
            loop = walk[walk.index(node):]
            first = loop.index(min(loop))
            found.append([*loop[first:], *loop[:first], min(loop)])
        for visited in walk:
            state[visited] = 2
    return found


def _parent_cycles(spec: DirectorySpec, doc, source: str) -> list[Problem]:
    index = {u.id: i for i, u in enumerate(spec.units)}
    return [Problem(source, line_of(doc, ("units", index[c[0]], "parent")), f"units[{index[c[0]]}].parent",
                    "its parents lead back to it: " + " → ".join(c))
            for c in cycles({u.id: u.parent for u in spec.units})]
