"""Due dates for the time limits of the mechanisms (办理时限), on China's official calendar.

The documents give limits as "N个工作日", "N日" and "N小时". Working days follow the State
Council's yearly holiday notice: public holidays are off even on weekdays, and the adjusted
weekend days (调休上班) are working days. The data comes from the PyPI package
``chinese-calendar``; a year it does not cover is an error naming the year, never a guess, because
a wrong due date silently moves every 督办 of a case.

The rule, in Asia/Shanghai time (China has one zone and no daylight saving):

- ``workingDays``: counting starts on the working day AFTER the start date (the day a matter arrives
  is not counted, as in 行政处罚法/民法典: 开始的当日不计入); the case is due at the end (23:59:59)
  of the N-th working day so counted. A matter arriving on a Friday evening with a limit of 1
  working day is due at the end of the next Monday, or later if Monday is a holiday.
- ``days`` (calendar days): counting starts the day after the start date; due at the end of the
  N-th day. If that day is not a working day the limit runs to the end of the next working day
  (民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
- ``months``: the day of the N-th month after the start date with the same number (the last day
  of that month if it has none: 1 month from 31 January ends on 28/29 February), extended to the
  next working day like ``days`` (民法典 第二百零二、二百零三条).
- ``hours``: exactly N hours after the start instant, on the clock; holidays do not stop an
  emergency limit (2小时, 24小时 are used for urgent matters that run around the clock).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import chinese_calendar

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)


class CalendarYearNotCovered(ValueError):
    """The official calendar of a year is not known to the installed data."""

    def __init__(self, year: int, first: int, last: int) -> None:
        super().__init__(
            f"the official working-day calendar for {year} is not available "
            f"(chinese-calendar covers {first}–{last}); update the chinese-calendar package "
            f"once the State Council has published {year}'s holiday notice"
        )
        self.year = year


class LimitUnit(StrEnum):
    WORKING_DAY = "workingDays"
    DAY = "days"
    HOUR = "hours"
    MONTH = "months"


# The generated models write plurals (workingDays, days, hours, months); singulars mean the same.
_UNIT_NAMES = {
    "workingday": LimitUnit.WORKING_DAY,
    "workingdays": LimitUnit.WORKING_DAY,
    "day": LimitUnit.DAY,
    "days": LimitUnit.DAY,
    "hour": LimitUnit.HOUR,
    "hours": LimitUnit.HOUR,
    "month": LimitUnit.MONTH,
    "months": LimitUnit.MONTH,
}


@dataclass(frozen=True)
class TimeLimit:
    amount: float
    unit: LimitUnit

    @classmethod
    def parse(cls, value: object, field: str = "limit") -> TimeLimit:
        """Reads ``{amount, unit: "workingDays" | "days" | "hours" | "months"}``; errors name the field."""
        if not isinstance(value, dict):
            raise ValueError(f"{field}: expected a context {{amount, unit}}, got {value!r}")
        amount, unit_name = value.get("amount"), value.get("unit")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount):
            raise ValueError(f"{field}.amount: expected a number, got {amount!r}")
        if not isinstance(unit_name, str) or unit_name.lower() not in _UNIT_NAMES:
            known = ", ".join(unit.value for unit in LimitUnit)
            raise ValueError(f"{field}.unit: expected one of {known}; got {unit_name!r}")
        unit = _UNIT_NAMES[unit_name.lower()]
        if amount <= 0:
            raise ValueError(f"{field}.amount: a time limit must be positive, got {amount!r}")
        if unit is not LimitUnit.HOUR and amount != int(amount):
            raise ValueError(f"{field}.amount: {unit.value} limits count whole days, got {amount!r}")
        return cls(amount, unit)


class WorkingDayCalendar:
    """China's official working days, with the due-date rule documented in this module."""

    def __init__(self) -> None:
        # The package's own tables; its is_workday() rescans them for the covered range on every
        # call (~200 µs), so the same rule is applied here on frozen sets.
        self._holidays = frozenset(chinese_calendar.holidays)
        self._adjusted_workdays = frozenset(chinese_calendar.workdays)
        years = {d.year for d in self._holidays | self._adjusted_workdays}
        self.first_year = min(years)
        self.last_year = max(years)

    def _check_year(self, day: dt.date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarYearNotCovered(day.year, self.first_year, self.last_year)

    def is_working_day(self, day: dt.date) -> bool:
        self._check_year(day)
        if day in self._adjusted_workdays:
            return True
        return day.weekday() < 5 and day not in self._holidays

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        candidate = day + dt.timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += dt.timedelta(days=1)
        return candidate

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def due(self, start: dt.datetime, limit: TimeLimit) -> dt.datetime:
        """The due instant of ``limit`` counted from ``start`` (an aware datetime), in China time."""
        if start.tzinfo is None:
            raise ValueError(f"start time {start.isoformat()} has no UTC offset")
        local = start.astimezone(CHINA)
        if limit.unit is LimitUnit.HOUR:
            return (local + dt.timedelta(hours=limit.amount)).astimezone(CHINA)
        if limit.unit is LimitUnit.WORKING_DAY:
            last = self.add_working_days(local.date(), int(limit.amount))
        else:
            if limit.unit is LimitUnit.DAY:
                last = local.date() + dt.timedelta(days=int(limit.amount))
            else:
                last = _add_months(local.date(), int(limit.amount))
            if not self.is_working_day(last):
                last = self.next_working_day(last)
        return dt.datetime.combine(last, END_OF_DAY, tzinfo=CHINA)


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day number ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month_start = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_start - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))
