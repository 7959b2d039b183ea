"""FEEL arithmetic over numbers, strings, temporal values and durations; mismatches give null."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from . import widedates as wide
from .errors import FeelEvaluationError
from .limits import MAX_STRING_LENGTH
from .temporal import YearsMonthsDuration, add_months, time_seconds
from .values import DECIMAL
from .widedates import WideDate

_US = timedelta(microseconds=1)


def finite(d: Decimal) -> Decimal | None:
    return d if d.is_finite() else None


def _shift(value: Any, dur: Any, sign: int) -> Any:
    """value ± duration for date, date and time and time values; past year 9999 (or before 1) the
    result is a WideDate, as Java's LocalDate goes on."""
    if isinstance(value, WideDate):
        return _shift_wide(value, dur, sign)
    if isinstance(value, date):
        try:
            return _shift_plain(value, dur, sign)
        except (OverflowError, ValueError):
            return _shift_wide(value, dur, sign)
    return _shift_plain(value, dur, sign)


def _shift_wide(value: Any, dur: Any, sign: int) -> Any:
    if isinstance(dur, YearsMonthsDuration):
        return wide.add_months(value, sign * dur.months)
    return wide.add_delta(value, dur if sign > 0 else -dur)


def _shift_plain(value: Any, dur: Any, sign: int) -> Any:
    if isinstance(dur, YearsMonthsDuration):
        if isinstance(value, (datetime, date)):
            return add_months(value, sign * dur.months)
        return None
    if isinstance(value, datetime):
        delta = dur if sign > 0 else -dur
        if value.tzinfo is None:
            return value + delta
        # like Java's ZonedDateTime.plus(Duration): exact time on the instant line, then back to the zone
        return (value.astimezone(UTC) + delta).astimezone(value.tzinfo)
    if isinstance(value, date):
        dt = datetime(value.year, value.month, value.day) + (dur if sign > 0 else -dur)
        return dt.date()
    if isinstance(value, time):
        base = datetime(2000, 1, 1, value.hour, value.minute, value.second, value.microsecond)
        moved = base + (dur if sign > 0 else -dur)
        return moved.time().replace(tzinfo=value.tzinfo)
    return None


def _is_duration(v: Any) -> bool:
    return isinstance(v, (timedelta, YearsMonthsDuration))


def _is_temporal(v: Any) -> bool:
    return isinstance(v, (date, time, WideDate))


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    try:
        if ta is Decimal and tb is Decimal:
            return finite(DECIMAL.add(a, b))
        if ta is str and tb is str:
            if len(a) + len(b) > MAX_STRING_LENGTH:
                raise FeelEvaluationError(f"string longer than {MAX_STRING_LENGTH} characters")
            return a + b
        if ta is timedelta and tb is timedelta:
            return a + b
        if ta is YearsMonthsDuration and tb is YearsMonthsDuration:
            return YearsMonthsDuration(a.months + b.months)
        if _is_temporal(a) and _is_duration(b):
            return _shift(a, b, 1)
        if _is_duration(a) and _is_temporal(b):
            return _shift(b, a, 1)
    except (OverflowError, ValueError, InvalidOperation):
        return None
    return None


def _base_type(v: Any) -> type:
    """datetime/time for their nanosecond-carrying subclasses too."""
    if isinstance(v, datetime):
        return datetime
    if isinstance(v, time):
        return time
    return type(v)


def subtract(a: Any, b: Any) -> Any:
    ta, tb = _base_type(a), _base_type(b)
    try:
        if ta is Decimal and tb is Decimal:
            return finite(DECIMAL.subtract(a, b))
        if ta is timedelta and tb is timedelta:
            return a - b
        if ta is YearsMonthsDuration and tb is YearsMonthsDuration:
            return YearsMonthsDuration(a.months - b.months)
        if _is_temporal(a) and _is_duration(b):
            return _shift(a, b, -1)
        if ta is WideDate or tb is WideDate:
            return _wide_difference(a, b)
        if ta is datetime and tb is datetime:
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            if a.tzinfo is None:
                return a - b
            return a.astimezone(UTC) - b.astimezone(UTC)  # exact, also across daylight-saving changes
        if ta is date and tb is date:
            return a - b
        # a date against a zoned date-time counts from midnight UTC; against a local one it is null
        if ta is datetime and tb is date and a.tzinfo is not None:
            return a - datetime(b.year, b.month, b.day, tzinfo=UTC)
        if ta is date and tb is datetime and b.tzinfo is not None:
            return datetime(a.year, a.month, a.day, tzinfo=UTC) - b
        if ta is time and tb is time:
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            return timedelta(seconds=time_seconds(a) - time_seconds(b))
    except (OverflowError, ValueError, InvalidOperation, TypeError):
        return None
    return None


def _wide_difference(a: Any, b: Any) -> Any:
    """date - date or date-time - date-time where one side lies outside the years 1–9999."""
    if not (isinstance(a, (date, WideDate)) and isinstance(b, (date, WideDate))):
        return None
    base_a = a.base if isinstance(a, WideDate) else a
    base_b = b.base if isinstance(b, WideDate) else b
    if isinstance(base_a, datetime) != isinstance(base_b, datetime):
        return None
    if isinstance(base_a, datetime) and (base_a.tzinfo is None) != (getattr(base_b, "tzinfo", None) is None):
        return None
    return wide.difference(a, b)


def multiply(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    try:
        if ta is Decimal and tb is Decimal:
            return finite(DECIMAL.multiply(a, b))
        if ta is Decimal and _is_duration(b):
            a, b = b, a
            ta, tb = tb, ta
        if ta is timedelta and tb is Decimal:
            return timedelta(microseconds=int(DECIMAL.multiply(Decimal(a // _US), b)))
        if ta is YearsMonthsDuration and tb is Decimal:
            return YearsMonthsDuration(int(DECIMAL.multiply(Decimal(a.months), b)))
    except (OverflowError, ValueError, InvalidOperation):
        return None
    return None


def divide(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    try:
        if ta is Decimal and tb is Decimal:
            if b.is_zero():
                return None
            return finite(DECIMAL.divide(a, b))
        if ta is timedelta and tb is Decimal:
            if b.is_zero():
                return None
            return timedelta(microseconds=int(DECIMAL.divide(Decimal(a // _US), b)))
        if ta is YearsMonthsDuration and tb is Decimal:
            if b.is_zero():
                return None
            return YearsMonthsDuration(int(DECIMAL.divide(Decimal(a.months), b)))
        if ta is timedelta and tb is timedelta:
            if not b:
                return None
            return DECIMAL.divide(Decimal(a // _US), Decimal(b // _US))
        if ta is YearsMonthsDuration and tb is YearsMonthsDuration:
            if not b.months:
                return None
            return DECIMAL.divide(Decimal(a.months), Decimal(b.months))
    except (OverflowError, ValueError, InvalidOperation):
        return None
    return None


def power(a: Any, b: Any) -> Any:
    if type(a) is not Decimal or type(b) is not Decimal:
        return None
    try:
        if b == b.to_integral_value():
            if abs(b) > 999_999_999:
                return None
            return finite(DECIMAL.power(a, int(b)))
        return finite(DECIMAL.power(a, b))
    except (OverflowError, ValueError, InvalidOperation, ZeroDivisionError):
        return None


def negate(a: Any) -> Any:
    if type(a) is Decimal:
        return -a
    if type(a) is timedelta:
        return -a
    if type(a) is YearsMonthsDuration:
        return YearsMonthsDuration(-a.months)
    return None


OPERATORS = {"+": add, "-": subtract, "*": multiply, "/": divide, "**": power}
