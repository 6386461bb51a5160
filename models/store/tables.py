"""The database schema, declared once. Alembic migrations are generated from it.

Times are stored in UTC and come back timezone-aware on SQLite and PostgreSQL
alike; show them in Asia/Ho_Chi_Minh at the edges.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from models.common.clock import utcnow  # noqa: F401  (the schema's defaults; imported from here too)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware times only")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _time(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


# --- the org directory -----------------------------------------------------------

class Unit(SQLModel, table=True):
    # "<directory id>/<unit id>": one database can hold many provinces' directories.
    id: str = Field(primary_key=True, max_length=80)
    directory_id: str = Field(max_length=80, index=True)
    name: str
    level: str = Field(max_length=32)
    parent_id: str | None = Field(default=None, foreign_key="unit.id")
    gso_code: int | None = None
    aliases: list[str] | None = _json()
    active: bool = True  # False once the directory no longer lists it; history keeps it
    # Who answers for it from successor_on: successor_id (merged into, renamed to, or the part
    # of a split that takes over), successors_also (the rest of a split), or nobody (dissolved:
    # successor_on set, successor_id empty, succession_note the reason).
    successor_id: str | None = Field(default=None, foreign_key="unit.id", max_length=80)
    successor_on: dt.date | None = Field(default=None, index=True)
    successors_also: list[str] | None = _json()
    succession_share: str | None = Field(default=None, max_length=8)  # "one" or "all"
    succession_note: str | None = None
    succession_by: str | None = Field(default=None, max_length=80)  # the directory that states it


class UnitClass(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=80)
    directory_id: str = Field(max_length=80, index=True)
    name: str
    level: str | None = Field(default=None, max_length=32)


class ClassMember(SQLModel, table=True):
    class_id: str = Field(foreign_key="unitclass.id", primary_key=True, max_length=80)
    unit_id: str = Field(foreign_key="unit.id", primary_key=True, max_length=80)


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("unit_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", max_length=80, index=True)
    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    head: bool = False
    channels: list[str] | None = _json()  # the order the person chose; None: the default order


# --- plans and their matrix ------------------------------------------------------

class Plan(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=80)
    number: str
    title: str
    issued_by: str
    issued_on: dt.date
    coordinator_unit_id: str = Field(foreign_key="unit.id", max_length=80)
    directory_id: str = Field(max_length=80)
    schedule: dict | None = _json()  # the plan's ScheduleSpec: basis, due rule, ...
    content_hash: str = Field(max_length=64)  # of the plan YAML last applied
    # The plan this one implements (a district's plan under the province's); not a foreign
    # key: a district may apply its plan before the province's is in this database.
    parent_plan_id: str | None = Field(default=None, max_length=80, index=True)
    applied_at: dt.datetime | None = _time()
    # Counts the applies that changed the plan's lead assignments (what an opening joins with).
    leads_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Area(SQLModel, table=True):
    plan_id: str = Field(foreign_key="plan.id", primary_key=True, max_length=80)
    code: str = Field(primary_key=True, max_length=20)
    title: str
    serves: str | None = Field(default=None, max_length=160)  # the outcome index it moves: "PAPI: Công khai, minh bạch"


class Task(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", max_length=80, index=True)
    code: str = Field(max_length=20)  # "1.1", as the plan numbers it
    area_code: str | None = Field(default=None, max_length=20)
    text: str
    timing_phrase: str = ""  # verbatim from the plan
    timing_kind: str = Field(max_length=20)
    timing_due: str | None = Field(default=None, max_length=5)  # "dd/mm" of an annual task
    timing_date: dt.date | None = None
    timing_start: dt.date | None = None
    timing_end: dt.date | None = None
    schedule: dict | None = _json()  # the task's TaskSchedule overrides, if any
    evidence_required: bool = False  # "Done" needs a file of proof first
    target: dict | None = _json()  # the plan's TargetSpec, if the task is measured
    implements: str | None = Field(default=None, max_length=20)  # the parent plan's task code
    active: bool = True  # False once the plan drops the task
    added_on: dt.date | None = None  # set when a later apply adds it: opens from the next period
    # A further part of a compound timing cell ("Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài
    # chính"), or a multi-year window's yearly progress report: a task of its own, coded "<task>-BC…",
    # with the same units; part_of is the task's code.
    part_of: str | None = Field(default=None, max_length=20)
    report_to: str | None = None  # "… báo cáo về Sở Tài chính": where the report goes
    partners: list | None = _json()  # coordinating parties outside the directory, as the plan names them


class Assignment(SQLModel, table=True):
    """Who answers for a task: lead units are chased, coordinating units informed."""
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", max_length=80, index=True)
    role: str = Field(max_length=12)  # "lead" or "coordinating"
    phrase: str  # the plan's words that named it: "UBND cấp xã"
    since: dt.date | None = None  # joined the class the phrase names after the plan was applied: asked
    #                               from the next period on (None: from the plan's start)


# --- what later capabilities fill ------------------------------------------------

class Obligation(SQLModel, table=True):
    """One unit's duty for one task in one period."""
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: str = Field(foreign_key="unit.id", max_length=80, index=True)
    period: str = Field(max_length=32, index=True)  # "2019-Q3", "2019", "once", "event-2019-08-01"
    status: str = Field(default="open", max_length=24, index=True)
    starts_on: dt.date  # when the duty began: the period's first day, the event's day
    opened_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # when dondoc opened it
    due_at: dt.datetime | None = _time()  # the deadline in force (a check-in date if no_deadline)
    original_due_at: dt.datetime | None = _time()  # before any extension
    no_deadline: bool = False  # "Thường xuyên": a check-in, never overdue
    done_at: dt.datetime | None = _time()
    progress: int | None = None  # percent
    value: float | None = None  # the measured value reported against the task's target
    requested_due_at: dt.datetime | None = _time()  # an extension asked for, waiting
    note: str | None = None  # the latest reason: why blocked, why an extension
    # The reminder policy it was opened with: a later edit of the plan's policy applies to
    # new obligations, and to open ones only when an admin re-applies it.
    policy_id: int | None = Field(default=None, foreign_key="reminderpolicy.id")


