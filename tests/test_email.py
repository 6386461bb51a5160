"""E-mail end to end against a real SMTP server on 127.0.0.1 (aiosmtpd, with a login):
an invitation mailed and confirmed, reminders mailed with signed links that open the
obligation's page, refused addresses told apart from busy servers, and no credential in the
database."""

import asyncio
import datetime as dt
import email
import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bots.outbox.dispatch import Dispatcher
from bots.email.transport import EMAIL_LIMITS, EmailTransport, SmtpSettings
from bots.email.layout import email_invitation
from bots.outbox.reminders import queue_reminder
from models.chase import outbox
from models.chase.planning import plan_reminders
from models.engine.opening import Opener
from models.store.tables import ChatLink, Event, Outbox
from models.calendar.workcal import VN, WorkingCalendar
from models.access.people import invite_by_address
from web.app import create_app
from tests.mailkit import PASSWORD

PLAN, COMMUNE = "binh-dinh-53-2019", "binh-dinh/xa-21550"
def deliver(engine):
    transport = EmailTransport(SmtpSettings.from_env())
    return asyncio.run(Dispatcher(engine, transport, EMAIL_LIMITS.scaled(100)).drain())


def link_in(message, pattern: str) -> str:
    return re.search(pattern, message.get_body(("plain",)).get_content()).group(0)


def test_an_invitation_by_mail_then_a_reminder_whose_link_opens_the_task(applied, smtp, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar(), now=dt.datetime(2019, 7, 1, 8, tzinfo=VN)).period("2019-Q3")
        invitation = invite_by_address(session, "email", COMMUNE, "Nguyễn Văn An", "an.nv@nhonbinh.example.gov.vn")
        subject, text, html = email_invitation("Nguyễn Văn An", "UBND phường Nhơn Bình", invitation.id)
        outbox.enqueue_email(session, f"invitation:{invitation.id}", invitation.address, subject, text, html)
        session.commit()
    assert deliver(applied).sent == 1
    (invite,) = smtp.messages
    assert invite["To"] == "an.nv@nhonbinh.example.gov.vn" and "Nhơn Bình" in invite["Subject"]
    assert "Đôn đốc Sở Nội vụ" in str(invite["From"]) and invite.get_body(("html",)) is not None
    join = link_in(invite, r"https://dondoc\.example\.gov\.vn/join/[A-Za-z0-9_-]+")

    client = TestClient(create_app(applied, tmp_path / "evidence"), follow_redirects=False)
    path = join.removeprefix("https://dondoc.example.gov.vn")
    assert "Xác nhận" in client.get(path).text  # a mail scanner's GET changes nothing
    assert "nhận nhắc việc cho binh-dinh/xa-21550" in client.post(path).text
    assert "đã được dùng" in client.post(path).text

    with Session(applied) as session:  # the quarter's first reminder goes out by e-mail
        added = plan_reminders(session, PLAN, dt.datetime(2019, 7, 1, 9, tzinfo=VN), WorkingCalendar(), queue_reminder)
        session.commit()
        assert added == 1
    assert deliver(applied).sent == 1
    reminder = smtp.messages[-1]
    body = reminder.get_body(("plain",)).get_content()
    assert "Kính gửi Nguyễn Văn An" in body and "Quý III/2019" in body and "1.1. Tăng cường thông tin" in body
    assert "&lt;" not in body and "<b>" in reminder.get_body(("html",)).get_content()
    task_link = link_in(reminder, r"https://dondoc\.example\.gov\.vn/o/\d+\?l=\d+&e=\d+&s=[0-9a-f]+")

    path = task_link.removeprefix("https://dondoc.example.gov.vn")
    assert "Mở nhiệm vụ này" in client.get(path).text
    form = dict(re.findall(r'name="(l|e|s)" value="([^"]+)"', client.get(path).text))
    opened = client.post(path.split("?")[0], data=form)
    assert opened.status_code == 303 and opened.headers["location"].startswith("/obligations/")
    page = client.get(opened.headers["location"]).text
    assert "Báo cáo tiến độ" in page or "Báo tiến độ" in page  # the assignee may report from here
    forged = dict(form, s="0" * 32)
    assert client.post(path.split("?")[0], data=forged).status_code == 400

    with Session(applied) as session:  # no working credential stored, in any form
        stored = repr(session.exec(select(Outbox.payload, Outbox.last_error)).all())
        stored += repr(session.exec(select(Event.before, Event.after, Event.note)).all())
    for secret in (PASSWORD, join.rsplit("/", 1)[1], form["s"]):
        assert secret not in stored
    assert PASSWORD not in caplog.text


