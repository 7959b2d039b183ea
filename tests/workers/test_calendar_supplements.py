"""Supplement files: years the package does not cover, entered from the published notice."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import chinese_calendar
import pytest

from xietong.settings import PROJECT_ROOT
from xietong.workers.calendar import (
    CHINA,
    CalendarSupplementError,
    CalendarYearNotCovered,
    LimitUnit,
    TimeLimit,
    WorkingDayCalendar,
)

FIXTURE = Path(__file__).parent / "calendar_supplement_2099.yaml"
SHIPPED = PROJECT_ROOT / "config" / "calendar" / "china.yaml"
SOURCE = """\
    source:
      title: 国务院办公厅关于{year}年部分节假日安排的通知
      number: 测试〔0000〕0号
"""


@pytest.fixture(scope="module")
def cal_2099() -> WorkingDayCalendar:
    return WorkingDayCalendar(FIXTURE)


def write(tmp_path: Path, text: str, name: str = "china.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def entry(year: int, holidays: str) -> str:
    """A supplement with one notice year; ``holidays`` is the YAML list under ``holidays:``."""
    body = textwrap.indent(textwrap.dedent(holidays), "      ")
    return f"years:\n  {year}:\n{SOURCE.format(year=year)}    holidays:\n{body}"


def end_of(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=CHINA)


def test_the_shipped_file_is_valid_and_the_default() -> None:
    calendar = WorkingDayCalendar()
    assert calendar.supplements_path == SHIPPED
    assert calendar.supplement is not None
    # Whatever years it lists, the package's years are still answered by the package.
    assert calendar.is_working_day(dt.date(2026, 2, 28)) is True


def test_a_supplement_year_counts_its_holidays_and_adjusted_saturdays(cal_2099: WorkingDayCalendar) -> None:
    assert cal_2099.covers(2099)
    assert cal_2099.is_working_day(dt.date(2099, 2, 14)) is True  # 调休 Saturday
    assert cal_2099.is_working_day(dt.date(2099, 2, 16)) is False  # a Monday of 春节
    assert cal_2099.is_working_day(dt.date(2099, 2, 21)) is False  # a Saturday inside 春节
    assert cal_2099.is_working_day(dt.date(2099, 3, 2)) is True  # an ordinary Monday
    assert cal_2099.is_working_day(dt.date(2099, 3, 1)) is False  # an ordinary Sunday


def test_a_limit_crossing_a_supplement_holiday(cal_2099: WorkingDayCalendar) -> None:
    # Fri 13 Feb: Sat 14 (调休) is the 1st, 15–22 are off, Mon 23 and Tue 24 the 2nd and 3rd.
    start = dt.datetime(2099, 2, 13, 16, tzinfo=CHINA)
    assert cal_2099.due(start, TimeLimit(1, LimitUnit.WORKING_DAY)) == end_of(2099, 2, 14)
    assert cal_2099.due(start, TimeLimit(3, LimitUnit.WORKING_DAY)) == end_of(2099, 2, 24)
    # Fri 25 Sep, 10 working days: Sat 26 (调休), 28–30 Sep, 1–7 Oct off, 8, 9, Sat 10 (调休), 12, 13, 14.
    start = dt.datetime(2099, 9, 25, 9, tzinfo=CHINA)
    assert cal_2099.due(start, TimeLimit(10, LimitUnit.WORKING_DAY)) == end_of(2099, 10, 14)
    # 3 calendar days from 28 Sep end on 1 Oct, a holiday: the limit runs to Thu 8 Oct.
    assert cal_2099.due(dt.datetime(2099, 9, 28, tzinfo=CHINA), TimeLimit(3, LimitUnit.DAY)) == end_of(
        2099, 10, 8
    )


def test_a_year_covered_by_neither_names_the_year_and_the_file(cal_2099: WorkingDayCalendar) -> None:
    # Years between the package and the file are provisional (statute only), not errors; a year past
    # what the statute can be computed for still is one.
    start = dt.datetime(2098, 12, 28, 9, tzinfo=CHINA)
    assert cal_2099.due_date(start, TimeLimit(5, LimitUnit.WORKING_DAY)).provisional_years == (2098,)
    with pytest.raises(CalendarYearNotCovered) as caught:
        cal_2099.due(dt.datetime(2099, 12, 28, 9, tzinfo=CHINA), TimeLimit(5, LimitUnit.WORKING_DAY))
    message = str(caught.value)
    assert caught.value.year == 2100
    assert "calendar for 2100 is not available" in message
    assert f"{FIXTURE} has no entry for 2100 (it has 2099)" in message
    assert "add its holidays and 调休上班 days under 'years: 2100:'" in message
    assert "XIETONG_CALENDAR_SUPPLEMENTS" in message
    # The contiguous range stops at the package: 2027 is not covered by a file that only has 2099.
    assert cal_2099.last_year == cal_2099.package_last_year
    assert not cal_2099.covers(cal_2099.last_year + 1)
    assert cal_2099.is_provisional(cal_2099.last_year + 1)


def test_the_year_after_the_package_is_provisional(tmp_path: Path) -> None:
    calendar = WorkingDayCalendar(write(tmp_path, "years: {}\n"))
    next_year = calendar.package_last_year + 1
    start = dt.datetime(next_year - 1, 12, 20, tzinfo=CHINA)
    assert calendar.due_date(start, TimeLimit(10, LimitUnit.WORKING_DAY)).provisional_years == (next_year,)
    with pytest.raises(CalendarYearNotCovered, match=f"{tmp_path / 'china.yaml'} has no entry for 2100"):
        calendar.is_working_day(dt.date(2100, 1, 4))


def test_the_environment_names_the_supplement_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XIETONG_CALENDAR_SUPPLEMENTS", str(FIXTURE))
    assert WorkingDayCalendar().covers(2099)
    missing = tmp_path / "nowhere.yaml"
    monkeypatch.setenv("XIETONG_CALENDAR_SUPPLEMENTS", str(missing))
    with pytest.raises(CalendarSupplementError, match=f"^{missing}: no such file"):
        WorkingDayCalendar()


def test_a_missing_default_file_means_package_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import xietong.workers.calendar as calendar_module

    monkeypatch.setattr(calendar_module, "_default_supplements", lambda: (tmp_path / "absent.yaml", False))
    calendar = WorkingDayCalendar()
    assert calendar.supplement is None
    with pytest.raises(CalendarYearNotCovered, match=r"absent\.yaml does not exist"):
        calendar.is_working_day(dt.date(2100, 3, 1))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("years:\n  2099: [\n", 3, "malformed YAML"),
        ("years:\n  2099:\n    source: {title: x\n", 4, "malformed YAML"),
        ("- 2099\n", 1, "the file must be a mapping with the keys years"),
        ("years: {}\nholidays: []\n", 2, "unknown key 'holidays' in the file"),
        ("years:\n  '27':\n    holidays: []\n", 2, "a notice year must be four digits like 2027, got '27'"),
        ("years:\n  2099:\n    holidays: [x]\n", 3, "the entry for 2099 lacks 'source'"),
        (
            "years:\n  2099:\n    source: {title: 国务院办公厅关于2098年部分节假日安排的通知, number: x}\n"
            "    holidays: [{name: 元旦, from: 2099-01-01}]\n",
            3,
            "does not name 2099: is this another year's notice",
        ),
    ],
)
def test_malformed_files_are_named_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CalendarSupplementError, match=message) as caught:
        WorkingDayCalendar(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("holidays", "line", "message"),
    [
        ("- {name: 春节, from: 2099-02-30}\n", 7, r"from 2099-02-30 is not a date \(day is out of range"),
        (
            "- {name: 春节, from: 15 Feb 2099}\n",
            7,
            "from must be a date written YYYY-MM-DD, got '15 Feb 2099'",
        ),
        ("- {name: 春节, from: 2099-02-15T08:00}\n", 7, "from must be a date written YYYY-MM-DD"),
        (
            "- {name: 春节, from: 2099-02-22, to: 2099-02-15}\n",
            7,
            "'to' 2099-02-15 is before 'from' 2099-02-22",
        ),
        ("- {name: 春节, from: 2099-02-01, to: 2099-03-01}\n", 7, "is 29 days; no official holiday period"),
        ("- {name: 元旦, from: 2098-11-30}\n", 7, "2098-11-30 is outside the 2099 notice"),
        ("- {name: 国庆节, from: 2100-01-01}\n", 7, "2100-01-01 is outside the 2099 notice"),
        ("- {name: '', from: 2099-01-01}\n", 7, "name must be non-empty text"),
        ("- {name: 元旦, from: 2099-01-01, on: 2099-01-02}\n", 7, "unknown key 'on' in a holiday of 2099"),
        (
            "- name: 春节\n  from: 2099-02-15\n  adjusted_workdays: [2099-02-18]\n",
            9,
            "adjusted workday 2099-02-18 is a Wednesday; 调休上班 days are Saturdays or Sundays",
        ),
        (
            "- name: 春节\n  from: 2099-02-15\n  to: 2099-02-22\n- name: 元宵\n  from: 2099-02-20\n",
            10,
            "2099-02-20 as holiday of 元宵 overlaps line 7, where it is already a holiday of 春节",
        ),
        (
            "- name: 春节\n  from: 2099-02-15\n  to: 2099-02-22\n  adjusted_workdays: [2099-02-21]\n",
            10,
            "2099-02-21 as adjusted workday of 春节 overlaps line 7, where it is already a holiday of 春节",
        ),
        (
            "- &spring {name: 春节, from: 2099-02-15}\n- *spring\n",
            7,
            "anchors and aliases",
        ),
    ],
)
def test_bad_dates_and_overlaps_are_named_with_file_and_line(
    tmp_path: Path, holidays: str, line: int, message: str
) -> None:
    path = write(tmp_path, entry(2099, holidays))
    with pytest.raises(CalendarSupplementError, match=message) as caught:
        WorkingDayCalendar(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_a_year_listed_twice_names_both_lines(tmp_path: Path) -> None:
    one = entry(2099, "- {name: 元旦, from: 2099-01-01}\n")
    again = "\n".join(one.splitlines()[1:])  # the same year entry once more
    path = write(tmp_path, f"{one}{again}\n")
    with pytest.raises(
        CalendarSupplementError, match=rf"^{path}:8: year 2099 appears twice \(first on line 2\)"
    ):
        WorkingDayCalendar(path)


def test_an_empty_file_or_empty_years_is_no_supplement(tmp_path: Path) -> None:
    for text in ("", "# nothing yet\n", "years:\n", "years: {}\n"):
        calendar = WorkingDayCalendar(write(tmp_path, text))
        assert calendar.supplement is not None and calendar.supplement.years == {}


def _package_as_supplement(years: range) -> str:
    """The package's own data written in the supplement schema, notice year by notice year."""
    lines = ["years:"]
    new_years_day = chinese_calendar.Holiday.new_years_day.value

    def notice_year(day: dt.date, name: str) -> int:
        return day.year + 1 if day.month == 12 and name == new_years_day else day.year

    for year in years:
        lines += [f"  {year}:", SOURCE.format(year=year).rstrip("\n"), "    holidays:"]
        days = sorted((d, n) for d, n in chinese_calendar.holidays.items() if notice_year(d, n) == year)
        workdays = sorted((d, n) for d, n in chinese_calendar.workdays.items() if notice_year(d, n) == year)
        runs: list[list[tuple[dt.date, str]]] = []
        for day, name in days:
            if runs and runs[-1][-1][1] == name and (day - runs[-1][-1][0]).days == 1:
                runs[-1].append((day, name))
            else:
                runs.append([(day, name)])
        for run in runs:
            name = run[0][1]
            lines += [f"      - name: {name}", f"        from: {run[0][0]}", f"        to: {run[-1][0]}"]
            extra = [d for d, n in workdays if n == name]
            if extra and run is next(r for r in runs if r[0][1] == name):  # each workday listed once
                lines.append(f"        adjusted_workdays: [{', '.join(map(str, extra))}]")
    return "\n".join(lines) + "\n"


