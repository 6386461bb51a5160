"""The flows: bodies run as plain functions (`.fn()`), one real Prefect run through the shared
harness (the deliver flow, with its logs at DEBUG), the run lock, and the schedules that
`prefect.yaml` declares and `dondoc serve` reads."""

import datetime as dt
import logging
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from ruamel.yaml import YAML
from sqlmodel import Session, select

from bots.standin.server import StandIn
from bots.standin.world import World
from flows.chase import chase
from flows.deliver import deliver
from flows.digest import digest
from flows.opening import open_obligations
from models.chase import outbox
from models.store.runlock import Busy, run_lock
from models.store.tables import ChatLink, Outbox
from models.calendar.workcal import VN
from tests.conftest import ROOT

CALENDAR = str(ROOT / "plans" / "calendar" / "vn.yaml")
PLAN = "binh-dinh-53-2019"


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


@pytest.fixture
def configured(applied, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", applied.url.render_as_string(hide_password=False))
    return applied


def test_open_obligations_flow_opens_every_plan_once(configured):
    first = open_obligations.fn(as_of=dt.date(2019, 8, 1), calendar=CALENDAR)
    assert first == {PLAN: 1463 + 343}
    assert open_obligations.fn(as_of=dt.date(2019, 8, 1), calendar=CALENDAR) == {PLAN: 0}


def test_chase_and_digest_flows_queue_once_per_moment(configured, tmp_path):
    open_obligations.fn(now=at("2019-07-01 06:00"), calendar=CALENDAR)
    with Session(configured) as session:
        session.add(ChatLink(chat_id=501, unit_id="binh-dinh/xa-21550", contact="An"))
        session.add(ChatLink(chat_id=900, unit_id="binh-dinh/so-noi-vu", contact="Lê", role="coordinator"))
        session.commit()
    assert chase.fn(now=at("2019-10-11 09:00"), calendar=CALENDAR) == {PLAN: 1}  # the commune's T-1
    assert chase.fn(now=at("2019-10-11 09:30"), calendar=CALENDAR) == {PLAN: 0}
    # Tuesday 1/10 08:00: this week's digest (due since Monday 08:00) and the one of the quarter that
    # ended, with the quarter's Excel report as a document.
    reports = str(tmp_path / "reports")
    assert digest.fn(now=at("2019-10-01 08:00"), calendar=CALENDAR, reports=reports) == {PLAN: 3}
    assert digest.fn(now=at("2019-10-01 09:00"), calendar=CALENDAR, reports=reports) == {PLAN: 0}
    assert digest.fn(now=at("2019-10-07 07:00"), calendar=CALENDAR, reports=reports) == {PLAN: 0}  # Monday, 07:00
    assert digest.fn(now=at("2019-10-07 08:00"), calendar=CALENDAR, reports=reports) == {PLAN: 1}
    with Session(configured) as session:
        rows = session.exec(select(Outbox)).all()
        sent = sorted((r.kind, r.payload["text"].split("\n")[0]) for r in rows if r.kind != "document")
        (document,) = [r for r in rows if r.kind == "document"]
    assert document.payload["document"].endswith("reports/bao-cao-binh-dinh-53-2019-quy-iii-2019.xlsx")
    assert document.payload["text"] == "53/KH-UBND – Quý III/2019" and document.chat_id == 900
    assert [kind for kind, _ in sent] == ["digest", "digest", "digest", "reminder"]
    assert [head for _, head in sent[:3]] == [
        "<b>Tổng hợp tình hình thực hiện – 53/KH-UBND</b> – Tuần 40 (30/09–04/10/2019)",
        "<b>Tổng hợp tình hình thực hiện – 53/KH-UBND</b> – Tuần 41 (07–11/10/2019)",
        "<b>Tổng hợp tình hình thực hiện – 53/KH-UBND</b> – cuối kỳ Quý III/2019"]


def test_a_flow_whose_lock_is_held_does_nothing(configured):
    open_obligations.fn(now=at("2019-07-01 06:00"), calendar=CALENDAR)
    with Session(configured) as session:
        session.add(ChatLink(chat_id=501, unit_id="binh-dinh/xa-21550", contact="An"))
        session.commit()
    with run_lock(configured, "chase"):
        assert chase.fn(now=at("2019-10-11 09:00"), calendar=CALENDAR) is None
        with pytest.raises(Busy):
            with run_lock(configured, "chase"):
                pass
    assert chase.fn(now=at("2019-10-11 09:00"), calendar=CALENDAR) == {PLAN: 1}


HOLD = """
import sys, time
from models.store.db import make_engine
from models.store.runlock import run_lock
with run_lock(make_engine(sys.argv[1]), "chase"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_run_killed_with_its_lock_leaves_no_lock_behind(engine):
    url = engine.url.render_as_string(hide_password=False)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Busy):
            with run_lock(engine, "chase"):
                pass
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 10
    while True:  # PostgreSQL notices the dead connection a moment later
        try:
            with run_lock(engine, "chase"):
                break
        except Busy:
            assert time.monotonic() < deadline, "the dead run's lock was never released"
            time.sleep(0.1)


def test_the_deliver_flow_runs_in_prefect_and_never_logs_the_token(configured, prefect_harness, monkeypatch,
                                                                   caplog, tmp_path):
    world = World()
    world.add_user(501, "An")
    world.user_starts(501)  # a private chat the user never started answers 403
    with StandIn(world) as server:
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", world.token)
        monkeypatch.setenv("DONDOC_TELEGRAM_API", server.base_url)
        report = tmp_path / "bao-cao.xlsx"
        report.write_bytes(b"PK\x03\x04 a spreadsheet")
        with Session(configured) as session:
            outbox.enqueue(session, "hello", 501, "Xin chào")
            outbox.enqueue_document(session, "report", 501, str(report), "53/KH-UBND – 2019-Q3")
            session.commit()
        caplog.set_level(logging.DEBUG)
        assert deliver(idle_timeout=0.5) == {"telegram": {"sent": 2, "retried": 0, "failed": 0, "dead": 0,
                                                         "uncertain": 0}}
        received = world.received(501)
        assert [r.text for r in received if not r.document] == ["Xin chào"]
        (document,) = [r.document for r in received if r.document]
        assert document["file_name"] == "bao-cao.xlsx" and world.files[document["file_id"]]["content"] == report.read_bytes()
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "sendMessage" in logged  # httpx logged the request URL at DEBUG/INFO...
    assert world.token not in logged and "[bot-token]" in logged  # ...with the token redacted


def test_prefect_yaml_declares_each_flow_once_on_a_vietnam_cron():
    config = YAML(typ="safe").load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    names = set()
    for deployment in config["deployments"]:
        module, name = deployment["entrypoint"].split(":")
        assert (ROOT / module).is_file()
        assert deployment["concurrency_limit"] == 1 and deployment["work_pool"]["name"] == "dondoc"
        assert all(s["timezone"] == "Asia/Ho_Chi_Minh" for s in deployment["schedules"])
        names.add(name)
    assert names == {"open_obligations", "chase", "deliver", "digest"}


def test_prefects_database_keeps_no_token_after_a_rejected_and_a_working_run(configured, prefect_harness,
                                                                             monkeypatch):
    """States, events and logs of real flow runs (a token Telegram rejects, then a working one
    whose sends httpx logs with the token in their URLs) hold the token in no encoding."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import get_current_settings

    world = World()
    world.add_user(501, "An")
    world.user_starts(501)
    with StandIn(world) as server:
        monkeypatch.setenv("DONDOC_TELEGRAM_API", server.base_url)
        monkeypatch.setenv("PREFECT_LOGGING_EXTRA_LOGGERS", "httpx,telegram,dondoc")
        with Session(configured) as session:
            outbox.enqueue(session, "hello", 501, "Xin chào")
            session.commit()
        rejected = "0" + world.token[1:]
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", rejected)
        assert "refused the bot token" in deliver(idle_timeout=0.2)["telegram"]["stopped"]
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", world.token)
        assert deliver(idle_timeout=0.2)["telegram"]["sent"] == 1
    APILogWorker.drain_all(timeout=10)  # the log and event workers write in the background
    EventsWorker.drain_all(timeout=10)
    time.sleep(1)
    database = get_current_settings().server.database.connection_url.get_secret_value()
    files = [p for p in Path(database.split("///", 1)[1]).parent.glob("*.db*")]
    stored = b"".join(p.read_bytes() for p in files)
    assert files and b"deliver" in stored and b"refused the bot token" in stored  # the runs are there ...
    for token in (rejected, world.token):  # ... and no token, raw or URL-encoded, or its secret half
        for form in (token, quote(token, safe=""), token.split(":")[1]):
            assert form.encode() not in stored
