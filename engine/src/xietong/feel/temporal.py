"""FEEL's temporal values: Python dates/times plus the two duration kinds FEEL distinguishes.

A days-time duration is a plain :class:`datetime.timedelta` (exported as ``DaysTimeDuration``) because
that is what the engine needs for timers; a years-months duration has no Python equivalent, so it is
a small value class counting months.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache, total_ordering
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .nanos import nanos_of, with_nanos
from .widedates import WideDate, add_delta, make

DaysTimeDuration = timedelta


@total_ordering
@dataclass(frozen=True, slots=True)
class YearsMonthsDuration:
    """A calendar duration ("P1Y2M"): only whole months, so it never mixes with days."""

    months: int

    @property
    def years_part(self) -> int:
        return int(abs(self.months) // 12) * (1 if self.months >= 0 else -1)

    @property
    def months_part(self) -> int:
        return int(abs(self.months) % 12) * (1 if self.months >= 0 else -1)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, YearsMonthsDuration):
            return NotImplemented
        return self.months < other.months

    def __str__(self) -> str:
        return format_duration(self)


_DURATION = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?"
)


def parse_iso_duration(text: str) -> YearsMonthsDuration | timedelta:
    """Parse an ISO 8601 duration the way FEEL's ``duration()`` does; raises ValueError if invalid."""
    m = _DURATION.fullmatch(text.strip())
    if not m or text.strip().endswith(("P", "T")):
        raise ValueError(f"invalid duration {text!r}")
    neg, years, months, weeks, days, hours, minutes, seconds = m.groups()
    ym = years is not None or months is not None
    dt = any(v is not None for v in (weeks, days, hours, minutes, seconds))
    if ym and dt:
        raise ValueError(f"duration {text!r} mixes years/months with days/time")
    if not ym and not dt:
        raise ValueError(f"invalid duration {text!r}")
    sign = -1 if neg else 1
    if ym:
        return YearsMonthsDuration(sign * (int(years or 0) * 12 + int(months or 0)))
    total_days = int(weeks or 0) * 7 + int(days or 0)
    if total_days > 999_999_999:
        raise ValueError(f"duration {text!r} out of range")
    sec = Decimal(seconds or 0)
    micros = int((sec * 1_000_000).to_integral_value())
    try:
        td = timedelta(days=total_days, hours=int(hours or 0), minutes=int(minutes or 0), microseconds=micros)
    except OverflowError as exc:
        raise ValueError(f"duration {text!r} out of range") from exc
    return -td if sign < 0 else td


def format_duration(value: YearsMonthsDuration | timedelta) -> str:
    """ISO 8601 text of a duration, as feel-scala prints it."""
    if isinstance(value, YearsMonthsDuration):
        m = abs(value.months)
        sign = "-" if value.months < 0 else ""
        y, mo = divmod(m, 12)
        if y and mo:
            return f"{sign}P{y}Y{mo}M"
        if y or not mo:
            return f"{sign}P{y}Y"  # feel-scala prints zero as P0Y
        return f"{sign}P{mo}M"
    # feel-scala (and so Zeebe's stored text) prints whole seconds only: PT1.5S is "PT1S", PT0.5S is "P0D"
    total_us = value // timedelta(microseconds=1)
    whole = abs(total_us) // 1_000_000
    if whole == 0:
        return "P0D"
    sign = "-" if total_us < 0 else ""
    days, secs = divmod(whole, 86400)
    hours, secs = divmod(secs, 3600)
    minutes, secs = divmod(secs, 60)
    out = f"{sign}P"
    if days:
        out += f"{days}D"
    if hours or minutes or secs:
        out += "T" + "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return out


