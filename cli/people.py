"""People: `invite`, `unlink`, and the dashboard (`web`, `web login-link`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.shared import (OrgOption, database, directory_if_named, err, fail, find_unit, out, print_problems,
                        resolve_unit)

commands = typer.Typer()  # commands at the top level: dondoc people
person_app = typer.Typer(no_args_is_help=True, help="One person's data: export it, or erase it on request.")
web_app = typer.Typer(invoke_without_command=True, pretty_exceptions_show_locals=False,
                      help="The web dashboard: serve it, or print a sign-in link.")
contacts_app = typer.Typer(no_args_is_help=True, help="A province's contact list: invite everyone on it.")


@commands.command()
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
    with Session(database()) as session:
        for line, unit_, contact_, channel_, address_, role_ in rows:
            where = f"{csv_file}:{line}: " if csv_file else ""
            try:
                lines.append(_invite_one(session, find_unit(session, unit_), contact_, role_, channel_, address_,
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




def _invite_one(session, unit_id: str, contact: str, role: str, channel: str, address: str | None,
                group: bool = False) -> str:
    """One invitation; the line to hand out (a link, a code) or say where it was sent."""
    import os

    from models.access.people import ROLES, create_invitation

    if not contact:
        raise ValueError("contact: a name is needed")
    if role not in ROLES:
        raise ValueError(f"role: one of {', '.join(ROLES)}, not {role!r}")
    if channel not in ("telegram", "zalo", "email", "sms") or (channel in ("email", "sms")) != bool(address):
        raise ValueError("channel: telegram, zalo, email or sms; an address goes with email and sms")
    if channel in ("email", "sms"):
        return _invite_by_address(session, channel, unit_id, contact, address, role)
    if channel == "zalo":
        from bots.zalo.conversation import invite_on_zalo
        code = invite_on_zalo(session, unit_id, contact, role)
        return f"{contact}: Zalo pairing code (single use, 7 days; sent to the Zalo bot): {code}"
    token = create_invitation(session, unit_id, contact, role)
    username = os.environ.get("DONDOC_BOT_USERNAME", "dondoc_bot")
    return f"https://t.me/{username}?{'startgroup' if group else 'start'}={token}"


@contacts_app.command("import")
def contacts_import(
    source: Path = typer.Argument(..., help="The contact list: .csv or .xlsx with columns for the unit, the "
                                  "person's name, and any of role, phone, e-mail, Zalo (headers as offices write "
                                  "them: Đơn vị, Họ và tên, Chức vụ, Số điện thoại, Email, Zalo)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the list and say what would be sent; send nothing."),
    shown: int = typer.Option(20, "--show", metavar="N", help="Units without anyone listed at the end."),
) -> None:
    """Invite every person on a contact list: an e-mail invitation to each address, an SMS one to
    each phone, a Zalo pairing code for each Zalo number (printed, to hand out); heads (Chủ tịch,
    Giám đốc, Trưởng phòng …) also get escalations. All or nothing: one bad row invites nobody.
    Ends with the units that have open work and still nobody, the most work first."""
    from sqlmodel import Session

    from models.access.contacts import read_contact_list, unit_names, units_without_anyone
    from models.common.problems import InputError
    from models.org.vocabulary import name_key

    try:
        rows = read_contact_list(source)
    except InputError as exc:
        print_problems(exc.problems, "red", "error")
        raise typer.Exit(1) from None
    lines, problems = [], []
    with Session(database()) as session:
        units = unit_names(session)
        for row in rows:
            where = f"{source}:{row.line}"
            unit_id = units.get(name_key(row.unit)) if row.unit else None
            if unit_id is None:
                problems.append(f'{where}: unit: no unit "{row.unit}" in the directory (by id, name or alias)')
                continue
            if not row.channels():
                problems.append(f"{where}: {row.name or 'contact'}: no phone, e-mail or Zalo to invite on")
                continue
            for channel, address in row.channels():
                try:
                    lines.append(_invite_one(session, unit_id, row.name, "head" if row.head else "assignee",
                                             channel, None if channel == "zalo" else address))
                except ValueError as exc:
                    problems.append(f"{where}: {channel}: {exc}")
        if problems or dry_run:
            session.rollback()
        else:
            session.commit()
        nobody = units_without_anyone(session) if not problems else []
    for problem in problems:
        err.print(f"[red]error[/] {problem}", highlight=False)
    if problems:
        err.print(f"[red]nobody invited[/]: {len(problems)} problem(s) in {source}")
        raise typer.Exit(1)
    for text in lines:
        out.print(text, highlight=False)
    out.print(f"{len(lines)} invitation(s) {'would be made (dry run)' if dry_run else 'made'} "
              f"for {len(rows)} person(s)")
    out.print(f"units with open work and still nobody: {len(nobody)}")
    for unit_id, name, count in nobody[:shown]:
        out.print(f"  {name} ({unit_id}): {count} open", highlight=False)
    if len(nobody) > shown:
        out.print(f"  … and {len(nobody) - shown} more (the dashboard's Liên lạc page lists all)")


@web_app.callback()
def web(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    evidence: Path = typer.Option(Path("var/evidence"), "--evidence", help="Folder of evidence files."),
    org: Path | None = OrgOption,
) -> None:
    """Serve the dashboard for the configured database (sign in with a link from /web in the bot).
    With the org directory (--org or DONDOC_ORG), plans imported on the dashboard can be applied there."""
    if ctx.invoked_subcommand is not None:
        return
    import os

    import uvicorn

    from web.app import create_app

    app_ = create_app(database(), evidence, os.environ.get("DONDOC_BOT_USERNAME"), directory=directory_if_named(org))
    out.print(f"dashboard on http://{host}:{port}/ (Ctrl+C stops it)", highlight=False)
    uvicorn.run(app_, host=host, port=port, log_level="warning", proxy_headers=True)
    app_.state.exports.stop()  # a report being made goes back to the queue for the next start


@web_app.command("login-link")
def web_login_link(
    unit: str = typer.Option(..., "--unit", help='Unit id, e.g. "so-noi-vu" or "binh-dinh/so-noi-vu".'),
    contact: str = typer.Option(..., "--contact", help="Who will use the link (name)."),
    role: str = typer.Option("coordinator", "--role", help="coordinator (acts for the plans the unit coordinates), "
                                                           "viewer (read-only), or assignee (the unit's own work)."),
) -> None:
    """A single-use sign-in link for the dashboard, valid 10 minutes."""
    from sqlmodel import Session

    from models.access.weblogin import WEB_ROLES, create_login_link
    from models.access.signed import login_url

    if role not in WEB_ROLES:
        err.print(f"[red]error[/] --role is one of {', '.join(WEB_ROLES)}")
        raise typer.Exit(2)
    with Session(database()) as session:
        token = create_login_link(session, resolve_unit(session, unit), contact, role, "cli")
        session.commit()
    out.print(login_url(token), highlight=False)


def _invite_by_address(session, channel: str, unit_id: str, contact: str, address: str, role: str) -> str:
    from bots.email.layout import email_invitation
    from models.access.people import invite_by_address
    from bots.sms.layout import sms_invitation
    from models.chase import outbox
    from models.store.tables import Unit

    invitation = invite_by_address(session, channel, unit_id, contact, address, role)
    unit_name, key = session.get(Unit, unit_id).name, f"invitation:{invitation.id}"
    if channel == "email":
        subject, text, html = email_invitation(contact, unit_name, invitation.id)
        outbox.enqueue_email(session, key, invitation.address, subject, text, html, kind="invitation")
    else:
        text, values = sms_invitation(contact, unit_name, invitation.id)
        outbox.enqueue_text(session, key, "sms", invitation.address, text, kind="invitation",
                            template=("invitation", values))
    return f"{contact}: invitation to {invitation.address} queued (the deliver flow or `dondoc serve` sends it)"


@commands.command()
def unlink(chat: int = typer.Option(..., "--chat", help="Telegram chat id.")) -> None:
    """Stop a chat from speaking for its unit."""
    from sqlmodel import Session

    from models.access.people import unlink as unlink_chat

    with Session(database()) as session:
        done = unlink_chat(session, chat, actor="cli")
        session.commit()
    out.print(f"chat {chat}: unlinked" if done else f"chat {chat} was not linked")
    raise typer.Exit(0 if done else 1)


@person_app.command("export")
def person_export(
    unit: str = typer.Option(..., "--unit", help='The unit, e.g. "xa-21550" or "binh-dinh/xa-21550".'),
    contact: str = typer.Option(..., "--contact", help="The person's name, as in the directory or their link."),
    output: Path = typer.Option(None, "-o", "--output", help="Write the JSON here (default: print it)."),
) -> None:
    """Everything dondoc holds on one person, as JSON: directory entry, links, invitations,
    sign-ins, the events that name them, the messages sent to them, the evidence they sent."""
    from sqlmodel import Session

    from models.access.personal import NoSuchPerson, export_person

    with Session(database()) as session:
        unit_id = resolve_unit(session, unit)
        try:
            data = export_person(session, unit_id, contact)
        except NoSuchPerson as exc:
            fail(str(exc))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    out.print(f"{contact} ({unit_id}): written to {output}", highlight=False)


@person_app.command("erase")
def person_erase(
    unit: str = typer.Option(..., "--unit", help='The unit, e.g. "xa-21550" or "binh-dinh/xa-21550".'),
    contact: str = typer.Option(..., "--contact", help="The person's name, as in the directory or their link."),
    yes: bool = typer.Option(False, "--yes", help="Erase without asking (it cannot be undone)."),
) -> None:
    """Replace one person's name, addresses and chat ids by a pseudonym everywhere dondoc keeps
    them and end their sessions; the work their unit did stays counted. Cannot be undone."""
    from sqlmodel import Session

    from models.access.personal import NoSuchPerson, erase_person, find_person
    from models.store.db import transaction

    engine = database()
    with Session(engine) as session:
        unit_id = resolve_unit(session, unit)
        try:
            pseudonym = find_person(session, unit_id, contact).pseudonym
        except NoSuchPerson as exc:
            fail(str(exc))
    if not yes and not typer.confirm(f"Erase {contact} of {unit_id}? This cannot be undone."):
        raise typer.Exit(1)
    with transaction(engine) as session:
        counts = erase_person(session, unit_id, contact)
    out.print(f"{contact} ({unit_id}) is now \"{pseudonym}\": {counts['links']} link(s), {counts['events']} "
              f"event(s), {counts['messages']} message(s) changed; sessions ended.", highlight=False)
    out.print(f"Remove {contact} from the directory YAML too (unit {unit_id}, contacts), or the next "
              f"`dondoc org apply` brings the name back.", highlight=False)
