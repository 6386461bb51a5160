"""Outcome indices: the published scores a plan exists to move (PAPI and its dimensions, PAR
INDEX, SIPAS), recorded by an admin from YAML or CSV with the document they came from.

YAML:
    province: binh-dinh            # the directory id the plans use
    indices:
      - {name: PAPI, year: 2018, score: 41.04, scale: 80, source: "KH 53/KH-UBND, 24/6/2019"}
CSV: a header row `province,name,dimension,year,score,scale,rank,rank_of,source`, one index a row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import Field, ValidationError, model_validator
from sqlmodel import Session, select

from models.common.schema import Strict
from models.common.schema import check, problems_from
from models.store.tables import OutcomeIndex, Unit
from models.common.yamlio import InputError, Problem, load_yaml

NAMES = ("PAPI", "PAR INDEX", "SIPAS", "PCI", "DDCI")


class IndexSpec(Strict):
    name: str = Field(min_length=1, max_length=40)
    dimension: str = Field(default="", max_length=120)
    year: int = Field(ge=2000, le=2100)
    score: float = Field(ge=0)
    scale: float | None = Field(default=None, gt=0)
    rank: int | None = Field(default=None, ge=1)
    rank_of: int | None = Field(default=None, ge=1, le=100)
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _consistent(self) -> "IndexSpec":
        if self.name.upper() not in NAMES:
            raise ValueError(f"name is one of {', '.join(NAMES)}")
        self.name = self.name.upper()
        if self.scale is not None and self.score > self.scale:
            raise ValueError(f"score {self.score} is above the scale {self.scale}")
        if self.rank and self.rank_of and self.rank > self.rank_of:
            raise ValueError(f"rank {self.rank} of {self.rank_of}?")
        return self


class OutcomeFile(Strict):
    province: str = Field(min_length=1, max_length=80)
    indices: list[IndexSpec] = Field(min_length=1)


def load_outcomes(path: Path) -> OutcomeFile:
    """The file's indices, checked; InputError naming file, line and field otherwise."""
    if path.suffix.lower() == ".csv":
        return _load_csv(path)
    return check(OutcomeFile, load_yaml(path), str(path))


def _load_csv(path: Path) -> OutcomeFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), None, "", "file not found" if isinstance(exc, FileNotFoundError)
                                  else "not UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text))
    provinces, indices, problems = set(), [], []
    for row in reader:
        line = reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k and (v or "").strip()}
        provinces.add(values.pop("province", ""))
        try:
            indices.append(IndexSpec.model_validate(values))
        except ValidationError as exc:
            problems += [Problem(str(path), line, p.field, p.message) for p in problems_from(exc, values, str(path))]
    if len(provinces - {""}) != 1:
        problems.append(Problem(str(path), None, "province", "every row names the same province (one per file)"))
    if problems:
        raise InputError(problems)
    return OutcomeFile(province=provinces.pop(), indices=indices)


def record_outcomes(session: Session, outcomes: OutcomeFile, source_file: str) -> tuple[int, int]:
    """Store the indices (a year's figure again replaces it); (added, replaced)."""
    if session.exec(select(Unit.id).where(Unit.directory_id == outcomes.province).limit(1)).first() is None:
        raise InputError([Problem(source_file, None, "province",
                                  f'no directory "{outcomes.province}" in the database (apply a plan or org first)')])
    added = replaced = 0
    for spec in outcomes.indices:
        row = session.exec(select(OutcomeIndex).where(
            OutcomeIndex.directory_id == outcomes.province, OutcomeIndex.name == spec.name,
            OutcomeIndex.dimension == spec.dimension, OutcomeIndex.year == spec.year)).first()
        if row is None:
            row, added = OutcomeIndex(directory_id=outcomes.province, **spec.model_dump()), added + 1
        else:
            replaced += 1
            for key, value in spec.model_dump().items():
                setattr(row, key, value)
        session.add(row)
    return added, replaced


def plan_figures(session: Session, plan_id: str) -> list[OutcomeIndex]:
    """The published figures of the indices a plan's areas serve, by index, dimension and year."""
    from models.store.tables import Area, Plan

    plan = session.get(Plan, plan_id)
    served = {a.partition(":")[0].strip() for a in session.exec(
        select(Area.serves).where(Area.plan_id == plan_id, Area.serves.is_not(None)))}
    if not served:
        return []
    return list(session.exec(select(OutcomeIndex).where(OutcomeIndex.directory_id == plan.directory_id,
                                                        OutcomeIndex.name.in_(served))
                             .order_by(OutcomeIndex.name, OutcomeIndex.dimension, OutcomeIndex.year)))
