"""Text messages end to end: the configurable gateway adapter against a stand-in gateway on
127.0.0.1, parts counted as the networks count them, the invitation confirmed on the
dashboard, the reminder's short link opening the person's work, secrets kept out."""

import asyncio
import datetime as dt
import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bots.outbox.dispatch import Dispatcher
from bots.outbox.reminders import queue_reminder
from models.access.people import invite_by_address
from bots.sms.transport import SMS_LIMITS, SmsTransport, load_gateway
from bots.sms.layout import sms_invitation
from bots.standin.sms import BUSY_CODE, SmsStandIn
from models.chase import outbox
from models.chase.planning import plan_reminders
from models.engine.opening import Opener
from bots.sms.segments import count_segments, for_gateway
from models.store.tables import ChatLink, Event, Outbox
from models.calendar.workcal import VN, WorkingCalendar
from models.common.yamlio import InputError
from tests.conftest import ROOT
from web.app import create_app

PLAN, COMMUNE = "binh-dinh-53-2019", "binh-dinh/xa-21550"


@pytest.mark.parametrize("text, encoding, parts", [
    ("Nhac viec: 7 nhiem vu", "GSM-7", 1), ("a" * 160, "GSM-7", 1), ("a" * 161, "GSM-7", 2),
    ("{" * 80, "GSM-7", 1), ("{" * 81, "GSM-7", 2),  # extension characters count twice
    ("Nhắc việc", "UCS-2", 1), ("ệ" * 70, "UCS-2", 1), ("ệ" * 71, "UCS-2", 2), ("ệ" * 135, "UCS-2", 3)])
def test_parts_as_the_networks_count_them(text, encoding, parts):
    assert (count_segments(text).encoding, count_segments(text).parts) == (encoding, parts)


def test_vietnamese_without_diacritics_keeps_case_and_fits_gsm7():
    assert for_gateway("Đôn đốc: UBND phường Nhơn Bình", False) == "Don doc: UBND phuong Nhon Binh"
    assert count_segments(for_gateway("Đề nghị báo cáo tiến độ", False)).encoding == "GSM-7"


@pytest.fixture
def gateway(tmp_path, monkeypatch):
    with SmsStandIn() as stand_in:
        spec = (ROOT / "plans" / "sms" / "esms.yaml").read_text(encoding="utf-8")
        spec = spec.replace("https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/", stand_in.url)
        spec = spec.replace("retry_codes: []", f'retry_codes: ["{BUSY_CODE}"]').replace(
            "price_per_part: 0 ", "price_per_part: 750 ")
        stand_in.world.templates = [t.text for t in load_gateway_text(spec).templates.values()]  # as registered
        path = tmp_path / "gateway.yaml"
        path.write_text(spec, encoding="utf-8")
        monkeypatch.setenv("DONDOC_SMS_API_KEY", stand_in.world.api_key)
        monkeypatch.setenv("DONDOC_SMS_SECRET_KEY", stand_in.world.secret_key)
        monkeypatch.setenv("DONDOC_SMS_BRANDNAME", "SNV-GIALAI")
        monkeypatch.setenv("DONDOC_WEB_SECRET", "a-test-secret-for-signing-links")
        monkeypatch.setenv("DONDOC_WEB_URL", "https://dondoc.example.gov.vn")
        yield stand_in, path


def load_gateway_text(text: str):
    from ruamel.yaml import YAML

    from bots.sms.transport import GatewaySpec
    return GatewaySpec.model_validate(YAML(typ="safe").load(text))


def deliver(engine, path):
    async def drain():
        transport = SmsTransport(load_gateway(path))
        try:
            return await Dispatcher(engine, transport, SMS_LIMITS.scaled(100)).drain()
        finally:
            await transport.client.aclose()
    return asyncio.run(drain())


