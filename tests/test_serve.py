"""`dondoc serve`, the long-running process: it checks the token before starting anything,
answers people, delivers queued messages within seconds, fires the flows on prefect.yaml's
crons, and stops within seconds on SIGTERM, the token nowhere in what it prints."""

import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import Session, select
from telegram.error import BadRequest

from cli.serve import Refused, Serving, run_flow, serve, _start_schedules
from bots.standin.server import StandIn
from bots.standin.world import World, until
from flows.opening import open_obligations
from flows.schedules import load_schedules
from models.chase import outbox
from models.store.tables import Outbox
from tests.botkit import last_text_contains, texts
from tests.conftest import ROOT

CALENDAR = str(ROOT / "plans" / "calendar" / "vn.yaml")


@pytest.fixture
def telegram(monkeypatch):
    world = World()
    world.add_user(501, "An")
    world.add_user(502, "Bình")
    with StandIn(world) as server:
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", world.token)
        monkeypatch.setenv("DONDOC_TELEGRAM_API", server.base_url)
        for name in ("DONDOC_ZALO_TOKEN", "DONDOC_SMTP_URL", "DONDOC_SMS_GATEWAY"):
            monkeypatch.delenv(name, raising=False)
        yield server


def test_serve_answers_delivers_and_stops(applied, telegram, tmp_path):
    world = telegram.world

    async def scenario() -> float:
        stop, started = asyncio.Event(), asyncio.Event()
        serving = Serving(applied, tmp_path / "evidence", web=None)
        running = asyncio.create_task(serve(serving, stop, started))
        await asyncio.wait_for(started.wait(), 20)
        world.user_starts(501)  # the bot answers ...
        await last_text_contains(world, 501, "chưa được liên kết")
        with Session(applied) as session:  # ... and a message queued now leaves within seconds
            outbox.enqueue(session, "now", 501, "Nhắc việc")
            session.commit()
        await until(lambda: any(r.text == "Nhắc việc" for r in world.received(501)), timeout=60)
        stop.set()
        await asyncio.wait_for(running, 60)  # it stops (how fast is bench/'s to measure, not a test's)
        return running.done() and running.exception() is None
    assert asyncio.run(scenario())
    with Session(applied) as session:
        assert {row.state for row in session.exec(select(Outbox))} == {"sent"}


def test_a_refused_token_stops_serve_before_anything_starts(applied, telegram, tmp_path, monkeypatch):
    monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", "123456:revoked-token-xxxxxxxxxxxxxxxxxxxxxxxx")

    async def scenario() -> None:
        await serve(Serving(applied, tmp_path / "evidence", web=("127.0.0.1", 0)), asyncio.Event())
    with pytest.raises(Refused) as refused:
        asyncio.run(scenario())
    assert "refused the bot token" in str(refused.value) and "revoked-token" not in str(refused.value)


def test_serve_runs_without_telegram_and_each_channel_fails_alone(applied, telegram, smtp, tmp_path, monkeypatch):
    """Telegram cannot be reached (no route from Vietnam's carriers without a proxy), Zalo's
    token is refused: the dashboard and e-mail are not taken down with them. Zalo's refusal
    and Telegram's absence are on the record for `dondoc status`; a queued e-mail leaves."""
    from bots.standin.zalo import ZaloStandIn

    with socket.socket() as probe:  # a port nothing listens on: Telegram unreachable
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("DONDOC_TELEGRAM_API", f"http://127.0.0.1:{closed}/bot")
    with Session(applied) as session:
        outbox.enqueue_email(session, "mail", "an@xa.gov.vn", "Nhắc việc", "Nội dung", "")
        session.commit()

    async def scenario(zalo: ZaloStandIn) -> list[str]:
        monkeypatch.setenv("DONDOC_ZALO_TOKEN", "999:not-the-stand-ins-token")
        monkeypatch.setenv("DONDOC_ZALO_API", zalo.base_url)
        stop, started = asyncio.Event(), asyncio.Event()
        serving = Serving(applied, tmp_path / "evidence", web=("127.0.0.1", 0))
        running = asyncio.create_task(serve(serving, stop, started))
        await asyncio.wait_for(started.wait(), 60)
        await until(lambda: smtp.messages, timeout=10)
        async with httpx.AsyncClient() as client:
            page = await client.get(f"{serving.web_url}/signin")
        stop.set()
        await asyncio.wait_for(running, 10)
        return [str(page.status_code)]
    with ZaloStandIn() as zalo:
        assert asyncio.run(scenario(zalo)) == ["200"]
    with Session(applied) as session:
        stops = {channel: why for channel, _, why, _ in outbox.stopped_channels(session)}
    assert stops["telegram"].startswith("unreachable") and "DONDOC_TELEGRAM_PROXY" in stops["telegram"]
    assert stops["zalo"].startswith("refused") and "not-the-stand-ins-token" not in stops["zalo"]
    assert "email" not in stops


