"""`dondoc plan …`: import a plan's document, validate and apply plan YAML."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from models.common.problems import InputError
from cli.shared import (SHOWN, OrgOption, database, directory_or_exit, err, out, parse_date, print_problems, print_changes,
                        refuse_overwrite)

plan_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Import, validate and apply plan YAML files.")


@plan_app.command("import")
def plan_import(
    source: Path = typer.Argument(..., help="The plan: .docx, .html, .pdf, or text (pasted or saved from a web page)."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the plan YAML draft."),
    org: Path | None = typer.Option(None, "--org", help="Org directory YAML: phrases are also checked against its "
                                    "units (without it, the shipped vocabulary of unit names splits the cells)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Read a plan's responsibility matrix into a plan YAML draft."""
    from models.plans.intake import import_file
    from models.common.yamlio import dump_yaml

    refuse_overwrite(output, force)
    directory = directory_or_exit(org) if org else None
    if not source.is_file():
        err.print(f"[red]error[/] {source}: file not found")
        raise typer.Exit(1)
    if not output.parent.is_dir():
        err.print(f"[red]error[/] {output}: folder {output.parent} does not exist")
        raise typer.Exit(1)
    result = import_file(source, directory)
    print_problems(result.warnings, "yellow", "warning")
    print_problems(result.errors, "red", "error")
    if result.plan is None:
        err.print(f"[red]{output} not written[/]: fix the lines above in the source, or write the YAML by hand.")
        raise typer.Exit(1)
    output.write_text(dump_yaml(result.plan), encoding="utf-8")
    out.print(f"wrote {output}: {len(result.plan['areas'])} areas, {len(result.plan['tasks'])} tasks")
    review = [w for w in result.warnings if "review" in w.message or "not understood" in w.message
              or "not in the directory" in w.message]
    if review:
        lines = sorted({w.line for w in review if w.line})
        where = f" (source lines {', '.join(map(str, lines[:12]))}{', …' if len(lines) > 12 else ''})" if lines else ""
        out.print(f"{len(review)} cell(s) to review{where}: the warnings above say why; check them in {output} "
                  f"against the source, then `dondoc plan validate {output}`", highlight=False)


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
    from models.plans.validate import validate_plan

    directory = directory_or_exit(org)
    successors = [directory_or_exit(p) for p in successor_orgs]
    report = validate_plan(plan, directory, successors, parse_date(as_of, "--as-of") if as_of else None)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_problems(report.errors, "red", "error")
        print_problems(report.warnings, "yellow", "warning")
        _print_some(report.decisions, "task(s) need an admin decision on timing (not tracked until then)")
        _print_some(report.parts, "further part(s) opened and chased as tasks of their own")
        verdict = "[green]ok[/]" if report.ok else f"[red]{len(report.errors)} error(s)[/]"
        out.print(f"{plan}: {report.areas} areas, {report.tasks} tasks: {verdict}")
    raise typer.Exit(0 if report.ok else 1)


def _print_some(items: list, title: str) -> None:
    """A count and the first SHOWN items; --json has them all."""
    if items:
        out.print(f"{len(items)} {title}:")
        for item in items[:SHOWN]:
            out.print(f"  {item}", highlight=False)
        if len(items) > SHOWN:
            out.print(f"  … and {len(items) - SHOWN} more (all of them: --json)")


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
    from models.engine.apply import apply_plan

    directory = directory_or_exit(org)
    engine = database(create=True)
    try:
        changes = apply_plan(engine, plan, directory, actor="cli", dry_run=dry_run, reapply_reminders=reapply)
    except InputError as exc:
        print_problems(exc.problems, "red", "error")
        err.print("[red]nothing applied[/]")
        raise typer.Exit(1) from None
    print_changes(plan, changes, dry_run, as_json)

