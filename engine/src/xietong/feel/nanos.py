"""Nanosecond fractions (``10:15:30.123456789``): Python keeps microseconds, FEEL keeps nanoseconds.

The three digits below the microsecond ride along on a subclass so that the text of a parsed value is
kept exactly; arithmetic on such values works at microsecond precision.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any


class NanoTime(time):
    nanos: int = 0


class NanoDateTime(datetime):
    nanos: int = 0


def with_nanos(value: Any, nanos: int) -> Any:
    """``value`` carrying ``nanos`` (0–999) below its microseconds."""
    if not nanos:
        return value
    if isinstance(value, datetime):
        out: Any = NanoDateTime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            tzinfo=value.tzinfo,
            fold=value.fold,
        )
    elif isinstance(value, time):
        out = NanoTime(
            value.hour, value.minute, value.second, value.microsecond, tzinfo=value.tzinfo, fold=value.fold
        )
    else:
        return value
    out.nanos = nanos
    return out


def nanos_of(value: Any) -> int:
    return getattr(value, "nanos", 0)
