"""Hostile input through every way text comes in, read back through every way it goes out:
nothing runs, nothing breaks, nothing is lost (tests/hostile.py is the one list of strings;
the dashboard's pages have their own suite in test_web_escaping.py)."""

import asyncio
import datetime as dt
import io

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, select

from bots.standin.server import StandIn
from bots.standin.world import Limits, World, until
from bots.zalo.conversation import answer, invite_on_zalo
from models.access import people
from models.calendar.workcal import VN, WorkingCalendar
from models.common.text import plain_text
from models.engine import lifecycle
from models.engine.opening import Opener
from models.report.digest import build_digest, digest_text
from models.report.period import build_report, report_html, report_pdf, report_xlsx
from models.report.word import report_docx
from models.store.tables import Event, Obligation, Task
from tests.botkit import bot_running, last_text_contains, link
from tests.hostile import BIDI, CONTROLS, HOSTILE, LONG, NUL, SCRIPT, SUPERSCRIPT, TELEGRAM_TAGS

PLAN, COMMUNE, COORDINATOR_UNIT = "binh-dinh-53-2019", "binh-dinh/xa-21550", "binh-dinh/so-noi-vu"
TYPED = [h for h in HOSTILE if h is not LONG] + [LONG[:900]]  # a note is at most 1,000 characters
UNTYPED = ("\x00", "\x07", "\x1b", "\u202e")  # what is never kept


def _obligation(session, code="1.1", unit=COMMUNE):
    return session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                        .where(Obligation.unit_id == unit, Task.code == code, Obligation.period == "2019-Q3")).one()


@pytest.fixture
def opened(applied):
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar()).period("2019-Q3")
        session.commit()
    return applied


def test_notes_kept_without_what_nobody_types_and_every_report_format_builds(opened):
    """Every hostile string as a note, a reason, a task's text and an area's title: kept as
    plain text, and the Excel, Word, PDF and HTML reports and the digest all build."""
    from models.store.tables import Area

    with Session(opened) as session:
        for i, hostile in enumerate(TYPED):
            lifecycle.add_note(session, _obligation(session, unit=f"binh-dinh/xa-{21550 + 3 * (i % 5)}"), "test",
                               hostile)
        lifecycle.mark_blocked(session, _obligation(session, "1.3"), CONTROLS + NUL + BIDI + SCRIPT, "test")
        session.get(Task, _obligation(session).task_id).text = f"{SCRIPT} {CONTROLS} {BIDI}"  # PostgreSQL takes no NUL
        session.get(Area, (PLAN, "1")).title = TELEGRAM_TAGS + CONTROLS
        session.commit()
        kept = [e.note for e in session.exec(select(Event).where(Event.kind.in_(("note", "blocked"))))]
        assert len(kept) == len(TYPED) + 1 and not any(c in n for n in kept for c in UNTYPED)
        assert SCRIPT in "".join(kept) and SUPERSCRIPT in kept  # markup and odd digits kept as text
        now = dt.datetime.now(VN)  # the notes were written now: a report as of an earlier day has none of them
        report = build_report(session, PLAN, now, period="2019-Q3")
        one_unit = build_report(session, PLAN, now, period="2019-Q3", unit_id=COMMUNE)  # a PDF of all takes long
        digest = digest_text(build_digest(session, PLAN, now), "vi", as_html=True)
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Chi tiết"]
    assert any(SCRIPT in str(c.value) for row in sheet.iter_rows() for c in row)
    words = "\n".join(p.text for p in Document(io.BytesIO(report_docx(report))).paragraphs)
    assert SCRIPT in words and "\x07" not in words
    assert report_pdf(one_unit).startswith(b"%PDF")
    page = report_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<script>" not in digest and "\x00" not in digest


