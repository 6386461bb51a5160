"""Who may see and do what on the dashboard: every role against every page and action."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.store.tables import Obligation
from tests.webkit import COMMUNE, OTHER_COMMUNE, PLAN, _obligation, csrf_of, sign_in

ROLES = {  # who signs in: (unit, role)
    "coordinator": ("binh-dinh/so-noi-vu", "coordinator"),
    "viewer": ("binh-dinh/ubnd-tinh", "viewer"),
    "assignee": (COMMUNE, "assignee"),
    "other_coordinator": ("binh-dinh/so-tu-phap", "coordinator"),  # coordinates no plan
}
# page -> status per role (coordinator, viewer, assignee, other coordinator)
PAGES = {
    "/": (200, 200, 200, 200),
    f"/plans/{PLAN}": (200, 200, 200, 404),
    "/obligations/{mine}": (200, 200, 200, 404),
    "/obligations/{theirs}": (200, 200, 404, 404),
    f"/units/{COMMUNE}": (200, 200, 200, 404),
    f"/units/{OTHER_COMMUNE}": (200, 200, 404, 404),
    "/units/binh-dinh/so-noi-vu": (200, 200, 404, 404),
    "/decisions": (200, 200, 403, 200),
    "/reach": (200, 403, 403, 200),
    "/imports": (200, 403, 403, 200),
    f"/export.xlsx?plan={PLAN}": (200, 200, 200, 404),
}


@pytest.fixture
def ids(web):
    engine, _ = web
    with Session(engine) as session:
        return {"mine": _obligation(session, COMMUNE, "1.1").id, "theirs": _obligation(session, OTHER_COMMUNE, "1.1").id}


def _signed_in(web, who: str) -> TestClient:
    engine, client = web
    unit, role = ROLES[who]
    sign_in(engine, client, unit=unit, role=role, contact=f"Người {who}")
    return client


@pytest.mark.parametrize("who", list(ROLES))
def test_every_page_for_every_role(web, ids, who):
    client = _signed_in(web, who)
    column = list(ROLES).index(who)
    seen = {path: client.get(path.format(**ids)).status_code for path in PAGES}
    assert seen == {path: codes[column] for path, codes in PAGES.items()}
    nav = client.get("/").text
    assert ('href="/reach"' in nav) == (ROLES[who][1] == "coordinator")


# action -> (form, obligation, allowed roles); the rest are refused and change nothing
ACTIONS = [
    ({"action": "approve"}, "mine", {"coordinator"}),
    ({"action": "note", "note": "đề nghị bổ sung"}, "mine", {"coordinator"}),
    ({"action": "postpone"}, "mine", {"coordinator"}),
    ({"action": "progress", "percent": "30"}, "mine", {"assignee"}),
    ({"action": "done"}, "mine", {"assignee"}),
    ({"action": "progress", "percent": "30"}, "theirs", set()),
]


@pytest.mark.parametrize("who", list(ROLES))
@pytest.mark.parametrize("form, which, allowed", ACTIONS)
def test_every_action_for_every_role(web, ids, who, form, which, allowed):
    engine, _ = web
    client = _signed_in(web, who)
    csrf = csrf_of(client.get("/").text)
    with Session(engine) as session:
        before = session.get(Obligation, ids[which]).model_dump()
    answer = client.post(f"/obligations/{ids[which]}", data={**form, "csrf": csrf})
    if who in allowed:
        assert answer.status_code == 303, answer.text
    else:
        assert answer.status_code in (403, 404)
        with Session(engine) as session:
            assert session.get(Obligation, ids[which]).model_dump() == before


@pytest.mark.parametrize("who", list(ROLES))
def test_only_a_coordinator_invites_and_only_to_their_plans(web, who):
    client = _signed_in(web, who)
    csrf = csrf_of(client.get("/").text)
    answer = client.post("/reach/invite", data={"unit_id": OTHER_COMMUNE, "contact": "Trần Bình", "csrf": csrf})
    assert answer.status_code == (200 if who == "coordinator" else 403)


def test_a_coordinator_sees_a_channel_that_stopped_delivering(web):
    from models.chase import outbox

    engine, _ = web
    with Session(engine) as session:
        outbox.record_stop(session, "zalo", "refused: Zalo refused the bot token (401)")
        session.commit()
    shown = _signed_in(web, "coordinator").get("/").text
    assert "Zalo không gửi được tin" in shown and "refused the bot token" in shown


def test_a_refused_action_stays_in_the_audit_not_in_notes_or_the_timeline(web):
    """An assignee's try at a coordinator's action is recorded for the audit, but it is not the
    unit's latest note in the reports, nor a step of the obligation's story."""
    import datetime as dt

    from models.report.dashboard import timeline
    from models.report.period import build_report
    from models.store.tables import Event, utcnow

    engine, client = web
    sign_in(engine, client, unit=COMMUNE, role="assignee", contact="An")
    with Session(engine) as session:
        ob = _obligation(session, COMMUNE, "2.2")
    page = client.get(f"/obligations/{ob.id}").text
    client.post(f"/obligations/{ob.id}", data={"action": "postpone", "csrf": csrf_of(page)})
    with Session(engine) as session:
        assert session.exec(select(Event).where(Event.kind == "refused", Event.obligation_id == ob.id)).first()
        assert all(m.kind != "refused" for m in timeline(session, session.get(type(ob), ob.id)))
        row = next(r for r in build_report(session, PLAN, utcnow() + dt.timedelta(seconds=1), period="2019-Q3").rows
                   if r.obligation_id == ob.id)
        assert "not allowed" not in row.note


def test_the_list_shows_how_late_work_is_and_sorts_the_longest_overdue_first(web):
    import re

    from tests.webkit import sign_in as coordinator_signs_in

    engine, client = web
    coordinator_signs_in(engine, client)
    page = client.get(f"/obligations?plan={PLAN}&sort=late&period=2019-Q3").text
    assert "Số ngày quá hạn" in page
    late = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>\s*<td><span class="tag open_overdue', page)]
    assert late and late == sorted(late, reverse=True)  # the longest overdue first


def test_the_heat_map_shades_by_the_overdue_share_of_work_with_a_deadline():
    """A row of 11 overdue of 11 dated is as dark as it gets, whatever check-ins sit beside it."""
    from models.report.dashboard import Matrix
    from models.report.rollup import Category, Tally

    district = Tally(("1", "district"), {Category.open_overdue: 11, Category.no_deadline: 150})
    commune = Tally(("1", "commune"), {Category.open_overdue: 157, Category.done_on_time: 4})
    matrix = Matrix([], ["district", "commune"], {("1", "district"): district, ("1", "commune"): commune}, {})
    assert matrix.overdue_share("1", "district") == 1.0
    assert round(matrix.overdue_share("1", "commune"), 2) == 0.98


def test_the_heat_map_has_its_legend(web):
    engine, client = web
    sign_in(engine, client)
    page = client.get(f"/plans/{PLAN}").text
    assert "Tỷ lệ việc quá hạn trên việc có thời hạn" in page and 'class="swatch heat-10"' in page


def test_the_dashboards_colours_keep_wcag_aa_contrast():
    """Text on the dashboard's coloured tags, buttons and links: at least 4.5:1 (WCAG 2.1 AA)."""
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[1] / "web" / "static" / "dondoc.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--(\w+): (#[0-9A-Fa-f]{6})", css))

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    white = "#ffffff"
    pairs = [(var["ok"], white), (var["over"], white), (var["late"], var["ink"]), (var["open"], var["ink"]),
             ("#6b2d5c", white), ("#17324d", white), ("#0b5cad", white), (var["muted"], var["bg"]),
             (var["ink"], var["bg"]), ("#a32000", white)]
    assert all(contrast(a, b) >= 4.5 for a, b in pairs), [(a, b, round(contrast(a, b), 2)) for a, b in pairs]
