"""Temporal built-ins: ``now()``/``today()`` read the engine clock carried by the evaluation context."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .registry import builtin

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = tuple(calendar.month_name)[1:]


def _now(ctx: Any) -> datetime:
    return ctx.now if ctx.now is not None else datetime.now(UTC)


@builtin("now", ctx=True)
def now(ctx: Any) -> datetime:
    return _now(ctx)


@builtin("today", ctx=True)
def today(ctx: Any) -> date:
    return _now(ctx).date()


@builtin("day of year", "date")
def day_of_year(date_: Any) -> Any:
    return Decimal(date_.timetuple().tm_yday) if isinstance(date_, date) else None


@builtin("day of week", "date")
def day_of_week(date_: Any) -> Any:
    return _DAYS[date_.weekday()] if isinstance(date_, date) else None


@builtin("month of year", "date")
def month_of_year(date_: Any) -> Any:
    return _MONTHS[date_.month - 1] if isinstance(date_, date) else None


@builtin("week of year", "date")
def week_of_year(date_: Any) -> Any:
    return Decimal(date_.isocalendar()[1]) if isinstance(date_, date) else None


@builtin("last day of month", "date")
def last_day_of_month(date_: Any) -> Any:
    if not isinstance(date_, date):
        return None
    d = date_.date() if isinstance(date_, datetime) else date_
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])
