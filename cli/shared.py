"""What the commands share: the consoles, the common options, and one way each to fail,
to reach the database, to read a directory and to check what was typed."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import json
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from models.common.problems import InputError, Problem


SHOWN = 20  # lines of one kind a command prints before counting the rest


DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def parse_day(value) -> dt.datetime:
    """A day as officials write it (31/10/2019) or as ISO (2019-10-31); a wrong one is one line
    in words: "31/02/2019" is no day (February 2019 has 28)."""
    if isinstance(value, dt.datetime):
        return value
    text = str(value).strip()
    parts = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text) or re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if parts is None:
        raise typer.BadParameter(f'"{text}" is not a day: write it as 31/10/2019 (or 2019-10-31)')
    day, month, year = (int(parts[1]), int(parts[2]), int(parts[3])) if "/" in text else \
        (int(parts[3]), int(parts[2]), int(parts[1]))
    try:
        return dt.datetime(year, month, day)
    except ValueError:
        why = (f"there is no month {month}" if not 1 <= month <= 12 else
               f"{calendar.month_name[month]} {year} has {calendar.monthrange(year, month)[1]} days")
        raise typer.BadParameter(f'"{text}" is no day: {why}') from None


out = Console(soft_wrap=True)  # a message stays one line, whatever the terminal width


err = Console(stderr=True, soft_wrap=True)


OrgOption = typer.Option(None, "--org", envvar="DONDOC_ORG", metavar="PATH",
                         help="Org directory YAML (default: the one DONDOC_ORG names, if set).")


CalendarOption = typer.Option(None, "--calendar", help="Working-calendar YAML (swapped days); default: the "
                              "installation's ($DONDOC_HOME/plans/calendar/vn.yaml, else the shipped one).")


PlanIdOption = typer.Option(..., "--plan", help="Plan id, as in the plan YAML.")


def _period_words(value: str | None) -> str | None:
    from models.calendar.periods import period_id
    return period_id(value) if value else value


# A period as an id (2019-Q3) or as officials write it ("Quý III/2019", "6 tháng đầu năm 2026").
PeriodOption = typer.Option(None, "--period", callback=_period_words,
                            help='One period: 2019-Q3 or "Quý III/2019", 2019-H1 or "6 tháng đầu năm 2019", '
                                 '2019-07 or "tháng 7/2019", 2019 or "năm 2019".')


def print_problems(problems: list[Problem], style: str, label: str) -> None:
    for problem in problems:
        err.print(f"[{style}]{label}[/] {problem}", highlight=False, markup=True, soft_wrap=True)


def directory_if_named(path: Path | None):
    """The installation's directory when --org or DONDOC_ORG names one (the dashboard reads and
    applies imported plans against it); None when neither does; a named file that cannot be
    read stops the command."""
    return directory_or_exit(path) if path is not None else None


def directory_or_exit(path: Path | None):
    from models.org.directory import load_directory

    if path is None:  # no province's directory is assumed: the admin names theirs
        fail("no org directory: give --org FILE (e.g. --org plans/org/gia-lai.yaml), "
              "or set DONDOC_ORG to your installation's directory")
    try:
        return load_directory(path)
    except InputError as exc:
        print_problems(exc.problems, "red", "error")
        raise typer.Exit(1) from None


@contextmanager
def clean_exit():
    """A bad calendar file, plan, task or period ends the command with its message, exit 1."""
    from models.engine.opening import OpeningError

    try:
        yield
    except InputError as exc:
        print_problems(exc.problems, "red", "error")
        raise typer.Exit(1) from None
    except OpeningError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(1) from None


def check_day(option: str, day: dt.datetime | None) -> None:
    from models.calendar.periods import YEARS

    if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
        err.print(f"[red]error[/] {option} {day:%Y-%m-%d}: the year must be {YEARS[0]}-{YEARS[1]}")
        raise typer.Exit(2)


def check_span(start: dt.datetime | None, end: dt.datetime | None) -> None:
    """Both days within the years dondoc counts, and --from not after --to."""
    check_day("--from", start)
    check_day("--to", end)
    if start is not None and end is not None and start > end:
        err.print(f"[red]error[/] --from {start:%d/%m/%Y} is after --to {end:%d/%m/%Y}: nothing lies between them")
        raise typer.Exit(2)


def check_plan(session, plan: str):
    """The plan's row; exit 1 with one line when the database has no such plan."""
    from sqlmodel import select

    from models.common.text import did_you_mean
    from models.store.tables import Plan

    row = session.get(Plan, plan)
    if row is None:
        fail(f'no plan "{plan}" in the database{did_you_mean(plan, session.exec(select(Plan.id)).all())} '
             "(apply it first)")
    return row



