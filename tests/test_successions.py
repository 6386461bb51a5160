"""Across the 2025 reorganisation: the Bình Định plan going on in today's Gia Lai."""

import datetime as dt

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from flows.opening import open_obligations
from models.engine.apply import apply_directory
from models.org.directory import load_directory
from models.store.tables import ChatLink, Event, Obligation, Unit
from models.common.yamlio import InputError
from tests.conftest import ORG, ROOT
from tests.test_engine import obligations, open_period

GIA_LAI = ROOT / "plans" / "org" / "gia-lai.yaml"
ON = dt.date(2025, 7, 1)
runner = CliRunner()


@pytest.fixture(scope="module")
def gia_lai():
    return load_directory(GIA_LAI)


def test_every_2019_commune_of_binh_dinh_has_a_successor_in_todays_gia_lai(gia_lai, directory):
    successions = {s.unit: s for s in gia_lai.spec.successions}
    communes = [u for u in directory.spec.units if u.level == "commune"]
    assert len(communes) == 159
    new_communes = {u.id for u in gia_lai.spec.units if u.level == "commune"}
    for commune in communes:
        succession = successions[f"binh-dinh/{commune.id}"]
        assert succession.to in new_communes and succession.on == ON, commune.id
    districts = [u for u in directory.spec.units if u.level == "district"]
    assert all(successions[f"binh-dinh/{d.id}"].closed for d in districts)  # the level is gone
    # Departments follow the reorganisation, through Bình Định's own Sở Tài chính (a chain).
    assert successions["binh-dinh/so-ke-hoach-dau-tu"].to == "binh-dinh/so-tai-chinh"
    assert successions["binh-dinh/so-tai-chinh"].to == "so-tai-chinh"


def test_the_shipped_gia_lai_is_what_migrate_drafts(tmp_path):
    out = tmp_path / "gia-lai.yaml"
    result = runner.invoke(app, ["org", "migrate", str(ORG), "-o", str(out)])
    assert result.exit_code == 0, result.output
    shipped = GIA_LAI.read_text(encoding="utf-8")
    assert shipped.endswith(out.read_text(encoding="utf-8"))  # the shipped file adds only its header


def _reports_before_and_after(engine):
    """Bình Định's 2025-Q2 opened before the date, Gia Lai applied, the daily flow on the date."""
    open_period(engine, "2025-Q2")
    before = {o.id: o.unit_id for o in obligations(engine, period="2025-Q2", status="open")}
    changes = apply_directory(engine, load_directory(GIA_LAI), today=dt.date(2025, 6, 30))
    moved = [c for c in changes if c.action == "moved" and "took over" in c.detail]
    assert moved and all(c.detail.startswith("Sở ") for c in moved)  # on 30/6 only the departments reorganised on 1/3 moved
    open_obligations.fn(as_of=ON, calendar=str(ROOT / "plans" / "calendar" / "vn.yaml"))
    return before


