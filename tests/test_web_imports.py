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
