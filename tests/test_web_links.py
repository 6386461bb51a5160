"""Signed e-mail/SMS links sign in once; a used one asks for a fresh link, which goes to the
person's own address; unlinking a person ends their sessions."""

import datetime as dt

from sqlmodel import Session, select

from models.access import people
from models.access.signed import signed_url
from models.store.tables import ChatLink, Outbox, WebSession
from tests.webkit import COMMUNE, PLAN, _obligation, sign_in


def _email_link(engine) -> tuple[int, int]:
    with Session(engine) as session:
        link = ChatLink(unit_id=COMMUNE, contact="Nguyễn Văn An", channel="email", address="an@xa.gov.vn")
        session.add(link)
        session.commit()
        return link.id, _obligation(session, COMMUNE, "1.3").id


def _fields(url: str) -> tuple[str, dict]:
    path, query = url.split("?", 1)
    return "/" + path.split("/", 3)[3], dict(part.split("=") for part in query.split("&"))


def test_a_signed_link_signs_in_once_then_offers_a_fresh_one_by_mail(web):
    engine, client = web
    link_id, ob_id = _email_link(engine)
    path, fields = _fields(signed_url(f"/o/{ob_id}", link_id, dt.datetime.now(dt.timezone.utc)))
    assert client.get(path, params=fields).status_code == 200  # a mail scanner's look uses nothing
    assert client.post(path, data=fields).status_code == 303
    again = client.post(path, data=fields)  # a forwarded mail, a second device, a replay
    assert again.status_code == 400 and "chỉ dùng được một lần" in again.text
    assert "chỉ dùng được một lần" in client.get(path, params=fields).text
    for _ in range(2):  # asking twice within ten minutes sends one mail
        sent = client.post(f"{path}/fresh", data=fields)
        assert sent.status_code == 200 and "Đã gửi đường liên kết mới" in sent.text
    with Session(engine) as session:
        (mail,) = session.exec(select(Outbox).where(Outbox.address == "an@xa.gov.vn")).all()
        assert f"[[o:{ob_id}:{link_id}]]" in mail.payload["text"]  # a mark: signed only as it leaves
    forged = client.post(f"{path}/fresh", data={**fields, "s": "0" * 32})
    assert forged.status_code == 400


def test_unlinking_a_person_ends_their_sessions(web):
    engine, client = web
    sign_in(engine, client, unit=COMMUNE, role="assignee", contact="Nguyễn Văn An")
    assert client.get("/obligations").status_code == 200
    with Session(engine) as session:
        assert people.unlink(session, 501, "test")  # the fixture's Telegram link of Nguyễn Văn An
        session.commit()
        assert session.exec(select(WebSession).where(WebSession.ended_at.is_(None))).all() == []
    assert client.get("/obligations").status_code == 303  # back to signing in
    assert client.get(f"/plans/{PLAN}").headers["location"] == "/signin"
