"""Camunda's ``from json``/``to json``: JSON text in and out, with Java's temporal text forms."""

from __future__ import annotations

import json as jsonlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ..temporal import YearsMonthsDuration, format_date, format_datetime_iso, time_offset
from ..values import FeelFunction, Range, number_text, to_string
from .registry import builtin


@builtin("from json", "json")
def from_json(json: Any) -> Any:
    if not isinstance(json, str):
        return None
    try:
        return jsonlib.loads(json, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, RecursionError):
        return None


def java_duration(value: timedelta) -> str:
    """Java's Duration.toString: hours, minutes and seconds only (``PT72H``), signs per component."""
    total_us = value // timedelta(microseconds=1)
    if total_us == 0:
        return "PT0S"
    sign = -1 if total_us < 0 else 1
    secs, us = divmod(abs(total_us), 1_000_000)
    hours, rest = divmod(secs, 3600)
    minutes, seconds = divmod(rest, 60)
    neg = "-" if sign < 0 else ""
    out = "PT"
    if hours:
        out += f"{neg}{hours}H"
    if minutes:
        out += f"{neg}{minutes}M"
    if seconds or us or out == "PT":
        frac = f".{us:06d}".rstrip("0") if us else ""
        out += f"{neg}{seconds}{frac}S"
    return out


def java_period(value: YearsMonthsDuration) -> str:
    """Java's Period.toString (``P1Y2M``, zero is ``P0D``)."""
    if value.months == 0:
        return "P0D"
    years, months = value.years_part, value.months_part
    return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Decimal):
        return _Raw(number_text(value))
    if isinstance(value, datetime):
        text = format_datetime_iso(value)
        return text + f"[{value.tzinfo.key}]" if isinstance(value.tzinfo, ZoneInfo) else text
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, time):
        text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
        if value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        off = time_offset(value)
        if off is not None:
            text += _offset(off)
        return text
    if isinstance(value, timedelta):
        return java_duration(value)
    if isinstance(value, YearsMonthsDuration):
        return java_period(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (FeelFunction, Range)):
        return to_string(value)
    return None


def _offset(off: timedelta) -> str:
    if not off:
        return "Z"
    sign = "-" if off < timedelta(0) else "+"
    minutes = int(abs(off).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class _Raw(str):
    """Number text written as-is (Jackson writes BigDecimal in plain notation)."""


def _dump(value: Any) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{jsonlib.dumps(k, ensure_ascii=False)}:{_dump(v)}" for k, v in value.items())
            + "}"
        )
    return jsonlib.dumps(value, ensure_ascii=False)


@builtin("to json", "value")
def to_json(value: Any) -> Any:
    return _dump(_jsonable(value))