def test_refused_and_busy_addresses(applied, smtp):
    with Session(applied) as session:
        for address in ("gone@example.gov.vn", "busy@example.gov.vn"):
            session.add(ChatLink(channel="email", address=address, unit_id=COMMUNE, contact=address))
            outbox.enqueue_email(session, f"test:{address}", address, "Thử", "Nội dung", "<p>Nội dung</p>")
        session.commit()
    transport = EmailTransport(SmtpSettings.from_env())
    dispatcher = Dispatcher(applied, transport, EMAIL_LIMITS.scaled(100))

    async def one_round():
        rows = dispatcher._claim()
        await dispatcher._send(rows)
    asyncio.run(one_round())
    with Session(applied) as session:
        rows = {row.address: row for row in session.exec(select(Outbox))}
        links = {link.address: link for link in session.exec(select(ChatLink).where(ChatLink.channel == "email"))}
    assert rows["gone@example.gov.vn"].state == "failed" and links["gone@example.gov.vn"].active is False
    assert "550" in links["gone@example.gov.vn"].dead_reason
    assert rows["busy@example.gov.vn"].state == "pending" and rows["busy@example.gov.vn"].not_before is not None
    assert links["busy@example.gov.vn"].active is True


def test_a_policy_refusal_is_the_admins_to_settle_not_a_dead_address(applied, smtp):
    """550 5.7.1 (a relay's filter or policy): the message failed, the address stays live,
    and `dondoc status` tells the admin for a week."""
    with Session(applied) as session:
        session.add(ChatLink(channel="email", address="filtered@example.gov.vn", unit_id=COMMUNE, contact="Lan"))
        outbox.enqueue_email(session, "test:policy", "filtered@example.gov.vn", "Thử", "Nội dung", "")
        session.commit()
    deliver(applied)
    with Session(applied) as session:
        row = session.exec(select(Outbox)).one()
        link = session.exec(select(ChatLink).where(ChatLink.address == "filtered@example.gov.vn")).one()
        refused = outbox.refusals(session, dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7))
    assert row.state == "failed" and link.active
    assert [(channel, why[:9]) for channel, _, why in refused] == [("email", "550 5.7.1")]


def test_every_mail_is_dated_marked_automatic_and_keeps_its_message_id(applied, smtp):
    """Date (RFC 5322), Auto-Submitted (RFC 3834: no absence notices back), a Message-ID made
    from the row alone (a rebuilt row is the same mail), Reply-To the plan's coordinator, and a
    subject whose spaces survive a strict RFC 2047 reader."""
    from email.header import decode_header, make_header

    from bots.email.transport import build_message

    subject = "[Đôn đốc] Kế hoạch 53/KH-UBND: 16 nhiệm vụ cần báo cáo, hạn gần nhất thường xuyên"
    with Session(applied) as session:
        outbox.enqueue_email(session, "test:headers", "an@example.gov.vn", subject, "Nội dung", "",
                             reply_to="Lê Chuyên viên <le@snv.example.gov.vn>")
        session.commit()
        row = session.exec(select(Outbox)).one()
    first, again = build_message(row, "dondoc@snv.example.gov.vn"), build_message(row, "dondoc@snv.example.gov.vn")
    assert first["Message-ID"] == again["Message-ID"] and first["Message-ID"].endswith("@snv.example.gov.vn>")
    deliver(applied)
    (mail,) = smtp.messages
    raw = smtp.raw[0].decode("latin-1")  # the headers are ASCII on the wire; the body may be 8-bit
    folded = re.search(r"^Subject: (.*?)\r?\n(?=\S)", raw, re.M | re.S).group(1)
    assert str(make_header(decode_header(folded))) == subject  # a strict reader drops spaces between words
    assert mail["Date"] and mail["Auto-Submitted"] == "auto-generated" and mail["Message-ID"] == first["Message-ID"]
    assert mail["Reply-To"] == "Lê Chuyên viên <le@snv.example.gov.vn>"


def test_a_relays_own_ca_can_be_trusted(monkeypatch, tmp_path, smtp):
    from bots.email.transport import NoSmtp

    monkeypatch.setenv("DONDOC_SMTP_CA", str(tmp_path / "missing.pem"))
    with pytest.raises(NoSmtp, match="DONDOC_SMTP_CA"):
        SmtpSettings.from_env()
    import certifi

    monkeypatch.setenv("DONDOC_SMTP_CA", certifi.where())  # any PEM bundle stands for the province's CA
    assert SmtpSettings.from_env().tls_context().cert_store_stats()["x509_ca"] > 0