class ReminderPolicyVersion(SQLModel, table=True):
    """One version of a plan's (or a task's) reminder policy, stored once and shared by
    every obligation opened under it."""
    __tablename__ = "reminderpolicy"
    __table_args__ = (UniqueConstraint("plan_id", "digest"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", max_length=80)
    digest: str = Field(max_length=64)  # sha256 of the body: the same policy is one row
    body: dict | None = _json()


class OpeningRun(SQLModel, table=True):
    """An opening that completed, and the version of the matrix it saw. A repeat of the
    same opening with no plan or directory applied since has nothing to create."""
    plan_id: str = Field(foreign_key="plan.id", primary_key=True, max_length=80)
    what: str = Field(primary_key=True, max_length=80)  # "period 2019-Q3", "as of 2019-08-01", ...
    matrix_version: int  # the newest plan_applied event id at the time
    # A digest of what its insert depended on (the tasks' rows, the plan's live lead units): a
    # re-run after a change elsewhere finds it equal and creates nothing without trying.
    inputs: str | None = Field(default=None, max_length=64)


class Event(SQLModel, table=True):
    """The audit trail: every change, who made it and from where. Never rewritten."""
    __table_args__ = (Index("ix_event_obligation_at", "obligation_id", "at"), Index("ix_event_kind_plan", "kind", "plan_id"))
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    kind: str = Field(max_length=40)
    actor: str  # "cli:admin", "telegram:<chat id>", "flow:chase"
    plan_id: str | None = Field(default=None, max_length=80, index=True)
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id", index=True)
    before: dict | None = _json()
    after: dict | None = _json()
    note: str | None = None
    # An obligation's state just before this change (lifecycle events only): the state at any
    # past instant is the `was_*` of its first change after that instant (models.engine.asof).
    was_status: str | None = Field(default=None, max_length=24)
    was_unit_id: str | None = Field(default=None, max_length=80)
    was_due_at: dt.datetime | None = _time()
    was_done_at: dt.datetime | None = _time()


# --- Telegram -------------------------------------------------------------------

class Invitation(SQLModel, table=True):
    """A single-use, expiring deep link (t.me/<bot>?start=<token>) for one unit contact.
    Only the token's SHA-256 is stored."""
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    unit_id: str = Field(foreign_key="unit.id", max_length=80)
    contact: str
    role: str = Field(default="assignee", max_length=16)  # "assignee" or "coordinator"
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = _time()
    used_by_chat: int | None = Field(default=None, sa_type=BigInteger)
    channel: str = Field(default="telegram", max_length=12)  # what the redeemed link is on
    address: str | None = Field(default=None, max_length=254)  # an e-mail invitation's address


class ChatLink(SQLModel, table=True):
    """A way to reach a person (or a group) who speaks for a unit: a Telegram chat, or an
    e-mail address (channel "email", the address in `address`)."""
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # Telegram's chat id
    channel: str = Field(default="telegram", max_length=12)
    address: str | None = Field(default=None, max_length=254)  # an e-mail address (other channels)
    unit_id: str = Field(foreign_key="unit.id", max_length=80, index=True)
    contact: str
    role: str = Field(default="assignee", max_length=16)
    lang: str = Field(default="vi", max_length=2)
    active: bool = True
    linked_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    unlinked_at: dt.datetime | None = _time()
    awaiting: dict | None = _json()  # the question the bot asked and waits an answer to
    dead_reason: str | None = None  # Telegram refused for good (blocked, chat not found): stop sending


class Evidence(SQLModel, table=True):
    """A file an assignee sent as proof; stored by content (sha256)."""
    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    sha256: str = Field(max_length=64)
    size: int
    file_name: str
    mime_type: str | None = None
    uploaded_by: str
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReminderSent(SQLModel, table=True):
    """A reminder stage already put in the outbox for an obligation: planned once."""
    obligation_id: int = Field(foreign_key="obligation.id", primary_key=True)
    stage: str = Field(primary_key=True, max_length=40)  # "T-3", "overdue-2", "escalate-head", ...
    outbox_key: str = Field(max_length=200)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DigestRun(SQLModel, table=True):
    """A digest made for a plan: its counts, so the next one can say what changed."""
    __table_args__ = (UniqueConstraint("plan_id", "label"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", max_length=80, index=True)
    kind: str = Field(max_length=16)  # "weekly", "period-end", "manual"
    label: str = Field(max_length=40)  # "2019-W33", "2019-Q3": one digest per label and plan
    made_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    totals: dict | None = _json()


class SeenUpdate(SQLModel, table=True):
    """Telegram update ids already handled: a redelivered update is handled once."""
    update_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Outbox(SQLModel, table=True):
    """Every message that leaves, written in the transaction that causes it.

    pending → sending (committed just before the call to Telegram) → sent | failed;
    a row found `sending` after a crash may or may not have gone: it becomes `uncertain`
    and is shown to the coordinator, never resent blindly."""
    # sending_at and sent_at: a claim asks what left within the last window, of a history kept for years
    __table_args__ = (Index("ix_outbox_chat_sending", "chat_id", "sending_at"), Index("ix_outbox_sending_at", "sending_at"),
                      Index("ix_outbox_sent_at", "sent_at"))
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    chat_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # Telegram: supergroup ids exceed 32 bits
    channel: str = Field(default="telegram", max_length=12)  # which transport carries it
    address: str | None = Field(default=None, max_length=254)  # where, on channels other than Telegram
    kind: str = Field(default="message", max_length=24)
    payload: dict | None = _json()  # {"text", "parse_mode", "reply_markup"}
    state: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    not_before: dt.datetime | None = _time()  # a retry_after or a backoff
    sending_at: dt.datetime | None = _time()
    claimed_by: str | None = Field(default=None, max_length=80)
    sent_at: dt.datetime | None = _time()
    message_id: int | None = None
    provider_id: str | None = Field(default=None, max_length=80, index=True)  # the gateway's id (eSMS SMSID)
    last_error: str | None = None
    emptied_at: dt.datetime | None = _time()  # its text removed after the retention period


# --- the web dashboard ---------------------------------------------------------------

class WebLogin(SQLModel, table=True):
    """A single-use sign-in link, valid minutes. Only the token's SHA-256 is stored."""
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    unit_id: str = Field(foreign_key="unit.id", max_length=80)
    contact: str
    role: str = Field(max_length=16)  # "coordinator", "viewer" or "assignee"
    issued_by: str  # "telegram:<chat id>", "cli"
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = _time()


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    unit_id: str = Field(foreign_key="unit.id", max_length=80)
    contact: str
    role: str = Field(max_length=16)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    ended_at: dt.datetime | None = _time()
    # SHA-256 of the signed e-mail/SMS link that opened it: such a link signs in once
    link_signature: str | None = Field(default=None, unique=True, max_length=64)


class OutcomeIndex(SQLModel, table=True):
    """A published score of the province on an index a plan exists to move (PAPI and its
    dimensions, PAR INDEX, SIPAS), one year at a time."""
    __table_args__ = (UniqueConstraint("directory_id", "name", "dimension", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    directory_id: str = Field(max_length=80, index=True)  # the province
    name: str = Field(max_length=40)  # "PAPI", "PAR INDEX", "SIPAS"
    dimension: str = Field(default="", max_length=120)  # "" for the index itself
    year: int
    score: float
    scale: float | None = None  # the highest score possible (PAPI: 80; PAR INDEX, SIPAS: 100)
    rank: int | None = None
    rank_of: int | None = None  # how many provinces were ranked
    source: str  # the document that published it


# --- importing a plan on the dashboard -------------------------------------------

class ImportDraft(SQLModel, table=True):
    """A plan's document uploaded for review: the draft the importer made of it, with what it
    was unsure of, corrected on the dashboard until it is right."""
    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    created_by: str
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    plan: dict | None = _json()  # the plan YAML's content, as the importer made it and people corrected it
    notes: list | None = _json()  # [{line, field, message}]: what to review, and why


class ImportCorrection(SQLModel, table=True):
    """A person's correction of a draft's cell, kept for the file's name: importing a corrected
    version of the same plan keeps it."""
    __table_args__ = (UniqueConstraint("file_name", "task_id", "field"),)
    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=255)
    task_id: str = Field(max_length=80)
    field: str = Field(max_length=40)
    value: dict | None = _json()  # {"value": …}
    by: str
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TimingDecision(SQLModel, table=True):
    """An admin's decision for a task whose timing cell sets no schedule ("Theo Kế hoạch riêng",
    "Theo quy định tại …"): a schedule of its own, or the plan that tracks it. Kept apart from
    the plan's file, so applying the plan again keeps it."""
    __table_args__ = (UniqueConstraint("plan_id", "task_code"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", max_length=80, index=True)
    task_code: str = Field(max_length=20)
    timing: dict | None = _json()  # {kind, date, due, start, end}: the schedule decided
    linked_plan: str | None = Field(default=None, max_length=80)  # or: the plan that tracks this task
    by: str
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportExport(SQLModel, table=True):
    """A report file asked for on the dashboard. Made in the background, in a process of its
    own (a whole plan's PDF takes a minute or more), and kept a day for whoever asked."""
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="websession.id", index=True)  # who asked, and so what they may see
    plan_id: str = Field(max_length=80)
    query: str = Field(sa_type=Text)  # the dashboard's filters, as its address carried them (each field capped)
    fmt: str = Field(max_length=8)  # xlsx, pdf, docx
    state: str = Field(default="queued", max_length=16)  # queued, running, done, failed
    stage: str | None = Field(default=None, max_length=16)  # while running: gathering, rendering
    rows: int | None = None  # the report's rows, once gathered
    error: str | None = Field(default=None, max_length=40)  # why it failed, as a key of the pages' words
    runner: str | None = Field(default=None, max_length=120)  # host:pid of the process that took it
    requested_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    started_at: dt.datetime | None = _time()
    finished_at: dt.datetime | None = _time()
    file_name: str | None = Field(default=None, max_length=255)
    content: bytes | None = Field(default=None, sa_type=LargeBinary)
