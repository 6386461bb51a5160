"""The coordinator's digest against obligations whose outcomes are set by hand and counted
by hand: six communes' quarterly tasks 1.1, 1.3 and 2.2 of 2019-Q3 (deadline 14/10/2019)."""

import os
import re
import datetime as dt

import pytest
from sqlmodel import Session, select

from cli.demo import SCENARIOS
from models.common import clock
from models.engine import lifecycle
from models.report.digest import build_digest, digest_text, due_digests, send_digests
from models.engine.opening import Opener
from models.plans.plan import DigestPolicy
from models.calendar.periods import Basis
from models.store.tables import ChatLink, DigestRun, Obligation, Outbox, Plan, Task
from models.plans.timing import TimingKind
from models.calendar.workcal import VN, WorkingCalendar
from models.common.yamlio import InputError

CAL = WorkingCalendar()
PLAN = "binh-dinh-53-2019"
A, B, C, D = "binh-dinh/xa-21550", "binh-dinh/xa-21553", "binh-dinh/xa-21556", "binh-dinh/xa-21559"


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


def ob(session, unit, code):
    return session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                        .where(Obligation.unit_id == unit, Task.code == code, Obligation.period == "2019-Q3")).one()


@pytest.fixture
def outcomes(applied):
    """A: all three done on time. B: 1.1 done late, 1.3 extended to 31/10 (approved), 2.2 blocked.
    C: 1.1 asks an extension (waiting), 1.3 postponed. D: 1.1 cancelled. Everything else open."""
    clock.travel_to(at("2019-10-12 09:00"))  # the audit trail is stamped then (done dates are given)
    with Session(applied) as s:
        Opener(s, PLAN, CAL, now=at("2019-07-01 06:00")).period("2019-Q3")
        for code in ("1.1", "1.3", "2.2"):
            lifecycle.mark_done(s, ob(s, A, code), "test", at=at("2019-10-10 10:00"))
        lifecycle.mark_done(s, ob(s, B, "1.1"), "test", at=at("2019-10-16 10:00"))
        lifecycle.request_extension(s, ob(s, B, "1.3"), at("2019-10-31 23:59"), "chờ số liệu", "test")
        lifecycle.approve_extension(s, ob(s, B, "1.3"), "test")
        lifecycle.mark_blocked(s, ob(s, B, "2.2"), "thiếu kinh phí", "test")
        lifecycle.request_extension(s, ob(s, C, "1.1"), at("2019-10-25 23:59"), "chờ họp", "test")
        lifecycle.postpone(s, ob(s, C, "1.3"), "test")
        lifecycle.cancel(s, ob(s, D, "1.1"), "test")
        s.add(ChatLink(chat_id=900, unit_id="binh-dinh/so-noi-vu", contact="Lê", role="coordinator"))
        s.add(ChatLink(chat_id=501, unit_id=A, contact="An"))
        s.add(ChatLink(chat_id=502, unit_id=B, contact="Bình", active=False, dead_reason="Forbidden: bot was blocked by the user"))
        # a reminder to A whose send was cut by a crash: nobody knows if it arrived
        s.add(Outbox(idempotency_key="chase:501:x", chat_id=501, kind="reminder", state="uncertain",
                     payload={"text": "Nhắc việc"}))
        s.commit()
    clock.back_to_now()
    return applied


