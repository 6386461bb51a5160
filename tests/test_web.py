"""The web dashboard over HTTP (Starlette's TestClient, no browser): signing in, who may see
and do what, the filters, decisions through the lifecycle, exports, outcome indices."""

import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, select

from models.access import people
from models.engine import lifecycle
from models.report.outcomes import load_outcomes, record_outcomes
from models.calendar.periods import period_words
from models.store.tables import ChatLink, Event, Evidence, Obligation, Outbox, Task, WebLogin
from models.access.weblogin import create_login_link
from models.calendar.workcal import VN
from models.common.yamlio import InputError
from tests.webkit import (ASSIGNEE_CHAT, COMMUNE, COORDINATOR_UNIT, OTHER_COMMUNE, PLAN, _obligation, csrf_of, exported,
                          obligation_page, sign_in)

def test_pages_need_a_session(web):
    _, client = web
    for path in ("/", f"/plans/{PLAN}", "/obligations", "/decisions", "/reach", "/obligations/1"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/signin", path
    assert client.get("/obligations", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/signin"
    assert "gõ /web" in client.get("/signin").text


def test_a_sign_in_link_works_once_and_a_get_does_not_use_it(web):
    engine, client = web
    with Session(engine) as session:
        token = create_login_link(session, COORDINATOR_UNIT, "Lê Chuyên viên", "coordinator", "test")
        session.commit()
    assert "Đăng nhập với đường liên kết này?" in client.get(f"/login?token={token}").text  # a link preview
    assert client.post("/login", data={"token": token}).status_code == 303
    cookie = client.cookies.get("dondoc_session")
    assert cookie and token not in cookie
    assert "53/KH-UBND" in client.get("/").text
    replay = TestClient(client.app, follow_redirects=False).post("/login", data={"token": token})
    assert replay.status_code == 400 and "đã được dùng" in replay.text
    assert "không hợp lệ" in TestClient(client.app).post("/login", data={"token": "x" * 32}).text
    with Session(engine) as session:  # only the hash is stored; signing in is on the record
        assert token not in str(session.exec(select(WebLogin.token_hash)).all())
        assert session.exec(select(Event).where(Event.kind == "web_signed_in")).first() is not None


def test_an_expired_link_is_refused(web):
    engine, client = web
    with Session(engine) as session:
        token = create_login_link(session, COORDINATOR_UNIT, "Lê", "coordinator", "test",
                                  now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=11))
        session.commit()
    answer = client.post("/login", data={"token": token})
    assert answer.status_code == 400 and "đã hết hạn" in answer.text


def test_a_post_without_the_csrf_token_is_refused(web):
    engine, client = web
    sign_in(engine, client)
    with Session(engine) as session:
        ob = _obligation(session, COMMUNE, "1.1")
    assert client.post(f"/obligations/{ob.id}", data={"action": "approve"}).status_code == 403
    assert client.post(f"/obligations/{ob.id}", data={"action": "approve", "csrf": "0" * 64}).status_code == 403
    with Session(engine) as session:
        assert session.get(Obligation, ob.id).status == "extension_requested"


def test_a_viewer_reads_but_may_not_act(web):
    engine, client = web
    sign_in(engine, client, unit="binh-dinh/ubnd-tinh", role="viewer", contact="Lãnh đạo UBND tỉnh")
    with Session(engine) as session:
        ob = _obligation(session, COMMUNE, "1.1")
    page = client.get(f"/obligations/{ob.id}")
    assert page.status_code == 200 and "chờ số liệu của các thôn" in page.text
    assert "Đồng ý gia hạn" not in page.text  # no buttons to press
    answer = client.post(f"/obligations/{ob.id}", data={"action": "approve", "csrf": csrf_of(page.text)})
    assert answer.status_code == 403
    with Session(engine) as session:
        assert session.get(Obligation, ob.id).status == "extension_requested"
        refused = session.exec(select(Event).where(Event.kind == "refused", Event.obligation_id == ob.id)).one()
        assert refused.actor.startswith("web:Lãnh đạo UBND tỉnh")


def test_an_assignee_sees_only_their_units_obligations(web):
    engine, client = web
    sign_in(engine, client, unit=COMMUNE, role="assignee", contact="Nguyễn Văn An")
    with Session(engine) as session:
        mine, other = _obligation(session, COMMUNE, "1.3"), _obligation(session, OTHER_COMMUNE, "1.3")
    assert client.get(f"/obligations/{mine.id}").status_code == 200
    assert client.get(f"/obligations/{other.id}").status_code == 404
    assert client.get(f"/units/{OTHER_COMMUNE}").status_code == 404
    listed = client.get("/obligations").text
    assert "UBND phường Nhơn Bình" in listed and "Nhơn Phú" not in listed
    # and reports on its own work: progress clears the block
    page = client.get(f"/obligations/{mine.id}").text
    answer = client.post(f"/obligations/{mine.id}", data={"action": "progress", "percent": "40", "note": "đã họp thôn",
                                                          "csrf": csrf_of(page)})
    assert answer.status_code == 303
    with Session(engine) as session:
        ob = session.get(Obligation, mine.id)
        assert (ob.status, ob.progress) == ("open", 40)
        event = session.exec(select(Event).where(Event.obligation_id == ob.id, Event.kind == "progress")).one()
        assert event.actor == f"web:Nguyễn Văn An ({COMMUNE})" and event.note == "đã họp thôn"


def test_approving_an_extension_on_the_web_tells_the_assignee(web):
    engine, client = web
    ob, page = obligation_page(engine, client)
    assert "31/10/2019" in page and "chờ số liệu của các thôn" in page
    answer = client.post(f"/obligations/{ob.id}", data={"action": "approve", "csrf": csrf_of(page)})
    assert answer.status_code == 303
    with Session(engine) as session:
        after = session.get(Obligation, ob.id)
        assert after.status == "open" and after.due_at.astimezone(VN).date() == dt.date(2019, 10, 31)
        assert after.original_due_at.astimezone(VN).date() == dt.date(2019, 10, 14)
        message = session.exec(select(Outbox).where(Outbox.chat_id == ASSIGNEE_CHAT)).one()
        assert "Đã đồng ý gia hạn nhiệm vụ 1.1 đến 31/10/2019" in message.payload["text"]
    again = client.post(f"/obligations/{ob.id}", data={"action": "approve", "csrf": csrf_of(page)})
    assert again.status_code == 400 and "Không thực hiện được" in again.text  # approved once only


def test_decisions_in_bulk(web):
    engine, client = web
    with Session(engine) as session:
        for unit in ("binh-dinh/xa-21553", "binh-dinh/xa-21556"):
            lifecycle.request_extension(session, _obligation(session, unit, "1.1"),
                                        dt.datetime(2019, 10, 25, 23, 59, tzinfo=VN), "thiếu người", "test")
        session.commit()
    sign_in(engine, client)
    page = client.get("/decisions").text
    ids = re.findall(r'name="ob" value="(\d+)"', page)
    assert len(ids) == 4  # three extension requests, one blocked
    waiting = ids[:3]
    answer = client.post("/decisions", data={"ob": waiting, "action": "approve", "csrf": csrf_of(page)})
    assert answer.status_code == 303
    with Session(engine) as session:
        assert {session.get(Obligation, int(i)).status for i in waiting} == {"open"}
    after = client.get(answer.headers["location"]).text
    assert "Đã xử lý 3/3 mục" in after and "Không có gì chờ xử lý" in after


def test_filters_former_district_search_and_category(web):
    engine, client = web
    sign_in(engine, client)
    former = client.get(f"/obligations?plan={PLAN}&former=binh-dinh/huyen-550&task=1.3").text  # Tuy Phước
    assert "Phước Hiệp" in former and "Nhơn Bình" not in former
    found = client.get(f"/obligations?plan={PLAN}&q=nhon binh&task=1.3").text  # no diacritics typed
    assert "UBND phường Nhơn Bình" in found and re.search(r"<b>1 nhiệm vụ</b>", found)
    blocked = client.get("/obligations?blocked=1").text
    assert "chưa có kinh phí" in blocked and "<b>1 nhiệm vụ</b>" in blocked
    overdue = client.get(f"/obligations?plan={PLAN}&category=open_overdue&area=1&level=commune&period=2019-Q3")
    counts = re.search(r"<b>(\d+) nhiệm vụ</b>", overdue.text).group(1)
    plan_page = client.get(f"/plans/{PLAN}?period=2019-Q3").text.replace("&amp;", "&")
    cell = re.search(rf"plan={PLAN}&period=2019-Q3&area=1&level=commune&category=open_overdue\">(\d+)<", plan_page)
    assert cell.group(1) == counts and int(counts) > 100  # the heat map's count is the list's


def test_the_filtered_export_holds_the_filtered_rows(web):
    engine, client = web
    sign_in(engine, client)
    answer = exported(client, f"plan={PLAN}&period=2019-Q3&former=binh-dinh/huyen-550&task=1.3", "xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(answer.content))["Chi tiết"]
    units = {row[3] for row in sheet.iter_rows(values_only=True) if row and row[1] == "1.3"}
    assert units and all("Tuy Phước" in u for u in units)
    pdf = exported(client, f"plan={PLAN}&period=2019-Q3&blocked=1", "pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    word = exported(client, f"plan={PLAN}&period=2019-Q3&blocked=1", "docx")  # the document to complete and sign
    assert word.status_code == 200 and word.headers["content-disposition"].endswith('.docx"')
    assert "SỞ NỘI VỤ" in Document(io.BytesIO(word.content)).tables[0].rows[0].cells[0].text  # the narrowed report's too
    assert client.get("/export.xlsx").status_code == 404  # a report is of one plan
    csrf = csrf_of(client.get("/").text)
    assert client.post("/exports", data={"fmt": "xlsx", "query": "period=2019-Q3", "csrf": csrf}).status_code == 404


def test_a_coordinator_invites_from_the_reach_page(web):
    engine, client = web
    sign_in(engine, client)
    page = client.get("/reach").text
    assert "Đơn vị không liên lạc được" in page
    answer = client.post("/reach/invite", data={"unit_id": OTHER_COMMUNE, "contact": "Trần Thị Bình",
                                                "role": "assignee", "csrf": csrf_of(page)})
    assert answer.status_code == 200 and "<svg" in answer.text and "/start " in answer.text
    token = re.search(r"/start ([A-Za-z0-9_-]{20,})", answer.text).group(1)
    with Session(engine) as session:
        link = people.redeem_invitation(session, token, 4242, "vi")
        assert link.unit_id == OTHER_COMMUNE


def test_the_unit_page_and_the_obligation_timeline(web):
    engine, client = web
    sign_in(engine, client)
    unit = client.get(f"/units/{COMMUNE}").text
    assert "Quý III/2019" in unit and "Nguyễn Văn An" in unit and "đang liên kết" in unit
    with Session(engine) as session:
        ob = _obligation(session, COMMUNE, "1.3")
    page = client.get(f"/obligations/{ob.id}").text
    assert "Báo vướng mắc" in page and "chưa có kinh phí" in page and "Mở nhiệm vụ" in page


def test_english_by_a_switch(web):
    engine, client = web
    sign_in(engine, client)
    answer = client.get("/lang/en?back=/decisions")
    assert answer.headers["location"] == "/decisions"
    assert "Extension requests waiting" in client.get("/decisions").text
    for elsewhere in ("//evil.example", "/\\evil.example", "https://evil.example"):
        assert client.get("/lang/en", params={"back": elsewhere}).headers["location"] == "/"


def test_outcome_indices_beside_the_plan(web, tmp_path):
    engine, client = web
    source = tmp_path / "papi.csv"
    source.write_text("province,name,dimension,year,score,scale,rank,rank_of,source\n"
                      "binh-dinh,PAPI,,2018,41.04,80,,,KH 53/KH-UBND\n"
                      "binh-dinh,PAPI,,2019,42.5,80,30,63,Báo cáo PAPI 2019\n", encoding="utf-8")
    with Session(engine) as session:
        assert record_outcomes(session, load_outcomes(source), str(source)) == (2, 0)
        session.commit()
    sign_in(engine, client)
    page = client.get(f"/plans/{PLAN}").text
    assert "41.04/80" in page and "30/63" in page and "Công khai, minh bạch" in page
    summary = load_workbook(io.BytesIO(exported(client, f"plan={PLAN}", "xlsx").content))["Tổng hợp"]
    figures = [row for row in summary.iter_rows(values_only=True) if row[0] == "PAPI"]
    assert [(r[2], r[3], r[4], r[5]) for r in figures] == [(2018, 41.04, 80, None), (2019, 42.5, 80, "30/63")]


def test_bad_outcome_files_name_the_line_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("province,name,year,score,scale,source\nha-nam,PAR INDEX,2021,81.51,100,Báo cáo\n"
                   "ha-nam,PAPI,2021,93,80,Báo cáo\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_outcomes(bad)
    assert str(error.value.problems[0]).startswith(f"{bad}:3:") and "above the scale" in str(error.value)
    yaml_file = tmp_path / "bad.yaml"
    yaml_file.write_text("province: ha-nam\nindices:\n  - {name: SIPAS, year: 2021, score: 88.38}\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_outcomes(yaml_file)
    assert "bad.yaml:3: indices[0].source: required field is missing" in str(error.value)


@pytest.mark.parametrize("period, vi, en", [
    ("2019-Q3", "Quý III/2019", "Q3/2019"), ("2026-H1", "6 tháng đầu năm 2026", "First half of 2026"),
    ("2026-H2", "6 tháng cuối năm 2026", "Second half of 2026"), ("2019-07", "Tháng 7/2019", "July 2019"),
    ("2019", "Năm 2019", "Year 2019"), ("20190701-20190930", "01/07/2019 – 30/09/2019", "01/07/2019 – 30/09/2019"),
    ("event-2019-08-01", "Sự kiện ngày 01/08/2019", "Event of 01/08/2019"),
    ("2019-W42", "Tuần 42 (14–18/10/2019)", "Week 42 (14–18/10/2019)"),
    ("2019-W01", "Tuần 1 (31/12/2018–04/01/2019)", "Week 1 (31/12/2018–04/01/2019)"),
    ("2019-10-20", "20/10/2019", "20/10/2019")])  # a digest asked for on a day
def test_periods_as_people_write_them(period, vi, en):
    assert period_words(period, "vi") == vi and period_words(period, "en") == en


def test_a_former_district_reaches_the_wards_that_took_over_its_communes(applied):
    """After 1 July 2025: Quy Nhơn city's communes live on in Gia Lai's new wards."""
    from models.engine.apply import apply_directory
    from models.report.dashboard import former_district_units
    from models.org.directory import load_directory
    from tests.conftest import ROOT

    apply_directory(applied, load_directory(ROOT / "plans" / "org" / "gia-lai.yaml"), today=dt.date(2025, 6, 30))
    with Session(applied) as session:
        members = former_district_units(session, "binh-dinh/huyen-540")
    assert "binh-dinh/xa-21550" in members  # Nhơn Bình, as it was
    assert "gia-lai/xa-21601" in members  # ... and Quy Nhơn Đông, which took it over
    assert not any(m.startswith("gia-lai/") and "huyen" in m for m in members)


def test_an_assignee_sends_evidence_from_the_page(web, tmp_path):
    engine, client = web
    sign_in(engine, client, unit=COMMUNE, role="assignee", contact="Nguyễn Văn An")
    with Session(engine) as session:
        ob = _obligation(session, COMMUNE, "1.3")
    page = client.get(f"/obligations/{ob.id}").text
    answer = client.post(f"/obligations/{ob.id}/evidence", data={"csrf": csrf_of(page)},
                         files={"file": ("bien-ban.pdf", b"%PDF-1.4 bien ban", "application/pdf")})
    assert answer.status_code == 303 and "done=1" in answer.headers["location"]
    page = client.get(f"/obligations/{ob.id}").text
    evidence_id = re.search(r'href="/evidence/(\d+)">bien-ban.pdf', page).group(1)
    assert client.get(f"/evidence/{evidence_id}").content == b"%PDF-1.4 bien ban"
    forged = client.post(f"/obligations/{ob.id}/evidence", data={"csrf": "0" * 64},
                         files={"file": ("x.pdf", b"x", "application/pdf")})
    assert forged.status_code == 403
    huge = client.post(f"/obligations/{ob.id}/evidence", content=b"x", headers={"content-length": str(30 << 20),
                                                                                  "content-type": "multipart/form-data"})
    assert huge.status_code == 413 and "quá 20 MB" in huge.text  # a page in the person's language


def test_a_long_reason_still_reaches_the_coordinator_with_room_for_the_decision(web):
    """The longest reason allowed leaves the request to the coordinator's chat well under
    Telegram's 4,096 (the decision is added to it later); a longer one is refused, named."""
    from models.chase import notices

    engine, _ = web
    with Session(engine) as session:
        session.add(ChatLink(chat_id=900, unit_id=COORDINATOR_UNIT, contact="Lê", role="coordinator"))
        ob = _obligation(session, COMMUNE, "2.2")
        until = dt.datetime(2019, 10, 31, 23, 59, tzinfo=VN)
        with pytest.raises(lifecycle.DomainError, match="at most 1,000"):
            lifecycle.request_extension(session, ob, until, "x" * 1001, "test")
        reason = ("thiếu số liệu của các thôn; " * 40)[:1000]
        lifecycle.request_extension(session, ob, until, reason, "test")
        notices.extension_request(session, ob, session.get(Task, ob.task_id), "14/10/2019", reason)
        (request,) = session.exec(select(Outbox).where(Outbox.chat_id == 900)).all()  # queued with the request
        assert len(request.payload["text"]) < 4096 - 2000 and request.payload["reply_markup"]
        assert session.get(Obligation, ob.id).note == reason


def test_a_note_over_the_limit_is_refused_naming_it(web):
    engine, client = web
    ob, page = obligation_page(engine, client)
    answer = client.post(f"/obligations/{ob.id}", data={"action": "note", "note": "x" * 1001, "csrf": csrf_of(page)})
    assert answer.status_code == 400 and "Không thực hiện được: nội dung dài 1.001 ký tự, tối đa 1.000 ký tự" in answer.text
    with Session(engine) as session:
        assert session.exec(select(Event).where(Event.kind == "note")).first() is None


def test_evidence_is_a_document_or_a_picture_and_its_name_plain(web):
    engine, client = web
    sign_in(engine, client, unit=COMMUNE, role="assignee", contact="Nguyễn Văn An")
    with Session(engine) as session:
        ob = _obligation(session, COMMUNE, "1.3")
    page = client.get(f"/obligations/{ob.id}").text
    for name in ("trang.html", "chay.exe", "anh.svg"):
        refused = client.post(f"/obligations/{ob.id}/evidence", data={"csrf": csrf_of(page)},
                              files={"file": (name, b"<script>alert(1)</script>", "text/html")})
        assert refused.status_code == 400 and "Không nhận loại tệp này" in refused.text
    kept = client.post(f"/obligations/{ob.id}/evidence", data={"csrf": csrf_of(page)},
                       files={"file": ("bien-ban\u202efdp.exe.pdf", b"%PDF-1.4", "text/html")})
    assert kept.status_code == 303
    with Session(engine) as session:
        (evidence,) = session.exec(select(Evidence)).all()
    assert evidence.file_name == "bien-banfdp.exe.pdf"
    download = client.get(f"/evidence/{evidence.id}")
    assert download.headers["content-type"] == "application/pdf"  # by its name, never what the sender said
    assert download.headers["content-disposition"].startswith("attachment")
