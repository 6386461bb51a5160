"""Report files made in the background: asked for, waited for with the stage shown, made in a
process of their own with what the asker may see, kept for that person only, and surviving a
stop or a crash of the process that makes them."""

import io
import os
import re
import socket
import subprocess
import sys

from openpyxl import load_workbook
from sqlmodel import Session, select

from models.report import exports
from models.store.tables import ReportExport, WebSession
from tests.webkit import COMMUNE, PLAN, csrf_of, exported, sign_in
from web.exports import ExportRunner


def _ask(client, query: str, fmt: str = "xlsx"):
    return client.post("/exports", data={"fmt": fmt, "query": query, "csrf": csrf_of(client.get("/").text)})


def test_a_report_is_asked_for_waited_for_and_downloaded(web):
    engine, client = web
    sign_in(engine, client)
    plan_page = client.get(f"/plans/{PLAN}").text
    assert 'action="/exports"' in plan_page and 'value="pdf"' in plan_page  # a POST: making one is real work
    answer = exported(client, f"plan={PLAN}&period=2019-Q3", "xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/vnd.openxml")
    assert re.search(r'filename="bao-cao-binh-dinh-53-2019-quy-iii-2019\.xlsx"', answer.headers["content-disposition"])
    assert "Tổng hợp" in load_workbook(io.BytesIO(answer.content)).sheetnames
    with Session(engine) as session:
        job = session.exec(select(ReportExport)).one()
    page = client.get(f"/exports/{job.id}").text
    assert "Đã tạo xong" in page and "Tải về" in page and "KB)" in page and "hx-trigger" not in page  # polling ends
    assert "Các tệp đã yêu cầu trong ngày" in page and "giữ một ngày" in page


def test_a_waiting_report_says_where_it_is_and_polls_only_its_status(web):
    engine, client = web
    sign_in(engine, client)
    with Session(engine) as session:  # asked, not yet taken by the maker (no runner woken here)
        web_session = session.exec(select(WebSession)).one()
        first = exports.request_export(session, web_session.id, PLAN, f"plan={PLAN}", "pdf")
        again = exports.request_export(session, web_session.id, PLAN, f"plan={PLAN}", "pdf")
        second = exports.request_export(session, web_session.id, PLAN, f"plan={PLAN}", "docx")
        session.commit()
        assert first.id == again.id != second.id  # a second click is not a second minute of work
        assert exports.ahead_of(session, second) == 1
    client.app.state.exports.stop()  # keep them queued while the page is read
    page = client.get(f"/exports/{second.id}").text
    assert "Đang chờ đến lượt: còn 1 tệp" in page and 'hx-trigger="every 2s"' in page and "<progress" in page
    fragment = client.get(f"/exports/{second.id}", headers={"HX-Request": "true", "HX-Target": "export-status"}).text
    assert fragment.lstrip().startswith("<div id=\"export-status\"") and "<header>" not in fragment
    assert client.get(f"/exports/{second.id}/file").status_code == 404  # nothing to download yet


def test_only_the_person_who_asked_sees_the_file(web):
    engine, client = web
    sign_in(engine, client)
    location = _ask(client, f"plan={PLAN}").headers["location"]
    sign_in(engine, client)  # the same person, signed in again: still theirs
    assert client.get(location).status_code == 200
    sign_in(engine, client, unit="binh-dinh/so-noi-vu", contact="Người khác")  # a colleague of the same unit
    assert client.get(location).status_code == 404 and client.get(f"{location}/file").status_code == 404
    sign_in(engine, client, unit="binh-dinh/so-tu-phap", contact="Người sở khác")
    assert _ask(client, f"plan={PLAN}").status_code == 404  # a plan they do not see


def test_an_assignees_report_holds_only_their_unit(web):
    engine, client = web
    sign_in(engine, client, unit=COMMUNE, role="assignee", contact="Nguyễn Văn An")
    sheet = load_workbook(io.BytesIO(exported(client, f"plan={PLAN}&period=2019-Q3", "xlsx").content))["Chi tiết"]
    units = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[1]}
    assert len(units) == 1 and units.pop().startswith("UBND phường Nhơn Bình")


