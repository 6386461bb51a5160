"""Nothing from outside runs in the dashboard: every value is escaped by construction, the
policy forbids inline script and style, and a POST from another site is refused."""

import datetime as dt
import re
from pathlib import Path

import lxml.html
import pytest
from sqlmodel import Session

from models.access.people import store_evidence
from models.engine import lifecycle
from models.store.tables import Area, ChatLink, Plan, Task, Unit
from models.calendar.workcal import VN
from tests.hostile import ATTRIBUTE, SCRIPT, TELEGRAM_TAGS, URL
from tests.webkit import COMMUNE, COORDINATOR_UNIT, PLAN, _obligation, csrf_of, sign_in

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "web"


def assert_inert(page: str, where: str) -> None:
    """No script but our own file, no event handler, no inline style, no script URL."""
    for element in lxml.html.fromstring(page).iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        assert tag not in ("img", "iframe", "object", "embed", "base"), (where, tag)
        if tag == "script":
            assert element.get("src", "").startswith("/static/") and not (element.text or "").strip(), where
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, name, value)
            assert name.lower() != "style", (where, value)
            assert not value.strip().lower().startswith("javascript:"), (where, name, value)


def visible(page: str) -> str:
    return lxml.html.fromstring(page).text_content()


@pytest.fixture
def hostile_web(web, tmp_path):
    """The dashboard after people typed markup everywhere: the plan, area, task and unit
    names, notes, reasons, a contact's name, an evidence file's name."""
    engine, client = web
    with Session(engine) as session:
        session.get(Plan, PLAN).title = SCRIPT
        session.get(Area, (PLAN, "1")).title = ATTRIBUTE
        ob = _obligation(session, COMMUNE, "2.2")
        session.get(Task, ob.task_id).text = f"{SCRIPT} {ATTRIBUTE}"
        session.get(Unit, COMMUNE).name = f"UBND {ATTRIBUTE}"
        lifecycle.request_extension(session, ob, dt.datetime(2019, 10, 30, tzinfo=VN), SCRIPT, "test")
        lifecycle.add_note(session, _obligation(session, COMMUNE, "1.1"), "test", ATTRIBUTE)
        lifecycle.add_note(session, _obligation(session, COMMUNE, "1.3"), "test", TELEGRAM_TAGS)
        store_evidence(session, ob, b"%PDF-1.4", f"{ATTRIBUTE}.pdf", "application/pdf", "test", tmp_path / "ev")
        session.add(ChatLink(chat_id=777, unit_id=COMMUNE, contact=SCRIPT, active=False, dead_reason=ATTRIBUTE))
        session.commit()
        return engine, client, ob.id


def test_no_template_can_render_a_value_unescaped():
    """Escaping is on for every template, and no template turns it off for a value: markup
    of our own (charts, QR codes) comes from code, built from escaped parts."""
    from web.app import _templates

    env = _templates().env
    assert env.autoescape is True
    names = sorted(TEMPLATES.glob("*.j2"))
    assert len(names) > 10
    for path in names:
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup", path.read_text()), path.name
    assert env.from_string("{{ value }}").render(value=SCRIPT) == "&lt;script&gt;alert(&#34;dondoc&#34;)&lt;/script&gt;"


@pytest.mark.parametrize("role, unit, contact", [
    ("coordinator", COORDINATOR_UNIT, ATTRIBUTE),
    ("viewer", "binh-dinh/ubnd-tinh", SCRIPT),
    ("assignee", COMMUNE, f"An {SCRIPT}"),
])
def test_hostile_values_are_shown_as_text_on_every_page(hostile_web, role, unit, contact):
    engine, client, ob_id = hostile_web
    sign_in(engine, client, unit=unit, role=role, contact=contact)
    pages = ["/", f"/plans/{PLAN}", f"/plans/{PLAN}/areas/1", "/obligations", f"/obligations?plan={PLAN}&blocked=1",
             f"/obligations/{ob_id}", f"/units/{COMMUNE}", "/decisions", "/reach"]
    shown = ""
    for path in pages:
        answer = client.get(path)
        assert answer.status_code in (200, 403, 404), (path, answer.status_code)
        assert_inert(answer.text, f"{role} {path}")
        assert "Content-Security-Policy" in answer.headers and answer.headers["X-Frame-Options"] == "DENY"
        shown += visible(answer.text)
    assert contact in shown  # the person's own name, as typed, as text
    assert ATTRIBUTE in shown and SCRIPT in shown  # hostile values are shown, not dropped