def test_open_obligations_follow_on_the_date_with_history_kept(applied, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", str(applied.url.render_as_string(hide_password=False)))
    from models.access.people import create_invitation
    from models.store.tables import Invitation

    with Session(applied) as session:  # people linked to a merged ward and to a dissolved district
        session.add(ChatLink(chat_id=601, unit_id="binh-dinh/xa-21550", contact="Nguyễn Văn An"))
        session.add(ChatLink(chat_id=602, unit_id="binh-dinh/huyen-540", contact="Trần Văn Bình"))
        session.commit()
    before = _reports_before_and_after(applied)
    with Session(applied) as session:
        links = {link.chat_id: link for link in session.exec(select(ChatLink))}
        assert (links[601].unit_id, links[601].active) == ("gia-lai/xa-21601", True)
        assert links[602].active is False
    # an invitation still waiting for a merged ward invites for its successor from then on
    with Session(applied) as session:
        create_invitation(session, "binh-dinh/xa-21553", "Lê Thị Cúc", "assignee")
        session.commit()
    open_obligations.fn(as_of=ON, calendar=str(ROOT / "plans" / "calendar" / "vn.yaml"))
    with Session(applied) as session:
        (invitation,) = session.exec(select(Invitation).where(Invitation.contact == "Lê Thị Cúc")).all()
        assert invitation.unit_id.startswith("gia-lai/xa-")
    with Session(applied) as session:
        moved = {ob.id: ob for ob in session.exec(select(Obligation).where(Obligation.id.in_(list(before))))}
        communes = [i for i, unit in before.items() if session.get(Unit, unit).level == "commune"]
        districts = [i for i, unit in before.items() if session.get(Unit, unit).level == "district"]
        assert communes and districts
        for ob_id in communes:
            assert moved[ob_id].unit_id.startswith("gia-lai/xa-") or moved[ob_id].status == "cancelled"
        for ob_id in districts:
            assert moved[ob_id].status == "cancelled"
        nhon_binh = next(i for i, u in before.items() if u == "binh-dinh/xa-21550")
        (event,) = session.exec(select(Event).where(Event.obligation_id == nhon_binh,
                                                    Event.kind.in_(["reassigned", "cancelled"]))).all()
        assert "Nhơn Bình" in event.note and "Quy Nhơn Đông" in event.note  # both units named
        assert event.before["unit_id"] == "binh-dinh/xa-21550"  # history keeps the old unit
        closed = session.exec(select(Event).where(Event.obligation_id == districts[0])).all()
        assert any("no longer applicable" in (e.note or "") for e in closed)
    # The next quarter opens on the new map: Gia Lai's units, none of Bình Định's.
    q3 = obligations(applied, period="2025-Q3")
    assert q3 and all(o.unit_id.startswith("gia-lai/") for o in q3)
    assert {o.unit_id for o in q3 if o.unit_id.startswith("gia-lai/xa-")} <= {
        f"gia-lai/{u.id}" for u in load_directory(GIA_LAI).spec.units}
    with Session(applied) as session:  # Bình Định's Sở Nội vụ coordinates as Gia Lai's now
        from models.store.tables import Plan
        assert session.get(Plan, "binh-dinh-53-2019").coordinator_unit_id == "gia-lai/so-noi-vu"
    # A second run on the same day moves nothing more.
    open_obligations.fn(as_of=ON, calendar=str(ROOT / "plans" / "calendar" / "vn.yaml"))
    assert len(obligations(applied, period="2025-Q3")) == len(q3)


def test_a_split_commune_can_share_its_duty(applied, tmp_path):
    open_period(applied, "2025-Q2")
    text = GIA_LAI.read_text(encoding="utf-8").replace(
        "{unit: binh-dinh/xa-21634, on: '2025-07-01', to: xa-21628, also: [xa-21622],",
        "{unit: binh-dinh/xa-21634, on: '2025-07-01', to: xa-21628, also: [xa-21622], share: all,", 1)
    path = tmp_path / "gia-lai.yaml"
    path.write_text(text, encoding="utf-8")
    split = obligations(applied, unit_id="binh-dinh/xa-21634", period="2025-Q2", status="open")
    apply_directory(applied, load_directory(path), today=ON)
    assert len(obligations(applied, unit_id="gia-lai/xa-21622", period="2025-Q2")) >= len(split)


def test_successions_that_lead_back_are_refused_with_their_line(tmp_path):
    text = ORG.read_text(encoding="utf-8")
    text = text.replace("  - id: xa-21550\n", "  - id: xa-21550\n    successor: {id: xa-21553, 'on': 2019-08-01}\n", 1)
    text = text.replace("  - id: xa-21553\n", "  - id: xa-21553\n    successor: {id: xa-21550, 'on': 2019-09-01}\n", 1)
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_directory(path)
    (problem,) = [p for p in caught.value.problems if "lead back" in p.message]
    assert problem.line and "binh-dinh/xa-21550 → binh-dinh/xa-21553 → binh-dinh/xa-21550" in problem.message


def test_a_unit_that_is_its_own_successor_or_parent_is_refused(tmp_path):
    text = ORG.read_text(encoding="utf-8").replace(
        "  - id: xa-21550\n", "  - id: xa-21550\n    successor: {id: xa-21550, 'on': 2019-08-01}\n", 1)
    text = text.replace("  - id: huyen-540\n", "  - id: huyen-540\n    parent: huyen-540\n", 1)
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["org", "validate", str(path)])
    assert result.exit_code == 1
    assert "successors lead back to it" in result.output and "parents lead back to it" in result.output
    assert "Traceback" not in result.output