def test_every_string_through_the_telegram_bot(opened, tmp_path):
    """A linked official sends each hostile string as text, and one as a blocked reason: the bot
    answers every message, the coordinator's notice parses as Telegram HTML (the stand-in
    refuses what Telegram refuses) and shows the reason as typed, less what nobody types."""
    with Session(opened) as session:
        tokens = {501: people.create_invitation(session, COMMUNE, "An"),
                  900: people.create_invitation(session, COORDINATOR_UNIT, "Lê", role="coordinator")}
        session.commit()
    reason = SCRIPT + TELEGRAM_TAGS + CONTROLS + BIDI

    async def scenario():
        with StandIn() as server:
            world = server.reset(World(limits=Limits().scaled(1000)))
            for user in tokens:
                world.add_user(user, f"user{user}")
            async with bot_running(opened, server, tmp_path):
                await link(world, 501, tokens[501], "Đã liên kết")
                await link(world, 900, tokens[900], "vai trò điều phối")
                for hostile in HOSTILE:
                    seen = len(world.received(501))
                    world.user_sends(501, hostile.replace("\x00", "") or "x")  # Telegram carries no NUL
                    await until(lambda: len(world.received(501)) > seen)
                with Session(opened) as session:
                    ob = _obligation(session, "1.3")
                    lifecycle.mark_blocked(session, ob, reason, "telegram:501")
                    from models.chase import notices
                    notices.blocked(session, ob, session.get(Task, ob.task_id), plain_text(reason))
                    session.commit()
                await last_text_contains(world, 900, "<script>")
                return world.received(900)[-1].text
    shown = asyncio.run(scenario())
    assert SCRIPT in shown and "<b>đậm</b>" in shown and not any(c in shown for c in UNTYPED)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_string_at_every_step_of_the_zalo_conversation(opened, hostile):
    """Typed at the list, at the menu, as a percent, a reason, a date: always an answer, never
    an error, and what is kept is plain text."""
    with Session(opened) as session:
        code = invite_on_zalo(session, COMMUNE, "An")
        session.commit()
        now = dt.datetime(2019, 10, 1, 9, tzinfo=VN)
        assert answer(session, "z1", code, now)
        for step in ("ds", hostile, "1", hostile, "3", hostile, "ds", "1", "4", hostile, "huy"):
            replies = answer(session, "z1", step, now)
            assert replies and all(text for _, text in replies)
            session.commit()
        notes = [e.note or "" for e in session.exec(select(Event).where(Event.kind == "blocked"))]
        assert not any(c in n for n in notes for c in UNTYPED)


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if h is not LONG] + ["a@b", "x" * 300 + "@x.vn"])
def test_a_hostile_address_is_refused_in_one_line(opened, hostile):
    with Session(opened) as session:
        for channel in ("email", "sms"):
            with pytest.raises(ValueError) as refused:
                people.invite_by_address(session, channel, COMMUNE, "An", hostile)
            assert "\n" not in str(refused.value)


def test_a_plan_file_full_of_hostile_text_validates_applies_and_reports(tmp_path, directory, engine):
    """Markup, controls and odd digits in a plan's cells and title: validation says what is
    wrong by file:line:field or accepts it; an accepted plan applies and its report builds."""
    import yaml

    from models.engine.apply import apply_plan
    from models.plans.validate import validate_plan
    from tests.conftest import PLAN as PLAN_FILE

    document = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    document["plan"]["title"] = SCRIPT + CONTROLS
    for task, hostile in zip(document["tasks"], TYPED):
        task["text"] = hostile
    document["tasks"][0]["timing"] = {"phrase": SUPERSCRIPT + BIDI, "kind": "annual", "due": SUPERSCRIPT + "/12"}
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    report = validate_plan(path, directory)
    assert [e.field for e in report.errors] == ["tasks[0].timing.due"]  # "²/12": a day it cannot read, named
    document["tasks"][0]["timing"]["due"] = "31/12"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert validate_plan(path, directory).ok
    apply_plan(engine, path, directory, today=dt.date(2019, 7, 1))
    with Session(engine) as session:
        Opener(session, PLAN, WorkingCalendar()).period("2019-Q3")
        session.commit()
        built = build_report(session, PLAN, dt.datetime(2019, 10, 20, tzinfo=VN), period="2019-Q3", unit_id=COMMUNE)
    assert report_xlsx(built) and report_docx(built) and report_pdf(built).startswith(b"%PDF")


@pytest.mark.parametrize("hostile", [CONTROLS, NUL, BIDI, SCRIPT, SUPERSCRIPT, LONG])
def test_a_plan_document_with_hostile_cells_imports_or_is_refused_in_one_line(tmp_path, hostile):
    from typer.testing import CliRunner

    from cli.main import app

    source = tmp_path / "plan.txt"
    source.write_text("STT\tNội dung\tCơ quan chủ trì\tThời gian\n"
                      f"1\t{hostile}\tSở Nội vụ\tHằng quý\n2\tTuyên truyền {hostile}\tUBND cấp xã\t{hostile}\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "import", str(source), "-o", str(tmp_path / "plan.yaml")])
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (0, 1) and len(result.output.strip().splitlines()) < 40