def test_values_from_the_address_are_never_markup(hostile_web):
    engine, client, ob_id = hostile_web
    for path, params in [("/login", {"token": ATTRIBUTE}), ("/o/1", {"l": 1, "e": 1, "s": ATTRIBUTE}),
                         ("/signin", {"error": SCRIPT})]:
        answer = client.get(path, params=params)
        assert_inert(answer.text, path)
    assert_inert(client.get("/join/" + ATTRIBUTE.replace("/", "")).text, "/join")
    sign_in(engine, client)
    for params in ({"q": ATTRIBUTE, "unit": SCRIPT, "plan": PLAN}, {"category": URL, "task": ATTRIBUTE},
                   {"page": "999999", "area": SCRIPT, "plan": PLAN}):
        answer = client.get("/obligations", params=params)
        assert answer.status_code in (200, 404) and "Traceback" not in answer.text
        assert_inert(answer.text, f"/obligations {params}")
    # a message on the obligation's page comes from the action just refused, never from the address
    page = client.get(f"/obligations/{ob_id}", params={"error": "Tài khoản bị khóa, gọi 0900 000 000"}).text
    assert "0900 000 000" not in page


def test_every_page_forbids_inline_script_and_framing(web):
    engine, client = web
    sign_in(engine, client)
    for path in ("/", "/signin", "/static/dondoc.css", "/nowhere"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"


def test_a_post_from_another_site_is_refused_before_any_route(web):
    engine, client = web
    token = None
    with Session(engine) as session:
        from models.access.weblogin import create_login_link

        token = create_login_link(session, COORDINATOR_UNIT, "Lê", "coordinator", "test")
        session.commit()
    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        answer = client.post("/login", data={"token": token}, headers={"Origin": origin})
        assert answer.status_code == 403, origin
    assert client.post("/login", data={"token": token}, headers={"Referer": "https://evil.example/x"}).status_code == 403
    # the link was not used by the refused posts: our own page still signs in with it
    assert client.post("/login", data={"token": token}, headers={"Origin": "http://testserver"}).status_code == 303


def test_odd_secrets_are_refused_not_errors(web):
    engine, client = web
    sign_in(engine, client)
    with Session(engine) as session:
        ob = _obligation(session, COMMUNE, "1.1")
    for csrf in ("ñ" * 64, "\u202e", "'\x00'"):
        assert client.post(f"/obligations/{ob.id}", data={"action": "note", "note": "x", "csrf": csrf}).status_code == 403
    answer = client.post("/hooks/zalo", json={}, headers={"X-Bot-Api-Secret-Token": "ñ".encode()})
    assert answer.status_code == 403
    assert client.get("/o/1", params={"l": 1, "e": 99999999999, "s": "ñ" * 32}).status_code == 400


def test_an_imported_plan_full_of_markup_is_shown_as_text(web):
    engine, client = web
    sign_in(engine, client)
    page = client.get("/imports").text
    table = (f"| TT | Nhiệm vụ | Cơ quan chủ trì | Thời gian thực hiện |\n| --- | --- | --- | --- |\n"
             f"| 1 | {SCRIPT} | Sở Nội vụ | Hằng quý |\n| 2 | {ATTRIBUTE} | {SCRIPT} | {URL} |\n"
             f"| 3 | Việc ba | Sở Tư pháp | Năm 2026 |\n")
    answer = client.post("/imports", data={"csrf": csrf_of(page)},
                         files={"file": (f"{ATTRIBUTE}.md", table.encode(), "text/markdown")})
    assert answer.status_code == 303
    review = client.get(answer.headers["location"])
    assert_inert(review.text, "/imports/1")
    assert SCRIPT in visible(review.text) and "Content-Security-Policy" in review.headers
    assert_inert(client.get("/imports").text, "/imports")



def test_markup_controls_and_long_text_through_every_form_and_query(web):
    """<img onerror>, a control character and 5,000 characters in each field and query of the
    sign-in, signed-link, evidence, import and delivery-report routes: an answer, never a 500,
    and nothing in it runs."""
    engine, client = web
    nasty = [ATTRIBUTE, "x\x07y\x1b[31m", "ê" * 5000]
    sign_in(engine, client)
    page = client.get("/imports").text
    table = "| TT | Nhiệm vụ | Cơ quan chủ trì |\n| --- | --- | --- |\n" + "".join(
        f"| {i} | {text} | Sở Nội vụ |\n" for i, text in enumerate(nasty, 1))
    draft = client.post("/imports", data={"csrf": csrf_of(page)},
                        files={"file": ("\u202e" + "p" * 300 + ".md", table.encode(), "text/markdown")})
    assert draft.status_code == 303
    review = client.get(draft.headers["location"]).text
    for text in nasty:
        for field in ("text", "lead", "timing_kind", "timing_date", "timing_due", "nonsense"):
            answer = client.post(f"{draft.headers['location']}/tasks/1", data={"csrf": csrf_of(review),
                                                                               "field": field, "value": text})
            assert answer.status_code in (303, 400, 404), (field, answer.status_code)
            assert answer.status_code != 400 or ("<img" not in answer.text and "\x1b" not in answer.text)
        for field in ("title", "issued_on", "coordinator"):
            answer = client.post(f"{draft.headers['location']}/plan", data={"csrf": csrf_of(review), field: text})
            assert answer.status_code in (303, 400), (field, answer.status_code)
        timing = client.get(f"/plans/{PLAN}/timing").text
        for form in ({"kind": text}, {"kind": "once", "date": text}, {"kind": "annual", "due": text},
                     {"linked_plan": text}):
            answer = client.post(f"/plans/{PLAN}/timing/1.2", data={"csrf": csrf_of(timing), **form})
            assert answer.status_code in (303, 400, 404), (form, answer.status_code)
            if answer.status_code == 400:
                assert_inert(answer.text, "timing")
                assert "\x07" not in answer.text and "\x1b" not in answer.text and text[:200] not in answer.text
        assert client.post(f"{draft.headers['location']}/apply", data={"csrf": csrf_of(review)}).status_code < 500
        for path, params in [("/login", {"token": text}), ("/o/1", {"l": 1, "e": 1, "s": text}),
                             ("/obligations", {"plan": PLAN, "sort": text, "q": text}),
                             (f"/plans/{PLAN}/timing", {}), ("/reach", {"unit": text}),
                             ("/m", {"l": text, "e": 1, "s": "x"}), (draft.headers["location"], {}),
                             ("/hooks/sms/" + "0" * 32, {"SMSID": text}), ("/imports", {})]:
            answer = client.get(path, params=params)
            assert answer.status_code < 500, (path, answer.status_code)
            if answer.headers.get("content-type", "").startswith("text/html"):
                assert_inert(answer.text, path)
                assert "\x07" not in answer.text and "\x1b" not in answer.text
        assert client.post("/m/fresh", data={"l": 1, "e": 1, "s": text}).status_code == 400
    plan = client.get(f"{draft.headers['location']}/plan.yaml")
    assert plan.status_code == 200 and "\x07" not in plan.text


def test_a_period_or_area_the_plan_does_not_track_is_not_written_back_into_the_page(web):
    """An unknown period is dropped (every period is shown) and an unknown area is a 404: neither
    comes back in the page's links, markup, control characters or 5,000 letters alike."""
    engine, client = web
    sign_in(engine, client)
    for value in ("<img src=x onerror=alert(1)>", "a\x07b\x1bc", "ệ" * 5000):
        for path in ("/", f"/plans/{PLAN}", f"/plans/{PLAN}/areas/1"):
            page = client.get(path, params={"period": value})
            assert page.status_code == 200
            assert "<img src=x" not in page.text and "\x07" not in page.text and "ệệệ" not in page.text
        assert client.get(f"/plans/{PLAN}/areas/x%07%3Cimg%3E").status_code == 404
    assert "period=2019-Q3" in client.get(f"/plans/{PLAN}", params={"period": "2019-Q3"}).text
