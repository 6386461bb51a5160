"""What the coordinator reads: `status`, `digest`, `report`, `history`, `preview`, `outcome import`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from models.common.problems import InputError
from cli.shared import (CalendarOption, parse_day, PeriodOption, PlanIdOption, check_day, check_span, check_period, check_plan,
                        clean_exit, database, err, out, print_problems, resolve_unit, warn_unannounced)

commands = typer.Typer()  # commands at the top level: dondoc reports
outcome_app = typer.Typer(no_args_is_help=True, help="Outcome indices (PAPI, PAR INDEX, SIPAS) beside the plans.")


@commands.command()
def status(
    plan: str = PlanIdOption,
    by: str = typer.Option("area", "--by", help="plan, area, task, unit, level or directory."),
    as_of: dt.datetime = typer.Option(None, "--as-of", parser=parse_day, help="Counts as they stood then."),
    lang: str = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """Counts by report category (done on time, done late, open within deadline, overdue, ...)."""
    from sqlmodel import Session

    from models.chase.outbox import refusals, stopped_channels
    from models.report.render import status_text
    from models.report.rollup import GROUPS, LABELS, due_soon_days, rollup
    from models.store.tables import utcnow
    from models.common.clock import VN

    if by not in GROUPS or lang not in LABELS:
        err.print(f"[red]error[/] --by is one of {', '.join(GROUPS)}; --lang is vi or en")
        raise typer.Exit(2)
    check_day("--as-of", as_of)
    at = (dt.datetime.combine(as_of.date(), dt.time(23, 59, 59), tzinfo=VN) if as_of
          else utcnow().astimezone(VN))
    with Session(database()) as session:
        tallies = rollup(session, by, at, plan_id=plan, due_soon_days=due_soon_days(check_plan(session, plan)))
        names = group_names(session, plan, by)
        stopped = stopped_channels(session)
        refused = refusals(session, utcnow() - dt.timedelta(days=7))
    empty = f"{plan}: " + ("không có nghĩa vụ nào vào" if lang == "vi" else "no obligations at") + f" {at:%d/%m/%Y}"
    print(status_text(tallies, lang, empty, names))
    for channel, when, why, waiting in stopped:  # the admin hears it here until the channel works again
        err.print(f"[yellow]warning[/] {channel}: not delivering since {when.astimezone(VN):%d/%m/%Y %H:%M}: {why}; "
                  f"{waiting} message(s) waiting", highlight=False)
    for channel, when, why in refused:
        err.print(f"[yellow]warning[/] {channel}: a message was refused on {when.astimezone(VN):%d/%m/%Y %H:%M} "
                  f"by the provider's policy: {why}", highlight=False)


def group_names(session, plan_id: str, by: str) -> dict[tuple, str]:
    """A plan, area or task as officials name it: "53/KH-UBND", "1. Tham gia của người dân …"."""
    from sqlmodel import select

    from models.common.text import cut_at_word
    from models.store.tables import Area, Plan, Task

    plan = session.get(Plan, plan_id)
    if by == "plan":
        return {(plan_id,): f"{plan.number}: {cut_at_word(plan.title, 80)}"}
    if by == "area":
        return {(plan_id, a.code): f"{a.code}. {cut_at_word(a.title, 80)}"
                for a in session.exec(select(Area).where(Area.plan_id == plan_id))}
    if by == "task":
        return {(plan_id, t.code): f"{t.code}. {cut_at_word(t.text, 80)}"
                for t in session.exec(select(Task).where(Task.plan_id == plan_id))}
    return {}


@commands.command()
def digest(
    plan: str = PlanIdOption,
    as_of: dt.datetime = typer.Option(None, "--as-of", parser=parse_day, help="As it stood at the end of this day."),
    period: str = PeriodOption,
    lang: str = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """The coordinator's digest as plain text (the bot sends the same to coordinators)."""
    from sqlmodel import Session

    from models.report.digest import WORDS, build_digest, digest_text
    from models.store.tables import utcnow
    from models.common.clock import VN

    if lang not in WORDS:
        err.print("[red]error[/] --lang is vi or en")
        raise typer.Exit(2)
    check_day("--as-of", as_of)
    at = (dt.datetime.combine(as_of.date(), dt.time(23, 59, 59), tzinfo=VN) if as_of else utcnow())
    with Session(database()) as session:
        check_plan(session, plan)
        check_period(session, plan, period)
        text = digest_text(build_digest(session, plan, at, "manual", f"{at.astimezone(VN):%Y-%m-%d}", period), lang)
    print(text)


