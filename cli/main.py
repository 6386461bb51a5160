"""The `dondoc` command. Commands call plain functions; none starts Prefect."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cli.paths import DEFAULT_CALENDAR, DEMO_ORG, DEMO_PLAN, ROOT
from models.problems import InputError, Problem


def _what_to_type(self, ctx) -> str | None:
    """Help shows what a person types, not Python's types: nothing for a flag, DD/MM/YYYY for a
    day, PATH for a file, N for a number, the option's own metavar, else its name ("--plan PLAN")."""
    if self.metavar is not None:
        return self.metavar
    kind = self.type_descriptor
    if getattr(self, "is_flag", False) or kind.annotation is bool:
        return None
    if kind.is_datetime:
        return "DD/MM/YYYY"
    if kind.is_path:
        return "PATH"
    return "N" if kind.annotation in (int, float) else self.name.upper()


def _argument_name(self) -> str:
    """An argument as usage lines write them: PLAN, [PATH]..., not {plan}."""
    name = (self.metavar or self.name).upper() + ("..." if self.nargs != 1 else "")
    return name if self.required else f"[{name}]"


# typer 0.29 prints "<bool>", "<str>", "{plan}" otherwise (a test walks every command's help)
typer.core.TyperOption.display_type_rich = _what_to_type
typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # its name says what it is
typer.core.TyperArgument._rich_display_name = _argument_name
typer.core.TyperArgument._usage_display_name = _argument_name

app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, rich_markup_mode=None,
                  help="dondoc: chase up a plan's responsibility matrix.")
plan_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Import, validate and apply plan YAML files.")
org_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Draft and check org directories.")
db_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="The database schema.")
app.add_typer(plan_app, name="plan")
app.add_typer(org_app, name="org")
event_app = typer.Typer(no_args_is_help=True, help="Events that open on_event tasks.")
app.add_typer(db_app, name="db")
app.add_typer(event_app, name="event")
calendar_app = typer.Typer(no_args_is_help=True, help="The working calendar.")
app.add_typer(calendar_app, name="calendar")
web_app = typer.Typer(invoke_without_command=True, pretty_exceptions_show_locals=False,
                      help="The web dashboard: serve it, or print a sign-in link.")
app.add_typer(web_app, name="web")
sms_app = typer.Typer(no_args_is_help=True, help="Text messages: what they cost.")
app.add_typer(sms_app, name="sms")
email_app = typer.Typer(no_args_is_help=True, help="E-mail: addresses that bounce.")
app.add_typer(email_app, name="email")
zalo_app = typer.Typer(no_args_is_help=True, help="Zalo: the bot's webhook.")
app.add_typer(zalo_app, name="zalo")
outcome_app = typer.Typer(no_args_is_help=True, help="Outcome indices (PAPI, PAR INDEX, SIPAS) beside the plans.")
app.add_typer(outcome_app, name="outcome")

SHOWN = 20  # lines of one kind a command prints before counting the rest
# Dates as officials write them (dd/mm/yyyy) or as ISO
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
out = Console(soft_wrap=True)  # a message stays one line, whatever the terminal width
err = Console(stderr=True, soft_wrap=True)

OrgOption = typer.Option(None, "--org", envvar="DONDOC_ORG", metavar="PATH",
                         help="Org directory YAML (default: the one DONDOC_ORG names, if set).")
CalendarOption = typer.Option(DEFAULT_CALENDAR, "--calendar", help="Working-calendar YAML (swapped days).")
PlanIdOption = typer.Option(..., "--plan", help="Plan id, as in the plan YAML.")


def _print_problems(problems: list[Problem], style: str, label: str) -> None:
    for problem in problems:
        err.print(f"[{style}]{label}[/] {problem}", highlight=False, markup=True, soft_wrap=True)


def _load_directory(path: Path | None):
    from models.org import load_directory

    if path is None:  # no province's directory is assumed: the admin names theirs
        _fail("no org directory: give --org FILE (e.g. --org plans/org/gia-lai.yaml), "
              "or set DONDOC_ORG to your installation's directory")
    try:
        return load_directory(path)
    except InputError as exc:
        _print_problems(exc.problems, "red", "error")
        raise typer.Exit(1) from None