def test_a_cycle_across_directories_is_refused_when_applied(applied, tmp_path):
    apply_directory(applied, load_directory(GIA_LAI), today=dt.date(2025, 6, 30))
    text = ORG.read_text(encoding="utf-8").replace(
        "  - id: xa-21550\n", "  - id: xa-21550\n    successor: {id: gia-lai/xa-21553, 'on': 2025-07-01}\n", 1)
    text = text.replace("directory:\n  id: binh-dinh", "directory:\n  id: binh-dinh", 1)
    back = tmp_path / "gia-lai-back.yaml"
    back.write_text(GIA_LAI.read_text(encoding="utf-8").replace(
        "successions:\n", "successions:\n  - {unit: xa-21601, on: '2025-08-01', to: binh-dinh/xa-21550}\n", 1),
        encoding="utf-8")
    with pytest.raises(InputError) as caught:
        apply_directory(applied, load_directory(back), today=dt.date(2025, 6, 30))
    assert any("lead back" in p.message and p.line for p in caught.value.problems)


def test_an_old_plan_on_todays_map_is_told_what_changed(directory, gia_lai):
    from models.plans.validate import validate_plan
    from tests.conftest import PLAN
    report = validate_plan(PLAN, directory, [gia_lai], as_of=dt.date(2026, 1, 5))
    assert report.ok
    warnings = [str(w) for w in report.warnings]
    assert any('"UBND cấp huyện": its 11 unit(s) ended on 01/07/2025' in w and 'replacement: "UBND cấp xã"' in w
               for w in warnings)
    # district police ended on 1/3/2025, their work to the provincial police (Bình Định's, then Gia Lai's)
    assert any('"Công an cấp huyện": from 01/03/2025 its obligations open for Công an tỉnh' in w for w in warnings)
    assert any('"Sở Thông tin và Truyền thông": from 01/03/2025 its obligations open for Sở Khoa học và Công nghệ'
               in w for w in warnings)
    before = validate_plan(PLAN, directory, [gia_lai], as_of=dt.date(2025, 2, 1))
    assert not [w for w in before.warnings if "ended on" in w.message or "open for" in w.message]


def test_the_2026_demo_crosses_1_july_2025_then_chases_2026_q1(tmp_path, monkeypatch):
    """The crossing part of `dondoc demo --year 2026` (its Telegram replay is the 2019 demo's)."""
    from rich.console import Console

    from cli.demo import SCENARIOS, cross_2025
    from cli.paths import DEFAULT_CALENDAR, DEMO_PLAN
    from models.common import clock
    from models.engine.apply import apply_plan
    from models.store.db import make_engine, upgrade
    from models.calendar.workcal import load_calendar

    monkeypatch.setenv("DONDOC_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    apply_plan(engine, DEMO_PLAN, load_directory(ORG), today=dt.date(2025, 4, 1))
    console = Console(record=True, width=200)
    try:
        cross_2025(console, engine, tmp_path / "demo.db", GIA_LAI, DEFAULT_CALENDAR)
    finally:
        clock.back_to_now()
    output = console.export_text()
    assert "1 July 2025: " in output and "UBND phường Nhơn Bình (thành phố Quy Nhơn)" in output
    assert "UBND phường Quy Nhơn Đông" in output
    with Session(engine) as session:
        left = session.exec(select(Obligation).where(Obligation.unit_id.startswith("binh-dinh/"),
                                                     Obligation.status == "open")).all()
        assert not [o for o in left if session.get(Unit, o.unit_id).successor_on]
        districts = session.exec(select(Obligation).where(Obligation.unit_id.like("binh-dinh/huyen-%"),
                                                          Obligation.period == "2025-Q2")).all()
        assert districts and {o.status for o in districts} <= {"cancelled", "done"}
    days = SCENARIOS[2026].days(load_calendar(DEFAULT_CALENDAR))
    assert days[0] == dt.date(2026, 1, 1) and all(d.year == 2026 for d in days)