def test_every_package_year_written_as_a_supplement_agrees(tmp_path: Path) -> None:
    """The agreement check accepts the package's own data for every year (元旦 in December included)."""
    years = range(WorkingDayCalendar().package_first_year, WorkingDayCalendar().package_last_year + 1)
    path = write(tmp_path, _package_as_supplement(years))
    calendar = WorkingDayCalendar(path)
    assert calendar.supplement is not None and sorted(calendar.supplement.years) == list(years)
    for day in (dt.date(2018, 12, 29) + dt.timedelta(days=n) for n in range(400)):
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day), day


def _year_2026_from_the_notice(national_day_to: str = "2026-10-07", labour_day: bool = True) -> str:
    """国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), as published by 新华社."""
    labour = "- {name: 劳动节, from: 2026-05-01, to: 2026-05-05, adjusted_workdays: [2026-05-09]}\n"
    return entry(
        2026,
        "- {name: 元旦, from: 2026-01-01, to: 2026-01-03, adjusted_workdays: [2026-01-04]}\n"
        "- {name: 春节, from: 2026-02-15, to: 2026-02-23, adjusted_workdays: [2026-02-14, 2026-02-28]}\n"
        "- {name: 清明节, from: 2026-04-04, to: 2026-04-06}\n"
        + (labour if labour_day else "")
        + "- {name: 端午节, from: 2026-06-19, to: 2026-06-21}\n"
        "- {name: 中秋节, from: 2026-09-25, to: 2026-09-27}\n"
        f"- {{name: 国庆节, from: 2026-10-01, to: {national_day_to},"
        " adjusted_workdays: [2026-09-20, 2026-10-10]}\n",
    )


