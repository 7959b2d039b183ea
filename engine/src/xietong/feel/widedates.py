"""Dates and date-times outside Python's years 1–9999 (feel-scala allows ±999,999,999).

The Gregorian calendar repeats exactly every 400 years (146,097 days, weekdays included), so such a
value is a Python date/datetime moved into the years 2000–2399 plus the number of years it was moved by.
Only parsing, construction, arithmetic, comparison, properties and text need to know; everyday values
stay plain ``datetime`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

CYCLE_YEARS = 400
CYCLE_DAYS = 146_097
MAX_YEAR = 999_999_999  # Java's Year.MAX_VALUE


@dataclass(frozen=True, slots=True)
class WideDate:
    base: date  # a date or datetime in the years 2000–2399
    shift: int  # years to add to base.year (a multiple of 400)

    @property
    def year(self) -> int:
        return self.base.year + self.shift

    @property
    def is_datetime(self) -> bool:
        return isinstance(self.base, datetime)

    def key(self) -> tuple[int, Any]:
        return (self.shift, self.base)


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def widen(value: date, shift: int = 0) -> WideDate:
    """Any date/datetime (with extra years) in the wide form."""
    year = value.year + shift
    cycles = (year - 2000) // CYCLE_YEARS
    return WideDate(value.replace(year=year - CYCLE_YEARS * cycles), CYCLE_YEARS * cycles)


def make(year: int, month: int, day: int, *time_parts: Any, tzinfo: Any = None) -> Any:
    """A plain date/datetime when Python can hold it, else a WideDate; raises ValueError if invalid."""
    if 1 <= year <= 9999:
        if time_parts or tzinfo is not None:
            return datetime(year, month, day, *time_parts).replace(tzinfo=tzinfo)
        return date(year, month, day)
    if abs(year) > MAX_YEAR:
        raise ValueError(f"year {year} out of range")
    cycles = (year - 2000) // CYCLE_YEARS
    base_year = year - CYCLE_YEARS * cycles
    if time_parts or tzinfo is not None:
        base: date = datetime(base_year, month, day, *time_parts).replace(tzinfo=tzinfo)
    else:
        base = date(base_year, month, day)
    return WideDate(base, CYCLE_YEARS * cycles)


def narrow(value: WideDate) -> Any:
    """Back to a plain value when the year fits; ValueError beyond Java's year range."""
    if abs(value.year) > MAX_YEAR:
        raise ValueError(f"year {value.year} out of range")
    if 1 <= value.year <= 9999:
        return value.base.replace(year=value.year)
    return widen(value.base, value.shift)


def add_delta(value: Any, delta: timedelta) -> Any:
    w = value if isinstance(value, WideDate) else widen(value)
    cycles, rest_days = divmod(delta.days, CYCLE_DAYS)
    moved = w.base + timedelta(days=rest_days, seconds=delta.seconds, microseconds=delta.microseconds)
    return narrow(WideDate(moved, w.shift + CYCLE_YEARS * cycles))


def add_months(value: Any, months: int) -> Any:
    w = value if isinstance(value, WideDate) else widen(value)
    total = w.year * 12 + (w.base.month - 1) + months
    year, month0 = divmod(total, 12)
    day = min(w.base.day, days_in_month(year, month0 + 1))
    if isinstance(w.base, datetime):
        b = w.base
        return make(year, month0 + 1, day, b.hour, b.minute, b.second, b.microsecond, tzinfo=b.tzinfo)
    return make(year, month0 + 1, day)


def difference(a: Any, b: Any) -> timedelta:
    """a - b for dates or date-times of which at least one is wide; OverflowError when too far apart."""
    wa = a if isinstance(a, WideDate) else widen(a)
    wb = b if isinstance(b, WideDate) else widen(b)
    return (wa.base - wb.base) + timedelta(days=(wa.shift - wb.shift) // CYCLE_YEARS * CYCLE_DAYS)


def compare_key(value: Any) -> tuple[int, Any]:
    return (value if isinstance(value, WideDate) else widen(value)).key()


def year_text(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def format_wide(value: WideDate, formatter: Any) -> str:
    """Format the base with ``formatter`` and put the real year in front (the base year has 4 digits)."""
    text: str = formatter(value.base)
    return year_text(value.year) + text[4:]
