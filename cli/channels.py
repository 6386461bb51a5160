"""The channels' own commands: `sms usage`, `email bounces`, `zalo webhook`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from models.common.problems import InputError
from cli.shared import parse_day, database, err, out, print_problems

sms_app = typer.Typer(no_args_is_help=True, help="Text messages: what they cost.")
email_app = typer.Typer(no_args_is_help=True, help="E-mail: addresses that bounce.")
zalo_app = typer.Typer(no_args_is_help=True, help="Zalo: the bot's webhook.")


@sms_app.command("usage")
def sms_usage(
    since: dt.datetime = typer.Option(None, "--since", parser=parse_day, help="Count from this day (default: all)."),
) -> None:
    """Text messages sent, the parts the gateway billed, and their cost at the gateway file's price."""
    import os

    from sqlmodel import Session, select

    from models.store.tables import Outbox
    from models.common.clock import VN

    with Session(database()) as session:
        query = select(Outbox.payload).where(Outbox.channel == "sms", Outbox.state == "sent")
        if since:
            query = query.where(Outbox.sent_at >= since.replace(tzinfo=VN))
        payloads = session.exec(query).all()
    parts = sum((payload or {}).get("parts", 1) for payload in payloads)
    price = 0.0
    if os.environ.get("DONDOC_SMS_GATEWAY"):
        from bots.sms.transport import load_gateway
        try:
            price = load_gateway(Path(os.environ["DONDOC_SMS_GATEWAY"])).price_per_part
        except InputError as exc:
            print_problems(exc.problems, "red", "error")
            raise typer.Exit(1) from None
    out.print(f"{len(payloads)} message(s), {parts} part(s)" + (f", {parts * price:,.0f} VND" if price else
              " (set price_per_part in the gateway file for the cost)"), highlight=False)


@zalo_app.command("webhook")
def zalo_webhook(
    url: str = typer.Argument(None, help="https://…/hooks/zalo on the dashboard (omit with --delete)."),
    delete: bool = typer.Option(False, "--delete", help="Go back to polling."),
) -> None:
    """Have Zalo post each message to the dashboard (with DONDOC_ZALO_WEBHOOK_SECRET, 8-256
    characters, as its secret token), or stop it."""
    import asyncio
    import os

    from bots.zalo.transport import zalo_settings
    from bots.zalo.transport import ZaloClient, ZaloError

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

    from bots.email.transport import bury_bounced

    if not mailbox_path.exists():
        err.print(f"[red]error[/] {mailbox_path}: not found")
        raise typer.Exit(1)
    box = mailbox.Maildir(mailbox_path, create=False) if mailbox_path.is_dir() else mailbox.mbox(mailbox_path)
    parse = BytesParser(policy=policy.default)
    messages = [parse.parsebytes(message.as_bytes()) for message in box]
    with Session(database()) as session:
        buried = bury_bounced(session, messages)
        session.commit()
    out.print(f"{len(messages)} message(s) read; {len(buried)} address(es) marked dead"
              + (f": {', '.join(sorted(set(buried)))}" if buried else ""), highlight=False)
