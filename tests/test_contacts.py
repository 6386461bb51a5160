"""A province's contact list brought in at once: everyone on it invited on the channels it gives,
heads known by their title, one bad row inviting nobody, and the units still without anyone."""

import openpyxl
from sqlmodel import Session, create_engine, select

from models.store.tables import Invitation, Outbox
from tests.test_cli_engine import PLAN_ID

NHON_BINH = "UBND phường Nhơn Bình (thành phố Quy Nhơn)"


def _sheet(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH CÁN BỘ ĐẦU MỐI"])  # a title above the header, as offices write them
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _database(tmp_path):
    return create_engine(f"sqlite:///{tmp_path / 'cli.db'}")


def test_a_contact_list_invites_everyone_on_it_and_names_the_units_left(dondoc, tmp_path):
    assert dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3").exit_code == 0
    before = dondoc("contacts", "import", _sheet(tmp_path / "empty.xlsx", [["Đơn vị", "Họ và tên", "Email"]]),
                    "--dry-run")
    nobody = int(before.stdout.split("still nobody: ")[1].split()[0])
    listing = _sheet(tmp_path / "danh-ba.xlsx", [
        ["Họ và tên", "Chức vụ", "Đơn vị", "Số điện thoại", "Email"],
        ["Nguyễn Văn An", "Chủ tịch UBND phường", NHON_BINH, "0912 345 678", "an@nhonbinh.gov.vn"],
        ["Trần Thị Bình", "Công chức Văn phòng", "xa-21553", "", "binh@nhonphu.gov.vn"],
    ])
    result = dondoc("contacts", "import", listing)
    assert result.exit_code == 0, result.output
    assert "3 invitation(s) made for 2 person(s)" in result.stdout
    assert f"still nobody: {nobody - 2}" in result.stdout
    with Session(_database(tmp_path)) as session:
        invitations = session.exec(select(Invitation)).all()
        assert {(i.unit_id, i.contact, i.channel, i.role) for i in invitations} == {
            ("binh-dinh/xa-21550", "Nguyễn Văn An", "email", "head"),
            ("binh-dinh/xa-21550", "Nguyễn Văn An", "sms", "head"),
            ("binh-dinh/xa-21553", "Trần Thị Bình", "email", "assignee")}
        assert len(session.exec(select(Outbox).where(Outbox.kind == "invitation")).all()) == 3


def test_one_bad_row_invites_nobody_and_each_problem_names_its_line(dondoc, tmp_path):
    listing = tmp_path / "danh-ba.csv"
    listing.write_text("Đơn vị,Họ và tên,Email,Điện thoại\n"
                       f"{NHON_BINH},Nguyễn Văn An,an@nhonbinh.gov.vn,\n"
                       "UBND xã Không Có,Lê Văn C,c@example.vn,\n"
                       "xa-21553,Trần Thị Bình,không-phải-email,\n", encoding="utf-8")
    result = dondoc("contacts", "import", listing)
    assert result.exit_code == 1
    assert f'{listing}:3: unit: no unit "UBND xã Không Có"' in result.stderr
    assert f"{listing}:4: email: not an e-mail address" in result.stderr
    assert "nobody invited" in result.stderr and "Traceback" not in result.output
    with Session(_database(tmp_path)) as session:
        assert session.exec(select(Invitation)).all() == []


def test_a_list_without_its_columns_is_one_line(dondoc, tmp_path):
    listing = tmp_path / "notes.csv"
    listing.write_text("a,b\n1,2\n", encoding="utf-8")
    result = dondoc("contacts", "import", listing)
    assert result.exit_code == 1 and 'no header naming the unit ("Đơn vị")' in result.stderr
