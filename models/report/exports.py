"""Report files made in the background: asked for on the dashboard, queued in the database,
made one at a time in a process of their own (web/exports.py runs them), kept a day
(models.access.retention).

A whole plan's PDF lays out thousands of rows and takes a minute or more; made inside a
request it held a worker and slowed every other page. Here the request only records what
was asked (the filters and the web session, so the file shows exactly what its requester
may see), and the page that follows shows how far the making has come.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import parse_qsl

from sqlalchemy import Engine, update
from sqlmodel import Session, func, select

from models.access.weblogin import viewer_of
from models.common.clock import utcnow
from models.report import dashboard
from models.store.tables import ReportExport, WebSession

FORMATS = ("xlsx", "pdf", "docx")
UNFINISHED = ("queued", "running")


def request_export(session: Session, session_id: int, plan_id: str, query: str, fmt: str) -> ReportExport:
    """Queue a report, or return the same one already on its way (a second click is not a
    second minute of work)."""
    waiting = session.exec(select(ReportExport).where(
        ReportExport.session_id == session_id, ReportExport.plan_id == plan_id, ReportExport.query == query,
        ReportExport.fmt == fmt, ReportExport.state.in_(UNFINISHED))).first()
    if waiting is not None:
        return waiting
    job = ReportExport(session_id=session_id, plan_id=plan_id, query=query, fmt=fmt)
    session.add(job)
    session.flush()
    return job


def _of_person(query, unit_id: str, contact: str):
    """Only what this person asked for, in this sign-in or an earlier one."""
    return query.join(WebSession, WebSession.id == ReportExport.session_id).where(
        WebSession.unit_id == unit_id, WebSession.contact == contact)


def export_of(session: Session, unit_id: str, contact: str, export_id: int) -> ReportExport | None:
    """An export, if this person asked for it."""
    return session.exec(_of_person(select(ReportExport), unit_id, contact).where(ReportExport.id == export_id)).first()


def recent(session: Session, unit_id: str, contact: str) -> list[ReportExport]:
    """What this person asked for and is still kept, newest first (without the files)."""
    from sqlalchemy.orm import defer

    return list(session.exec(_of_person(select(ReportExport).options(defer(ReportExport.content)), unit_id, contact)
                             .order_by(ReportExport.id.desc()).limit(20)))


def progress(session: Session, job: ReportExport) -> tuple[int, int, int]:
    """(seconds since it was taken, or until it was done; reports to be made before it; the
    file's size in bytes, once made)."""
    since = job.started_at or job.requested_at
    seconds = int(((job.finished_at or utcnow()) - since).total_seconds())
    ahead = ahead_of(session, job) if job.state == "queued" else 0
    return seconds, ahead, len(job.content) if job.content else 0


def ahead_of(session: Session, job: ReportExport) -> int:
    """How many reports will be made before this queued one."""
    return session.exec(select(func.count()).select_from(ReportExport).where(
        ReportExport.state.in_(UNFINISHED), ReportExport.id < job.id)).one()


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_next(session: Session, runner: str) -> int | None:
    """Take the oldest queued report for this runner; None when the queue is empty. The
    update is conditional, so two runners never take the same one."""
    while True:
        next_id = session.exec(select(ReportExport.id).where(ReportExport.state == "queued")
                               .order_by(ReportExport.id).limit(1)).first()
        if next_id is None:
            return None
        taken = session.exec(update(ReportExport).where(ReportExport.id == next_id, ReportExport.state == "queued")
                             .values(state="running", runner=runner, started_at=utcnow(), stage=None)).rowcount
        session.commit()
        if taken:
            return next_id


def requeue_orphans(session: Session) -> int:
    """Reports left running by a process of this machine that is gone (stopped, killed)
    go back to the queue, so a restart loses no request."""
    host = socket.gethostname()
    orphans = [job for job in session.exec(select(ReportExport).where(ReportExport.state == "running"))
               if _gone(job.runner, host)]
    for job in orphans:
        job.state, job.runner, job.stage, job.started_at = "queued", None, None, None
    session.commit()
    return len(orphans)


def _gone(runner: str | None, host: str) -> bool:
    name, _, pid = (runner or "").rpartition(":")
    if name != host or not pid.isdigit():
        return False  # another machine's: it answers for its own
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def give_back(session: Session, export_id: int) -> None:
    """A report whose making was stopped (the dashboard shutting down) waits for the next start."""
    session.exec(update(ReportExport).where(ReportExport.id == export_id, ReportExport.state == "running")
                 .values(state="queued", runner=None, stage=None, started_at=None))
    session.commit()


def fail_unfinished(session: Session, export_id: int, reason: str) -> None:
    """The process making a report ended without finishing it (killed, out of memory)."""
    session.exec(update(ReportExport).where(ReportExport.id == export_id, ReportExport.state == "running")
                 .values(state="failed", error=reason, finished_at=utcnow()))
    session.commit()


def produce(engine: Engine, export_id: int) -> None:
    """Make one claimed report: gather its rows as its requester may see them, then write the
    file. Each stage is committed, so the waiting page can say where it is."""
    from models.report.period import build_report, narrowed, report_file_name, report_pdf, report_xlsx
    from models.report.word import report_docx

    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ReportExport, export_id)
        web_session = session.get(WebSession, job.session_id)
        if web_session is None or web_session.ended_at is not None:
            return _finish(session, job, error="export_signed_out")
        viewer = viewer_of(session, web_session)
        if not viewer.sees_plan(job.plan_id):
            return _finish(session, job, error="export_not_visible")
        _stage(session, job, "gathering")
        filters = dashboard.Filters.from_query(dict(parse_qsl(job.query)))
        at = utcnow()
        report = build_report(session, job.plan_id, at, period=filters.period or None, unit_id=viewer.unit_only)
        report = narrowed(report, dashboard.filtered_ids(session, viewer, filters, at))
        _stage(session, job, "rendering", rows=len(report.rows))
        write = {"xlsx": report_xlsx, "pdf": report_pdf, "docx": report_docx}[job.fmt]
        content = write(report)
        job.file_name = f"{report_file_name(job.plan_id, filters.period or None, at)}.{job.fmt}"
        _finish(session, job, content=content)


def _stage(session: Session, job: ReportExport, stage: str, rows: int | None = None) -> None:
    job.stage, job.rows = stage, rows if rows is not None else job.rows
    session.commit()


def _finish(session: Session, job: ReportExport, content: bytes | None = None, error: str | None = None) -> None:
    job.state, job.error, job.content, job.stage = ("failed" if error else "done"), error, content, None
    job.finished_at = utcnow()
    session.commit()


def produce_in_child(url: str, export_id: int) -> None:
    """The entry point of the process that makes one report (spawned: nothing of the web
    process's state, threads or connections comes with it)."""
    from models.store.db import make_engine

    engine = make_engine(url)
    try:
        produce(engine, export_id)
    finally:
        engine.dispose()