def test_an_invitation_by_text_then_a_reminder_whose_link_opens_the_work(applied, gateway, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    stand_in, path = gateway
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar(), now=dt.datetime(2019, 7, 1, 8, tzinfo=VN)).period("2019-Q3")
        invitation = invite_by_address(session, "sms", COMMUNE, "Nguyễn Văn An", "0912 345 678")
        text, values = sms_invitation("Nguyễn Văn An", "UBND phường Nhơn Bình", invitation.id)
        outbox.enqueue_text(session, f"invitation:{invitation.id}", "sms", invitation.address, text,
                            template=("invitation", values))
        session.commit()
    assert deliver(applied, path).sent == 1
    (text,) = stand_in.world.received("0912345678")
    assert text.startswith("[Don doc] Moi Nguyen Van An") and "UBND phuong Nhon Binh" in text  # no diacritics
    join = re.search(r"https://dondoc\.example\.gov\.vn(/join/[A-Za-z0-9_-]+)", text).group(1)
    client = TestClient(create_app(applied, tmp_path / "evidence"), follow_redirects=False)
    assert "nhận nhắc việc cho" in client.post(join).text

    with Session(applied) as session:
        assert plan_reminders(session, PLAN, dt.datetime(2019, 7, 1, 9, tzinfo=VN), WorkingCalendar(),
                              queue_reminder) == 1
        session.commit()
    assert deliver(applied, path).sent == 1
    reminder = stand_in.world.received("0912345678")[-1]
    assert reminder.startswith("[Don doc] 7 nhiem vu KH 53/KH-UBND can bao cao, han gan nhat 14/10/2019: https://")
    assert count_segments(reminder).parts == 1  # one part billed, the signed link included
    mine = re.search(r"https://dondoc\.example\.gov\.vn(/m\?l=\d+&e=\d+&s=[0-9a-f]+)", reminder).group(1)
    form = dict(re.findall(r'name="(l|e|s)" value="([^"]+)"', client.get(mine).text))
    opened = client.post("/m", data=form)
    assert opened.status_code == 303 and opened.headers["location"] == "/obligations"
    assert "UBND phường Nhơn Bình" in client.get("/obligations").text

    with Session(applied) as session:
        sent = session.exec(select(Outbox).where(Outbox.channel == "sms")).all()
        assert [row.payload["parts"] for row in sent] == [count_segments(t).parts
                                                          for t in stand_in.world.received("0912345678")]
        stored = repr([row.payload for row in sent]) + repr(session.exec(select(Event.after, Event.note)).all())
    for secret in (stand_in.world.api_key, stand_in.world.secret_key, join.rsplit("/", 1)[1], form["s"]):
        assert secret not in stored
    assert stand_in.world.api_key not in caplog.text and stand_in.world.secret_key not in caplog.text


def test_dead_and_busy_numbers(applied, gateway):
    stand_in, path = gateway
    stand_in.world.dead.add("0900000001")
    stand_in.world.busy.add("0900000002")
    with Session(applied) as session:
        for phone in ("0900000001", "0900000002"):
            session.add(ChatLink(channel="sms", address=phone, unit_id=COMMUNE, contact=phone))
            outbox.enqueue_text(session, f"test:{phone}", "sms", phone, "Nhắc việc", template=("notice", {"text": "Nhắc việc"}))
        session.commit()
    transport = SmsTransport(load_gateway(path))
    dispatcher = Dispatcher(applied, transport, SMS_LIMITS.scaled(100))

    async def one_round():
        await dispatcher._send(dispatcher._claim())
        await transport.client.aclose()
    asyncio.run(one_round())
    with Session(applied) as session:
        rows = {row.address: row for row in session.exec(select(Outbox))}
        links = {link.address: link for link in session.exec(select(ChatLink).where(ChatLink.channel == "sms"))}
    assert rows["0900000001"].state == "failed" and links["0900000001"].active is False
    assert rows["0900000002"].state == "pending" and links["0900000002"].active is True


def test_a_gateway_file_names_the_secrets_it_lacks(tmp_path, monkeypatch):
    for name in ("DONDOC_SMS_API_KEY", "DONDOC_SMS_SECRET_KEY", "DONDOC_SMS_BRANDNAME"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InputError) as error:
        load_gateway(ROOT / "plans" / "sms" / "esms.yaml")
    assert "set DONDOC_SMS_API_KEY, DONDOC_SMS_BRANDNAME, DONDOC_SMS_SECRET_KEY" in str(error.value)


def _queue(engine, phone: str, key: str, template: tuple | None = ("notice", {"text": "Thử"})) -> int:
    with Session(engine) as session:
        outbox.enqueue_text(session, key, "sms", phone, "Thử", template=template)
        session.commit()
        return session.exec(select(Outbox.id).where(Outbox.idempotency_key == key)).one()


