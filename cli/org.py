"""`dondoc org …`: draft, migrate, validate and apply org directories."""

from __future__ import annotations

from pathlib import Path

import typer

from models.common.problems import InputError
from cli.shared import (database, directory_or_exit, err, out, parse_date, print_changes, print_problems,
                        refuse_overwrite)

org_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Draft and check org directories.")


@org_app.command("import")
def org_import(
    province: str = typer.Option(..., "--province", help='Code ("52") or name ("Gia Lai").'),
    output: Path = typer.Option(..., "-o", "--output"),
    map_: str = typer.Option("2025", "--map", help="2025: today's two-level map (34 provinces, no districts); "
                             "2020: the three-level map of 63 provinces."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Draft a province's directory from the official lists (communes and wards with their codes)."""
    from models.org.draft import draft_directory
    from models.common.yamlio import dump_yaml

    refuse_overwrite(output, force)
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
    from models.org.migrate import MigrationError, migrate
    from models.common.yamlio import dump_yaml

    if to_map != "2025":
        err.print(f"[red]error[/] --to-map {to_map}: only the 2025 map can be migrated to")
        raise typer.Exit(1)
    refuse_overwrite(output, force)
    directories = [directory_or_exit(path) for path in old]
    try:
        draft, notes = migrate(directories, parse_date(on, "--on"), parse_date(departments_on, "--departments-on"))
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


@org_app.command("apply")
def org_apply(
    path: Path = typer.Argument(..., help="Org directory YAML."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: the summary and every change."),
) -> None:
    """Load a directory into the database by itself (e.g. a new map's directory whose successions
    take over units already there), in one transaction."""
    from models.engine.apply import apply_directory

    directory = directory_or_exit(path)
    engine = database(create=True)
    try:
        changes = apply_directory(engine, directory, actor="cli", dry_run=dry_run)
    except InputError as exc:
        print_problems(exc.problems, "red", "error")
        err.print("[red]nothing applied[/]")
        raise typer.Exit(1) from None
    print_changes(path, changes, dry_run, as_json)


@org_app.command("validate")
def org_validate(path: Path = typer.Argument(..., help="Org directory YAML.")) -> None:
    """Check a directory YAML. Exit 1 on errors."""
    directory = directory_or_exit(path)
    out.print(f"{path}: {len(directory.units)} units, {len(directory.classes)} classes: [green]ok[/]")
