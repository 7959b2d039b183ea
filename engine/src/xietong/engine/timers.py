"""ISO 8601 timer values as Zeebe reads them: durations (``PT5M``), dates, cycles (``R3/PT1H``).

FEEL-computed values arrive as durations, datetimes or strings; everything is normalised to an
ISO string first, so there is one interpretation path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


class TimerValueError(ValueError):
    """A timer definition that is not a valid ISO 8601 duration, date or cycle."""


@dataclass(frozen=True)
class IsoDuration:
    years: int = 0
    months: int = 0
    delta: timedelta = timedelta(0)

    @property
    def is_zero(self) -> bool:
        return not self.years and not self.months and not self.delta

    def add_to(self, instant: datetime) -> datetime:
        """``instant`` plus this duration; past the year 9999 is a TimerValueError, not a crash."""
        try:
            if self.years or self.months:
                month_index = instant.month - 1 + self.months + 12 * self.years
                year, month = instant.year + month_index // 12, month_index % 12 + 1
                day = min(instant.day, _days_in_month(year, month))
                instant = instant.replace(year=year, month=month, day=day)
            return instant + self.delta
        except (OverflowError, ValueError):
            raise TimerValueError(f"counted from {instant:%Y-%m-%d} it ends after the year 9999") from None


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def parse_duration(text: str) -> IsoDuration:
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise TimerValueError(f"'{text}' is not an ISO 8601 duration (e.g. PT15M, P3D)")
    g = {k: v for k, v in match.groupdict().items() if v is not None and k != "sign"}
    if not g:
        raise TimerValueError(f"'{text}' is not an ISO 8601 duration (e.g. PT15M, P3D)")
    try:
        delta = timedelta(
            weeks=int(g.get("weeks", 0)),
            days=int(g.get("days", 0)),
            hours=int(g.get("hours", 0)),
            minutes=int(g.get("minutes", 0)),
            seconds=float(g.get("seconds", 0)),
        )
    except OverflowError:
        raise TimerValueError(f"'{text}' is longer than any date the engine can schedule") from None
    return IsoDuration(int(g.get("years", 0)), int(g.get("months", 0)), delta)


def parse_datetime(text: str) -> datetime:
    raw = text.strip()
    # FEEL date-and-time strings may carry a zone id: 2024-01-01T10:00:00@Asia/Shanghai
    zone = None
    if "@" in raw:
        raw, zone = raw.split("@", 1)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as err:
        raise TimerValueError(f"'{text}' is not an ISO 8601 date-time (e.g. 2025-01-01T09:00:00Z)") from err
    if value.tzinfo is None:
        if zone:
            from zoneinfo import ZoneInfo

            value = value.replace(tzinfo=ZoneInfo(zone))
        else:
            value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_given(text: str) -> str:
    """An ISO 8601 date-time with the offset it was given (Zeebe keeps the zone of a due date: a 办理
    时限 of ``…T23:59:59+08:00`` stays in China time); ``Z`` for UTC, UTC when it names none.
    Raises TimerValueError when ``text`` is not a date-time."""
    parse_datetime(text)
    raw, _, zone = text.strip().partition("@")
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo(zone) if zone else UTC)
    return value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Cycle:
    """``R[n]/[start/]duration``; repetitions -1 means forever."""

    repetitions: int
    interval: IsoDuration
    start: datetime | None = None


CRON_CYCLE = Cycle(-1, IsoDuration())  # a cron cycle: forever, its times from the expression


def is_cron(text: str) -> bool:
    return len(text.split()) == 6 and not text.strip().startswith("R")


def parse_cycle(text: str) -> Cycle:
    """An ISO repeating interval; a six-field cron expression gives repetitions -1 and no interval."""
    if is_cron(text):
        from xietong.engine.cron import CronError, parse_cron

        try:
            parse_cron(text)
        except CronError as err:
            raise TimerValueError(str(err)) from err
        return CRON_CYCLE
    parts = text.strip().split("/")
    if not parts[0].startswith("R") or len(parts) not in (2, 3):
        raise TimerValueError(f"'{text}' is not an ISO 8601 repeating interval (e.g. R3/PT1H, R/P1D)")
    reps_text = parts[0][1:]
    try:
        repetitions = int(reps_text) if reps_text else -1
    except ValueError as err:
        raise TimerValueError(f"'{text}': bad repetition count '{parts[0]}'") from err
    if len(parts) == 3:
        return Cycle(repetitions, parse_duration(parts[2]), parse_datetime(parts[1]))
    return Cycle(repetitions, parse_duration(parts[1]))


def check_schedulable(timer_kind: str, parsed: object, now: datetime | None = None) -> None:
    """What parses but cannot run: a duration ending after the year 9999 (it would fail when the
    timer is created) and an unbounded cycle with no interval (it would fire without pause)."""
    now = now or datetime.now(UTC)
    if isinstance(parsed, IsoDuration):
        parsed.add_to(now)
    elif isinstance(parsed, Cycle) and parsed.interval is not None:
        if parsed.repetitions == -1 and parsed.interval.is_zero and parsed is not CRON_CYCLE:
            raise TimerValueError("an unbounded cycle (R/…) needs an interval greater than zero")
        parsed.interval.add_to(parsed.start or now)


def as_timer_text(value: Any) -> str:
    """A FEEL result (duration, datetime, string) as the ISO text the timer parsers read."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, timedelta):
        return f"PT{value.total_seconds()}S"
    from xietong.engine.expressions import to_json

    converted = to_json(value)
    if isinstance(converted, str):
        return converted
    raise TimerValueError(f"a timer expression must give a duration, date-time or cycle, not {value!r}")