@app.command()
def demo(
    database: Path = typer.Option(ROOT / "var" / "demo.db", help="SQLite file for the demo."),
    year: int = typer.Option(2019, "--year", help="2019: the plan's third quarter of 2019; 2026: the plan "
                                                  "crossing 1 July 2025 into today's Gia Lai, then 2026-Q1."),
) -> None:
    """The main job on the shipped Bình Định plan, with no server and no token: a quarter
    replayed day by day, simulated contacts answering the bot, and the coordinator's digest."""
    from cli.demo import SCENARIOS, run_demo

    if year not in SCENARIOS:
        err.print(f"[red]error[/] --year {year}: expected one of {', '.join(map(str, SCENARIOS))}")
        raise typer.Exit(1)
    run_demo(out, database, DEMO_PLAN, DEMO_ORG, DEFAULT_CALENDAR, year, ROOT / "plans" / "org" / "gia-lai.yaml")


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        out.print(f"dondoc {version('dondoc')}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """dondoc: chase up a plan's responsibility matrix."""


@app.command()
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
) -> None:
    """Answer people, deliver the outbox, serve the dashboard and fire the scheduled flows, in
    this one process until SIGTERM or Ctrl-C. Every channel's credentials are checked first.
    Telegram's token: DONDOC_TELEGRAM_TOKEN (or the Prefect Secret block dondoc-telegram-token)."""
    import logging
    import os

    from telegram.error import TelegramError

    from bots.config import NoToken
    from bots.serve import Refused, Serving, run
    from flows.schedules import load_schedules

    if log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        _fail(f"--log-level {log_level}: expected DEBUG, INFO, WARNING or ERROR")
    if webhook and not web_port:
        _fail("--webhook: Telegram posts to the dashboard's /hooks/telegram; serve the dashboard (--web-port)")
    # after the imports: importing Prefect sets up logging of its own
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    serving = Serving(_database(), evidence, (web_host, web_port) if web_port else None,
                      load_schedules() if schedules else [], webhook, drop_pending, os.environ.get("DONDOC_BOT_USERNAME"))
    try:
        run(serving)
    except (NoToken, Refused) as exc:
        _fail(str(exc))
    except TelegramError as exc:  # e.g. Telegram refused the webhook's address
        _fail(f"Telegram: {exc.message}")