def test_the_digest_counts_what_was_counted_by_hand(outcomes):
    with Session(outcomes) as s:
        quarter = s.exec(select(Obligation).where(Obligation.period == "2019-Q3")).all()
        dated = [o for o in quarter if not o.no_deadline]
        digest = build_digest(s, PLAN, at("2019-10-20 08:00"), period="2019-Q3")
    total = digest.total
    assert total["done_on_time"] == 3  # A's three
    assert total["done_late"] == 1  # B 1.1
    assert total["open_on_time"] == 1  # B 1.3, extended to 31/10
    assert total["postponed"] == 1 and total["cancelled"] == 1  # C 1.3, D 1.1
    # every other dated obligation of the quarter is past 14/10 and open (B 2.2 blocked and C 1.1 waiting
    # included); the "Thường xuyên" check-ins are never overdue
    assert total["open_overdue"] == len(dated) - 3 - 1 - 1 - 1 - 1
    assert total["no_deadline"] == len(quarter) - len(dated)
    assert total.extended == 1
    assert [(x["unit"], x["code"]) for x in digest.extensions] == [("UBND phường Đống Đa (thành phố Quy Nhơn)", "1.1")]
    unreachable = {name: why for _, name, why, _ in digest.unreachable}
    assert unreachable["UBND phường Nhơn Phú (thành phố Quy Nhơn)"] == "Forbidden: bot was blocked by the user"
    assert "UBND phường Nhơn Bình (thành phố Quy Nhơn)" not in unreachable  # A has a live chat
    assert digest.uncertain == 1
    text = digest_text(digest)
    assert "Tin nhắn chưa xác nhận đã gửi (cần kiểm tra lại): 1" in text
    assert "• Đã hoàn thành đúng hạn: 3\n• Đã hoàn thành quá hạn: 1\n• Đang thực hiện trong hạn: 1\n" in text
    assert "Đề nghị gia hạn chờ xử lý: 1\n• UBND phường Đống Đa (thành phố Quy Nhơn) – 1.1 (Quý III/2019): " \
           "14/10/2019 → 25/10/2019\n\nVướng mắc chờ xử lý" in text  # one blank line between sections
    # the tasks that open nothing until timed have their line, and every area is there, area 8 (all of
    # whose tasks wait for a timing) with zeros
    assert digest.untracked == ["1.2", "3.2", "5.1", "6.2", "6.3", "6.4", "6.5", "6.6", "7.2", "7.3", "7.4",
                                "8.1", "8.2", "8.3"]
    assert "• Chưa xác định thời hạn (chưa theo dõi): 14 nhiệm vụ (1.2, 3.2, 5.1, 6.2, 6.3, 6.4, 6.5, 6.6, 7.2, " \
           "7.3, …)" in text
    assert [code for code, _, _ in digest.areas] == [str(n) for n in range(1, 9)]
    assert re.search(r"\n8\. [^\n]+: 0 / 0 / 0 / 0", text)
    # the blocker, with what the unit said blocks it
    assert "Vướng mắc chờ xử lý: 1\n• UBND phường Nhơn Phú (thành phố Quy Nhơn) – 2.2 (Quý III/2019): thiếu kinh phí" in text
    english = digest_text(digest, "en", as_html=True)
    assert "<b>All obligations</b>" in english and "• done late: 1" in english


def test_weekly_and_period_end_digests_go_once_with_the_changes_since_the_last(outcomes):
    with Session(outcomes) as s:
        assert send_digests(s, PLAN, at("2019-10-14 08:00"), CAL) == 1  # Monday: weekly; quarter end was 1/10
        assert send_digests(s, PLAN, at("2019-10-15 08:00"), CAL) == 0
        clock.travel_to(at("2019-10-18 09:00"))  # the event is stamped with the present
        try:
            lifecycle.mark_done(s, ob(s, B, "2.2"), "test")
            s.commit()
        finally:
            clock.back_to_now()
        assert send_digests(s, PLAN, at("2019-10-21 08:00"), CAL) == 1
        s.commit()
        rows = s.exec(select(Outbox).where(Outbox.chat_id == 900).order_by(Outbox.id)).all()
        assert [r.kind for r in rows] == ["digest", "digest"]
        assert "Thay đổi từ lần tổng hợp trước</b> (14/10/2019)\n• báo hoàn thành: 1" in rows[1].payload["text"]
        assert "• Đã hoàn thành quá hạn: 2 (+2)" in rows[1].payload["text"]  # B 1.1 (done 16/10), B 2.2
        assert [r.label for r in s.exec(select(DigestRun).order_by(DigestRun.id))] == ["2019-W42", "2019-W43"]


