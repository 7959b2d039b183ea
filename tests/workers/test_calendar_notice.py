"""The State Council notice parser and the statute, against chinese-calendar's data for 2017–2026,
and the provisional calendar for a year without an entered notice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from click.testing import CliRunner

from xietong.cli import cli
from xietong.workers.calendar import CHINA, CalendarYearNotCovered, LimitUnit, TimeLimit, WorkingDayCalendar
from xietong.workers.calendar_entry import CalendarEntryError, add_year
from xietong.workers.calendar_notice import NoticeError, parse_notice
from xietong.workers.calendar_statute import provisional_days_off, qingming, statutory_days

NOTICES = Path(__file__).parent / "notices"
YEARS = range(2017, 2027)
# Notices amended after publication by a separate notice (the package follows the amendment).
AMENDED_2019_LABOUR_DAY = (  # 国办发明电〔2019〕2号
    "四、劳动节：5月1日放假。",
    "四、劳动节：5月1日至4日放假调休，共4天。4月28日（星期日）、5月5日（星期日）上班。",
)
EXTENDED_2020_SPRING_FESTIVAL = {
    dt.date(2020, 1, 31),
    dt.date(2020, 2, 1),
    dt.date(2020, 2, 2),
}  # 〔2020〕1号


def notice_text(year: int) -> str:
    text = (NOTICES / f"{year}.txt").read_text(encoding="utf-8")
    return text.replace(*AMENDED_2019_LABOUR_DAY) if year == 2019 else text


def package_year(year: int) -> tuple[set[dt.date], set[dt.date]]:
    """chinese-calendar's days off and 调休 workdays of one notice year (元旦 may start in December)."""
    new_years_day = chinese_calendar.Holiday.new_years_day.value

    def notice_year(day: dt.date, name: str) -> int:
        return day.year + 1 if day.month == 12 and name == new_years_day else day.year

    off = {day for day, name in chinese_calendar.holidays.items() if notice_year(day, name) == year}
    work = {day for day, name in chinese_calendar.workdays.items() if notice_year(day, name) == year}
    return off, work


def working(day: dt.date, off: set[dt.date], work: set[dt.date]) -> bool:
    return day in work or (day.weekday() < 5 and day not in off)


@pytest.mark.parametrize("year", YEARS)
def test_each_published_notice_reads_as_chinese_calendar_has_it(year: int) -> None:
    notice = parse_notice(notice_text(year), f"{year}.txt")
    assert notice.year == year
    assert notice.number.startswith("国办发明电〔")
    assert len(notice.breaks) in (6, 7)  # 中秋节、国庆节 share a paragraph in some years
    off, work = package_year(year)
    if year == 2020:
        off -= EXTENDED_2020_SPRING_FESTIVAL
        work.add(dt.date(2020, 2, 1))  # a working Saturday before the extension cancelled it
    ours_off, ours_work = notice.days_off(), notice.adjusted_workdays()
    days = sorted(off | work | ours_off | ours_work)
    disagree = [day for day in days if working(day, off, work) != working(day, ours_off, ours_work)]
    assert disagree == []
    assert ours_work == work


def test_the_statute_names_the_package_days() -> None:
    for year in range(2008, 2027):
        assert chinese_calendar.get_holiday_detail(qingming(year))[1] == "Tomb-sweeping Day"
    # The 2024 amendment: 除夕 and 2 May are statutory from 2025 on.
    assert statutory_days(2025)["春节"] == tuple(dt.date(2025, 1, d) for d in (28, 29, 30, 31))
    assert statutory_days(2024)["春节"] == tuple(dt.date(2024, 2, d) for d in (10, 11, 12))
    assert statutory_days(2025)["劳动节"] == (dt.date(2025, 5, 1), dt.date(2025, 5, 2))


def test_a_provisional_year_is_statutory_days_and_their_make_up_days() -> None:
    days = {item.day: item for item in provisional_days_off(2027)}
    # 春节 2027: 除夕 Fri 5 Feb to 初三 Mon 8 Feb; Sat and Sun are made up on Tue 9 and Wed 10 Feb.
    assert [d for d in days if d.month == 2] == [dt.date(2027, 2, d) for d in range(5, 11)]
    assert days[dt.date(2027, 2, 9)].made_up and not days[dt.date(2027, 2, 8)].made_up
    assert dt.date(2027, 4, 5) in days  # 清明
    assert dt.date(2027, 6, 9) in days and dt.date(2027, 9, 15) in days  # 端午, 中秋
    assert {
        dt.date(2027, 10, d) for d in range(1, 6)
    } <= days.keys()  # 国庆 1–3, 补假 4–5 (1–3 incl. a weekend)
    # 2020: 中秋 fell on Thu 1 October, so that day is owed once more, and Sat 3 October once:
    # 1–3 October off, 补假 on Mon 5 and Tue 6.
    shared = provisional_days_off(2020)
    assert [d.day.day for d in shared if d.day.month == 10] == [1, 2, 3, 5, 6]


def test_deadlines_past_the_calendar_data_are_provisional_not_errors() -> None:
    calendar = WorkingDayCalendar()
    start = dt.datetime(2026, 12, 20, 10, tzinfo=CHINA)
    counted = calendar.due_date(start, TimeLimit(10, LimitUnit.WORKING_DAY))
    assert counted.at == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=CHINA)  # 1 Jan off, weekend 2–3
    assert counted.provisional_years == (2027,)
    exact = calendar.due_date(dt.datetime(2026, 10, 1, 10, tzinfo=CHINA), TimeLimit(3, LimitUnit.WORKING_DAY))
    assert not exact.provisional
    hours = calendar.due_date(dt.datetime(2026, 12, 31, 10, tzinfo=CHINA), TimeLimit(48, LimitUnit.HOUR))
    assert not hours.provisional
    with pytest.raises(CalendarYearNotCovered, match="2100"):
        calendar.is_working_day(dt.date(2100, 1, 4))