@plan_app.command("import")
def plan_import(
    source: Path = typer.Argument(..., help="The plan: .docx, .html, .pdf, or text (pasted or saved from a web page)."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the plan YAML draft."),
    org: Path | None = typer.Option(None, "--org", help="Org directory YAML: phrases are also checked against its "
                                    "units (without it, the shipped vocabulary of unit names splits the cells)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Read a plan's responsibility matrix into a plan YAML draft."""
    from models.intake import import_file
    from models.yamlio import dump_yaml

    _refuse_overwrite(output, force)
    directory = _load_directory(org) if org else None
    if not source.is_file():
        err.print(f"[red]error[/] {source}: file not found")
        raise typer.Exit(1)
    if not output.parent.is_dir():
        err.print(f"[red]error[/] {output}: folder {output.parent} does not exist")
        raise typer.Exit(1)
    result = import_file(source, directory)
    _print_problems(result.warnings, "yellow", "warning")
    _print_problems(result.errors, "red", "error")
    if result.plan is None:
        err.print(f"[red]{output} not written[/]: fix the lines above in the source, or write the YAML by hand.")
        raise typer.Exit(1)
    output.write_text(dump_yaml(result.plan), encoding="utf-8")
    out.print(f"wrote {output}: {len(result.plan['areas'])} areas, {len(result.plan['tasks'])} tasks")


@plan_app.command("validate")
def plan_validate(
    plan: Path = typer.Argument(..., help="Plan YAML."),
    org: Path | None = OrgOption,
    successor_orgs: list[Path] = typer.Option([], "--successor-org", help="A directory that succeeds units of "
                                              "--org (today's map): leads whose units have all ended are reported."),
    as_of: str = typer.Option("", "--as-of", help="The day to judge successions on (default: today)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
) -> None:
    """Check a plan YAML against its schema and the org directory. Exit 1 on errors."""
    from models.validate import validate_plan

    directory = _load_directory(org)
    successors = [_load_directory(p) for p in successor_orgs]
    report = validate_plan(plan, directory, successors, _date(as_of, "--as-of") if as_of else None)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_problems(report.errors, "red", "error")
        _print_problems(report.warnings, "yellow", "warning")
        if report.decisions:
            out.print(f"{len(report.decisions)} task(s) need an admin decision on timing (not tracked until then):")
            for hint in report.decisions[:SHOWN]:
                out.print(f"  {hint}", highlight=False)
            if len(report.decisions) > SHOWN:
                out.print(f"  … and {len(report.decisions) - SHOWN} more (all of them: --json)")
        verdict = "[green]ok[/]" if report.ok else f"[red]{len(report.errors)} error(s)[/]"
        out.print(f"{plan}: {report.areas} areas, {report.tasks} tasks: {verdict}")
    raise typer.Exit(0 if report.ok else 1)


@plan_app.command("apply")
def plan_apply(
    plan: Path = typer.Argument(..., help="Plan YAML."),
    org: Path | None = OrgOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
    reapply: bool = typer.Option(False, "--reapply", help="Open obligations also take the plan's current "
                                                          "reminder policy (new ones always do)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: the summary and every change."),
) -> None:
    """Load a validated plan and its directory into the database, in one transaction."""
    from models.apply import apply_plan

    directory = _load_directory(org)
    engine = _database(create=True)
    try:
        changes = apply_plan(engine, plan, directory, actor="cli", dry_run=dry_run, reapply_reminders=reapply)
    except InputError as exc:
        _print_problems(exc.problems, "red", "error")
        err.print("[red]nothing applied[/]")
        raise typer.Exit(1) from None
    _print_changes(plan, changes, dry_run, as_json)


def _print_changes(path: Path, changes: list, dry_run: bool, as_json: bool = False) -> None:
    """What apply changed (or would): counts per kind of row and action, then the changes,
    alike ones on one line (up to SHOWN lines); --json gives every change."""
    from models.apply import as_json as changes_json
    from models.apply import lines, plural, summary

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


@contextmanager
def _clean_exit():
    """A bad calendar file, plan, task or period ends the command with its message, exit 1."""
    from models.opening import OpeningError

    try:
        yield
    except InputError as exc:
        _print_problems(exc.problems, "red", "error")
        raise typer.Exit(1) from None
    except OpeningError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(1) from None


def _opener(session, plan_id: str, calendar: Path):
    from models.opening import Opener
    from models.workcal import load_calendar

    return Opener(session, plan_id, load_calendar(calendar), actor="cli")


@app.command("open")
def open_obligations(
    plan: str = PlanIdOption,
    period: str = typer.Option(None, "--period", help="2019-Q3, 2019-H1, 2019 or 2019-07."),
    as_of: dt.datetime = typer.Option(None, "--as-of", formats=DATE_FORMATS,
                                      help="Open everything due to be open on this day."),
    calendar: Path = CalendarOption,
) -> None:
    """Open the obligations of a period (idempotent: running it again creates nothing)."""
    from models.db import transaction

    if (period is None) == (as_of is None):
        err.print("[red]error[/] give exactly one of --period and --as-of")
        raise typer.Exit(2)
    _check_day("--as-of", as_of)
    with _clean_exit(), transaction(_database()) as session:
        opener = _opener(session, plan, calendar)
        created = opener.period(period) if period is not None else opener.as_of(as_of.date())
    out.print(f"{plan}: {created} obligation(s) opened")


@event_app.command("record")
def event_record(
    plan: str = PlanIdOption,
    task: str = typer.Option(..., "--task", help='Task id, e.g. "2.4".'),
    date: dt.datetime = typer.Option(..., "--date", formats=DATE_FORMATS, help="When the event happened."),
    note: str = typer.Option(None, "--note", help="What happened (e.g. the decision's number)."),
    calendar: Path = CalendarOption,
) -> None:
    """Record the event an on_event task waits for; its obligations open, due N working days later."""
    from models.db import transaction

    with _clean_exit(), transaction(_database()) as session:
        created = _opener(session, plan, calendar).event(task, date.date(), note)
    out.print(f"{plan} task {task}: event of {date:%d/%m/%Y} recorded, {created} obligation(s) opened")


@app.command()
def status(
    plan: str = PlanIdOption,
    by: str = typer.Option("area", "--by", help="plan, area, task, unit, level or directory."),
    as_of: dt.datetime = typer.Option(None, "--as-of", formats=DATE_FORMATS, help="Counts as they stood then."),
    lang: str = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """Counts by report category (done on time, done late, open within deadline, overdue, ...)."""
    from sqlmodel import Session

    from models.outbox import stopped_channels
    from models.render import status_text
    from models.rollup import GROUPS, LABELS, due_soon_days, rollup
    from models.tables import utcnow
    from models.clock import VN

    if by not in GROUPS or lang not in LABELS:
        err.print(f"[red]error[/] --by is one of {', '.join(GROUPS)}; --lang is vi or en")
        raise typer.Exit(2)
    _check_day("--as-of", as_of)
    at = (dt.datetime.combine(as_of.date(), dt.time(23, 59, 59), tzinfo=VN) if as_of
          else utcnow().astimezone(VN))
    with Session(_database()) as session:
        tallies = rollup(session, by, at, plan_id=plan, due_soon_days=due_soon_days(_check_plan(session, plan)))
        stopped = stopped_channels(session)
    empty = f"{plan}: " + ("không có nghĩa vụ nào vào" if lang == "vi" else "no obligations at") + f" {at:%d/%m/%Y}"
    print(status_text(tallies, lang, empty))
    for channel, when, why, waiting in stopped:  # the admin hears it here until the channel works again
        err.print(f"[yellow]warning[/] {channel}: delivery stopped {when.astimezone(VN):%d/%m/%Y %H:%M}: {why}; "
                  f"{waiting} message(s) waiting", highlight=False)


@app.command()
def digest(
    plan: str = PlanIdOption,
    as_of: dt.datetime = typer.Option(None, "--as-of", formats=DATE_FORMATS, help="As it stood at the end of this day."),
    period: str = typer.Option(None, "--period", help="Only this period's obligations, e.g. 2019-Q3."),
    lang: str = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """The coordinator's digest as plain text (the bot sends the same to coordinators)."""
    from sqlmodel import Session

    from models.digest import WORDS, build_digest, digest_text
    from models.tables import utcnow
    from models.clock import VN

    if lang not in WORDS:
        err.print("[red]error[/] --lang is vi or en")
        raise typer.Exit(2)
    _check_day("--as-of", as_of)
    at = (dt.datetime.combine(as_of.date(), dt.time(23, 59, 59), tzinfo=VN) if as_of else utcnow())
    with Session(_database()) as session:
        _check_plan(session, plan)
        _check_period(session, plan, period)
        text = digest_text(build_digest(session, plan, at, "manual", f"{at.astimezone(VN):%Y-%m-%d}", period), lang)
    print(text)


def _check_day(option: str, day: dt.datetime | None) -> None:
    from models.periods import YEARS

    if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
        err.print(f"[red]error[/] {option} {day:%Y-%m-%d}: the year must be {YEARS[0]}-{YEARS[1]}")
        raise typer.Exit(2)


def _check_plan(session, plan: str):
    """The plan's row; exit 1 with one line when the database has no such plan."""
    from models.tables import Plan

    row = session.get(Plan, plan)
    if row is None:
        _fail(f'no plan "{plan}" in the database (apply it first)')
    return row


def _check_period(session, plan: str, period: str | None) -> None:
    """A report or digest of a period the plan has obligations in; else say which it has."""
    from models.dashboard import plan_periods

    if period is None:
        return
    periods = plan_periods(session, plan)
    if period not in periods:
        shown = ", ".join(periods[-12:]) or "none opened yet"
        err.print(f'[red]error[/] --period "{period}": {plan} has no obligations in it (its periods: {shown})')
        raise typer.Exit(1)


def _resolve_unit(session, unit: str) -> str:
    """A unit id as typed ("xa-21550" or "binh-dinh/xa-21550") → its full id; exit 1 if unknown."""
    try:
        return _find_unit(session, unit)
    except ValueError as exc:
        err.print(f"[red]error[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


@app.command()
def report(
    plan: str = PlanIdOption,
    period: str = typer.Option(None, "--period", help="One period, e.g. 2019-Q3."),
    start: dt.datetime = typer.Option(None, "--from", formats=DATE_FORMATS, help="Obligations due from this day..."),
    end: dt.datetime = typer.Option(None, "--to", formats=DATE_FORMATS, help="...to this day."),
    unit: str = typer.Option(None, "--unit", help="Only this unit's record."),
    as_of: dt.datetime = typer.Option(None, "--as-of", formats=DATE_FORMATS, help="As it stood at the end of this day."),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx, pdf, docx (the administrative document to complete and "
                                                   "sign) or html."),
    output: Path = typer.Option(None, "-o", "--output", help="File to write (default: report-<plan>-<period>.<format>)."),
) -> None:
    """The period report a province sends upward: per task and unit, with the four-way split."""
    from sqlmodel import Session

    from models.report import build_report, report_html, report_pdf, report_xlsx
    from models.report_docx import report_docx
    from models.tables import utcnow
    from models.clock import VN

    writers = {"xlsx": report_xlsx, "pdf": report_pdf, "docx": report_docx, "html": lambda r: report_html(r).encode()}
    if fmt not in writers or not (period or start or end):
        err.print("[red]error[/] --format is xlsx, pdf, docx or html; give --period or --from/--to")
        raise typer.Exit(2)
    for option, day in (("--as-of", as_of), ("--from", start), ("--to", end)):
        _check_day(option, day)
    at = dt.datetime.combine(as_of.date(), dt.time(23, 59, 59), tzinfo=VN) if as_of else utcnow()
    with Session(_database()) as session:
        _check_plan(session, plan)
        _check_period(session, plan, period)
        unit_id = _resolve_unit(session, unit) if unit else None
        built = build_report(session, plan, at, period, start.date() if start else None, end.date() if end else None,
                             unit_id)
    output = output or Path(f"report-{plan}-{period or 'range'}.{fmt}")
    output.write_bytes(writers[fmt](built))
    out.print(f"wrote {output}: {len(built.rows)} obligation(s)")


@app.command()
def history(
    plan: str = PlanIdOption,
    unit: str = typer.Option(None, "--unit", help="One unit's record (e.g. xa-21550); default: the whole plan."),
    start: dt.datetime = typer.Option(None, "--from", formats=DATE_FORMATS, help="Obligations due from this day..."),
    end: dt.datetime = typer.Option(None, "--to", formats=DATE_FORMATS, help="...to this day."),
    lang: str = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """Period by period: the four-way split and the on-time rate ("how has commune X done?")."""
    from sqlmodel import Session

    from models.apply import unit_name
    from models.periods import period_words
    from models.report import on_time_rate
    from models.rollup import LABELS, REPORT_FOUR, rollup
    from models.tables import utcnow

    if lang not in LABELS:
        err.print("[red]error[/] --lang is vi or en")
        raise typer.Exit(2)
    with Session(_database()) as session:
        number = _check_plan(session, plan).number
        unit_id = _resolve_unit(session, unit) if unit else None
        title = ("Kế hoạch " if lang == "vi" else "Plan ") + number + (f" · {unit_name(session, unit_id)}" if unit_id else "")
        tallies = rollup(session, "period", utcnow(), plan_id=plan, unit_id=unit_id,
                         due_from=start.date() if start else None, due_to=end.date() if end else None)
    labels = LABELS[lang]
    table = Table("Kỳ" if lang == "vi" else "Period", *(labels[c] for c in REPORT_FOUR),
                  "Đúng hạn" if lang == "vi" else "On time", title=title)
    table.columns[0].no_wrap = True  # "Quý III/2019" reads as one
    for tally in tallies:
        rate = on_time_rate(tally)
        table.add_row(period_words(tally.key[0], lang), *(str(tally[c]) for c in REPORT_FOUR),
                      f"{rate:.0%}" if rate is not None else "—")
    out.print(table)


@app.command()
def preview(
    plan: str = PlanIdOption,
    start: dt.datetime = typer.Option(..., "--from", formats=DATE_FORMATS),
    end: dt.datetime = typer.Option(..., "--to", formats=DATE_FORMATS),
    unit: str = typer.Option(None, "--unit", help='Only this unit, e.g. "xa-21550" or "binh-dinh/xa-21550".'),
    limit: int = typer.Option(10, "--limit", metavar="N", help="Messages listed per day (0: all); "
                                                               "every day's counts are printed."),
    calendar: Path = CalendarOption,
) -> None:
    """What the chase would send on which day, whether or not people are linked: per day, the
    messages to units, heads and the coordinator, with their counts. Sends nothing."""
    from sqlmodel import Session

    from models.chase import preview as plan_preview
    from models.chase import preview_text
    from models.workcal import load_calendar

    with Session(_database()) as session:
        _check_plan(session, plan)
        unit_id = _resolve_unit(session, unit) if unit else None
        planned = plan_preview(session, plan, start.date(), end.date(), load_calendar(calendar), unit_id)
    print(preview_text(planned, limit) or "nothing to send in that range")


@app.command()
def invite(
    unit: str = typer.Option(None, "--unit", help='Unit id, e.g. "xa-21550" or "binh-dinh/xa-21550".'),
    contact: str = typer.Option(None, "--contact", help="Who will use the link (name, role)."),
    role: str = typer.Option("assignee", "--role",
                             help="assignee; head (the unit's leader: also gets escalations); "
                                  "coordinator (approves extensions, gets digests)."),
    group: bool = typer.Option(False, "--group", help="A link that adds the bot to a group chat."),
    channel: str = typer.Option("telegram", "--channel", help="telegram (print a link to send); zalo (print a "
                                "pairing code the person sends to the Zalo bot); email or sms (send the invitation "
                                "to --address: the person confirms from the message)."),
    address: str = typer.Option(None, "--address", help="The e-mail address or phone number (email, sms)."),
    csv_file: Path = typer.Option(None, "--csv", help="Invite many: a CSV with the columns unit, contact, channel, "
                                  "address, role (one person and channel a row); all or none are invited."),
) -> None:
    """Single-use invitations (valid 7 days) that tie a person's Telegram chat, Zalo chat,
    e-mail address or phone to a unit."""
    from sqlmodel import Session

    rows = _invitation_rows(csv_file) if csv_file else [(None, unit, contact, channel, address, role)]
    if not csv_file and not (unit and contact):
        err.print("[red]error[/] --unit and --contact (or --csv FILE)")
        raise typer.Exit(2)
    lines, problems = [], []
    with Session(_database()) as session:
        for line, unit_, contact_, channel_, address_, role_ in rows:
            where = f"{csv_file}:{line}: " if csv_file else ""
            try:
                lines.append(_invite_one(session, _find_unit(session, unit_), contact_, role_, channel_, address_,
                                         group))
            except ValueError as exc:
                problems.append(f"{where}{exc}")
        if problems:
            session.rollback()
            for problem in problems:
                err.print(f"[red]error[/] {problem}", highlight=False)
            raise typer.Exit(1)
        session.commit()
    for text in lines:
        out.print(text, highlight=False)


def _invitation_rows(path: Path) -> list[tuple]:
    import csv

    try:
        reader = csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines())
        rows = [(reader.line_num, r.get("unit", "").strip(), (r.get("contact") or "").strip(),
                 (r.get("channel") or "telegram").strip(), (r.get("address") or "").strip() or None,
                 (r.get("role") or "assignee").strip()) for r in reader]
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error[/] {path}: cannot read it ({exc.__class__.__name__})")
        raise typer.Exit(1) from None
    if not rows:
        err.print(f"[red]error[/] {path}: no rows (columns: unit, contact, channel, address, role)")
        raise typer.Exit(1)
    return rows


def _find_unit(session, unit: str) -> str:
    from sqlmodel import select

    from models.tables import Unit

    matches = session.exec(select(Unit.id).where((Unit.id == unit) | Unit.id.endswith("/" + unit))).all()
    if len(matches) != 1:
        raise ValueError(f'unit: {"no" if not matches else "more than one"} unit "{unit}"'
                         + (f": {', '.join(matches)}" if matches else ""))
    return matches[0]


def _invite_one(session, unit_id: str, contact: str, role: str, channel: str, address: str | None,
                group: bool = False) -> str:
    """One invitation; the line to hand out (a link, a code) or say where it was sent."""
    import os

    from bots.service import ROLES, create_invitation

    if not contact:
        raise ValueError("contact: a name is needed")
    if role not in ROLES:
        raise ValueError(f"role: one of {', '.join(ROLES)}, not {role!r}")
    if channel not in ("telegram", "zalo", "email", "sms") or (channel in ("email", "sms")) != bool(address):
        raise ValueError("channel: telegram, zalo, email or sms; an address goes with email and sms")
    if channel in ("email", "sms"):
        return _invite_by_address(session, channel, unit_id, contact, address, role)
    if channel == "zalo":
        from bots.zalo import invite_on_zalo
        code = invite_on_zalo(session, unit_id, contact, role)
        return f"{contact}: Zalo pairing code (single use, 7 days; sent to the Zalo bot): {code}"
    token = create_invitation(session, unit_id, contact, role)
    username = os.environ.get("DONDOC_BOT_USERNAME", "dondoc_bot")
    return f"https://t.me/{username}?{'startgroup' if group else 'start'}={token}"


@sms_app.command("usage")
def sms_usage(
    since: dt.datetime = typer.Option(None, "--since", formats=DATE_FORMATS, help="Count from this day (default: all)."),
) -> None:
    """Text messages sent, the parts the gateway billed, and their cost at the gateway file's price."""
    import os

    from sqlmodel import Session, select

    from models.tables import Outbox
    from models.clock import VN

    with Session(_database()) as session:
        query = select(Outbox.payload).where(Outbox.channel == "sms", Outbox.state == "sent")
        if since:
            query = query.where(Outbox.sent_at >= since.replace(tzinfo=VN))
        payloads = session.exec(query).all()
    parts = sum((payload or {}).get("parts", 1) for payload in payloads)
    price = 0.0
    if os.environ.get("DONDOC_SMS_GATEWAY"):
        from bots.sms import load_gateway
        try:
            price = load_gateway(Path(os.environ["DONDOC_SMS_GATEWAY"])).price_per_part
        except InputError as exc:
            _print_problems(exc.problems, "red", "error")
            raise typer.Exit(1) from None
    out.print(f"{len(payloads)} message(s), {parts} part(s)" + (f", {parts * price:,.0f} VND" if price else
              " (set price_per_part in the gateway file for the cost)"), highlight=False)


@outcome_app.command("import")
def outcome_import(
    source: Path = typer.Argument(..., help="YAML or CSV of index figures (see models/outcomes.py)."),
) -> None:
    """Record a province's outcome indices (PAPI, PAR INDEX, SIPAS) year by year, with their source."""
    from sqlmodel import Session

    from models.outcomes import load_outcomes, record_outcomes

    try:
        outcomes = load_outcomes(source)
        with Session(_database()) as session:
            added, replaced = record_outcomes(session, outcomes, str(source))
            session.commit()
    except InputError as exc:
        _print_problems(exc.problems, "red", "error")
        raise typer.Exit(1) from None
    out.print(f"{source}: {added} index figure(s) added, {replaced} replaced for {outcomes.province}", highlight=False)


@web_app.callback()
def web(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    evidence: Path = typer.Option(Path("var/evidence"), "--evidence", help="Folder of evidence files."),
) -> None:
    """Serve the dashboard for the configured database (sign in with a link from /web in the bot)."""
    if ctx.invoked_subcommand is not None:
        return
    import os

    import uvicorn

    from web.app import create_app

    app_ = create_app(_database(), evidence, os.environ.get("DONDOC_BOT_USERNAME"))
    out.print(f"dashboard on http://{host}:{port}/ (Ctrl+C stops it)", highlight=False)
    uvicorn.run(app_, host=host, port=port, log_level="warning", proxy_headers=True)


@web_app.command("login-link")
def web_login_link(
    unit: str = typer.Option(..., "--unit", help='Unit id, e.g. "so-noi-vu" or "binh-dinh/so-noi-vu".'),
    contact: str = typer.Option(..., "--contact", help="Who will use the link (name)."),
    role: str = typer.Option("coordinator", "--role", help="coordinator (acts for the plans the unit coordinates), "
                                                           "viewer (read-only), or assignee (the unit's own work)."),
) -> None:
    """A single-use sign-in link for the dashboard, valid 10 minutes."""
    from sqlmodel import Session

    from models.weblogin import WEB_ROLES, create_login_link
    from web.links import login_url

    if role not in WEB_ROLES:
        err.print(f"[red]error[/] --role is one of {', '.join(WEB_ROLES)}")
        raise typer.Exit(2)
    with Session(_database()) as session:
        token = create_login_link(session, _resolve_unit(session, unit), contact, role, "cli")
        session.commit()
    out.print(login_url(token), highlight=False)


@zalo_app.command("webhook")
def zalo_webhook(
    url: str = typer.Argument(None, help="https://…/hooks/zalo on the dashboard (omit with --delete)."),
    delete: bool = typer.Option(False, "--delete", help="Go back to polling."),
) -> None:
    """Have Zalo post each message to the dashboard (with DONDOC_ZALO_WEBHOOK_SECRET, 8-256
    characters, as its secret token), or stop it."""
    import asyncio
    import os

    from bots.config import zalo_settings
    from bots.zalo import ZaloClient, ZaloError

    settings, secret = zalo_settings(), os.environ.get("DONDOC_ZALO_WEBHOOK_SECRET", "")
    if settings is None or (not delete and not (url and url.startswith("https://") and 8 <= len(secret) <= 256)):
        err.print("[red]error[/] set DONDOC_ZALO_TOKEN and DONDOC_ZALO_WEBHOOK_SECRET (8-256 characters), and give "
                  "an https:// URL (or --delete)")
        raise typer.Exit(2)

    async def call():
        client = ZaloClient(*settings)
        try:
            if delete:
                return await client.call("deleteWebhook")
            return await client.call("setWebhook", url=url, secret_token=secret)
        finally:
            await client.close()
    try:
        result = asyncio.run(call())
    except ZaloError as exc:
        err.print(f"[red]error[/] Zalo refused: {exc}")
        raise typer.Exit(1) from None
    out.print(f"Zalo webhook: {(result or {}).get('url') or 'none (polling)'}", highlight=False)


@email_app.command("bounces")
def email_bounces(
    mailbox_path: Path = typer.Argument(..., help="The bounce mailbox: an mbox file or a Maildir folder."),
) -> None:
    """Read delivery failure reports (RFC 3464) and mark the addresses that bounced for good as
    dead, as a 5xx at sending does; their coordinators are told."""
    import mailbox
    from email import policy
    from email.parser import BytesParser

    from sqlmodel import Session

    from bots.email import bury_bounced

    if not mailbox_path.exists():
        err.print(f"[red]error[/] {mailbox_path}: not found")
        raise typer.Exit(1)
    box = mailbox.Maildir(mailbox_path, create=False) if mailbox_path.is_dir() else mailbox.mbox(mailbox_path)
    parse = BytesParser(policy=policy.default)
    messages = [parse.parsebytes(message.as_bytes()) for message in box]
    with Session(_database()) as session:
        buried = bury_bounced(session, messages)
        session.commit()
    out.print(f"{len(messages)} message(s) read; {len(buried)} address(es) marked dead"
              + (f": {', '.join(sorted(set(buried)))}" if buried else ""), highlight=False)


def _invite_by_address(session, channel: str, unit_id: str, contact: str, address: str, role: str) -> str:
    from bots.mailtext import email_invitation
    from bots.service import invite_by_address
    from bots.smstext import sms_invitation
    from models import outbox
    from models.tables import Unit

    invitation = invite_by_address(session, channel, unit_id, contact, address, role)
    unit_name, key = session.get(Unit, unit_id).name, f"invitation:{invitation.id}"
    if channel == "email":
        subject, text, html = email_invitation(contact, unit_name, invitation.id)
        outbox.enqueue_email(session, key, invitation.address, subject, text, html, kind="invitation")
    else:
        outbox.enqueue_text(session, key, "sms", invitation.address, sms_invitation(contact, unit_name, invitation.id),
                            kind="invitation")
    return f"{contact}: invitation to {invitation.address} queued (the deliver flow or `dondoc serve` sends it)"


@app.command()
def unlink(chat: int = typer.Option(..., "--chat", help="Telegram chat id.")) -> None:
    """Stop a chat from speaking for its unit."""
    from sqlmodel import Session

    from bots.service import unlink as unlink_chat

    with Session(_database()) as session:
        done = unlink_chat(session, chat, actor="cli")
        session.commit()
    out.print(f"chat {chat}: unlinked" if done else f"chat {chat} was not linked")
    raise typer.Exit(0 if done else 1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest migration."""
    engine = _database(create=True)
    out.print(f"database schema up to date: {engine.url.render_as_string(hide_password=True)}")


def _refuse_overwrite(output: Path, force: bool) -> None:
    if output.exists() and not force:
        _fail(f"{output} exists (perhaps edited by hand): choose another name, or --force")


def _fail(message: str) -> None:
    err.print(f"[red]error[/] {message}", highlight=False)
    raise typer.Exit(1)


def _database(create: bool = False):
    """The configured database, its schema brought up to date first. A SQLite file that is not
    there is an error (a mistyped path must not become a new, empty database), unless the
    command is one that makes databases (`plan apply`, `org apply`, `db upgrade`)."""
    from sqlalchemy.engine import make_url

    from models.db import database_url, make_engine, upgrade

    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).resolve()
        if not path.parent.is_dir():
            _fail(f"database {path}: folder {path.parent} does not exist (DONDOC_DATABASE_URL)")
        if not create and not path.exists():
            _fail(f"no database at {path}: apply a plan first (dondoc plan apply …), or point DONDOC_DATABASE_URL "
                  f"at yours (the demo's: sqlite:///{Path('var/demo.db').resolve()})")
    engine = make_engine()
    upgrade(engine)
    return engine


@org_app.command("import")
def org_import(
    province: str = typer.Option(..., "--province", help='Code ("52") or name ("Gia Lai").'),
    output: Path = typer.Option(..., "-o", "--output"),
    map_: str = typer.Option("2025", "--map", help="2025: today's two-level map (34 provinces, no districts); "
                             "2020: the three-level map of 63 provinces."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Draft a province's directory from the official lists (communes and wards with their codes)."""
    from models.orgdraft import draft_directory
    from models.yamlio import dump_yaml

    _refuse_overwrite(output, force)
    try:
        draft = draft_directory(province, map_)
    except LookupError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(1) from None
    output.write_text(dump_yaml(draft), encoding="utf-8")
    communes = sum(1 for u in draft["units"] if u["level"] == "commune")
    out.print(f"wrote {output}: {len(draft['units'])} units ({communes} communes), {len(draft['classes'])} classes")


@org_app.command("migrate")
def org_migrate(
    old: list[Path] = typer.Argument(..., help="The old directories (the 2020 map)."),
    output: Path = typer.Option(..., "-o", "--output", help="The new directory draft, with its successions."),
    to_map: str = typer.Option("2025", "--to-map", help="The map to move to (2025)."),
    on: str = typer.Option("2025-07-01", "--on", help="When the new map took effect (YYYY-MM-DD or dd/mm/yyyy)."),
    departments_on: str = typer.Option("2025-03-01", "--departments-on",
                                       help="When the departments were reorganised (Nghị định 45/2025/NĐ-CP)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Draft the directory that succeeds old ones, with every old unit's successor(s) from the
    official conversion: merged and split communes, dissolved districts, reorganised departments."""
    from models.orgmigrate import MigrationError, migrate
    from models.yamlio import dump_yaml

    if to_map != "2025":
        err.print(f"[red]error[/] --to-map {to_map}: only the 2025 map can be migrated to")
        raise typer.Exit(1)
    _refuse_overwrite(output, force)
    directories = [_load_directory(path) for path in old]
    try:
        draft, notes = migrate(directories, _date(on, "--on"), _date(departments_on, "--departments-on"))
    except MigrationError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(1) from None
    output.write_text(dump_yaml(draft), encoding="utf-8")
    entries = draft["successions"]
    split = sum(1 for e in entries if e.get("also"))
    closed = sum(1 for e in entries if "closed" in e)
    for note in notes:
        err.print(f"[yellow]review[/] {note}", highlight=False)
    out.print(f"wrote {output}: {sum(u['level'] == 'commune' for u in draft['units'])} communes; "
              f"{len(entries)} successions ({split} split, {closed} closed); review it, then `dondoc org apply`")


def _date(text: str, option: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    err.print(f"[red]error[/] {option} {text}: expected a date as YYYY-MM-DD or dd/mm/yyyy")
    raise typer.Exit(1)


@org_app.command("apply")
def org_apply(
    path: Path = typer.Argument(..., help="Org directory YAML."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: the summary and every change."),
) -> None:
    """Load a directory into the database by itself (e.g. a new map's directory whose successions
    take over units already there), in one transaction."""
    from models.apply import apply_directory

    directory = _load_directory(path)
    engine = _database(create=True)
    try:
        changes = apply_directory(engine, directory, actor="cli", dry_run=dry_run)
    except InputError as exc:
        _print_problems(exc.problems, "red", "error")
        err.print("[red]nothing applied[/]")
        raise typer.Exit(1) from None
    _print_changes(path, changes, dry_run, as_json)


@org_app.command("validate")
def org_validate(path: Path = typer.Argument(..., help="Org directory YAML.")) -> None:
    """Check a directory YAML. Exit 1 on errors."""
    directory = _load_directory(path)
    out.print(f"{path}: {len(directory.units)} units, {len(directory.classes)} classes: [green]ok[/]")


@calendar_app.command("show")
def calendar_show(
    year: int = typer.Argument(..., help="The year, e.g. 2026."),
    calendar: Path = CalendarOption,
    as_json: bool = typer.Option(False, "--json", help='{"days_off": [...], "working_days": [...]}'),
) -> None:
    """Every weekday off and every worked weekend day of a year, with where each comes from."""
    from models.workcal import load_calendar

    if not 1900 <= year <= 2200:
        err.print(f"[red]error[/] year {year}: expected a year between 1900 and 2200")
        raise typer.Exit(1)
    with _clean_exit():
        cal = load_calendar(calendar)
    days_off, working = cal.exceptions(year)
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


if __name__ == "__main__":
    app()