def test_the_gateways_codes_as_eSMS_documents_them(applied, gateway):
    """124 (RequestId used before) is a message already taken; 101 (keys) stops the channel;
    a text with no registered template is refused before it leaves, and the admin is told;
    the RequestId is unique to this installation; IsUnicode follows the text."""
    stand_in, path = gateway
    taken = _queue(applied, "0900000003", "taken")
    from models.access.signed import installation_id

    stand_in.world.request_ids.add(f"{installation_id()}-{taken}")
    unregistered = _queue(applied, "0900000004", "free-text", template=None)
    stats = deliver(applied, path)
    with Session(applied) as session:
        assert session.get(Outbox, taken).state == "sent"
        assert session.get(Outbox, unregistered).state == "failed"
        assert [why for _, _, why in outbox.refusals(session, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))]
    assert stats.sent == 1 and not stand_in.world.sent  # 124: there already, nothing sent twice
    _queue(applied, "0900000005", "fine")
    deliver(applied, path)
    (body,) = stand_in.world.sent
    assert body["RequestId"].startswith(installation_id() + "-") and body["IsUnicode"] == "0"
    assert body["CallbackUrl"].startswith("https://dondoc.example.gov.vn/hooks/sms/")
    stand_in.world.api_key = "another"  # keys revoked at the provider
    _queue(applied, "0900000006", "refused")
    assert "101" in deliver(applied, path).stopped


def test_a_gateway_file_without_the_registered_templates_is_refused_naming_the_line(tmp_path, monkeypatch):
    for name in ("DONDOC_SMS_API_KEY", "DONDOC_SMS_SECRET_KEY", "DONDOC_SMS_BRANDNAME"):
        monkeypatch.setenv(name, "x")
    text = (ROOT / "plans" / "sms" / "esms.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("  digest:")
    broken = "\n".join(lines[:start] + lines[start + 3:]).replace("{due}", "{deadline}")
    path = tmp_path / "gateway.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_gateway(path)
    said = str(error.value)
    assert "templates.digest: no registered template for dondoc's digest message" in said
    assert re.search(r"gateway.yaml:\d+: templates.reminder.text: the reminder message has no \{deadline\}", said)


def test_a_delivery_report_marks_what_the_network_could_not_deliver(applied, gateway, tmp_path):
    stand_in, path = gateway
    row_id = _queue(applied, "0900000007", "reported")
    deliver(applied, path)
    with Session(applied) as session:
        sms_id = session.get(Outbox, row_id).provider_id
    assert sms_id
    from models.access.signed import sms_report_token

    client = TestClient(create_app(applied, tmp_path / "evidence"))
    report = {"SMSID": sms_id, "SendStatus": "4", "SendSuccess": "0", "SendFailed": "1", "RequestId": ""}
    assert client.get("/hooks/sms/" + "0" * 32, params=report).status_code == 403
    assert client.get(f"/hooks/sms/{sms_report_token()}", params=report).status_code == 200
    with Session(applied) as session:
        row = session.get(Outbox, row_id)
        assert row.state == "failed" and "not delivered" in row.last_error
        assert session.exec(select(Event).where(Event.kind == "delivery_report")).one().note == "not delivered"




def test_a_late_reminder_says_so_and_counts_the_late_work():
    """The same words before and after a deadline told nobody it was late."""
    import datetime as dt
    from types import SimpleNamespace

    from bots.sms.layout import sms_reminder

    def item(stage, due):
        ob = SimpleNamespace(due_at=dt.datetime(2019, *due, 23, 59, tzinfo=VN), no_deadline=False)
        return SimpleNamespace(obligation=ob, stage=stage)

    link = SimpleNamespace(id=5)
    message, text, values = sms_reminder(link, [item("overdue-1", (10, 14)), item("T-3", (10, 21))], "53/KH-UBND")
    assert message == "reminder_overdue" and values["count"] == "1"
    assert text.startswith("[Đôn đốc] 1 nhiệm vụ KH 53/KH-UBND đã quá hạn (hạn 14/10/2019), đề nghị báo cáo ngay")
    message, text, _ = sms_reminder(link, [item("T-3", (10, 21))], "53/KH-UBND")
    assert message == "reminder" and "quá hạn" not in text
