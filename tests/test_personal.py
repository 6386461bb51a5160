"""A person's data: exported whole, erased everywhere (reports still add up), kept no longer
than it serves; a person hears at linking what is kept and whom to ask."""

import datetime as dt
import json

from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from models.access import people
from models.access.personal import erase_person, export_person
from models.access.retention import REMOVED_TEXT, Retention, apply_retention
from models.access.weblogin import create_login_link, open_session
from models.calendar.workcal import VN, WorkingCalendar
from models.chase import outbox
from models.engine import lifecycle
from models.engine.opening import Opener
from models.report.rollup import rollup
from models.store.tables import ChatLink, Contact, Obligation, Outbox, ReportExport, Task, WebSession, utcnow

PLAN, COMMUNE = "binh-dinh-53-2019", "binh-dinh/xa-21550"
NAME, EMAIL, CHAT = "Nguyễn Văn An", "an.nguyen@nhonbinh.gov.vn", 7_700_501


def _person_with_a_trail(engine, tmp_path):
    """An official of Nhơn Bình linked on Telegram and by e-mail, who reported, was reminded,
    signed in and sent evidence."""
    with Session(engine) as session:
        Opener(session, PLAN, WorkingCalendar()).period("2019-Q3")
        session.add(Contact(unit_id=COMMUNE, name=NAME, phone="0912345678", email=EMAIL))
        session.add(ChatLink(chat_id=CHAT, unit_id=COMMUNE, contact=NAME))
        session.add(ChatLink(channel="email", address=EMAIL, unit_id=COMMUNE, contact=NAME))
        ob = session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                          .where(Obligation.unit_id == COMMUNE, Task.code == "1.1")).one()
        lifecycle.report_progress(session, ob, 50, f"telegram:{CHAT}", note="đã họp thôn")
        people.store_evidence(session, ob, b"%PDF-1.4", "bien-ban.pdf", None, f"telegram:{CHAT}", tmp_path)
        outbox.enqueue(session, "hello", CHAT, f"Kính gửi {NAME}: nhắc việc")
        outbox.enqueue_email(session, "mail", EMAIL, "Nhắc việc", f"Kính gửi {NAME}", "")
        create_login_link(session, COMMUNE, NAME, "assignee", f"telegram:{CHAT}")
        _, web_session = open_session(session, COMMUNE, NAME, "assignee", utcnow(), "link")
        session.flush()  # a report they asked for, searching their own name
        session.add(ReportExport(session_id=web_session.id, plan_id=PLAN, query=f"plan={PLAN}&q={NAME}", fmt="pdf",
                                 state="done", content=b"%PDF-1.7"))
        session.commit()


def _everything(engine) -> str:
    """Every row of every table, as text."""
    with engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if engine.dialect.name == "sqlite" else
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))]
        return "\n".join(str(row) for table in tables for row in conn.execute(text(f'SELECT * FROM "{table}"')))


def test_a_person_is_exported_whole(applied, tmp_path):
    _person_with_a_trail(applied, tmp_path)
    with Session(applied) as session:
        data = export_person(session, COMMUNE, NAME)
    assert {link["channel"] for link in data["links"]} == {"telegram", "email"}
    assert {m["idempotency_key"] for m in data["messages"]} == {"hello", "mail"}
    assert any(e["kind"] == "progress" for e in data["events"]) and data["evidence"][0]["file_name"] == "bien-ban.pdf"
    assert data["directory"][0]["phone"] == "0912345678" and data["sign_in_links"] and data["web_sessions"]
    assert "token_hash" not in json.dumps(data)  # what signs in is not theirs to carry around
    assert data["report_files"][0]["fmt"] == "pdf" and "content" not in data["report_files"][0]
    json.dumps(data, ensure_ascii=False)