@lru_cache(maxsize=512)
def zone(name: str) -> tzinfo:
    """A tzinfo for an IANA zone id, a fixed offset ("+02:00") or "Z"; raises ValueError."""
    if name == "Z":
        return UTC
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?", name)
    if m:
        delta = timedelta(hours=int(m[2]), minutes=int(m[3]), seconds=int(m[4] or 0))
        if delta > timedelta(hours=18):
            raise ValueError(f"offset {name!r} out of range")
        return timezone(-delta if m[1] == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


_DATE = re.compile(r"(-?(?:[1-9]\d{4,8}|\d{4}))-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)?(?:@(.+)|\[(.+)\])?")


def parse_date(text: str) -> Any:
    """A date (a WideDate for years outside 1–9999); raises ValueError."""
    m = _DATE.fullmatch(text)
    if not m:
        raise ValueError(f"invalid date {text!r}")
    return make(int(m[1]), int(m[2]), int(m[3]))


def _time_parts(text: str) -> tuple[int, int, int, int, tzinfo | None, int]:
    m = _TIME.fullmatch(text)
    if not m:
        raise ValueError(f"invalid time {text!r}")
    hh, mm, ss = int(m[1]), int(m[2]), int(m[3])
    if hh > 23 and not (hh == 24 and mm == 0 and ss == 0):
        raise ValueError(f"invalid time {text!r}")
    if mm > 59 or ss > 59:
        raise ValueError(f"invalid time {text!r}")
    us = int((m[4] or "0")[:6].ljust(6, "0"))
    tz: tzinfo | None = None
    if m[6] or m[7]:
        if m[5]:
            raise ValueError(f"time {text!r} has both an offset and a zone")
        tz = zone(m[6] or m[7])
    elif m[5]:
        tz = zone(m[5])
    ns = int((m[4] or "")[6:9].ljust(3, "0"))
    return hh, mm, ss, us, tz, ns


def parse_time(text: str) -> time:
    hh, mm, ss, us, tz, ns = _time_parts(text)
    if hh == 24:
        hh = 0
    parsed: time = with_nanos(time(hh, mm, ss, us, tzinfo=tz), ns)
    return parsed


def parse_datetime(text: str) -> Any:
    """A date-time (a WideDate for years outside 1–9999); raises ValueError."""
    dpart, _, tpart = text.partition("T")
    m = _DATE.fullmatch(dpart)
    if not m:
        raise ValueError(f"invalid date-time {text!r}")
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not tpart:
        return make(year, month, day, 0)
    hh, mm, ss, us, tz, ns = _time_parts(tpart)
    if hh == 24:
        return add_delta(make(year, month, day, 0, mm, ss, us, tzinfo=tz), timedelta(days=1))
    value = make(year, month, day, hh, mm, ss, us, tzinfo=tz)
    if isinstance(value, WideDate):
        return WideDate(with_nanos(value.base, ns), value.shift)
    return with_nanos(value, ns)


def _offset_text(off: timedelta) -> str:
    if off == timedelta(0):
        return "Z"
    sign = "-" if off < timedelta(0) else "+"
    secs = int(abs(off).total_seconds())
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _zone_suffix(tz: tzinfo | None, ref: datetime | None) -> str:
    if tz is None:
        return ""
    if isinstance(tz, ZoneInfo):
        return f"@{tz.key}"
    off = tz.utcoffset(ref)
    return _offset_text(off) if off is not None else ""


def _clock(h: int, m: int, s: int, us: int, ns: int = 0) -> str:
    out = f"{h:02d}:{m:02d}:{s:02d}"
    if us or ns:
        out += f".{us:06d}{ns:03d}".rstrip("0")
    return out


def format_date(d: date) -> str:
    if d.year < 0 or d.year > 9999:
        return f"{d.year}-{d.month:02d}-{d.day:02d}"
    return d.isoformat()


def format_time(t: time) -> str:
    return _clock(t.hour, t.minute, t.second, t.microsecond, nanos_of(t)) + _zone_suffix(t.tzinfo, None)


def format_datetime(dt: datetime) -> str:
    return (
        format_date(dt.date())
        + "T"
        + _clock(dt.hour, dt.minute, dt.second, dt.microsecond, nanos_of(dt))
        + _zone_suffix(dt.tzinfo, dt)
    )


def format_datetime_iso(dt: datetime) -> str:
    """Java's ISO_OFFSET_DATE_TIME / ISO_LOCAL_DATE_TIME, which Zeebe uses to store date-times."""
    text = format_date(dt.date()) + "T" + _clock(dt.hour, dt.minute, dt.second, dt.microsecond, nanos_of(dt))
    off = dt.utcoffset()
    return text if off is None else text + _offset_text(off)


def format_local_time_java(t: time) -> str:
    """Java's LocalTime.toString (seconds only when non-zero), which Zeebe uses to store local times."""
    text = f"{t.hour:02d}:{t.minute:02d}"
    if t.second or t.microsecond:
        text += f":{t.second:02d}"
        if t.microsecond:
            text += f".{t.microsecond // 1000:03d}" if t.microsecond % 1000 == 0 else f".{t.microsecond:06d}"
    return text


def time_offset(value: time | datetime) -> timedelta | None:
    """The UTC offset FEEL reports as ``time offset`` (null for local values)."""
    tz = value.tzinfo
    if tz is None:
        return None
    if isinstance(value, datetime):
        return value.utcoffset()
    if isinstance(tz, ZoneInfo):
        return tz.utcoffset(datetime.combine(date.today(), value.replace(tzinfo=None)))
    return tz.utcoffset(None)


def zone_id(value: time | datetime) -> str | None:
    tz = value.tzinfo
    return tz.key if isinstance(tz, ZoneInfo) else None


def add_months(value: date, months: int) -> date:
    """Java's plusMonths: the day is clamped to the target month's length."""
    total = value.year * 12 + (value.month - 1) + months
    year, month0 = divmod(total, 12)
    day = min(value.day, calendar.monthrange(year, month0 + 1)[1])
    return value.replace(year=year, month=month0 + 1, day=day)


def _calendar_parts(value: Any) -> tuple[int, int, int, time]:
    base = value.base if isinstance(value, WideDate) else value
    return value.year, base.month, base.day, base.time() if isinstance(base, datetime) else time()


def months_between(start: Any, end: Any) -> int:
    """Whole months from start to end (Java's Period.between(...).toTotalMonths())."""
    sy, sm, sd, st = _calendar_parts(start)
    ey, em, ed, et = _calendar_parts(end)
    months = (ey - sy) * 12 + (em - sm)
    s_rest = (sd, st)
    e_rest = (ed, et)
    if months > 0 and e_rest < s_rest:
        months -= 1
    elif months < 0 and e_rest > s_rest:
        months += 1
    return months


def time_seconds(t: time) -> float:
    """Seconds since midnight in UTC (for comparing/subtracting times with offsets)."""
    secs = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
    off = time_offset(t)
    if off is not None:
        secs -= off.total_seconds()
    return secs
