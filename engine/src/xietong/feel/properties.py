"""Properties of temporal values and ranges (``date.year``, ``duration.days``, ``range.start``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .temporal import YearsMonthsDuration, time_offset, zone_id
from .values import NULL_BOUND, Range
from .widedates import WideDate


def _seconds(value: time) -> Decimal:
    if value.microsecond:
        return Decimal(value.second) + Decimal(value.microsecond) / Decimal(1_000_000)
    return Decimal(value.second)


def get(value: Any, name: str) -> Any:
    if isinstance(value, WideDate):
        if name == "year":
            return Decimal(value.year)
        value = value.base  # month, day, weekday and time repeat every 400 years
    if isinstance(value, (date, datetime)):
        if name == "year":
            return Decimal(value.year)
        if name == "month":
            return Decimal(value.month)
        if name == "day":
            return Decimal(value.day)
        if name == "weekday":
            return Decimal(value.isoweekday())
    if isinstance(value, (time, datetime)):
        if name == "hour":
            return Decimal(value.hour)
        if name == "minute":
            return Decimal(value.minute)
        if name == "second":
            return _seconds(value)  # type: ignore[arg-type]
        if name == "time offset":
            return time_offset(value)
        if name == "timezone":
            return zone_id(value)
    if isinstance(value, timedelta):
        total = value // timedelta(microseconds=1)
        sign = -1 if total < 0 else 1
        secs, us = divmod(abs(total), 1_000_000)
        if name == "days":
            return Decimal(sign * (secs // 86400))
        if name == "hours":
            return Decimal(sign * (secs % 86400 // 3600))
        if name == "minutes":
            return Decimal(sign * (secs % 3600 // 60))
        if name == "seconds":
            return Decimal(sign * (secs % 60)) + (Decimal(sign * us) / Decimal(1_000_000) if us else 0)
    if isinstance(value, YearsMonthsDuration):
        if name == "years":
            return Decimal(value.years_part)
        if name == "months":
            return Decimal(value.months_part)
    if isinstance(value, Range):
        if name == "start":
            return None if value.start is NULL_BOUND else value.start
        if name == "end":
            return None if value.end is NULL_BOUND else value.end
        if name == "start included":
            return value.start_included
        if name == "end included":
            return value.end_included
    return None
