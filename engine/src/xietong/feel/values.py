"""FEEL values in Python and the rules that compare and convert them.

null is ``None``, numbers are ``Decimal`` (34 digits, like DECIMAL128), strings ``str``, booleans ``bool``,
lists ``list``, contexts ``dict``, temporal values the types of :mod:`.temporal`, ranges :class:`Range`,
functions :class:`FeelFunction`.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .temporal import (
    YearsMonthsDuration,
    format_date,
    format_datetime,
    format_datetime_iso,
    format_duration,
    format_local_time_java,
    format_time,
    time_offset,
    time_seconds,
)
from .widedates import WideDate, compare_key, format_wide

DECIMAL = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emax=6144, Emin=-6143, traps=[])
MISSING: Any = object()


class _NullBound:
    """A range end point that was given but evaluated to null (``[1..x]`` with x null), as opposed to
    an open end (``< 10``): comparisons against it are unknown, so membership is null."""

    def __repr__(self) -> str:
        return "null"


NULL_BOUND: Any = _NullBound()


@dataclass(frozen=True, slots=True)
class Range:
    """A FEEL range/interval; a missing end point (``None`` with ``open_*``) means unbounded."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool

    def contains(self, value: Any) -> bool | None:
        if value is None:
            return None
        if self.start is not None:
            c = compare(value, self.start)
            if c is None:
                return None
            if c < 0 or (c == 0 and not self.start_included):
                return False
        if self.end is not None:
            c = compare(value, self.end)
            if c is None:
                return None
            if c > 0 or (c == 0 and not self.end_included):
                return False
        return True


class FeelFunction:
    """A callable FEEL value: a built-in (with overloads) or a user-defined ``function(...)``."""

    __slots__ = ("invoke", "name", "params")

    def __init__(self, name: str, params: tuple[str, ...], invoke: Callable[..., Any]) -> None:
        self.name = name
        self.params = params
        self.invoke = invoke

    def __repr__(self) -> str:
        name = "" if self.name == "anonymous" else f" {self.name}"
        return f"function{name}({', '.join(self.params)})"


def from_json(value: Any) -> Any:
    """A JSON-compatible Python value as a FEEL value (numbers become Decimal)."""
    t = type(value)
    if t is str or value is None or t is bool or t is Decimal:
        return value
    if t is int:
        return Decimal(value)
    if t is float:
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if t is dict:
        return {str(k): from_json(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [from_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): from_json(v) for k, v in value.items()}
    return value


def to_json(value: Any) -> Any:
    """A FEEL result as the engine stores it (Zeebe's FEEL-to-MessagePack conversion)."""
    if value is None or value is NULL_BOUND or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():  # FEEL yields null for these; never raise while storing a result
            return None
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, WideDate):
        return format_wide(value, format_datetime_iso if value.is_datetime else format_date)
    if isinstance(value, datetime):
        return format_datetime_iso(value)
    if isinstance(value, time) and value.tzinfo is None:
        return format_local_time_java(value)
    if isinstance(value, (date, time, timedelta, YearsMonthsDuration)):
        return to_string(value)
    if isinstance(value, (Range, FeelFunction)):
        return None  # Zeebe's transformer has no form for ranges and functions: it writes nil
    return str(value)


def number_text(d: Decimal) -> str:
    """A number as feel-scala's ``string()`` prints it: Java's BigDecimal.toString, which follows the
    same decimal-arithmetic rules as Python's ``str(Decimal)`` (``1.50 * 2`` is ``"3.00"``)."""
    return str(d)


def to_string(value: Any) -> str:
    """FEEL's ``string(value)`` conversion."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, WideDate):
        return format_wide(value, format_datetime if value.is_datetime else format_date)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, (timedelta, YearsMonthsDuration)):
        return format_duration(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}:{_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Range):
        left = "[" if value.start_included else "("
        right = "]" if value.end_included else ")"
        if value.start is None:
            return f"{'<=' if value.end_included else '<'} {_literal(value.end)}"
        if value.end is None:
            return f"{'>=' if value.start_included else '>'} {_literal(value.start)}"
        return f"{left}{_literal(value.start)}..{_literal(value.end)}{right}"
    return repr(value)


def _literal(value: Any) -> str:
    if value is NULL_BOUND:
        return "null"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (datetime, date, time, timedelta, YearsMonthsDuration, WideDate)):
        return f'@"{to_string(value)}"'
    return to_string(value)


def type_name(value: Any) -> str:
    """FEEL's name for the type of a value (used by ``instance of`` and error messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, WideDate):
        return "date and time" if value.is_datetime else "date"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date and time"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, timedelta):
        return "days and time duration"
    if isinstance(value, YearsMonthsDuration):
        return "years and months duration"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "context"
    if isinstance(value, Range):
        return "range"
    if isinstance(value, FeelFunction):
        return "function"
    return type(value).__name__


def _kind(value: Any) -> str:
    """Comparable kind: local and zoned date-times are different kinds in FEEL."""
    if isinstance(value, datetime):
        return "dtz" if value.tzinfo is not None else "dt"
    if isinstance(value, WideDate) and value.is_datetime:
        return "dtz" if getattr(value.base, "tzinfo", None) is not None else "dt"
    return type_name(value)


def equals(a: Any, b: Any) -> bool | None:
    """FEEL ``=``: null only equals null; values of different types are not comparable (null)."""
    if a is None or b is None:
        return a is None and b is None
    ka, kb = type_name(a), type_name(b)
    if ka != kb:
        return None
    if isinstance(a, WideDate) or isinstance(b, WideDate):
        return compare(a, b) == 0 if _kind(a) == _kind(b) else False
    if ka == "list":
        if len(a) != len(b):
            return False
        return all(equals(x, y) is True for x, y in zip(a, b, strict=True))
    if ka == "context":
        if a.keys() != b.keys():
            return False
        return all(equals(v, b[k]) is True for k, v in a.items())
    if ka == "time":
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        if a.tzinfo is None:
            return bool(a == b)
        # feel-scala compares times with offsets field by field: 10:00+01:00 is not 11:00+02:00
        return a.replace(tzinfo=None) == b.replace(tzinfo=None) and time_offset(a) == time_offset(b)
    if ka == "date and time":
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        return bool(a == b)
    if ka == "function":
        return a is b
    return bool(a == b)


def compare(a: Any, b: Any) -> int | None:
    """-1/0/1 for ordered values of one kind, None when FEEL cannot order them."""
    if a is None or b is None:
        return None
    ka, kb = _kind(a), _kind(b)
    if ka != kb or ka in ("boolean", "list", "context", "function", "range", "null"):
        return None
    try:
        if ka == "time":
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            x, y = (time_seconds(a), time_seconds(b)) if a.tzinfo else (a, b)
        elif isinstance(a, WideDate) or isinstance(b, WideDate):
            x, y = compare_key(a), compare_key(b)
        else:
            x, y = a, b
        return -1 if x < y else (1 if x > y else 0)
    except (TypeError, decimal.InvalidOperation):
        return None
