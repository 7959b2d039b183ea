"""Due dates on China's official calendar, checked against the published holiday notices."""

from __future__ import annotations

import datetime as dt

import pytest

from xietong.workers.calendar import (
    CHINA,
    CalendarYearNotCovered,
    LimitUnit,
    TimeLimit,
    WorkingDayCalendar,
)

CAL = WorkingDayCalendar()


def china(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def due_end_of(y: int, m: int, d: int) -> dt.datetime:
    return china(y, m, d, 23, 59, 59)


def working_days(n: int) -> TimeLimit:
    return TimeLimit(n, LimitUnit.WORKING_DAY)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2025, 1, 26), True),  # Sunday worked before 春节 2025
        (dt.date(2025, 1, 28), False),  # 除夕, holiday on a Tuesday
        (dt.date(2025, 2, 4), False),  # last day of the 春节 holiday
        (dt.date(2025, 2, 8), True),  # Saturday worked after 春节 2025
        (dt.date(2025, 2, 9), False),  # an ordinary Sunday
        (dt.date(2025, 9, 28), True),  # Sunday worked before 国庆 2025
        (dt.date(2025, 10, 8), False),  # last day of 国庆/中秋 2025
        (dt.date(2025, 10, 11), True),  # Saturday worked after 国庆 2025
        (dt.date(2026, 2, 14), True),  # Saturday worked before 春节 2026
        (dt.date(2026, 2, 23), False),  # last day of 春节 2026 (a Monday)
        (dt.date(2026, 2, 28), True),  # Saturday worked after 春节 2026
    ],
)
def test_official_working_days(day: dt.date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_one_working_day_from_friday_before_spring_festival_lands_on_adjusted_sunday() -> None:
    assert CAL.due(china(2025, 1, 24, 16, 30), working_days(1)) == due_end_of(2025, 1, 26)


def test_working_days_skip_the_spring_festival_holiday() -> None:
    # Fri 24 Jan 2025: Sun 26 (调休), Mon 27, then the holiday 28 Jan–4 Feb, then Wed 5 Feb.
    assert CAL.due(china(2025, 1, 24, 9), working_days(3)) == due_end_of(2025, 2, 5)


def test_start_day_never_counts_even_on_a_working_day() -> None:
    assert CAL.due(china(2025, 3, 3, 0, 0, 1), working_days(1)) == due_end_of(2025, 3, 4)


def test_working_days_across_national_day_reach_the_adjusted_saturday() -> None:
    # Tue 30 Sep 2025; 1–8 Oct off; Thu 9, Fri 10, Sat 11 (调休) are working days.
    assert CAL.due(china(2025, 9, 30, 10), working_days(3)) == due_end_of(2025, 10, 11)
    assert CAL.due(china(2025, 9, 30, 10), working_days(4)) == due_end_of(2025, 10, 13)


def test_five_working_days_around_spring_festival_2026() -> None:
    # Fri 13 Feb 2026: Sat 14 (调休), holiday 15–23 Feb, Tue 24 … Fri 27, Sat 28 (调休).
    start = china(2026, 2, 13, 15)
    assert CAL.due(start, working_days(1)) == due_end_of(2026, 2, 14)
    assert CAL.due(start, working_days(5)) == due_end_of(2026, 2, 27)
    assert CAL.due(start, working_days(6)) == due_end_of(2026, 2, 28)
    assert CAL.due(start, working_days(7)) == due_end_of(2026, 3, 2)


def test_start_is_read_in_china_time() -> None:
    # 17:00 UTC on Fri 13 Feb 2026 is already Sat 14 Feb in China: counting starts after the 14th.
    start = dt.datetime(2026, 2, 13, 17, tzinfo=dt.UTC)
    assert CAL.due(start, working_days(1)) == due_end_of(2026, 2, 24)


def test_calendar_days_ending_on_a_holiday_run_to_the_next_working_day() -> None:
    # 28 Sep 2025 + 3 days = 1 Oct, a holiday: the limit ends on Thu 9 Oct.
    assert CAL.due(china(2025, 9, 28, 12), TimeLimit(3, LimitUnit.DAY)) == due_end_of(2025, 10, 9)
    # Ending on a working day, the calendar-day limit is just N days on.
    assert CAL.due(china(2025, 3, 3, 12), TimeLimit(7, LimitUnit.DAY)) == due_end_of(2025, 3, 10)


def test_months_end_on_the_same_day_number_or_the_month_end() -> None:
    # 15 Aug 2025 + 1 month = Mon 15 Sep 2025, a working day.
    assert CAL.due(china(2025, 8, 15, 9), TimeLimit(1, LimitUnit.MONTH)) == due_end_of(2025, 9, 15)
    # 31 Jan 2025 + 1 month: February has no 31st, so Fri 28 Feb 2025.
    assert CAL.due(china(2025, 1, 31, 9), TimeLimit(1, LimitUnit.MONTH)) == due_end_of(2025, 2, 28)
    # 1 Aug 2025 + 2 months = 1 Oct, inside 国庆: the limit runs to Thu 9 Oct.
    assert CAL.due(china(2025, 8, 1, 9), TimeLimit(2, LimitUnit.MONTH)) == due_end_of(2025, 10, 9)
    # Across a year end: 30 Nov 2025 + 3 months = 28 Feb 2026 (调休 Saturday, a working day).
    assert CAL.due(china(2025, 11, 30, 9), TimeLimit(3, LimitUnit.MONTH)) == due_end_of(2026, 2, 28)


def test_hours_run_around_the_clock_through_holidays() -> None:
    assert CAL.due(china(2025, 10, 1, 22, 30), TimeLimit(2, LimitUnit.HOUR)) == china(2025, 10, 2, 0, 30)
    assert CAL.due(china(2025, 1, 28, 8), TimeLimit(24, LimitUnit.HOUR)) == china(2025, 1, 29, 8)
    assert CAL.due(china(2025, 1, 28, 8), TimeLimit(0.5, LimitUnit.HOUR)) == china(2025, 1, 28, 8, 30)


def test_a_year_without_data_is_provisional_and_one_past_the_statute_an_error() -> None:
    # A year after the data is counted on the statute (test_calendar_notice.py); before it, or past
    # what the lunar conversion covers, is an error naming the year instead of a guess.
    with pytest.raises(CalendarYearNotCovered, match="2100"):
        CAL.is_working_day(dt.date(2100, 3, 2))
    with pytest.raises(CalendarYearNotCovered, match=str(CAL.first_year - 1)):
        CAL.is_working_day(dt.date(CAL.first_year - 1, 3, 2))
    last = CAL.last_year
    assert CAL.due_date(china(last, 12, 20, 9), working_days(15)).provisional_years == (last + 1,)


def test_naive_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        CAL.due(dt.datetime(2025, 3, 3, 9), working_days(1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"amount": 5, "unit": "workingDay"}, TimeLimit(5, LimitUnit.WORKING_DAY)),
        ({"amount": 5, "unit": "workingDays"}, TimeLimit(5, LimitUnit.WORKING_DAY)),
        ({"amount": 24, "unit": "hours"}, TimeLimit(24, LimitUnit.HOUR)),
        ({"amount": 7.0, "unit": "day"}, TimeLimit(7, LimitUnit.DAY)),
        ({"amount": 2, "unit": "months"}, TimeLimit(2, LimitUnit.MONTH)),
    ],
)
def test_limit_parsing(value: dict[str, object], expected: TimeLimit) -> None:
    assert TimeLimit.parse(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5 days", r"limit: expected a context"),
        ({"amount": "5", "unit": "day"}, r"limit\.amount: expected a number"),
        ({"amount": True, "unit": "day"}, r"limit\.amount: expected a number"),
        ({"amount": 5, "unit": "week"}, r"limit\.unit: expected one of"),
        ({"amount": 0, "unit": "hour"}, r"limit\.amount: a time limit must be positive"),
        ({"amount": 1.5, "unit": "workingDay"}, r"limit\.amount: workingDays limits count whole days"),
    ],
)
def test_bad_limits_name_the_field(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TimeLimit.parse(value)


def test_every_covered_day_agrees_with_the_package() -> None:
    """The frozen-set rule gives the package's answer for every day it covers."""
    import chinese_calendar

    day = dt.date(CAL.package_first_year, 1, 1)
    while day.year <= CAL.package_last_year:
        assert CAL.is_working_day(day) is chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
