"""Backup and restore: a database taken while others write, with the site's secret, the
evidence and the reports, restored elsewhere gives the same reports and working links."""

import datetime as dt

import pytest
from sqlmodel import Session

from models.access.people import store_evidence
from models.calendar.workcal import VN, WorkingCalendar
from models.engine.opening import Opener
from models.report.period import build_report
from models.store.backup import BackupError, Places, backup, restore
from models.store.db import make_engine
from models.store.tables import Obligation
from tests.conftest import _new_database

PLAN = "binh-dinh-53-2019"


def _places(root) -> Places:
    return Places(root / "var" / "web-secret", root / "var" / "evidence", root / "var" / "reports")


def _summary(engine) -> list:
    with Session(engine) as session:
        report = build_report(session, PLAN, dt.datetime(2019, 10, 20, tzinfo=VN), period="2019-Q3")
        return [(row.code, row.unit, row.category, row.progress) for row in report.rows]


def test_a_backup_restored_elsewhere_gives_the_same_reports(applied, tmp_path, request):
    here, there = _places(tmp_path / "here"), _places(tmp_path / "there")
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar()).period("2019-Q3")
        store_evidence(session, session.get(Obligation, 1), b"%PDF-1.4 bien ban", "bien-ban.pdf", None, "test",
                       here.evidence)
        session.commit()
    here.secret.write_text("the-site-secret")
    (here.reports / "2019-Q3.xlsx").parent.mkdir(parents=True)
    (here.reports / "2019-Q3.xlsx").write_bytes(b"PK report")
    archive = tmp_path / "dondoc.tar.gz"
    manifest = backup(applied, archive, here)
    assert manifest["files"] == {"evidence": 1, "reports": 1} and manifest["secret"]

    backend = applied.dialect.name
    url, drop = _new_database("postgresql" if backend == "postgresql" else "sqlite", tmp_path / "restored")
    request.addfinalizer(drop)
    restore(archive, url, there)
    with pytest.raises(BackupError, match="refusing to overwrite"):
        restore(archive, url, there)  # once there, never silently replaced
    restored = make_engine(url)
    try:
        assert _summary(restored) == _summary(applied) and _summary(applied)
    finally:
        restored.dispose()
    assert there.secret.read_text() == "the-site-secret"  # links already sent keep working
    assert [p.name for p in there.evidence.rglob("*") if p.is_file()] == [p.name for p in here.evidence.rglob("*")
                                                                         if p.is_file()]
    assert (there.reports / "2019-Q3.xlsx").read_bytes() == b"PK report"


def test_what_is_not_a_backup_is_refused_in_one_line(tmp_path):
    fake = tmp_path / "fake.tar.gz"
    fake.write_bytes(b"not an archive")
    with pytest.raises(BackupError, match="not a dondoc backup"):
        restore(fake, f"sqlite:///{tmp_path / 'x.db'}", _places(tmp_path))
