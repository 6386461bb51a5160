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