def test_when_digests_are_due():
    policy = DigestPolicy(weekday=1, at=dt.time(8, 0), period_end=TimingKind.quarterly)
    assert due_digests(policy, Basis.calendar, at("2019-10-14 07:59"), CAL) == []
    assert due_digests(policy, Basis.calendar, at("2019-10-14 08:00"), CAL) == [("weekly", "2019-W42", None)]
    # The quarter ended on Monday 30/9: its digest goes the next working day, Tuesday 1/10, for a week.
    assert ("period-end", "2019-Q3", "2019-Q3") in due_digests(policy, Basis.calendar, at("2019-10-01 08:00"), CAL)
    assert ("period-end", "2019-Q3", "2019-Q3") not in due_digests(policy, Basis.calendar, at("2019-10-09 08:00"), CAL)
    # Decree 09 windows end on the 14th: Q3 is 15/6–14/9, its digest on Monday 16/9.
    assert ("period-end", "2019-Q3", "2019-Q3") in due_digests(policy, Basis.decree09, at("2019-09-16 08:00"), CAL)


def test_the_demo_replays_the_quarter_and_prints_the_digest(tmp_path):
    from rich.console import Console

    from cli.demo import run_demo
    from cli.paths import DEFAULT_CALENDAR, DEMO_ORG, DEMO_PLAN

    console = Console(record=True, width=200)
    environment = dict(os.environ)
    run_demo(console, tmp_path / "demo.db", DEMO_PLAN, DEMO_ORG, DEFAULT_CALENDAR)
    assert dict(os.environ) == environment  # its stand-ins' addresses do not outlive it
    output = console.export_text()
    assert len(SCENARIOS[2019].days(CAL)) == 18
    # the one not delivered: Hà Thị Nga's Telegram, blocked; her reminders fell back to e-mail
    assert "1 not delivered; 0 answered 429" in output
    line = re.search(r"delivered: telegram (\d+), zalo (\d+), email (\d+), sms (\d+); fallback \(reminders passed to a "
                     r"person's next channel\): (\d+) to email", output)
    assert line and all(int(n) > 0 for n in line.groups())
    assert "• Đã hoàn thành quá hạn: 3" in output  # the late commune's three quarterly tasks
    assert "• Gia hạn: 1" in output  # the extension the coordinator approved
    assert "blocked 1" in output  # the blocked commune
    assert "Thay đổi từ lần tổng hợp trước (21/10/2019)" in output
    # the command it prints next works as printed
    command = re.search(r"DONDOC_DATABASE_URL=(\S+) uv run dondoc (digest .*?)\)", output)
    from typer.testing import CliRunner

    from cli.main import app
    result = CliRunner().invoke(app, command.group(2).split(), env={"DONDOC_DATABASE_URL": command.group(1)})
    assert result.exit_code == 0 and "Tổng hợp tình hình thực hiện – 53/KH-UBND" in result.stdout
    # and the dashboard opens on it, signed in as the coordinator by the link `demo --web` prints
    from fastapi.testclient import TestClient

    from cli.running import demo_sign_in
    from models.store.db import make_engine
    from web.app import create_app

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    client = TestClient(create_app(engine, tmp_path / "evidence"), follow_redirects=False)
    assert client.post("/login", data={"token": demo_sign_in(engine, SCENARIOS[2019].coordinator_unit)}).status_code == 303
    assert "53/KH-UBND" in client.get("/").text


