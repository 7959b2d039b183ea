"""Numeric built-ins (DMN 1.5 §10.3.4.5) on 34-digit decimals; bad input gives null."""

from __future__ import annotations

import decimal
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ..arithmetic import finite
from ..temporal import YearsMonthsDuration
from ..values import DECIMAL
from .registry import OMIT, builtin


def _num(*values: Any) -> bool:
    return all(type(v) is Decimal for v in values)


def _scale(scale: Any) -> int | None:
    if type(scale) is not Decimal or not scale.is_finite():
        return None
    s = int(scale)
    return s if -6111 <= s <= 6176 else None


def _round(n: Any, scale: Any, mode: str) -> Decimal | None:
    if not _num(n):
        return None
    s = _scale(scale)
    if s is None:
        return None
    try:
        r = n.quantize(Decimal(1).scaleb(-s), rounding=mode, context=DECIMAL)
    except decimal.InvalidOperation:
        return None
    rounded: Decimal = n if r.is_nan() else r
    return rounded


_MODES = {
    "UP": decimal.ROUND_UP,
    "DOWN": decimal.ROUND_DOWN,
    "CEILING": decimal.ROUND_CEILING,
    "FLOOR": decimal.ROUND_FLOOR,
    "HALF_UP": decimal.ROUND_HALF_UP,
    "HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "HALF_EVEN": decimal.ROUND_HALF_EVEN,
}


@builtin("decimal", "n, scale")
def decimal_(n: Any, scale: Any) -> Any:
    return _round(n, scale, decimal.ROUND_HALF_EVEN)


@builtin("decimal", "n, scale, mode")
def decimal_mode(n: Any, scale: Any, mode: Any) -> Any:
    """feel-scala's rounding with a Java RoundingMode name; UNNECESSARY is null when rounding is needed."""
    if not isinstance(mode, str):
        return None
    mode = mode.upper()
    if mode == "UNNECESSARY":
        exact = _round(n, scale, decimal.ROUND_DOWN)
        return exact if exact is not None and exact == n else None
    if mode not in _MODES:
        return None
    return _round(n, scale, _MODES[mode])


def _rounding(name: str, mode: str) -> None:
    """Register a DMN rounding function ``name(n, scale?)`` (scale defaults to 0)."""

    def rounding(n: Any, scale: Any = OMIT) -> Any:
        return _round(n, Decimal(0) if scale is OMIT else scale, mode)

    builtin(name, "n, scale?")(rounding)


for _name, _mode in (
    ("floor", decimal.ROUND_FLOOR),
    ("ceiling", decimal.ROUND_CEILING),
    ("round up", decimal.ROUND_UP),
    ("round down", decimal.ROUND_DOWN),
    ("round half up", decimal.ROUND_HALF_UP),
    ("round half down", decimal.ROUND_HALF_DOWN),
):
    _rounding(_name, _mode)


@builtin("abs", "n")
@builtin("abs", "number")  # feel-scala's parameter name
def abs_(n: Any) -> Any:
    if type(n) is Decimal:
        return abs(n)
    if type(n) is timedelta:
        return abs(n)
    if type(n) is YearsMonthsDuration:
        return YearsMonthsDuration(abs(n.months))
    return None


@builtin("modulo", "dividend, divisor")
def modulo(dividend: Any, divisor: Any) -> Any:
    if not _num(dividend, divisor) or divisor.is_zero():
        return None
    q = DECIMAL.divide_int(dividend, divisor)
    r = DECIMAL.subtract(dividend, DECIMAL.multiply(divisor, q))
    if not r.is_zero() and (r < 0) != (divisor < 0):
        r = DECIMAL.add(r, divisor)
    return r


@builtin("sqrt", "number")
def sqrt(number: Any) -> Any:
    if not _num(number) or number < 0:
        return None
    return DECIMAL.sqrt(number)


@builtin("log", "number")
def log(number: Any) -> Any:
    if not _num(number) or number <= 0:
        return None
    return DECIMAL.ln(number)


@builtin("exp", "number")
def exp(number: Any) -> Any:
    if not _num(number):
        return None
    return finite(DECIMAL.exp(number))


def _integral(n: Any) -> bool:
    return _num(n) and n == n.to_integral_value()


@builtin("odd", "number")
def odd(number: Any) -> Any:
    return int(number) % 2 == 1 if _integral(number) else None


@builtin("even", "number")
def even(number: Any) -> Any:
    return int(number) % 2 == 0 if _integral(number) else None


@builtin("random number")
def random_number() -> Decimal:
    return Decimal(secrets.randbelow(10**16)) / Decimal(10**16)
