"""The dashboard on the Bình Định plan for the web tests: the `web` fixture (registered in
conftest) and the steps they share: signing in, opening an obligation's page, a form's token."""

import datetime as dt
import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.access.weblogin import create_login_link
from models.calendar.workcal import VN, WorkingCalendar
from models.engine import lifecycle
from models.engine.opening import Opener
from models.store.tables import ChatLink, Obligation, Task
from web.app import create_app

PLAN = "binh-dinh-53-2019"
COMMUNE, OTHER_COMMUNE, COORDINATOR_UNIT = "binh-dinh/xa-21550", "binh-dinh/xa-21553", "binh-dinh/so-noi-vu"
ASSIGNEE_CHAT = 501


def _obligation(session, unit, code):
    return session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                        .where(Obligation.unit_id == unit, Task.code == code, Obligation.period == "2019-Q3")).one()


@pytest.fixture
def web(applied, tmp_path):
    """The dashboard on the Bình Định plan, 2019-Q3 open: Nhơn Bình (xa-21550) asked an
    extension of 1.1 and is blocked on 1.3; its assignee is linked in Telegram."""
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar()).period("2019-Q3")
        lifecycle.request_extension(session, _obligation(session, COMMUNE, "1.1"),
                                    dt.datetime(2019, 10, 31, 23, 59, tzinfo=VN), "chờ số liệu của các thôn", "test")
        lifecycle.mark_blocked(session, _obligation(session, COMMUNE, "1.3"), "chưa có kinh phí", "test")
        session.add(ChatLink(chat_id=ASSIGNEE_CHAT, unit_id=COMMUNE, contact="Nguyễn Văn An"))
        session.commit()
    app = create_app(applied, tmp_path / "evidence")
    yield applied, TestClient(app, follow_redirects=False)
    app.state.exports.stop()


def exported(client, query: str, fmt: str):
    """A report file as the dashboard makes it: asked for (POST), waited for on its page, then
    downloaded. The wait has a bound only so that a hang fails the test instead of CI."""
    asked = client.post("/exports", data={"fmt": fmt, "query": query, "csrf": csrf_of(client.get("/").text)})
    assert asked.status_code == 303, asked.text
    page, deadline = asked.headers["location"], time.monotonic() + 300
    while "/file" not in (status := client.get(page).text) and time.monotonic() < deadline:
        assert 'class="error"' not in status, status
        time.sleep(0.2)
    return client.get(f"{page}/file")


def sign_in(engine, client, unit=COORDINATOR_UNIT, role="coordinator", contact="Lê Chuyên viên"):
    with Session(engine) as session:
        token = create_login_link(session, unit, contact, role, "test")
        session.commit()
    answer = client.post("/login", data={"token": token})
    assert answer.status_code == 303, answer.text
    return token


def obligation_page(engine, client, code="1.1", unit=COMMUNE):
    """Signed in as the coordinator, on one obligation's page: (the obligation, the page)."""
    sign_in(engine, client)
    with Session(engine) as session:
        ob = _obligation(session, unit, code)
    return ob, client.get(f"/obligations/{ob.id}").text


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)