def test_serve_schedules_the_same_crons_and_runs_a_flow_in_a_thread(applied, monkeypatch, prefect_harness):
    monkeypatch.setenv("DONDOC_DATABASE_URL", applied.url.render_as_string(hide_password=False))
    schedules = load_schedules()

    async def scenario() -> None:
        scheduler = _start_schedules(schedules)
        jobs = {job.name: job for job in scheduler.get_jobs()}
        scheduler.shutdown(wait=False)
        # serve delivers continuously: the minute-by-minute `deliver` run is for Prefect workers
        assert set(jobs) == {s.name for s in schedules} - {"deliver"}
        for scheduled in schedules:
            if scheduled.name in jobs:
                trigger = jobs[scheduled.name].trigger
                assert str(trigger) == str(scheduled.trigger()) and str(trigger.timezone) == "Asia/Ho_Chi_Minh"
        daily = next(s for s in schedules if s.name == "daily")
        await run_flow(type(daily)(daily.name, daily.entrypoint, daily.cron, daily.timezone,
                                   {"as_of": dt.date(2019, 8, 1), "calendar": CALENDAR}))  # what fires at 06:00
    asyncio.run(scenario())
    assert open_obligations.fn(as_of=dt.date(2019, 8, 1), calendar=CALENDAR) == {"binh-dinh-53-2019": 0}


def _serve_process(engine, server, token: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DONDOC_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "DONDOC_TELEGRAM_TOKEN": token, "DONDOC_TELEGRAM_API": server.base_url}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--web-port", "0", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _absent(token: str, text: str) -> bool:
    return all(form not in text for form in (token, quote(token, safe=""), token.split(":")[1]))


def test_serve_at_debug_stops_on_sigterm_and_never_prints_a_credential(applied, telegram, tmp_path):
    """At DEBUG, PTB logs every update and every reply: the bot token, a person's invitation
    and the sign-in link the bot sends them are never among what is printed."""
    from models.access.people import create_invitation

    with Session(applied) as session:
        invitation = create_invitation(session, "binh-dinh/so-noi-vu", "Lê Chuyên viên", "coordinator")
        session.commit()
    process = _serve_process(applied, telegram, telegram.world.token, "--log-level", "DEBUG",
                             "--evidence", str(tmp_path / "evidence"))
    lines = []
    for line in process.stdout:  # until it serves
        lines.append(line)
        if "serving: telegram" in line:
            break
    world = telegram.world
    world.user_starts(502)
    asyncio.run(last_text_contains(world, 502, "chưa được liên kết"))
    world.user_starts(501, invitation)
    asyncio.run(last_text_contains(world, 501, "vai trò điều phối"))
    time.sleep(1.1)  # Telegram's one message a second to a chat, as the stand-in keeps it
    world.user_sends(501, "/web")
    asyncio.run(last_text_contains(world, 501, "/login?token="))
    sign_in = next(t for t in texts(world, 501) if "/login?token=" in t).split("token=")[1].split()[0]
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=60)  # a hang guard; it stops cleanly on SIGTERM
    assert process.returncode == 0
    printed = "".join(lines) + rest
    assert "getUpdates" in printed and "[bot-token]" in printed  # httpx logged its URLs at DEBUG ...
    assert _absent(telegram.world.token, printed)  # ... never the token
    assert "/start" in printed and invitation not in printed and sign_in not in printed  # nor a person's credentials
    kept = [p for p in tmp_path.rglob("*") if p.is_file()]  # nor the files it wrote (a SQLite database too)
    assert all(_absent(telegram.world.token, p.read_bytes().decode("utf-8", "replace")) for p in kept)


def test_serve_with_a_rejected_token_says_so_in_one_line_without_it(applied, telegram):
    token = "123456:rejected-token-xxxxxxxxxxxxxxxxxxxxxxxx"
    process = _serve_process(applied, telegram, token, "--log-level", "DEBUG")
    printed, _ = process.communicate(timeout=60)
    assert process.returncode == 1 and _absent(token, printed) and "Traceback" not in printed
    assert printed.strip().splitlines()[-1] == "error telegram: Telegram refused the bot token (401/404): set a valid one"


def test_webhook_mode_takes_updates_on_the_dashboard_with_the_secret_only(applied, telegram, tmp_path):
    world = telegram.world
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hooks/telegram"
    serving = Serving(applied, tmp_path / "evidence", web=("127.0.0.1", port), webhook=url)

    async def refused() -> None:  # Telegram posts to https URLs only
        await serve(serving, asyncio.Event())
    with pytest.raises(BadRequest, match="https url must be provided"):
        asyncio.run(refused())
    world.http_webhooks_on_localhost = True  # the stand-in's test-only switch

    async def scenario() -> int:
        stop, started = asyncio.Event(), asyncio.Event()
        running = asyncio.create_task(serve(serving, stop, started))
        await asyncio.wait_for(started.wait(), 20)
        world.user_starts(501)
        await last_text_contains(world, 501, "chưa được liên kết")
        async with httpx.AsyncClient() as client:  # a forged update, without the secret
            forged = await client.post(url, json={"update_id": 1, "message": {}})
        stop.set()
        await asyncio.wait_for(running, 10)
        return forged.status_code
    assert asyncio.run(scenario()) == 403
    assert world.webhook == url and world.webhook_secret and not world.updates
