"""Temporal values, their arithmetic, properties and built-ins; `now()` follows the engine clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from xietong.feel import YearsMonthsDuration, compile_expression, evaluate, parse_iso_duration, to_json

from .conftest import NOW, run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('date("2024-03-15")', "2024-03-15"),
        ("date(2024, 2, 29)", "2024-02-29"),
        ("date(2023, 2, 29)", None),
        ('time("10:30:00")', "10:30"),  # stored like Java's LocalTime.toString, as Zeebe does
        ('string(time("10:30:00"))', "10:30:00"),
        ('time("10:30:00+02:00")', "10:30:00+02:00"),
        ("time(10, 30, 0)", "10:30"),
        ('time("10:30:05.5")', "10:30:05.500"),
        ('date and time("2024-03-15T10:30:00")', "2024-03-15T10:30:00"),
        ('date and time("2024-03-15T10:30:00Z")', "2024-03-15T10:30:00Z"),
        ('date and time("2024-03-15T10:30:00@Asia/Shanghai")', "2024-03-15T10:30:00+08:00"),
        ('string(date and time("2024-03-15T10:30:00@Asia/Shanghai"))', "2024-03-15T10:30:00@Asia/Shanghai"),
        ('duration("PT0S")', "P0D"),
        ('duration("PT1.5S")', "PT1S"),  # feel-scala's text keeps whole seconds only
        ('duration("PT1.5S") * 2', "PT3S"),
        # exact time across the 2024-03-31 daylight-saving change in Paris, as Java's ZonedDateTime.plus
        ('@"2024-03-30T12:00:00@Europe/Paris" + @"PT24H"', "2024-03-31T13:00:00+02:00"),
        ('@"2024-03-31T12:00:00@Europe/Paris" - @"2024-03-30T12:00:00@Europe/Paris"', "PT23H"),
        ('duration("P0M")', "P0Y"),
        ('date and time(date("2024-03-15"), time("08:00:00"))', "2024-03-15T08:00:00"),
        ('duration("P3D")', "P3D"),
        ('duration("PT36H")', "P1DT12H"),
        ('duration("P1Y14M")', "P2Y2M"),
        ('duration("P1Y2D")', None),
        ('years and months duration(date("2020-01-15"), date("2024-03-14"))', "P4Y1M"),
        ('@"2024-03-15" + @"P1D"', "2024-03-16"),
        ('@"2024-01-31" + @"P1M"', "2024-02-29"),
        ('@"2024-03-15T10:00:00Z" - @"PT30M"', "2024-03-15T09:30:00Z"),
        ('@"2024-03-15T10:00:00" - @"2024-03-14T09:00:00"', "P1DT1H"),
        ('@"2024-03-15" - @"2024-03-01"', "P14D"),
        ('@"2021-01-02T10:10:10+01:00" - @"2021-01-01"', "P1DT9H10M10S"),  # the date counts from UTC midnight
        ('@"2021-01-02T10:10:10" - @"2021-01-01"', None),
        ('@"10:00:00" + @"PT90M"', "11:30"),
        ('@"P1D" * 3', "P3D"),
        ('@"P1D" / @"PT12H"', 2),
        ('@"P1Y" + @"P6M"', "P1Y6M"),
        ('@"P1D" > @"PT23H"', True),
        ('@"2024-03-15T10:00:00Z" = @"2024-03-15T18:00:00+08:00"', True),
        ('@"2024-03-15" < @"2024-03-16"', True),
        ('@"2024-03-15" = @"2024-03-15T00:00:00"', None),
        ('@"2024-03-15T10:20:30+02:00".hour', 10),
        ('@"2024-03-15T10:20:30+02:00".time offset', "PT2H"),
        ('@"2024-03-15T10:20:30@Europe/Paris".timezone', "Europe/Paris"),
        ('@"2024-03-15".weekday', 5),
        ('@"P1DT2H3M".hours', 2),
        ('@"P1Y7M".months', 7),
        ('day of year(date("2024-03-15"))', 75),
        ('day of week(date("2024-03-15"))', "Friday"),
        ('month of year(date("2024-03-15"))', "March"),
        ('week of year(date("2024-03-15"))', 11),
        ('last day of month(date("2024-02-10"))', "2024-02-29"),
        ("today()", "2024-03-15"),
        # years outside Python's 1..9999, as Java's LocalDate (a 400-year-shifted value underneath)
        ('string(@"9999-12-31" + @"P1D")', "10000-01-01"),
        ('string(@"-2021-01-01T10:10:10+11:00" - @"P1D")', "-2022-12-31T10:10:10+11:00"),
        ("string(date(-999999999, 12, 31))", "-999999999-12-31"),
        ('date("-2017-12-31").year', -2017),
        ('date("-2017-12-31") < date("2017-01-01")', True),
        ('string(date and time("99999-12-31T11:22:33") + @"P1M")', "100000-01-31T11:22:33"),
        ('years and months duration(date("-2016-01-30"), date("-2017-02-28"))', "-P11M"),
        ('@"10000-01-02" - @"10000-01-01"', "P1D"),
        # nanosecond fractions are kept in the value's text
        (
            'string(date and time("2011-12-31T10:15:30.123456789@Europe/Paris"))',
            "2011-12-31T10:15:30.123456789@Europe/Paris",
        ),
        ('string(time(date and time(date("2017-08-10"), time("23:59:01.987654321"))))', "23:59:01.987654321"),
        ('@"2024-01-01T00:00:00.000000500" - @"2024-01-01T00:00:00"', "P0D"),
        ("now()", "2024-03-15T10:30:00Z"),
        ('now() + duration("P3D")', "2024-03-18T10:30:00Z"),
    ],
)
def test_temporal(source: str, expected: object) -> None:
    assert run(source) == expected


def test_now_uses_the_engine_clock() -> None:
    c = compile_expression("now()")
    pinned = datetime(2030, 1, 1, tzinfo=UTC)
    assert c.evaluate({}, now=pinned) == pinned
    assert abs(c.evaluate({}) - datetime.now(UTC)) < timedelta(minutes=1)


def test_native_values_for_the_engine() -> None:
    assert evaluate('duration("PT2H")') == timedelta(hours=2)
    assert evaluate('duration("P1Y2M")') == YearsMonthsDuration(14)
    assert evaluate('date("2024-03-15")') == date(2024, 3, 15)
    assert evaluate('date and time("2024-03-15T10:00:00+08:00")') == datetime(
        2024, 3, 15, 10, tzinfo=timezone(timedelta(hours=8))
    )
    assert evaluate('date and time("2024-03-15T10:00:00@Asia/Shanghai")').tzinfo == ZoneInfo("Asia/Shanghai")
    assert evaluate("now()", now=NOW) == NOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P3D", timedelta(days=3)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("-PT5S", timedelta(seconds=-5)),
        ("P2W", timedelta(days=14)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("P1Y6M", YearsMonthsDuration(18)),
    ],
)
def test_parse_iso_duration(text: str, expected: object) -> None:
    assert parse_iso_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "3D", "P1Y2D", "P1.5D"])
def test_parse_iso_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_duration(text)


def test_to_json_matches_zeebe_storage() -> None:
    assert to_json(evaluate("{a: 1, b: 1.5, c: [2.0]}")) == {"a": 1, "b": 1.5, "c": [2]}
    assert to_json(evaluate('duration("P1DT2H")')) == "P1DT2H"
    assert to_json(evaluate('date and time("2024-03-15T10:00:00Z")')) == "2024-03-15T10:00:00Z"
    assert to_json(evaluate("[1..5]")) is None  # ranges and functions are stored as nil by Zeebe
    assert to_json(evaluate("function(x) x")) is None
