"""Conversion built-ins: ``date``, ``time``, ``date and time``, ``duration``, ``number``…"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ..nanos import nanos_of, with_nanos
from ..temporal import (
    YearsMonthsDuration,
    months_between,
    parse_date,
    parse_datetime,
    parse_iso_duration,
    parse_time,
    zone,
)
from ..widedates import WideDate
from ..widedates import make as make_date
from .registry import OMIT, builtin


def _day_of(value: date) -> date:
    """The calendar day of a wide value's base (a datetime when the wide value is a date-time)."""
    return value.date() if isinstance(value, datetime) else value


def _int(n: Any) -> int | None:
    if type(n) is not Decimal or n != n.to_integral_value():
        return None
    return int(n)


@builtin("date", "from")
def date_from(from_: Any) -> Any:
    if isinstance(from_, str):
        try:
            return parse_date(from_)
        except ValueError:
            return None
    if isinstance(from_, datetime):
        return from_.date()
    if isinstance(from_, date):
        return from_
    if isinstance(from_, WideDate):
        return WideDate(_day_of(from_.base), from_.shift) if from_.is_datetime else from_
    return None


@builtin("date", "year, month, day")
def date_parts(year: Any, month: Any, day: Any) -> Any:
    y, m, d = _int(year), _int(month), _int(day)
    if y is None or m is None or d is None:
        return None
    try:
        return make_date(y, m, d)
    except (ValueError, OverflowError):
        return None


@builtin("time", "from")
def time_from(from_: Any) -> Any:
    if isinstance(from_, str):
        try:
            return parse_time(from_[1:] if from_.startswith("T") else from_)
        except ValueError:
            return None
    if isinstance(from_, datetime):
        return with_nanos(from_.timetz(), nanos_of(from_))
    if isinstance(from_, time):
        return from_
    if isinstance(from_, date):
        return time(0, 0, 0, tzinfo=UTC)
    return None


@builtin("time", "hour, minute, second, offset?")
def time_parts(hour: Any, minute: Any, second: Any, offset: Any = OMIT) -> Any:
    h, m = _int(hour), _int(minute)
    if h is None or m is None or type(second) is not Decimal:
        return None
    tz = None
    if offset is not OMIT and offset is not None:
        if not isinstance(offset, timedelta):
            return None
        try:
            tz = timezone(offset)
        except ValueError:
            return None
    s = int(second)
    us = int((second - s) * 1_000_000)
    try:
        return time(h, m, s, us, tzinfo=tz)
    except ValueError:
        return None


@builtin("date and time", "from")
def date_and_time_from(from_: Any) -> Any:
    if isinstance(from_, str):
        try:
            return parse_datetime(from_)
        except ValueError:
            return None
    if isinstance(from_, datetime):
        return from_
    if isinstance(from_, date):
        return datetime(from_.year, from_.month, from_.day)
    return None


@builtin("date and time", "date, time")
def date_and_time_parts(date_: Any, time_: Any) -> Any:
    if not isinstance(date_, date):
        return None
    if isinstance(time_, str):
        # Camunda's date and time(date, timezone)
        if not isinstance(date_, datetime):
            return None
        try:
            return date_.astimezone(zone(time_))
        except ValueError:
            return None
    if not isinstance(time_, time):  # a datetime is not a time
        return None
    combined = datetime.combine(date_ if not isinstance(date_, datetime) else date_.date(), time_)
    return with_nanos(combined, nanos_of(time_))


builtin("date and time", "date, timezone")(date_and_time_parts)


@builtin("duration", "from")
def duration(from_: Any) -> Any:
    if not isinstance(from_, str):
        return None
    try:
        return parse_iso_duration(from_)
    except ValueError:
        return None


def _as_day(value: Any) -> Any:
    """The calendar day of a date or date-time, wide or not (Period.between ignores the time)."""
    if isinstance(value, WideDate):
        return WideDate(_day_of(value.base), value.shift) if value.is_datetime else value
    return value.date() if isinstance(value, datetime) else value


@builtin("years and months duration", "from, to")
def years_and_months_duration(from_: Any, to: Any) -> Any:
    if isinstance(from_, WideDate) or isinstance(to, WideDate):
        return YearsMonthsDuration(months_between(_as_day(from_), _as_day(to)))
    if not isinstance(from_, date) or not isinstance(to, date):
        return None
    # like Java's Period.between on the local dates: the time of day does not count
    from_ = from_.date() if isinstance(from_, datetime) else from_
    to = to.date() if isinstance(to, datetime) else to
    return YearsMonthsDuration(months_between(from_, to))


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@builtin("number", "from, grouping separator?, decimal separator?")
def number(from_: Any, grouping: Any = OMIT, decimal_sep: Any = OMIT) -> Any:
    if not isinstance(from_, str):
        return None
    g = None if grouping is OMIT else grouping
    d = None if decimal_sep is OMIT else decimal_sep
    if g is not None and g not in (" ", ",", "."):
        return None
    if d is not None and d not in (",", "."):
        return None
    if g is not None and g == d:
        return None
    text = from_
    if g:
        text = text.replace(g, "")
    if d:
        text = text.replace(d, ".")
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
