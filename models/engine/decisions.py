"""Tasks whose timing cell sets no schedule ("Theo Kế hoạch riêng", "Theo quy định tại …", a
phrase nobody could read): an admin gives each a schedule of its own, or names the plan that
tracks it. Until then the digest names them. A decision is kept apart from the plan's file,
so applying the plan again keeps it; a plan that later writes a schedule itself wins."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session, select

from models.common.clock import utcnow
from models.common.text import plain_text
from models.plans.plan import TimingSpec
from models.plans.timing import NEEDS_DECISION, TimingKind
from models.store.tables import Event, Plan, Task, TimingDecision

TIMING_FIELDS = ("kind", "date", "due", "start", "end")


class DecisionError(ValueError):
    """The decision cannot be taken: the message says why, in one line."""


def decisions(session: Session, plan_id: str) -> dict[str, TimingDecision]:
    return {d.task_code: d for d in session.exec(select(TimingDecision).where(TimingDecision.plan_id == plan_id))}


def decided_columns(decision: TimingDecision | None) -> dict:
    """The task row's timing columns as the decision sets them (nothing for a linked task)."""
    if decision is None or not decision.timing:
        return {}
    spec = TimingSpec.model_validate({"phrase": "", **decision.timing})
    return {"timing_kind": spec.kind.value, "timing_due": spec.due, "timing_date": spec.date,
            "timing_start": spec.start, "timing_end": spec.end}


def decide(session: Session, plan_id: str, code: str, actor: str, timing: dict | None = None,
           linked_plan: str | None = None) -> TimingDecision:
    """Give the task a schedule (`timing`: kind and its dates) or the plan that tracks it."""
    task = session.exec(select(Task).where(Task.plan_id == plan_id, Task.code == code, Task.active)).first()
    if task is None:
        raise DecisionError(f'no active task "{plain_text(code)[:40]}" in plan {plan_id}')
    if (timing is None) == (linked_plan is None):
        raise DecisionError("give a schedule or the plan that tracks the task, not both")
    if linked_plan is not None and (linked_plan == plan_id or session.get(Plan, linked_plan) is None):
        raise DecisionError(f'no other plan "{plain_text(linked_plan)[:40]}" to track the task')
    if timing is not None:  # typed by a person: what nobody types dropped, and short (an error repeats it)
        timing = {k: plain_text(str(v)).strip()[:40] for k, v in timing.items()
                  if k in TIMING_FIELDS and v not in (None, "")}
        try:
            spec = TimingSpec.model_validate({"phrase": task.timing_phrase, **timing})
        except ValidationError as exc:
            raise DecisionError("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
        if spec.kind in NEEDS_DECISION or spec.to_timing().needs_decision():
            raise DecisionError(f"{spec.kind.value} sets no schedule: choose a kind that does (and its dates)")
        timing = spec.model_dump(mode="json", include=set(TIMING_FIELDS), exclude_none=True)
    decision = decisions(session, plan_id).get(code) or TimingDecision(plan_id=plan_id, task_code=code, by=actor)
    decision.timing, decision.linked_plan, decision.by, decision.at = timing, linked_plan, actor, utcnow()
    session.add(decision)
    for column, value in decided_columns(decision).items():
        setattr(task, column, value)
    if linked_plan:  # tracked by the other plan: nothing opens here
        task.timing_kind, task.timing_due, task.timing_date, task.timing_start, task.timing_end = (
            TimingKind.per_rule.value, None, None, None, None)
    session.add(task)
    session.add(Event(kind="timing_decided", actor=actor, plan_id=plan_id, note=code,
                      after={"task": code, "timing": timing, "linked_plan": linked_plan}))
    return decision