def test_a_wrong_password_stops_the_channel_and_never_shows_the_password(applied, smtp, monkeypatch):
    """Every message would fail alike: the check at start says so, a send stops the channel
    (the row waits for the admin's fix), and the password is in neither."""
    from bots.outbox.dispatch import ChannelRefused

    monkeypatch.setenv("DONDOC_SMTP_PASSWORD", "wrong-" + PASSWORD)
    with Session(applied) as session:
        outbox.enqueue_email(session, "test:login", "someone@example.gov.vn", "Thử", "Nội dung", "")
        session.commit()
    transport = EmailTransport(SmtpSettings.from_env())
    with pytest.raises(ChannelRefused, match="refused the login") as refused:
        asyncio.run(transport.check())
    assert PASSWORD not in str(refused.value)
    dispatcher = Dispatcher(applied, transport, EMAIL_LIMITS.scaled(100))

    async def one_round():
        await dispatcher._send(dispatcher._claim())
    asyncio.run(one_round())
    with Session(applied) as session:
        row = session.exec(select(Outbox)).one()
    assert row.state == "pending" and "refused the login" in row.last_error and PASSWORD not in row.last_error
    assert "refused the login" in dispatcher.stats.stopped
    assert not smtp.messages


def test_a_bounce_report_marks_the_address_dead(applied, tmp_path):
    """A delivery status notification (RFC 3464) read from the bounce mailbox."""
    import mailbox
    from email.message import EmailMessage

    from typer.testing import CliRunner

    from cli.main import app

    with Session(applied) as session:
        session.add(ChatLink(channel="email", address="gone@nhonbinh.example.gov.vn", unit_id=COMMUNE, contact="An"))
        session.add(ChatLink(channel="email", address="ok@nhonbinh.example.gov.vn", unit_id=COMMUNE, contact="Bình"))
        session.commit()
    report = EmailMessage()
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.set_content("The mail could not be delivered.")
    report.make_mixed()
    status = email.message.Message()
    status.set_type("message/delivery-status")
    per_message, per_recipient = email.message.Message(), email.message.Message()
    per_message["Reporting-MTA"] = "dns; mail.example.gov.vn"
    per_recipient["Final-Recipient"] = "rfc822; Gone@nhonbinh.example.gov.vn"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    report.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; boundary="b"')
    report.set_boundary("bounce-boundary")
    box = mailbox.mbox(tmp_path / "bounces.mbox")
    box.add(report)
    notice = EmailMessage()
    notice["Subject"] = "An ordinary reply"
    notice.set_content("Cảm ơn.")
    box.add(notice)
    box.flush()
    result = CliRunner().invoke(app, ["email", "bounces", str(tmp_path / "bounces.mbox")],
                                env={"DONDOC_DATABASE_URL": applied.url.render_as_string(hide_password=False)})
    assert result.exit_code == 0, result.output
    assert "2 message(s) read; 1 address(es) marked dead: gone@nhonbinh.example.gov.vn" in result.output
    with Session(applied) as session:
        links = {link.address: link for link in session.exec(select(ChatLink).where(ChatLink.channel == "email"))}
    assert links["gone@nhonbinh.example.gov.vn"].active is False
    assert links["gone@nhonbinh.example.gov.vn"].dead_reason == "bounced: 5.1.1"
    assert links["ok@nhonbinh.example.gov.vn"].active is True


def test_a_reminders_subject_names_its_nearest_real_deadline_and_each_task_once():
    """A check-in is no deadline: the subject names the nearest dated one; a reminder passed on from
    another channel and the day's own stage for one task are one line."""
    import datetime as dt
    from types import SimpleNamespace

    from bots.email.layout import email_reminder
    from bots.outbox.reminders import one_per_obligation
    from models.calendar.workcal import VN

    def item(n, code, due, no_deadline=False, stage="T-3"):
        ob = SimpleNamespace(id=n, period="2019-Q3", no_deadline=no_deadline,
                             due_at=dt.datetime(2019, *due, 23, 59, tzinfo=VN))
        return SimpleNamespace(obligation=ob, code=code, task=f"Việc {code}", stage=stage, unit="UBND phường Nhơn Bình")

    link = SimpleNamespace(lang="vi", contact="An", id=1)
    items = one_per_obligation([item(1, "2.2", (9, 30), no_deadline=True, stage="checkin-1@"),
                                item(1, "2.2", (9, 30), no_deadline=True, stage="checkin-2"),
                                item(2, "1.1", (10, 14)), item(3, "1.3", (10, 21))])
    assert [(i.code, i.stage) for i in items] == [("2.2", "checkin-2"), ("1.1", "T-3"), ("1.3", "T-3")]
    subject, text, _ = email_reminder(link, items, "53/KH-UBND")
    assert subject == "[Đôn đốc] Kế hoạch 53/KH-UBND: 3 nhiệm vụ cần báo cáo, hạn gần nhất 14/10/2019"
    assert text.count("Việc 2.2") == 1
    only_checkins, _, _ = email_reminder(link, items[:1], "53/KH-UBND")
    assert only_checkins == "[Đôn đốc] Kế hoạch 53/KH-UBND: 1 nhiệm vụ cần báo cáo kết quả thực hiện trong kỳ"