def test_a_report_asked_for_then_signed_out_is_not_made(web):
    engine, client = web
    sign_in(engine, client)
    with Session(engine) as session:
        web_session = session.exec(select(WebSession)).one()
        job_id = exports.request_export(session, web_session.id, PLAN, f"plan={PLAN}", "xlsx").id
        session.commit()
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    with Session(engine) as session:
        assert exports.claim_next(session, "test:1") == job_id
    exports.produce(engine, job_id)
    with Session(engine) as session:
        done = session.get(ReportExport, job_id)
        assert (done.state, done.error, done.content) == ("failed", "export_signed_out", None)


def test_a_crash_while_making_fails_the_report_in_words(web):
    engine, client = web
    sign_in(engine, client)
    with Session(engine) as session:  # a format the writer does not know: the child process raises
        web_session = session.exec(select(WebSession)).one()
        job = ReportExport(session_id=web_session.id, plan_id=PLAN, query=f"plan={PLAN}", fmt="odt")
        session.add(job)
        session.commit()
        job_id = job.id
    runner = ExportRunner(engine)
    runner.wake()
    runner._thread.join(300)  # the queue emptied: the thread ends by itself
    with Session(engine) as session:
        assert session.get(ReportExport, job_id).state == "failed"
    page = client.get(f"/exports/{job_id}").text
    assert "Việc tạo tệp bị dừng giữa chừng" in page and "Tạo lại" in page


def test_a_report_left_running_by_a_process_that_is_gone_is_made_again(web):
    engine, client = web
    sign_in(engine, client)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with Session(engine) as session:
        web_session = session.exec(select(WebSession)).one()
        dead = ReportExport(session_id=web_session.id, plan_id=PLAN, query=f"plan={PLAN}", fmt="xlsx", state="running",
                            runner=f"{socket.gethostname()}:{gone.stdout.strip()}")
        alive = ReportExport(session_id=web_session.id, plan_id=PLAN, query=f"plan={PLAN}", fmt="docx", state="running",
                             runner=f"{socket.gethostname()}:{os.getpid()}")
        elsewhere = ReportExport(session_id=web_session.id, plan_id=PLAN, query=f"plan={PLAN}", fmt="pdf",
                                 state="running", runner="another-host:1")
        session.add_all([dead, alive, elsewhere])
        session.commit()
        assert exports.requeue_orphans(session) == 1
        assert [session.get(ReportExport, j.id).state for j in (dead, alive, elsewhere)] == ["queued", "running", "running"]
        exports.give_back(session, alive.id)  # the dashboard stopping while it was being made
        assert session.get(ReportExport, alive.id).state == "queued"


def test_hostile_values_in_the_request_are_neither_kept_nor_echoed(web):
    engine, client = web
    sign_in(engine, client)
    hostile = f"plan={PLAN}&q=<script>alert(1)</script>\x07&area=\u202e1&sort=evil"
    location = _ask(client, hostile, "docx").headers["location"]
    page = client.get(location).text
    assert "<script>alert" not in page and "\x07" not in page and "\u202e" not in page
    with Session(engine) as session:
        query = session.exec(select(ReportExport.query)).one()
    assert "evil" not in query and "\x07" not in query
    longest = "&".join(f"{name}={'ệ' * 300}" for name in ("q", "area", "task", "level", "former", "unit", "period"))
    assert _ask(client, f"plan={PLAN}&{longest}", "xlsx").status_code == 303  # every filter at its cap still fits
    assert _ask(client, f"plan={PLAN}", "exe").status_code == 404
    assert client.post("/exports", data={"fmt": "xlsx", "query": f"plan={PLAN}"}).status_code == 403  # no form token
    assert client.get("/exports/999999").status_code == 404
    malformed = client.get("/exports/<img src=x onerror=alert(1)>")  # not a number: not a page, and not echoed
    assert malformed.status_code == 404 and "<img" not in malformed.text and "Không tìm thấy" in malformed.text
    no_fields = client.post("/exports", data={"csrf": csrf_of(client.get("/").text), "fmt": ["a", "b"]})
    assert no_fields.status_code in (400, 404) and "<img" not in no_fields.text
