"""Cron expressions in ``timeCycle``, as Zeebe accepts them (Spring's six fields:
second minute hour day-of-month month day-of-week), e.g. ``0 0 9 * * MON-FRI``.

Supports ``*``, ``?``, lists, ranges, steps (``*/15``, ``1-10/2``) and month/day names; not the
``L``/``W``/``#`` extensions, which are rejected with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}
DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}


class CronError(ValueError):
    pass


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{what}: bad step '/{step_text}'")
            step = int(step_text)
        if part in ("*", "?", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names, what), _value(b, names, what)
        else:
            start = _value(part, names, what)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise CronError(f"{what}: '{part}' is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int], what: str) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"{what}: '{text}' is not supported (numbers, names, *, ?, ranges, lists, steps)")
    return int(text)


@dataclass(frozen=True)
class Cron:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    def next_after(self, instant: datetime) -> datetime:
        """The first matching time strictly after ``instant`` (UTC), within five years."""
        start = instant.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        day = start.replace(hour=0, minute=0, second=0)
        for _ in range(366 * 5):
            if day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        for second in sorted(self.seconds):
                            candidate = day.replace(hour=hour, minute=minute, second=second)
                            if candidate >= start:
                                return candidate
            day += timedelta(days=1)
        raise CronError("the cron expression never fires within five years")

    def _day_matches(self, day: datetime) -> bool:
        weekday = (day.weekday() + 1) % 7
        if self.any_day:
            return weekday in self.weekdays
        if self.any_weekday:
            return day.day in self.days
        return day.day in self.days or weekday in self.weekdays  # both restricted: either (cron rule)


def parse_cron(text: str) -> Cron:
    fields = text.split()
    if len(fields) != 6:
        raise CronError(
            f"'{text}' is not a cron expression of six fields (second minute hour day month weekday)"
        )
    sec, minute, hour, dom, month, dow = fields
    for field_text in (dom, dow):
        if any(c in field_text.upper() for c in "LW#"):
            raise CronError(f"'{text}': the L, W and # cron extensions are not supported")
    return Cron(
        seconds=_field(sec, 0, 59, {}, "seconds"),
        minutes=_field(minute, 0, 59, {}, "minutes"),
        hours=_field(hour, 0, 23, {}, "hours"),
        days=_field(dom, 1, 31, {}, "day of month"),
        months=_field(month, 1, 12, MONTHS, "month"),
        weekdays=frozenset(d % 7 for d in _field(dow, 0, 7, DAYS, "day of week")),
        any_day=dom in ("*", "?"),
        any_weekday=dow in ("*", "?"),
    )