def check_period(session, plan: str, period: str | None) -> None:
    """A report or digest of a period the plan has obligations in; else say which it has."""
    from models.report.dashboard import plan_periods

    if period is None:
        return
    periods = plan_periods(session, plan)
    if period not in periods:
        shown = ", ".join(periods[-12:]) or "none opened yet"
        err.print(f'[red]error[/] --period "{period}": {plan} has no obligations in it (its periods: {shown})')
        raise typer.Exit(1)


def resolve_unit(session, unit: str) -> str:
    """A unit id as typed ("xa-21550" or "binh-dinh/xa-21550") → its full id; exit 1 if unknown."""
    try:
        return find_unit(session, unit)
    except ValueError as exc:
        err.print(f"[red]error[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


def refuse_overwrite(output: Path, force: bool) -> None:
    if output.exists() and not force:
        fail(f"{output} exists (perhaps edited by hand): choose another name, or --force")


def fail(message: str) -> None:
    err.print(f"[red]error[/] {message}", highlight=False)
    raise typer.Exit(1)


def database(create: bool = False):
    """The configured database, its schema brought up to date first. A SQLite file that is not
    there is an error (a mistyped path must not become a new, empty database), unless the
    command is one that makes databases (`plan apply`, `org apply`, `db upgrade`)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from models.store.db import database_url, make_engine, upgrade

    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).resolve()
        if not path.parent.is_dir():
            fail(f"database {path}: folder {path.parent} does not exist (DONDOC_DATABASE_URL)")
        if not create and not path.exists():
            fail(f"no database at {path}: apply a plan first (dondoc plan apply …), or point DONDOC_DATABASE_URL "
                  f"at yours (the demo's: sqlite:///{Path('var/demo.db').resolve()})")
    engine = make_engine()
    try:
        upgrade(engine)
    except OperationalError as exc:  # a server that is down, a wrong password: one line, no traceback
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        fail(f"cannot reach the database {url.render_as_string(hide_password=True)}: {reason} (DONDOC_DATABASE_URL)")
    return engine


def parse_date(text: str, option: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    err.print(f"[red]error[/] {option} {text}: expected a date as YYYY-MM-DD or dd/mm/yyyy")
    raise typer.Exit(1)


def warn_unannounced(calendar, first: dt.date, last: dt.date) -> None:
    """Say so when deadlines between these days are worked out on a year whose days off the
    Government has not announced yet."""
    if note := calendar.unannounced_note(first, last):
        err.print(f"[yellow]warning[/] {note}", highlight=False)


def make_opener(session, plan_id: str, calendar: Path):
    from models.engine.opening import Opener
    from models.calendar.workcal import load_calendar

    return Opener(session, plan_id, load_calendar(calendar), actor="cli")


def print_changes(path: Path, changes: list, dry_run: bool, as_json: bool = False) -> None:
    """What apply changed (or would): counts per kind of row and action, then the changes,
    alike ones on one line (up to SHOWN lines); --json gives every change."""
    from models.engine.apply import as_json as changes_json
    from models.engine.apply import lines, plural, summary

    if as_json:
        print(json.dumps({"file": str(path), "dry_run": dry_run, **changes_json(changes)}, ensure_ascii=False,
                         indent=2))
        return
    if not changes:
        out.print(f"{path}: already up to date")
        return
    verb = "would change (dry run: nothing changed)" if dry_run else "changed"
    out.print(f"{path}: {verb}:", highlight=False)
    for subject, actions in summary(changes).items():
        counts = " · ".join(f"{n} {action}" for action, n in actions.items())
        out.print(f"  {plural(subject):<18} {counts}", highlight=False)
    out.print("in detail:")
    described = lines(changes)
    for line in described[:SHOWN]:
        out.print(f"  {line}", highlight=False)
    if len(described) > SHOWN:
        out.print(f"  … {len(described) - SHOWN} more line(s) (every change: --json)", highlight=False)


def find_unit(session, unit: str) -> str:
    from sqlmodel import select

    from models.store.tables import Unit

    matches = session.exec(select(Unit.id).where((Unit.id == unit) | Unit.id.endswith("/" + unit))).all()
    if not matches:
        from models.common.text import did_you_mean

        ids = session.exec(select(Unit.id)).all()
        hint = did_you_mean(unit, [*ids, *(i.split("/", 1)[-1] for i in ids)])
        raise ValueError(f'unit: no unit "{unit}"{hint}')
    if len(matches) > 1:
        raise ValueError(f'unit: more than one unit "{unit}": {", ".join(matches)}')
    return matches[0]