def test_the_xlsx_report_reads_back_as_the_database_says(outcomes):
    import io

    from openpyxl import load_workbook

    from models.report.period import COLUMNS, build_report, report_xlsx

    with Session(outcomes) as s:
        count = len(s.exec(select(Obligation.id).where(Obligation.period == "2019-Q3")).all())
        report = build_report(s, PLAN, at("2019-10-20 08:00"), period="2019-Q3")
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    detail = book["Chi tiết"]
    assert [c.value for c in detail[1]] == COLUMNS and detail.freeze_panes == "A2"
    rows = [dict(zip(COLUMNS, (c.value for c in r))) for r in detail.iter_rows(min_row=2)]
    assert len(rows) == count

    def row(unit_name, code):
        (found,) = [r for r in rows if r["Đơn vị chủ trì"].startswith(unit_name) and r["Nhiệm vụ"] == code]
        return found
    done = row("UBND phường Nhơn Bình", "1.1")
    assert done["Kết quả"] == "Đã hoàn thành đúng hạn" and done["Ngày hoàn thành"] == dt.datetime(2019, 10, 10, 10, 0)
    assert done["Hạn"] == dt.datetime(2019, 10, 14, 23, 59, 59)  # a real date, not text
    extended = row("UBND phường Nhơn Phú", "1.3")
    assert extended["Hạn"] == dt.datetime(2019, 10, 31, 23, 59) and extended["Hạn ban đầu"] == done["Hạn"]
    assert extended["Gia hạn"] == "xin 31/10/2019; đồng ý" and extended["Kết quả"] == "Đang thực hiện trong hạn"
    blocked = row("UBND phường Nhơn Phú", "2.2")  # the blocker, and the latest note, have their columns
    assert blocked["Vướng mắc"] == "thiếu kinh phí" and blocked["Ghi chú mới nhất"] == "thiếu kinh phí"
    assert done["Vướng mắc"] is None
    # The summary's four-way split per area is the detail's rows counted again.
    summary = book["Tổng hợp"]
    header_row = next(r for r in summary.iter_rows(min_row=1) if r[0].value == "Lĩnh vực")[0].row
    four = [c.value for c in summary[header_row]][2:6]
    for line in summary.iter_rows(min_row=header_row + 1, max_row=header_row + len(report.by_area)):
        area = line[0].value
        expected = [sum(1 for r in rows if r["Lĩnh vực"] == area and r["Kết quả"] == label) for label in four]
        assert [c.value for c in line[2:6]] == expected
    total = [c.value for c in summary[header_row + len(report.by_area) + 1]]
    assert total[1] == "Tổng cộng" and total[2:6] == [sum(r["Kết quả"] == label for r in rows) for label in four]
    assert [c.value for c in summary[header_row]][-1] == "Tổng" and total[-1] == len(rows)  # "Tổng": every obligation
    assert {r["Kỳ"] for r in rows} == {"Quý III/2019"}  # periods in words, as officials write them
    assert "Kỳ báo cáo: Quý III/2019" in summary["A2"].value
    assert len(summary._charts) == 2  # the split per area, and the on-time rate over periods