def test_a_supplement_for_a_covered_year_that_agrees_is_accepted(tmp_path: Path) -> None:
    calendar = WorkingDayCalendar(write(tmp_path, _year_2026_from_the_notice()))
    assert calendar.supplement is not None and calendar.supplement.years[2026].source.number
    assert calendar.is_working_day(dt.date(2026, 10, 10)) is True


def test_a_disagreeing_supplement_for_a_covered_year_is_rejected_naming_line_and_date(tmp_path: Path) -> None:
    # 国庆 typed as ending on the 8th: Thursday 8 October 2026 is a working day in the package.
    path = write(tmp_path, _year_2026_from_the_notice(national_day_to="2026-10-08"))
    with pytest.raises(CalendarSupplementError) as caught:
        WorkingDayCalendar(path)
    message = str(caught.value)
    assert message.startswith(
        f"{path}:13: 2026 is covered by chinese-calendar {chinese_calendar.__version__}"
    )
    assert "2026-10-08 (Thursday) a working day; this entry makes it a day off" in message
    assert "must agree with the package" in message


def test_a_covered_year_missing_a_holiday_is_rejected_at_the_year(tmp_path: Path) -> None:
    # Without 劳动节, Friday 1 May 2026 would be a working day; the error points at the year's line.
    path = write(tmp_path, _year_2026_from_the_notice(labour_day=False))
    with pytest.raises(CalendarSupplementError) as caught:
        WorkingDayCalendar(path)
    assert str(caught.value).startswith(f"{path}:2: 2026 is covered by chinese-calendar")
    assert "2026-05-01 (Friday) a day off; this entry does not list it, leaving it a working day" in str(
        caught.value
    )


