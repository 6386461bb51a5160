"""Which reminder policy an obligation is chased under.

An obligation keeps the policy it was opened with: each distinct policy of a plan is stored
once (by its digest) and obligations point at it. Editing the plan's policy changes what new
obligations get; open ones move to the new policy only when an admin re-applies it.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import update
from sqlmodel import Session, select

from models.store.db import insert_for
from models.engine.lifecycle import NOT_CLOSED
from models.plans.plan import ScheduleSpec, TaskSchedule
from models.calendar.reminders import ReminderPolicy
from models.store.tables import Event, Obligation, Plan, ReminderPolicyVersion, Task


def task_policy(task: Task, schedule: ScheduleSpec) -> ReminderPolicy:
    """The task's own policy where the plan YAML gives one, else the plan's."""
    own = TaskSchedule.model_validate(task.schedule or {})
    return own.reminders or schedule.reminders


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class PolicyStore:
    """Policy versions of one plan: stored on first use, looked up by id."""

    def __init__(self, session: Session, plan: Plan):
        self.session, self.plan = session, plan
        self.by_id: dict[int, ReminderPolicy] = {}
        self.ids: dict[str, int] = {}

    def id_for(self, policy: ReminderPolicy) -> int:
        body = policy.model_dump(mode="json")
        digest = _digest(body)
        if not self.ids:  # the plan's versions so far: loaded with other plans', or in one query
            known = self.session.info.get("policy_versions", {})
            self.ids.update(known[self.plan.id] if self.plan.id in known else self.session.exec(
                select(ReminderPolicyVersion.digest, ReminderPolicyVersion.id)
                .where(ReminderPolicyVersion.plan_id == self.plan.id)).all())
        if digest not in self.ids:
            insert = insert_for(self.session)
            self.session.connection().execute(
                insert(ReminderPolicyVersion.__table__).values(plan_id=self.plan.id, digest=digest, body=body)
                .on_conflict_do_nothing(index_elements=["plan_id", "digest"]))  # a concurrent run may have it
            self.ids[digest] = self.session.exec(select(ReminderPolicyVersion.id).where(
                ReminderPolicyVersion.plan_id == self.plan.id, ReminderPolicyVersion.digest == digest)).one()
        self.by_id.setdefault(self.ids[digest], policy)
        return self.ids[digest]

    def policy(self, policy_id: int | None, fallback: ReminderPolicy) -> ReminderPolicy:
        """The stored version; obligations opened before versions were kept use `fallback`."""
        if policy_id is None:
            return fallback
        if policy_id not in self.by_id:
            body = self.session.get(ReminderPolicyVersion, policy_id).body
            self.by_id[policy_id] = ReminderPolicy.model_validate(body)
        return self.by_id[policy_id]


def preload_policy_versions(session: Session, plan_ids: list[str]) -> None:
    """These plans' stored policy versions in one query, for the openings of this session."""
    known: dict[str, dict[str, int]] = {plan_id: {} for plan_id in plan_ids}
    for plan_id, digest, version_id in session.exec(
            select(ReminderPolicyVersion.plan_id, ReminderPolicyVersion.digest, ReminderPolicyVersion.id)
            .where(ReminderPolicyVersion.plan_id.in_(plan_ids))):
        known[plan_id][digest] = version_id
    session.info.setdefault("policy_versions", {}).update(known)


def reapply(session: Session, plan_id: str, actor: str) -> int:
    """Open obligations of the plan take their task's current policy. Returns how many moved."""
    plan = session.get(Plan, plan_id)
    schedule = ScheduleSpec.model_validate(plan.schedule or {})
    store = PolicyStore(session, plan)
    moved = 0
    for task in session.exec(select(Task).where(Task.plan_id == plan_id)):
        new_id = store.id_for(task_policy(task, schedule))
        moved += session.connection().execute(
            update(Obligation).where(Obligation.task_id == task.id,
                                     Obligation.status.in_([s.value for s in NOT_CLOSED]),
                                     Obligation.policy_id.is_distinct_from(new_id))
            .values(policy_id=new_id)).rowcount
    if moved:
        session.add(Event(kind="policy_reapplied", actor=actor, plan_id=plan_id, after={"obligations": moved}))
    return moved
