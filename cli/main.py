"""The `dondoc` command: wiring only. Each command group lives in a module of its own
(plans, org, running, reports, people, channels); commands call plain functions and none starts Prefect."""

from __future__ import annotations

import typer

from cli import channels, org, people, plans, reports, running
from cli.shared import out


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
app.add_typer(running.commands)
app.add_typer(plans.plan_app, name="plan")
app.add_typer(org.org_app, name="org")
app.add_typer(running.event_app, name="event")
app.add_typer(running.db_app, name="db")
app.add_typer(running.calendar_app, name="calendar")
app.add_typer(reports.commands)
app.add_typer(reports.outcome_app, name="outcome")
app.add_typer(people.commands)
app.add_typer(people.person_app, name="person")
app.add_typer(people.web_app, name="web")
app.add_typer(people.contacts_app, name="contacts")
app.add_typer(channels.sms_app, name="sms")
app.add_typer(channels.email_app, name="email")
app.add_typer(channels.zalo_app, name="zalo")


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        out.print(f"dondoc {version('dondoc')}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """dondoc: chase up a plan's responsibility matrix."""


if __name__ == "__main__":
    app()