def test_december_days_of_the_next_notice_extend_a_covered_year(tmp_path: Path) -> None:
    """A notice may start 元旦 in December; the package is silent on those days, so they are added.

    The 2027 dates here are INVENTED to exercise the rule; they are not the real 2027 notice.
    """
    assert WorkingDayCalendar().package_last_year == 2026  # chinese-calendar as pinned in pyproject
    assert chinese_calendar.is_workday(dt.date(2026, 12, 31))  # an ordinary Thursday in the package
    path = write(tmp_path, entry(2027, "- {name: 元旦, from: 2026-12-31, to: 2027-01-01}\n"))
    calendar = WorkingDayCalendar(path)
    assert calendar.is_working_day(dt.date(2026, 12, 31)) is False
    assert calendar.is_working_day(dt.date(2026, 12, 30)) is True
    assert calendar.last_year == 2027
    # The case of the brief: 10 working days from mid-December now reach into 2027.
    # Sun 20 Dec: 21–25 (5), 28–30 (8), 31 Dec and 1 Jan off, Mon 4 Jan (9), Tue 5 Jan (10).
    start = dt.datetime(2026, 12, 20, 9, tzinfo=CHINA)
    assert calendar.due(start, TimeLimit(10, LimitUnit.WORKING_DAY)) == end_of(2027, 1, 5)
