"""FEEL (Friendly Enough Expression Language) as Zeebe's feel-scala evaluates it.

Public API (contract A): :func:`compile_expression`, :class:`CompiledExpression`, :func:`to_json`,
:func:`compile_unary_tests`, the error types and the temporal value types.
"""

from .api import CompiledExpression, CompiledUnaryTests, compile_expression, compile_unary_tests, evaluate
from .errors import FeelError, FeelEvaluationError, FeelSyntaxError
from .temporal import DaysTimeDuration, YearsMonthsDuration, format_duration, parse_iso_duration
from .values import FeelFunction, Range, to_json, to_string
from .widedates import WideDate

__all__ = [
    "CompiledExpression",
    "CompiledUnaryTests",
    "DaysTimeDuration",
    "FeelError",
    "FeelEvaluationError",
    "FeelFunction",
    "FeelSyntaxError",
    "Range",
    "WideDate",
    "YearsMonthsDuration",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "format_duration",
    "parse_iso_duration",
    "to_json",
    "to_string",
]
