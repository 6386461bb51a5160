"""The working calendar as it was announced, and `dondoc calendar show`."""

import datetime as dt
import json

from typer.testing import CliRunner

from cli.main import app
from models.calendar.workcal import CalendarSpec, WorkingCalendar, load_calendar
from tests.conftest import ROOT

runner = CliRunner()
SHIPPED = ROOT / "plans" / "calendar" / "vn.yaml"

# Weekday days off and worked weekend days for civil servants, as each year's notices gave them.
ANNOUNCED = {
    2019: (["2019-01-01", "2019-02-04", "2019-02-05", "2019-02-06", "2019-02-07", "2019-02-08", "2019-04-15",
            "2019-04-29", "2019-04-30", "2019-05-01", "2019-09-02"], ["2019-01-05", "2019-05-04"]),
    2025: (["2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-04-07",
            "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02"], ["2025-04-26"]),
    2026: (["2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
            "2026-04-27", "2026-04-30", "2026-05-01", "2026-08-31", "2026-09-01", "2026-09-02"],
           ["2026-01-10", "2026-08-22"]),
}


def test_calendar_show_json_gives_the_announced_days():
    for year, (days_off, working) in ANNOUNCED.items():
        result = runner.invoke(app, ["calendar", "show", str(year), "--json", "--calendar", str(SHIPPED)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"days_off": days_off, "working_days": working}, year


def test_calendar_show_names_where_each_day_comes_from():
    result = runner.invoke(app, ["calendar", "show", "2026", "--calendar", str(SHIPPED)])
    assert result.exit_code == 0
    assert "vn.yaml:" in result.stdout and "12729/VPCP-KGVX" in result.stdout
    assert "holidays 0.109: National Day" in result.stdout


def test_the_week_of_2_january_2026_counts_right():
    cal = load_calendar(SHIPPED)
    # Thursday 1/1 and Friday 2/1 off, Saturday 10/1 worked: five working days from Wednesday
    # 31/12/2025 end on Friday 9/1, and the sixth is Saturday 10/1.
    assert cal.add_working_days(dt.date(2025, 12, 31), 5) == dt.date(2026, 1, 9)
    assert cal.add_working_days(dt.date(2025, 12, 31), 6) == dt.date(2026, 1, 10)
    assert cal.deadline(dt.date(2026, 1, 2)).date() == dt.date(2026, 1, 5)


def test_24_november_is_the_admins_choice():
    culture_day = dt.date(2026, 11, 24)
    assert load_calendar(SHIPPED).is_working_day(culture_day)  # shipped: no notice for civil servants
    assert not WorkingCalendar(CalendarSpec(culture_day_off=True)).is_working_day(culture_day)


def test_a_bad_year_is_one_line():
    result = runner.invoke(app, ["calendar", "show", "99999"])
    assert result.exit_code == 1 and "expected a year" in result.output


def test_a_year_whose_days_off_are_not_announced_says_so():
    later = runner.invoke(app, ["calendar", "show", "2027"])
    assert later.exit_code == 0 and "the days off of 2027 are not announced yet (known through 2026)" in later.stderr
    assert "not announced" not in runner.invoke(app, ["calendar", "show", "2026"]).stderr
    cal = load_calendar(SHIPPED)
    assert cal.announced(2026) and not cal.announced(2027)
    announced = WorkingCalendar(CalendarSpec(announced=[2027]))  # an admin records "no swaps in 2027"
    assert announced.announced(2027) and announced.unannounced_note(dt.date(2027, 1, 1), dt.date(2027, 12, 31)) is None


def test_the_calendar_is_the_installations_wherever_a_command_starts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no plans/ folder here: the shipped calendar is still found
    monkeypatch.delenv("DONDOC_HOME", raising=False)
    assert load_calendar(None).is_working_day(dt.date(2026, 1, 10))  # the worked Saturday of 2026
    home = tmp_path / "home"
    (home / "plans" / "calendar").mkdir(parents=True)
    (home / "plans" / "calendar" / "vn.yaml").write_text(
        "days_off:\n  - {date: 2026-03-02, reason: an extra day off of this province}\n", encoding="utf-8")
    monkeypatch.setenv("DONDOC_HOME", str(home))
    assert not load_calendar(None).is_working_day(dt.date(2026, 3, 2))


def test_a_named_calendar_file_that_is_missing_is_an_error_not_no_swaps(tmp_path):
    result = runner.invoke(app, ["calendar", "show", "2026", "--calendar", str(tmp_path / "nowhere.yaml")])
    assert result.exit_code == 1 and "the working-calendar file does not exist" in result.output
    assert "Traceback" not in result.output


def test_opening_and_the_digest_warn_of_deadlines_in_an_unannounced_year(applied):
    from sqlmodel import Session

    from models.engine.opening import Opener
    from models.report.digest import build_digest, digest_text, unannounced_years

    with Session(applied) as session:
        opener = Opener(session, "binh-dinh-53-2019", load_calendar(SHIPPED))
        opener.period("2026-Q4")  # due in January 2027
        session.commit()
        assert opener.span[1].year == 2027
        assert "2027 are not announced" in opener.calendar.unannounced_note(*opener.span)
        assert unannounced_years(session, "binh-dinh-53-2019", load_calendar(SHIPPED)) == [2027]
        digest = build_digest(session, "binh-dinh-53-2019", dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
        digest.unannounced = [2027]
    assert "Lịch nghỉ bù năm 2027 chưa được công bố" in digest_text(digest)
