"""`dondoc demo`: the newcomer's first run, on a SQLite file and the shipped Bình Định files.

Today it loads the shipped plan and directory and shows what dondoc will chase.
Later capabilities (opening obligations, the Telegram stand-in, chasing, digests)
extend this same command.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import case, func
from sqlmodel import Session, select

from models.apply import apply_plan
from models.db import make_engine, upgrade
from models.org import load_directory
from models.tables import Area, Assignment, Task
from models.validate import validate_plan


def matrix_summary(session: Session, plan_id: str) -> list[tuple]:
    """Per area: tasks, lead assignments (who is chased) and coordinating ones."""
    lead = func.sum(case((Assignment.role == "lead", 1), else_=0))
    coordinating = func.sum(case((Assignment.role == "coordinating", 1), else_=0))
    query = (select(Area.code, Area.title, func.count(func.distinct(Task.id)), lead, coordinating)
             .join(Task, (Task.plan_id == Area.plan_id) & (Task.area_code == Area.code))
             .join(Assignment, Assignment.task_id == Task.id, isouter=True)
             .where(Area.plan_id == plan_id, Task.active)
             .group_by(Area.code, Area.title).order_by(Area.code))
    return list(session.exec(query))


def run_demo(console: Console, database: Path, plan: Path, org: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    directory = load_directory(org)
    report = validate_plan(plan, directory)
    changes = apply_plan(engine, plan, directory, actor="cli:demo")
    console.print(f"[bold]{report.spec.plan.number}[/] {report.spec.plan.title}")
    console.print(f"database {database}: {len(changes)} change(s) applied")
    table = Table("area", "title", "tasks", "lead units", "coordinating units", title="Responsibility matrix")
    with Session(engine) as session:
        for code, title, tasks, lead, coordinating in matrix_summary(session, report.spec.plan.id):
            table.add_row(code, title, str(tasks), str(lead or 0), str(coordinating or 0))
    console.print(table)
    if report.needs_decision:
        console.print(f"[yellow]tasks waiting for an admin to set their schedule:[/] {', '.join(report.needs_decision)}")