def test_the_pdf_report_renders(outcomes, tmp_path):
    import pypdfium2

    from models.report.period import build_report, report_pdf

    with Session(outcomes) as s:
        report = build_report(s, PLAN, at("2019-10-20 08:00"), period="2019-Q3", unit_id=B)
    pdf = pypdfium2.PdfDocument(report_pdf(report))
    text = " ".join(" ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).split())
    assert "53/KH-UBND" in text and "UBND phường Nhơn Phú" in text and "xin 31/10/2019; đồng ý" in text
    # an administrative document: issuer and number, the national motto, place and date, title, the unit
    # it is about, recipients, signature; and its pages numbered
    for part in ("UBND TỈNH BÌNH ĐỊNH", "SỞ NỘI VỤ", "Số: ……/BC-……", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Bình Định, ngày …… tháng …… năm 2019", "BÁO CÁO",
                 "Quý III/2019 – UBND phường Nhơn Phú", "Nơi nhận:", "(Ký, ghi rõ họ tên, đóng dấu)",
                 "Thường xuyên (không thời hạn)", "Tạm hoãn, hủy", "Tổng cộng",
                 "Vướng mắc, ghi chú", "Vướng mắc: thiếu kinh phí"):  # the unit's own words, beside its row
        assert part in text, part
    image = pdf[0].render(scale=1).to_pil()
    image.save(tmp_path / "page1.png")
    assert image.width < image.height  # A4 portrait, as an administrative document is
    assert len(image.convert("L").getcolors()) > 10  # drawn: text and the chart's colours, not a blank page
    sizes = [pdf[i].get_size() for i in range(len(pdf))]  # the annex of details: on landscape pages
    assert any(width > height for width, height in sizes)
    second = " ".join(pdf[1].get_textpage().get_text_range().split()) if len(pdf) > 1 else ""
    assert len(pdf) == 1 or "2" in (second.split()[0], second.split()[-1])  # numbered from the second page
    pdf.close()
    # the area table adds up to every obligation of the report, check-ins included
    from models.report.period import beyond_four
    assert sum(beyond_four(t)[2] for _, _, t in report.by_area) == len(report.rows)


def _plan_file(folder, doc) -> str:
    from models.common.yamlio import dump_yaml

    path = folder / f"{doc['plan']['id']}.yaml"
    path.write_text(dump_yaml(doc), encoding="utf-8")
    return path


def test_a_provinces_report_shows_district_and_commune_plans_under_its_tasks(applied, directory, tmp_path):
    from models.engine.apply import apply_plan
    from models.report.period import build_report
    from models.plans.validate import validate_plan

    city = {"plan": {"id": "quy-nhon-12-2019", "number": "12/KH-UBND", "title": "Thực hiện Kế hoạch 53/KH-UBND",
                     "issued_by": "UBND thành phố Quy Nhơn", "issued_on": "2019-07-05",
                     "coordinator": "UBND thành phố Quy Nhơn", "parent": PLAN},
            "tasks": [{"id": "1", "text": "Tuyên truyền Pháp lệnh dân chủ ở các phường", "implements": "1.1",
                       "lead": ["UBND phường Nhơn Bình (thành phố Quy Nhơn)", "UBND phường Nhơn Phú (thành phố Quy Nhơn)"],
                       "timing": {"phrase": "Hằng quý", "kind": "quarterly"}}]}
    ward = {"plan": {"id": "nhon-binh-5-2019", "number": "5/KH-UBND", "title": "Thực hiện Kế hoạch 12/KH-UBND",
                     "issued_by": "UBND phường Nhơn Bình", "issued_on": "2019-07-10",
                     "coordinator": "UBND phường Nhơn Bình (thành phố Quy Nhơn)", "parent": "quy-nhon-12-2019"},
            "tasks": [{"id": "a", "text": "Họp dân ở các khu vực", "implements": "1",
                       "lead": ["UBND phường Nhơn Bình (thành phố Quy Nhơn)"],
                       "timing": {"phrase": "Hằng quý", "kind": "quarterly"}}]}
    for doc in (city, ward):
        apply_plan(applied, _plan_file(tmp_path, doc), directory, today=dt.date(2019, 7, 10))
    with Session(applied) as s:
        for plan in (PLAN, "quy-nhon-12-2019", "nhon-binh-5-2019"):
            Opener(s, plan, CAL, now=at("2019-07-10 08:00")).period("2019-Q3")
        s.commit()
        child = s.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                       .where(Task.plan_id == "quy-nhon-12-2019", Obligation.unit_id == A)).one()
        lifecycle.mark_done(s, child, "test", at=at("2019-10-01 09:00"))
        s.commit()
        report = build_report(s, PLAN, at("2019-10-20 08:00"), period="2019-Q3")
    lines = [(l.top_task, l.depth, l.plan_number, l.task, l.tally["done_on_time"], l.tally["open_overdue"])
             for l in report.cascade]
    assert lines == [("1.1", 1, "12/KH-UBND", "1", 1, 1), ("1.1", 2, "5/KH-UBND", "a", 0, 1)]
    # A task may only implement a parent task when the plan names its parent.
    del city["plan"]["parent"]
    errors = validate_plan(_plan_file(tmp_path, city), directory).errors
    assert [e.field for e in errors] == ["tasks[0].implements"] and errors[0].line > 0
    # A plan cannot implement itself, nor one that implements it (through plans already applied).
    city["plan"]["parent"] = "quy-nhon-12-2019"
    errors = validate_plan(_plan_file(tmp_path, city), directory).errors
    assert [e.field for e in errors] == ["plan.parent"] and "quy-nhon-12-2019 → quy-nhon-12-2019" in errors[0].message
    city["plan"]["parent"] = "nhon-binh-5-2019"
    with pytest.raises(InputError) as caught:
        apply_plan(applied, _plan_file(tmp_path, city), directory, today=dt.date(2019, 7, 10))
    (problem,) = caught.value.problems
    assert problem.field == "plan.parent" and problem.line > 0
    assert "nhon-binh-5-2019 → quy-nhon-12-2019 → nhon-binh-5-2019" in problem.message
    # A cycle stored before this check existed still cannot make the report loop.
    with Session(applied) as s:
        s.get(Plan, "quy-nhon-12-2019").parent_plan_id = "nhon-binh-5-2019"
        s.commit()
        assert len(build_report(s, "nhon-binh-5-2019", at("2019-10-20 08:00")).cascade) == 1


