"""Bringing a plan in on the dashboard: a real Word plan uploaded, its doubtful cells shown
with why, corrected cell by cell, the YAML downloaded; a corrected version of the same file
keeps the corrections; only coordinators may."""

import re

import yaml
from sqlmodel import Session, select

from models.store.tables import ImportCorrection
from tests.test_corpus import CORPUS
from tests.webkit import csrf_of, sign_in

WORD_PLAN = "12-laocai-sct-kh2242-2026-kiemtra-vlncn.docx"


def _upload(client, page: str, name: str = WORD_PLAN, content: bytes | None = None):
    content = content if content is not None else (CORPUS / WORD_PLAN).read_bytes()
    return client.post("/imports", data={"csrf": csrf_of(page)},
                       files={"file": (name, content, "application/octet-stream")})


def test_a_word_plan_uploaded_reviewed_and_downloaded(web):
    engine, client = web
    sign_in(engine, client)
    page = client.get("/imports").text
    answer = _upload(client, page)
    assert answer.status_code == 303
    review = client.get(answer.headers["location"]).text
    assert "9 nhiệm vụ" in review and "Rà soát việc đáp ứng các điều kiện của học viên" in review
    assert "numbered by its position" in review  # Word numbered the rows: each row says so
    draft = answer.headers["location"]
    fixed = client.post(f"{draft}/tasks/1", data={"csrf": csrf_of(review), "field": "lead",
                                                  "value": "Phòng Quản lý năng lượng; Đỗ Mạnh Cường"})
    assert fixed.status_code == 303
    client.post(f"{draft}/tasks/2", data={"csrf": csrf_of(review), "field": "timing_kind", "value": "continuous"})
    plan = yaml.safe_load(client.get(f"{draft}/plan.yaml").text)
    first, second = plan["tasks"][0], plan["tasks"][1]
    assert first["lead"] == ["Phòng Quản lý năng lượng", "Đỗ Mạnh Cường"] and second["timing"]["kind"] == "continuous"
    with Session(engine) as session:
        assert len(session.exec(select(ImportCorrection)).all()) == 2

    again = _upload(client, client.get("/imports").text)  # a corrected version of the same file, later
    kept = yaml.safe_load(client.get(f"{again.headers['location']}/plan.yaml").text)
    assert kept["tasks"][0]["lead"] == ["Phòng Quản lý năng lượng", "Đỗ Mạnh Cường"]


def test_what_is_not_a_plan_is_refused_in_a_page_and_only_coordinators_import(web):
    engine, client = web
    sign_in(engine, client)
    refused = _upload(client, client.get("/imports").text, "notes.txt", "Họp giao ban tuần này.".encode())
    assert refused.status_code == 400 and "Không đọc được kế hoạch" in refused.text
    sign_in(engine, client, unit="binh-dinh/xa-21550", role="assignee", contact="An")
    assert client.get("/imports").status_code == 403
    assert re.search(r'href="/imports"', client.get("/").text) is None


def test_a_reviewed_word_plan_is_applied_from_the_dashboard(applied, tmp_path):
    """With the installation's directory, the review page reads units against it, refuses to
    apply while anything is wrong (every problem shown, nothing applied), and applies the plan
    once the plan's fields, leads and deadlines are set."""
    from fastapi.testclient import TestClient

    from models.org.directory import load_directory
    from models.store.tables import Plan, Task
    from tests.conftest import ORG
    from web.app import create_app

    client = TestClient(create_app(applied, tmp_path / "evidence", directory=load_directory(ORG)),
                        follow_redirects=False)
    sign_in(applied, client)
    draft = _upload(client, client.get("/imports").text).headers["location"]
    review = client.get(draft).text
    assert "Đỗ Mạnh Cường" in review and "is not in the directory" in review
    assert "Ô nguồn (table 3, row 2)" in review  # the cells each row was read from, beside it
    refused = client.post(f"{draft}/apply", data={"csrf": csrf_of(review)})
    assert refused.status_code == 400 and "Chưa áp dụng được" in refused.text
    with Session(applied) as session:
        assert session.get(Plan, "laocai-kh2242-2026") is None

    bad_date = client.post(f"{draft}/tasks/1", data={"csrf": csrf_of(review), "timing_kind": "once",
                                                      "timing_date": "31/02/2026"})
    assert bad_date.status_code == 400 and "not a date: 31/02/2026" in bad_date.text
    client.post(f"{draft}/plan", data={"csrf": csrf_of(review), "id": "laocai-kh2242-2026", "number": "2242/KH-SCT",
                                       "issued_by": "Sở Công Thương tỉnh Lào Cai", "issued_on": "2026-04-23",
                                       "coordinator": "Sở Công Thương"})
    for n in range(1, 10):
        client.post(f"{draft}/tasks/{n}", data={"csrf": csrf_of(review), "field": "lead", "value": "Sở Công Thương"})
        client.post(f"{draft}/tasks/{n}", data={"csrf": csrf_of(review), "timing_kind": "once",
                                                 "timing_date": "30/06/2026", "timing_start": "", "timing_end": "",
                                                 "timing_due": ""})
    done = client.post(f"{draft}/apply", data={"csrf": csrf_of(review)})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/plans/laocai-kh2242-2026"
    with Session(applied) as session:
        tasks = session.exec(select(Task).where(Task.plan_id == "laocai-kh2242-2026")).all()
        assert len(tasks) == 9 and {t.timing_date.isoformat() for t in tasks} == {"2026-06-30"}


def test_without_a_directory_the_page_says_how_to_apply(web):
    engine, client = web
    sign_in(engine, client)
    draft = _upload(client, client.get("/imports").text).headers["location"]
    review = client.get(draft).text
    assert "Áp dụng kế hoạch" not in review and "DONDOC_ORG" in review
    assert client.post(f"{draft}/apply", data={"csrf": csrf_of(review)}).status_code == 409
