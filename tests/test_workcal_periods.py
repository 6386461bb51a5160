"""Working days, Civil Code deadlines and reporting periods."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.calendar.periods import Basis, parse_period, period_containing
from models.calendar.workcal import VN, CalendarSpec, DayNote, WorkingCalendar, load_calendar
from models.common.yamlio import InputError

D = dt.date
CAL = WorkingCalendar()

# First day of Tết (lunar new year) and Hùng Kings' day (10/3 lunar), 2019-2027.
TET = [D(2019, 2, 5), D(2020, 1, 25), D(2021, 2, 12), D(2022, 2, 1), D(2023, 1, 22), D(2024, 2, 10),
       D(2025, 1, 29), D(2026, 2, 17), D(2027, 2, 6)]
HUNG_KINGS = [D(2019, 4, 14), D(2020, 4, 2), D(2021, 4, 21), D(2022, 4, 10), D(2023, 4, 29), D(2024, 4, 18),
              D(2025, 4, 7), D(2026, 4, 26), D(2027, 4, 16)]
# Published days off that fell on weekdays (decisions of the Prime Minister / MOLISA notices).
WEEKDAYS_OFF = [D(2019, 2, 4), D(2019, 2, 8), D(2019, 4, 15), D(2019, 4, 29), D(2020, 1, 23), D(2020, 1, 29),
                D(2021, 2, 10), D(2021, 2, 16), D(2022, 1, 31), D(2022, 2, 4), D(2023, 1, 20), D(2023, 1, 26),
                D(2023, 5, 2), D(2023, 5, 3), D(2023, 9, 1), D(2024, 2, 8), D(2024, 2, 14), D(2025, 1, 27),
                D(2025, 1, 31), D(2025, 5, 2), D(2025, 9, 1), D(2026, 2, 16), D(2026, 2, 20), D(2026, 4, 27)]


@pytest.mark.parametrize("day", TET + HUNG_KINGS + WEEKDAYS_OFF)
def test_published_holidays_are_days_off(day):
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize("year", range(2019, 2028))
def test_fixed_holidays_are_days_off(year):
    for month, day in ((1, 1), (4, 30), (5, 1), (9, 2)):
        assert not CAL.is_working_day(D(year, month, day))


def test_a_swapped_saturday_is_a_working_day():
    assert CAL.is_working_day(D(2019, 5, 4))  # worked to make 29/4/2019 a day off
    assert not CAL.is_working_day(D(2019, 5, 11))


def test_admin_overrides(tmp_path):
    path = tmp_path / "cal.yaml"
    path.write_text("working_days:\n  - {date: 2019-07-06, reason: làm bù}\n"
                    "days_off:\n  - {date: 2019-07-08, reason: nghỉ thêm}\n", encoding="utf-8")
    cal = load_calendar(path)
    assert cal.is_working_day(D(2019, 7, 6)) and not cal.is_working_day(D(2019, 7, 8))
    assert cal.add_working_days(D(2019, 7, 5), 2) == D(2019, 7, 9)


def test_calendar_file_errors(tmp_path):
    path = tmp_path / "cal.yaml"
    path.write_text("working_days:\n  - {date: 2019-07-06, reason: a}\ndays_off:\n"
                    "  - {date: 2019-07-06, reason: b}\n  - {date: 2019-02-30, reason: c}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_calendar(path)
    assert [(p.line, p.field) for p in caught.value.problems] == [(5, "days_off[1].date")]


def test_deadline_moves_past_days_off_to_the_end_of_a_working_day():
    # 5/2/2019 was the first day of Tết: days off 4-8/2, then a weekend.
    assert CAL.deadline(D(2019, 2, 5)) == dt.datetime(2019, 2, 11, 23, 59, 59, tzinfo=VN)
    assert CAL.deadline(D(2019, 7, 5)) == dt.datetime(2019, 7, 5, 23, 59, 59, tzinfo=VN)


def test_start_day_is_not_counted():
    assert CAL.add_working_days(D(2019, 7, 5), 1) == D(2019, 7, 8)  # Friday + 1 → Monday
    assert CAL.add_working_days(D(2019, 9, 30), 10) == D(2019, 10, 14)
    assert CAL.add_working_days(D(2019, 4, 26), 2) == D(2019, 5, 3)  # over 29/4-1/5: 2/5, 3/5


days = st.dates(min_value=D(2019, 1, 1), max_value=D(2027, 12, 31))


@settings(max_examples=300, deadline=None)
@given(days)
def test_a_deadline_never_lands_on_a_day_off_nor_moves_back(day):
    end = CAL.deadline(day)
    assert CAL.is_working_day(end.date())
    assert day <= end.date() <= day + dt.timedelta(days=14)


@settings(max_examples=300, deadline=None)
@given(days, days)
def test_deadlines_keep_their_order(a, b):
    first, second = sorted((a, b))
    assert CAL.deadline(first) <= CAL.deadline(second)


@settings(max_examples=200, deadline=None)
@given(days, st.integers(min_value=1, max_value=40))
def test_working_days_after_are_working_days_after(day, count):
    result = CAL.add_working_days(day, count)
    assert result > day and CAL.is_working_day(result)
    assert CAL.add_working_days(day, count + 1) > result


@pytest.mark.parametrize("period_id,basis,start,end", [
    ("2019-Q3", Basis.calendar, D(2019, 7, 1), D(2019, 9, 30)),
    ("2019-Q3", Basis.decree09, D(2019, 6, 15), D(2019, 9, 14)),
    ("2019-Q1", Basis.decree09, D(2018, 12, 15), D(2019, 3, 14)),
    ("2019-H1", Basis.decree09, D(2018, 12, 15), D(2019, 6, 14)),
    ("2019-H2", Basis.calendar, D(2019, 7, 1), D(2019, 12, 31)),
    ("2019", Basis.decree09, D(2018, 12, 15), D(2019, 12, 14)),
    ("2019", Basis.calendar, D(2019, 1, 1), D(2019, 12, 31)),
    ("2019-07", Basis.decree09, D(2019, 6, 15), D(2019, 7, 14)),
    ("2020-02", Basis.calendar, D(2020, 2, 1), D(2020, 2, 29)),
])
def test_period_windows(period_id, basis, start, end):
    period = parse_period(period_id, basis)
    assert (period.id, period.start, period.end) == (period_id, start, end)


@pytest.mark.parametrize("months,day,basis,expected", [
    (3, D(2019, 9, 14), Basis.decree09, "2019-Q3"),
    (3, D(2019, 9, 15), Basis.decree09, "2019-Q4"),
    (12, D(2019, 12, 20), Basis.decree09, "2020"),
    (3, D(2019, 9, 30), Basis.calendar, "2019-Q3"),
    (1, D(2019, 12, 15), Basis.decree09, "2020-01"),
    (6, D(2019, 6, 14), Basis.decree09, "2019-H1"),
])
def test_period_containing_a_day(months, day, basis, expected):
    period = period_containing(months, day, basis)
    assert period.id == expected and period.start <= day <= period.end


@settings(max_examples=200, deadline=None)
@given(days, st.sampled_from([1, 3, 6, 12]), st.sampled_from(list(Basis)))
def test_every_day_is_in_exactly_the_period_that_contains_it(day, months, basis):
    period = period_containing(months, day, basis)
    assert period.start <= day <= period.end
    assert parse_period(period.id, basis) == period


@pytest.mark.parametrize("bad", ["2019-Q5", "2019-13", "Q3-2019", "19"])
def test_bad_period_ids(bad):
    with pytest.raises(ValueError):
        parse_period(bad, Basis.calendar)


def test_calendar_spec_in_code():
    cal = WorkingCalendar(CalendarSpec(days_off=[DayNote(date=D(2019, 7, 8), reason="x")]))
    assert not cal.is_working_day(D(2019, 7, 8))


def test_a_period_as_officials_write_it():
    from models.calendar.periods import period_id
    assert [period_id(t) for t in ("Quý III/2019", "quý 3 năm 2019", "Quí IV - 2025", "6 tháng đầu năm 2026",
                                   "6 tháng cuối năm 2026", "Tháng 7/2019", "tháng 12 năm 2025", "Năm 2025",
                                   "2019-Q3", "Quý V/2019")] == [
        "2019-Q3", "2019-Q3", "2025-Q4", "2026-H1", "2026-H2", "2019-07", "2025-12", "2025", "2019-Q3", "Quý V/2019"]