def test_no_period_end_digest_for_a_period_nothing_was_tracked_in(applied):
    with Session(applied) as s:
        Opener(s, PLAN, CAL, now=at("2019-07-01 06:00")).period("2019-Q3")
        s.add(ChatLink(chat_id=900, unit_id="binh-dinh/so-noi-vu", contact="Lê", role="coordinator"))
        s.commit()
        send_digests(s, PLAN, at("2019-07-01 08:00"), CAL)  # day one: Q2 ended yesterday, untracked
        s.commit()
        assert [r.label for r in s.exec(select(DigestRun))] == ["2019-W27"]


def test_unreachable_units_are_a_count_with_its_change_and_only_the_newly_lost_named(applied):
    with Session(applied) as s:
        Opener(s, PLAN, CAL, now=at("2019-07-01 06:00")).period("2019-Q3")
        s.add(ChatLink(chat_id=900, unit_id="binh-dinh/so-noi-vu", contact="Lê", role="coordinator"))
        s.add(ChatLink(chat_id=501, unit_id=A, contact="An"))
        s.commit()
        send_digests(s, PLAN, at("2019-10-14 08:00"), CAL)
        s.commit()
        link = s.exec(select(ChatLink).where(ChatLink.chat_id == 501)).one()
        link.active, link.dead_reason, link.unlinked_at = False, "Forbidden: bot was blocked by the user", \
            at("2019-10-16 10:00")
        s.commit()
        digest = build_digest(s, PLAN, at("2019-10-21 08:00"), "weekly", "2019-W43")
    text = digest_text(digest)
    count = len(digest.unreachable)
    assert f"Đơn vị chưa liên lạc được: {count} (+1 so với lần trước); danh sách đầy đủ: trang theo dõi" in text
    assert "mới mất liên lạc:\n• UBND phường Nhơn Bình (thành phố Quy Nhơn): người nhận đã chặn bot" in text
    assert "Forbidden" not in text  # the provider's words stay in the audit trail
    assert text.count("(chưa liên kết)") == 0  # the never-linked hundreds are counted, not listed


def test_the_most_overdue_units_are_named_and_the_rest_of_a_tie_said_once(applied):
    """Ten units named (the digest's top), in Vietnamese alphabetical order among equals; the
    units of the same count past the tenth are one line."""
    from models.common.text import vi_key

    with Session(applied) as s:
        Opener(s, PLAN, CAL, now=at("2019-07-01 06:00")).period("2019-Q3")
        s.commit()
        digest = build_digest(s, PLAN, at("2019-10-21 08:00"), "weekly", "2019-W43")
    counts = [count for _, count in digest.worst_units]
    assert counts == sorted(counts, reverse=True) and len(counts) == 10  # ten units, named
    more, each = digest.worst_tie  # the rest of the tie at the cut, counted once
    assert more > 0 and each == counts[-1]
    tied = [name for name, count in digest.worst_units if count == each]
    assert tied == sorted(tied, key=vi_key)
    text = digest_text(digest)
    assert all(f"• {name}" in text for name, _ in digest.worst_units)
    assert f"• và {more} đơn vị khác, cũng {each} nhiệm vụ mỗi đơn vị" in text


