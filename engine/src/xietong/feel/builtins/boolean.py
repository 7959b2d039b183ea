"""Boolean built-ins and Camunda's null helpers (``is defined`` is compiled specially, see compiler)."""

from __future__ import annotations

from typing import Any

from ..errors import FeelEvaluationError
from ..values import equals, type_name
from .registry import OMIT, builtin


@builtin("not", "negand")
def not_(negand: Any) -> Any:
    return (not negand) if isinstance(negand, bool) else None


@builtin("is defined", "value")
def is_defined(value: Any) -> bool:
    """feel-scala: a value is defined unless it is null (a missing variable evaluates to null)."""
    return value is not None


@builtin("get or else", "value, default")
def get_or_else(value: Any, default: Any) -> Any:
    return default if value is None else value


@builtin("assert", "value, condition, cause?")
def assert_(value: Any, condition: Any, cause: Any = OMIT) -> Any:
    if condition is not True:
        reason = cause if isinstance(cause, str) else f"The condition is not fulfilled (value: {value!r})"
        raise FeelEvaluationError(f"Assertion failure: {reason}")
    return value


@builtin("is", "value1, value2")
def is_(value1: Any, value2: Any) -> bool:
    if type_name(value1) != type_name(value2):
        return False
    tz1, tz2 = getattr(value1, "tzinfo", None), getattr(value2, "tzinfo", None)
    if tz1 != tz2:  # same instant in another zone or offset is not the same value
        return False
    return equals(value1, value2) is True
