"""Running dondoc: `serve`, `open`, `event record`, `db upgrade`, `calendar show`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.table import Table

from cli.paths import DEFAULT_CALENDAR, DEMO_ORG, DEMO_PLAN, ROOT
from cli.shared import (CalendarOption, parse_day, OrgOption, PeriodOption, PlanIdOption, check_day, clean_exit, database,
                        directory_if_named, err, fail, make_opener, out, refuse_overwrite, warn_unannounced)

commands = typer.Typer()  # commands at the top level: dondoc running
event_app = typer.Typer(no_args_is_help=True, help="Events that open on_event tasks.")
db_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="The database schema.")
calendar_app = typer.Typer(no_args_is_help=True, help="The working calendar.")


@commands.command()
def demo(
    database: Path = typer.Option(ROOT / "var" / "demo.db", help="SQLite file for the demo."),
    year: int = typer.Option(2019, "--year", help="2019: the plan's third quarter of 2019; 2026: the plan "
                                                  "crossing 1 July 2025 into today's Gia Lai, then 2026-Q1."),
    web: bool = typer.Option(False, "--web", help="Then serve the dashboard on the demo's database and print a "
                                                  "sign-in link for the coordinator (Ctrl+C stops it)."),
    port: int = typer.Option(8080, "--port", help="The dashboard's port with --web."),
) -> None:
    """The main job on the shipped Bình Định plan, with no server and no token: a quarter
    replayed day by day, simulated contacts answering the bot, and the coordinator's digest."""
    from cli.demo import SCENARIOS, run_demo

    if year not in SCENARIOS:
        err.print(f"[red]error[/] --year {year}: expected one of {', '.join(map(str, SCENARIOS))}")
        raise typer.Exit(1)
    run_demo(out, database, DEMO_PLAN, DEMO_ORG, DEFAULT_CALENDAR, year, ROOT / "plans" / "org" / "gia-lai.yaml")
    coordinator = SCENARIOS[year].coordinator_unit
    if not web:
        out.print(f"\nOn the dashboard: [bold]uv run dondoc demo --web[/] (the demo again, then the dashboard on "
                  f"http://127.0.0.1:{port}/ with a sign-in link as the coordinator of {coordinator})")
        return
    _demo_dashboard(database, coordinator, port)


def _demo_dashboard(database: Path, coordinator: str, port: int) -> None:
    """The dashboard on the demo's database, signed in as its coordinator by a printed link."""
    import os

    import uvicorn

    from models.access.signed import login_url
    from models.org.directory import load_directory
    from models.store.db import make_engine
    from web.app import create_app

    os.environ.setdefault("DONDOC_WEB_URL", f"http://127.0.0.1:{port}")
    engine = make_engine(f"sqlite:///{database}")
    out.print(f"\ndashboard on http://127.0.0.1:{port}/ — sign in as the coordinator (single use, 10 minutes):\n"
              f"{login_url(demo_sign_in(engine, coordinator))}\n(Ctrl+C stops it)", highlight=False)
    uvicorn.run(create_app(engine, database.parent / "evidence", directory=load_directory(DEMO_ORG)),
                host="127.0.0.1", port=port, log_level="warning")


def demo_sign_in(engine, coordinator: str) -> str:
    """A single-use sign-in token for the demo's coordinator."""
    from sqlmodel import Session

    from models.access.weblogin import create_login_link

    with Session(engine) as session:
        token = create_login_link(session, coordinator, "Lê Thị Hoa (demo)", "coordinator", "cli:demo")
        session.commit()
    return token


@commands.command()
def serve(
    evidence: Path = typer.Option(Path("var/evidence"), "--evidence", help="Folder for evidence files."),
    web_host: str = typer.Option("127.0.0.1", "--web-host", help="Address the dashboard listens on."),
    web_port: int = typer.Option(8080, "--web-port", help="Port of the dashboard (0: do not serve it)."),
    schedules: bool = typer.Option(True, "--schedules/--no-schedules",
                                   help="Fire the flows on prefect.yaml's crons here (--no-schedules when a Prefect "
                                        "worker runs them)."),
    webhook: str | None = typer.Option(None, "--webhook", metavar="URL",
                                       help="Telegram posts updates to this https URL, which your reverse proxy "
                                            "forwards to the dashboard's /hooks/telegram (default: polling)."),
    drop_pending: bool = typer.Option(False, "--drop-pending-updates", help="Drop the updates Telegram kept while "
                                      "the bot was away."),
    log_level: str = typer.Option("INFO", "--log-level", envvar="DONDOC_LOG_LEVEL", metavar="LEVEL",
                                  help="DEBUG, INFO, WARNING or ERROR (also DONDOC_LOG_LEVEL)."),
    org: Path | None = OrgOption,
) -> None:
    """Answer people, deliver the outbox, serve the dashboard and fire the scheduled flows, in
    this one process until SIGTERM or Ctrl-C. Every channel's credentials are checked first.
    Telegram's token: DONDOC_TELEGRAM_TOKEN (or the Prefect Secret block dondoc-telegram-token)."""
    import logging
    import os

    from telegram.error import TelegramError

    from bots.telegram.config import NoToken
    from cli.serve import Refused, Serving, run
    from flows.schedules import load_schedules

    if log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        fail(f"--log-level {log_level}: expected DEBUG, INFO, WARNING or ERROR")
    if webhook and not web_port:
        fail("--webhook: Telegram posts to the dashboard's /hooks/telegram; serve the dashboard (--web-port)")
    # after the imports: importing Prefect sets up logging of its own
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    serving = Serving(database(), evidence, (web_host, web_port) if web_port else None,
                      load_schedules() if schedules else [], webhook, drop_pending, os.environ.get("DONDOC_BOT_USERNAME"),
                      directory=directory_if_named(org))
    try:
        run(serving)
    except (NoToken, Refused) as exc:
        fail(str(exc))
    except TelegramError as exc:  # e.g. Telegram refused the webhook's address
        fail(f"Telegram: {exc.message}")