@commands.command()
def report(
    plan: str = PlanIdOption,
    period: str = PeriodOption,
    start: dt.datetime = typer.Option(None, "--from", parser=parse_day, help="Obligations due from this day..."),
    end: dt.datetime = typer.Option(None, "--to", parser=parse_day, help="...to this day."),
    unit: str = typer.Option(None, "--unit", help="Only this unit's record."),
    as_of: dt.datetime = typer.Option(None, "--as-of", parser=parse_day, help="As it stood at the end of this day."),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx, pdf, docx (the administrative document to complete and "
                                                   "sign) or html."),
    output: Path = typer.Option(None, "-o", "--output", help="File to write (default: bao-cao-<plan>-<period in "
                                "words>.<format>, e.g. bao-cao-binh-dinh-53-2019-quy-iii-2019.xlsx)."),
) -> None:
    """The period report a province sends upward: per task and unit, with the four-way split."""
    from sqlmodel import Session

    from models.report.period import build_report, report_file_name, report_html, report_pdf, report_xlsx
    from models.report.word import report_docx
    from models.store.tables import utcnow
    from models.common.clock import VN

    writers = {"xlsx": report_xlsx, "pdf": report_pdf, "docx": report_docx, "html": lambda r: report_html(r).encode()}
    if fmt not in writers or not (period or start or end):
        err.print("[red]error[/] --format is xlsx, pdf, docx or html; give --period or --from/--to")
        raise typer.Exit(2)
    check_day("--as-of", as_of)
    check_span(start, end)
    at = dt.datetime.combine(as_of.date(), dt.time(23, 59, 59), tzinfo=VN) if as_of else utcnow()
    with Session(database()) as session:
        check_plan(session, plan)
        check_period(session, plan, period)
        unit_id = resolve_unit(session, unit) if unit else None
        built = build_report(session, plan, at, period, start.date() if start else None, end.date() if end else None,
                             unit_id)
    output = output or Path(f"{report_file_name(plan, period, at)}.{fmt}")
    output.write_bytes(writers[fmt](built))
    out.print(f"wrote {output}: {len(built.rows)} obligation(s)")


@commands.command()
def history(
    plan: str = PlanIdOption,
    unit: str = typer.Option(None, "--unit", help="One unit's record (e.g. xa-21550); default: the whole plan."),
    start: dt.datetime = typer.Option(None, "--from", parser=parse_day, help="Obligations due from this day..."),
    end: dt.datetime = typer.Option(None, "--to", parser=parse_day, help="...to this day."),
    lang: str = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """Period by period: the four-way split and the on-time rate ("how has commune X done?")."""
    check_span(start, end)
    from sqlmodel import Session

    from models.engine.apply import unit_name
    from models.calendar.periods import period_words
    from models.report.period import on_time_rate
    from models.report.rollup import LABELS, REPORT_FOUR, rollup
    from models.store.tables import utcnow

    if lang not in LABELS:
        err.print("[red]error[/] --lang is vi or en")
        raise typer.Exit(2)
    with Session(database()) as session:
        number = check_plan(session, plan).number
        unit_id = resolve_unit(session, unit) if unit else None
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


@commands.command()
def preview(
    plan: str = PlanIdOption,
    start: dt.datetime = typer.Option(..., "--from", parser=parse_day),
    end: dt.datetime = typer.Option(..., "--to", parser=parse_day),
    unit: str = typer.Option(None, "--unit", help='Only this unit, e.g. "xa-21550" or "binh-dinh/xa-21550".'),
    limit: int = typer.Option(10, "--limit", metavar="N", help="Messages listed per day (0: all); "
                                                               "every day's counts are printed."),
    calendar: Path = CalendarOption,
) -> None:
    """What the chase would send on which day, whether or not people are linked: per day, the
    messages to units, heads and the coordinator, with their counts. Sends nothing."""
    check_span(start, end)
    from sqlmodel import Session

    from models.chase.planning import preview as plan_preview
    from models.chase.planning import preview_text
    from models.calendar.workcal import load_calendar

    with clean_exit(), Session(database()) as session:
        check_plan(session, plan)
        unit_id = resolve_unit(session, unit) if unit else None
        days = load_calendar(calendar)
        planned = plan_preview(session, plan, start.date(), end.date(), days, unit_id)
    print(preview_text(planned, limit) or "nothing to send in that range")
    warn_unannounced(days, start.date(), end.date())


@outcome_app.command("import")
def outcome_import(
    source: Path = typer.Argument(..., help="YAML or CSV of index figures (see models/report/outcomes.py)."),
) -> None:
    """Record a province's outcome indices (PAPI, PAR INDEX, SIPAS) year by year, with their source."""
    from sqlmodel import Session

    from models.report.outcomes import load_outcomes, record_outcomes

    try:
        outcomes = load_outcomes(source)
        with Session(database()) as session:
            added, replaced = record_outcomes(session, outcomes, str(source))
            session.commit()
    except InputError as exc:
        print_problems(exc.problems, "red", "error")
        raise typer.Exit(1) from None
    out.print(f"{source}: {added} index figure(s) added, {replaced} replaced for {outcomes.province}", highlight=False)