def test_the_docx_report_is_an_administrative_document_built_from_the_numbers(outcomes):
    import io

    from docx import Document

    from models.report.period import build_report
    from models.report.word import report_docx

    with Session(outcomes) as s:
        report = build_report(s, PLAN, at("2019-10-20 08:00"), period="2019-Q3")
    document = Document(io.BytesIO(report_docx(report)))
    heading, areas, closing = document.tables
    assert [c.text.split("\n") for c in heading.rows[0].cells] == [
        ["UBND TỈNH BÌNH ĐỊNH", "SỞ NỘI VỤ", "Số: ……/BC-……"],
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Bình Định, ngày …… tháng …… năm 2019"]]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO\nKết quả thực hiện Kế hoạch số 53/KH-UBND" in text and "\nQuý III/2019\n" in text
    assert f"{len(report.rows)} nhiệm vụ của các đơn vị được theo dõi" in text and "3 đã hoàn thành đúng hạn" in text
    assert "- UBND phường Nhơn Phú (thành phố Quy Nhơn), nhiệm vụ 2.2: thiếu kinh phí" in text  # the blocker
    assert len(areas.rows) == 1 + 8 + 1 and areas.rows[1].cells[0].text.startswith("1. ")  # every area, a total
    assert sum(int(r.cells[-1].text) for r in areas.rows[1:-1]) == len(report.rows)  # and they add up
    assert areas.rows[-1].cells[0].text == "Tổng cộng" and int(areas.rows[-1].cells[-1].text) == len(report.rows)
    assert areas.rows[1].cells[1].paragraphs[0].alignment == 2  # figures right-aligned
    assert "Kế hoạch số 53/KH-UBND ngày 24/06/2019 của UBND tỉnh Bình Định về" in text  # cited in full
    assert "Nơi nhận:" in closing.rows[0].cells[0].text and "(Ký, ghi rõ họ tên, đóng dấu)" in closing.rows[0].cells[1].text
    section = document.sections[0]
    assert section.different_first_page_header_footer and 'w:instr="PAGE"' in section.header._element.xml
    assert round(section.page_width.mm) == 210 and document.styles["Normal"].font.name == "Times New Roman"


def test_a_note_given_for_several_tasks_is_said_once_in_the_word_report():
    from models.report.word import _said_once
    said = [("UBND xã A", "1.1", "chờ kinh phí"), ("UBND xã A", "2.3", "chờ kinh phí"),
            ("UBND xã A", "3.1", "đã xong phần 1"), ("UBND xã B", "1.1", "chờ kinh phí")]
    assert _said_once(said) == ["- UBND xã A, nhiệm vụ 1.1, 2.3: chờ kinh phí", "- UBND xã A, nhiệm vụ 3.1: đã xong phần 1",
                                "- UBND xã B, nhiệm vụ 1.1: chờ kinh phí"]


def test_every_format_gives_the_same_totals(outcomes):
    """One truth: the spreadsheet's, the Word document's and the PDF's area tables have the same
    columns and the same 'Tổng cộng' row, and 'Tổng' counts every obligation in all three."""
    import io
    import re

    import docx
    from openpyxl import load_workbook

    from models.report.period import SPLIT_HEADS, build_report, report_html, report_xlsx
    from models.report.word import report_docx

    with Session(outcomes) as s:
        report = build_report(s, PLAN, at("2019-10-20 08:00"), period="2019-Q3")
    summary = load_workbook(io.BytesIO(report_xlsx(report)))["Tổng hợp"]
    header = next(r for r in summary.iter_rows() if r[0].value == "Lĩnh vực")[0].row
    excel = [c.value for c in summary[header + len(report.by_area) + 1]][2:]
    table = docx.Document(io.BytesIO(report_docx(report))).tables[1]
    word = [int(c.text) for c in table.rows[-1].cells[1:]]
    html = report_html(report)
    total_row = re.search(r'<tr class="total"><td></td><td>Tổng cộng</td>(.*?)</tr>', html).group(1)
    pdf = [int(n) for n in re.findall(r'<td class="n">(\d+)</td>', total_row)]
    assert excel == word == pdf and len(excel) == len(SPLIT_HEADS) and excel[-1] == len(report.rows)


def test_the_pdf_counts_check_ins_per_task_instead_of_a_row_each(outcomes):
    import re

    from models.report.period import build_report, report_html
    from models.report.rollup import Category

    with Session(outcomes) as s:
        report = build_report(s, PLAN, at("2019-10-20 08:00"), period="2019-Q3")
    html = report_html(report)
    annex = html.split("Phụ lục: Chi tiết theo nhiệm vụ")[1]
    dated = [r for r in report.rows if r.category != Category.no_deadline]
    checkin_tasks = {r.code for r in report.rows if r.category == Category.no_deadline}
    assert len(re.findall(r"<tr><td>(?!<i>)", annex)) == len(dated)  # a row per obligation with a deadline
    assert annex.count("Thực hiện thường xuyên (không thời hạn):") == len(checkin_tasks)


def test_a_digest_says_what_it_counts(applied):
    """A weekly digest and a period-end one sent the same morning differ in their totals: each says
    which obligations it counts."""
    from models.report.digest import build_digest, digest_text

    with Session(applied) as s:
        Opener(s, PLAN, CAL, now=at("2019-07-01 06:00")).period("2019-Q3")
        s.commit()
        weekly = digest_text(build_digest(s, PLAN, at("2019-10-01 08:00"), "weekly", "2019-W40"))
        ended = digest_text(build_digest(s, PLAN, at("2019-10-01 08:00"), "period-end", "2019-Q3", "2019-Q3"))
    assert "tính mọi kỳ đang theo dõi" in weekly.split("\n")[1]
    assert "chỉ tính các nhiệm vụ của Quý III/2019" in ended.split("\n")[1]
    assert "Nghị định 09" not in ended  # a calendar quarter's end needs no explaining


def test_a_decree_09_period_end_digest_says_the_days_its_figures_cover(applied):
    """Under Decree 09 the quarter's figures close on 14/9: the "cuối kỳ" digest comes on the 16th,
    before the calendar quarter ends, and says so."""
    from models.report.digest import build_digest, digest_text

    with Session(applied) as s:
        plan = s.get(Plan, PLAN)
        plan.schedule = {**(plan.schedule or {}), "basis": "decree09"}
        s.commit()
        ended = digest_text(build_digest(s, PLAN, at("2019-09-16 08:00"), "period-end", "2019-Q3", "2019-Q3"))
    assert ended.split("\n")[0].endswith("cuối kỳ Quý III/2019 (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP, "
                                          "số liệu từ 15/06/2019 đến 14/09/2019)")


def test_the_trend_from_areas_and_periods_is_the_trend_by_period(outcomes):
    """The plan page's one count by area and period gives the same on-time trend as a count by period."""
    from models.report.period import on_time_trend, trend_of
    from models.report.rollup import rollup

    moment = at("2019-10-20 08:00")
    with Session(outcomes) as s:
        assert trend_of(rollup(s, "area_period", moment, plan_id=PLAN)) == on_time_trend(s, PLAN, moment)
        assert trend_of(rollup(s, "area_period", moment, plan_id=PLAN), "2019") == on_time_trend(s, PLAN, moment, like="2019")


def test_overdue_is_the_overdue_category_as_a_condition(outcomes):
    """`overdue_at` (the digest's count by unit) says what `category_at` says, now and as of any day."""
    from models.engine.asof import obligations_at
    from models.report.rollup import category_at, overdue_at

    with Session(outcomes) as s:
        for moment in ("2019-10-01 00:00", "2019-10-15 12:00", "2019-10-20 12:00", "2019-11-20 00:00"):
            for present in (False, True):  # rebuilt from the audit trail, or the table as it stands
                if present:
                    clock.travel_to(at(moment))
                when = at(moment)
                ob = obligations_at(when)
                rows = s.exec(select(ob.id, category_at(when, ob), overdue_at(when, ob)).select_from(ob)).all()
                clock.back_to_now()
                overdue = {i for i, category, _ in rows if category == "open_overdue"}
                assert {i for i, _, is_overdue in rows if is_overdue} == overdue
                assert overdue or moment == "2019-10-01 00:00"


def test_the_worst_units_are_the_head_of_the_whole_order_wherever_the_list_is_cut():
    """Names are compared only around the cut; the list is still the first of the whole order
    (most overdue, longest overdue, Vietnamese alphabetical), and the tie past the cut is counted."""
    from models.common.text import vi_key
    from models.report.digest import UnitCount, _worst_units

    names = ["Đập Đá", "Bùi Thị Xuân", "Bình Định", "An Nhơn", "Ân Tường", "Ba Tơ", "Bồng Sơn", "Cát Tiến",
             "Đề Gi", "Ea Kar", "Ơn Hòa", "Ông Bình"]
    day = dt.datetime(2026, 10, 1, tzinfo=VN)
    counts = [UnitCount(f"u{i}", name, overdue=(i * 7) % 4, oldest_due=day + dt.timedelta(days=i % 2),
                        open_work=1, reached=False, dead_reason="") for i, name in enumerate(names)]
    whole = sorted((c for c in counts if c.overdue), key=lambda c: (-c.overdue, c.oldest_due, vi_key(c.name)))
    for top in range(1, len(whole) + 2):
        shown, tie = _worst_units(counts, top)
        assert shown == [(c.name, c.overdue) for c in whole[:top]]
        rest = [c.overdue for c in whole[top:] if c.overdue == shown[-1][1]]
        assert tie == ((len(rest), shown[-1][1]) if rest else None)