def test_the_provisional_warning_is_logged_once_per_year() -> None:
    import structlog

    import xietong.workers.calendar as module

    module._warned_years.discard(2031)
    with structlog.testing.capture_logs() as events:
        for _ in range(3):
            WorkingDayCalendar().due(
                dt.datetime(2031, 3, 2, 9, tzinfo=CHINA), TimeLimit(2, LimitUnit.WORKING_DAY)
            )
    warned = [e for e in events if str(e.get("event", "")).startswith("calendar year provisional")]
    assert len(warned) == 1 and warned[0]["year"] == 2031 and warned[0]["log_level"] == "warning"


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        ("共7天。1月19日", "共6天。1月19日", "共6天 but the dates give 7 days off"),
        ("1月19日（星期日）", "1月19日（星期六）", "2020-01-19 is a Sunday, not 星期六"),
        ("4月26日（星期日）、", "4月27日（星期一）、", "调休上班 day 2020-04-27 is a Monday"),
        ("4月4日至6日放假，共3天", "4月5日至7日放假，共3天", "statutory day(s) off 2020-04-04"),
        ("9月27日（星期日）、", "", "4 weekday(s) off beyond the statutory days"),
        ("五、端午节：", "五、端午：", "'端午' is not a statutory holiday"),
        ("三、清明节：4月4日至6日放假，共3天。\n", "", "no paragraph for 清明节"),
    ],
)
def test_a_notice_that_contradicts_the_statute_is_refused_naming_the_line(
    line: str, replacement: str, message: str
) -> None:
    text = notice_text(2020)
    assert line in text
    with pytest.raises(NoticeError) as caught:
        parse_notice(text.replace(line, replacement, 1), "2020.txt")
    assert message in str(caught.value)
    assert str(caught.value).startswith("2020.txt")


def test_add_year_writes_the_file_the_workers_read_and_refuses_it_twice(tmp_path: Path) -> None:
    target = tmp_path / "china.yaml"
    shipped = Path(__file__).parents[2] / "config" / "calendar" / "china.yaml"
    target.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    # A made-up 2027 notice in the published format (the real one is not out yet).
    notice = NOTICES / "2026.txt"
    add_year(target, parse_notice(notice_text(2026), str(notice)))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# China's official working-day calendar")  # the header is kept
    calendar = WorkingDayCalendar(target)
    assert calendar.supplement is not None and 2026 in calendar.supplement.years
    with pytest.raises(CalendarEntryError, match="2026 is already entered"):
        add_year(target, parse_notice(notice_text(2026), str(notice)))
    assert target.read_text(encoding="utf-8") == text  # nothing half-written


def test_add_year_command_enters_a_year_and_provisional_dates_become_exact(tmp_path: Path) -> None:
    target = tmp_path / "china.yaml"
    target.write_text("years: {}\n", encoding="utf-8")
    notice = tmp_path / "2027.txt"
    notice.write_text(MADE_UP_2027, encoding="utf-8")
    before = WorkingDayCalendar(target)
    start = dt.datetime(2027, 2, 3, 10, tzinfo=CHINA)
    provisional = before.due_date(start, TimeLimit(5, LimitUnit.WORKING_DAY))
    assert provisional.provisional_years == (2027,)
    assert provisional.at == dt.datetime(2027, 2, 16, 23, 59, 59, tzinfo=CHINA)  # 春节 5–10 Feb (补假 9–10)
    result = CliRunner().invoke(cli, ["calendar", "add-year", str(notice), "--supplements", str(target)])
    assert result.exit_code == 0, result.output
    assert "2027: 29 days off, 5 调休上班 days; entered into" in result.output
    after = WorkingDayCalendar(target)
    exact = after.due_date(start, TimeLimit(5, LimitUnit.WORKING_DAY))
    assert not exact.provisional
    # 4 Feb (Thu) works, then 春节 5–13 Feb; 14 Feb (Sun, 调休) and 15–17 Feb.
    assert exact.at == dt.datetime(2027, 2, 17, 23, 59, 59, tzinfo=CHINA)
    bad = CliRunner().invoke(cli, ["calendar", "add-year", str(notice), "--supplements", str(target)])
    assert bad.exit_code == 1 and "2027 is already entered" in bad.output


# A made-up 2027 notice in the published format (the real one is not out when this is written): it
# follows the statute (春节 from 除夕, 8+ days; 劳动节 5 days; 国庆 7 days) so the checks accept it.
MADE_UP_2027 = """国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）
国办发明电〔2026〕99号
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。1月31日（周日）、2月14日（周日）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。
五、端午节：6月9日（周三）放假1天，不调休。
六、中秋节：9月15日（周三）放假1天，不调休。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
国务院办公厅
2026年11月20日
"""


def test_status_says_which_years_are_exact_and_which_provisional() -> None:
    args = ["calendar", "status", "--year", "2026", "--year", "2027", "--year", "2100"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line[:5] in ("2026:", "2027:", "2100:")]
    assert lines[0].startswith("2026: exact")
    assert lines[1].startswith("2027: 暂定 provisional: statutory holidays only, 19 days off (6 补假)")
    assert lines[2].startswith("2100: not available")