@commands.command("open")
def open_obligations(
    plan: str = PlanIdOption,
    period: str = PeriodOption,
    as_of: dt.datetime = typer.Option(None, "--as-of", parser=parse_day,
                                      help="Open everything due to be open on this day."),
    calendar: Path = CalendarOption,
) -> None:
    """Open the obligations of a period (idempotent: running it again creates nothing)."""
    from models.store.db import transaction

    if (period is None) == (as_of is None):
        err.print("[red]error[/] give exactly one of --period and --as-of")
        raise typer.Exit(2)
    check_day("--as-of", as_of)
    with clean_exit(), transaction(database()) as session:
        opener = make_opener(session, plan, calendar)
        created = opener.period(period) if period is not None else opener.as_of(as_of.date())
        first, last = opener.span
    out.print(f"{plan}: {created} obligation(s) opened")
    if first is not None:
        warn_unannounced(opener.calendar, first, last)


@event_app.command("record")
def event_record(
    plan: str = PlanIdOption,
    task: str = typer.Option(..., "--task", help='Task id, e.g. "2.4".'),
    date: dt.datetime = typer.Option(..., "--date", parser=parse_day, help="When the event happened."),
    note: str = typer.Option(None, "--note", help="What happened (e.g. the decision's number)."),
    calendar: Path = CalendarOption,
) -> None:
    """Record the event an on_event task waits for; its obligations open, due N working days later."""
    from models.store.db import transaction

    check_day("--date", date)
    with clean_exit(), transaction(database()) as session:
        opener = make_opener(session, plan, calendar)
        again = opener.event_recorded(task, date.date())
        created = opener.event(task, date.date(), note)
    if again:
        out.print(f"{plan} task {task}: the event of {date:%d/%m/%Y} was already recorded; "
                  f"{created} obligation(s) opened")
    else:
        out.print(f"{plan} task {task}: event of {date:%d/%m/%Y} recorded, {created} obligation(s) opened")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest migration."""
    engine = database(create=True)
    out.print(f"database schema up to date: {engine.url.render_as_string(hide_password=True)}")


@calendar_app.command("show")
def calendar_show(
    year: int = typer.Argument(..., help="The year, e.g. 2026."),
    calendar: Path = CalendarOption,
    as_json: bool = typer.Option(False, "--json", help='{"days_off": [...], "working_days": [...]}'),
) -> None:
    """Every weekday off and every worked weekend day of a year, with where each comes from."""
    from models.calendar.workcal import load_calendar

    if not 1900 <= year <= 2200:
        err.print(f"[red]error[/] year {year}: expected a year between 1900 and 2200")
        raise typer.Exit(1)
    with clean_exit():
        cal = load_calendar(calendar)
    days_off, working = cal.exceptions(year)
    warn_unannounced(cal, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if as_json:
        print(json.dumps({"days_off": [d.day.isoformat() for d in days_off],
                          "working_days": [d.day.isoformat() for d in working]}))
        return
    table = Table(title=f"{year}: {len(days_off)} weekday(s) off, {len(working)} weekend day(s) worked")
    for column in ("date", "", "source"):
        table.add_column(column)
    for info in sorted([*days_off, *working], key=lambda d: d.day):
        table.add_row(f"{info.day:%a %d/%m/%Y}", "worked" if info.working else "off", info.source)
    out.print(table)


EvidenceFolder = typer.Option(Path("var/evidence"), "--evidence", help="Folder of evidence files.")
ReportsFolder = typer.Option(Path("var/reports"), "--reports", help="Folder of written reports.")


def _places(evidence: Path, reports: Path):
    from models.access.signed import secret_file
    from models.store.backup import Places

    return Places(secret_file(), evidence, reports)


@commands.command()
def backup(
    archive: Path = typer.Argument(..., help="The archive to write (.tar.gz)."),
    evidence: Path = EvidenceFolder,
    reports: Path = ReportsFolder,
    force: bool = typer.Option(False, "--force", help="Overwrite the archive if it exists."),
) -> None:
    """Back up the database (online: others may keep writing) with the site's secret, the
    evidence and the reports, in one archive. PostgreSQL needs pg_dump (postgresql-client)."""
    from models.store.backup import BackupError, backup as make_backup

    refuse_overwrite(archive, force)
    try:
        manifest = make_backup(database(), archive, _places(evidence, reports))
    except BackupError as exc:
        fail(str(exc))
    files = ", ".join(f"{n} {name}" for name, n in manifest["files"].items())
    out.print(f"backed up to {archive}: {manifest['database']} database at schema {manifest['schema']}, "
              f"{'the site secret, ' if manifest['secret'] else ''}{files}", highlight=False)


@commands.command()
def restore(
    archive: Path = typer.Argument(..., help="An archive written by dondoc backup."),
    evidence: Path = EvidenceFolder,
    reports: Path = ReportsFolder,
    force: bool = typer.Option(False, "--force", help="Restore over a database and files that are there."),
) -> None:
    """Restore an archive of dondoc backup to the configured database (DONDOC_DATABASE_URL)
    and folders; then `dondoc db upgrade` brings an older schema up to date."""
    from models.store.backup import BackupError, restore as restore_backup
    from models.store.db import database_url

    if not archive.is_file():
        fail(f"{archive}: no such file")
    try:
        manifest = restore_backup(archive, database_url(), _places(evidence, reports), force)
    except BackupError as exc:
        fail(str(exc))
    out.print(f"restored {archive} (made {manifest['made_at'][:16]}, schema {manifest['schema']})", highlight=False)