def test_a_person_erased_leaves_nothing_and_the_reports_still_add_up(applied, tmp_path):
    _person_with_a_trail(applied, tmp_path)
    at = dt.datetime(2019, 10, 20, tzinfo=VN)
    with Session(applied) as session:
        before = [t.counts for t in rollup(session, "area", at, plan_id=PLAN)]
        counts = erase_person(session, COMMUNE, NAME)
        session.commit()
        after = [t.counts for t in rollup(session, "area", at, plan_id=PLAN)]
        assert session.exec(select(WebSession).where(WebSession.ended_at.is_(None))).all() == []
    assert counts["links"] == 2 and counts["messages"] == 2 and counts["events"] >= 2
    assert before == after
    dump = _everything(applied)
    for trace in (NAME, EMAIL, str(CHAT), "0912345678", json.dumps(NAME)[1:-1]):
        assert trace not in dump, trace


def test_the_command_erases_and_says_to_mend_the_directory_file(applied, tmp_path, monkeypatch):
    from cli.main import app

    _person_with_a_trail(applied, tmp_path)
    monkeypatch.setenv("DONDOC_DATABASE_URL", applied.url.render_as_string(hide_password=False))
    runner = CliRunner()
    exported = runner.invoke(app, ["person", "export", "--unit", "xa-21550", "--contact", NAME])
    assert exported.exit_code == 0 and EMAIL in exported.stdout
    erased = runner.invoke(app, ["person", "erase", "--unit", "xa-21550", "--contact", NAME, "--yes"])
    assert erased.exit_code == 0 and "directory YAML" in erased.stdout
    again = runner.invoke(app, ["person", "erase", "--unit", "xa-21550", "--contact", NAME, "--yes"])
    assert again.exit_code == 1 and "nobody named" in again.output and "Traceback" not in again.output


def test_retention_removes_what_is_past_its_time(applied):
    now = utcnow()
    with Session(applied) as session:
        old, recent = now - dt.timedelta(days=200), now - dt.timedelta(days=2)
        for key, when in (("old", old), ("recent", recent)):
            outbox.enqueue_text(session, key, "sms", "0912345678", f"Kính gửi {NAME}")
            row = session.exec(select(Outbox).where(Outbox.idempotency_key == key)).one()
            row.state, row.sent_at = "sent", when
        _, ended = open_session(session, COMMUNE, NAME, "assignee", now - dt.timedelta(days=45), "link")
        _, current = open_session(session, COMMUNE, NAME, "assignee", now, "link")
        session.flush()
        for web_session, asked in ((ended, now), (current, now - dt.timedelta(days=2)), (current, now)):
            session.add(ReportExport(session_id=web_session.id, plan_id=PLAN, query=f"plan={PLAN}", fmt="pdf",
                                     requested_at=asked, state="done", content=b"%PDF"))
        session.commit()
        removed = apply_retention(session, now, Retention())
        session.commit()
        rows = {r.idempotency_key: r for r in session.exec(select(Outbox))}
        assert rows["old"].payload == {"text": REMOVED_TEXT} and rows["old"].emptied_at is not None
        assert NAME in rows["recent"].payload["text"]
        assert len(session.exec(select(WebSession)).all()) == 1
        assert apply_retention(session, now, Retention())["message bodies"] == 0  # once
    assert removed["message bodies"] == 1 and removed["web sessions"] == 1
    assert removed["report files"] == 2  # a day old, or of a session gone: the fresh one stays


def test_processes_starting_at_once_agree_on_one_site_secret(tmp_path, monkeypatch):
    """Two processes (serve and web) making var/web-secret at the same moment: one secret, never
    an error and never a half-written file read."""
    import threading

    from models.access import signed

    monkeypatch.delenv("DONDOC_WEB_SECRET", raising=False)
    monkeypatch.setenv("DONDOC_HOME", str(tmp_path))
    seen, errors, start = [], [], threading.Barrier(8)

    def make():
        start.wait()
        try:
            seen.append(signed._secret())
        except Exception as exc:  # noqa: BLE001 - the test reports any
            errors.append(exc)
    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(seen)) == 1 and len(seen[0]) == 64
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["web-secret"]
    assert oct((tmp_path / "var" / "web-secret").stat().st_mode & 0o777) == "0o600"
