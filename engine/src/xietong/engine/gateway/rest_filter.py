"""Camunda 8.8 search filters, applied to rows as REST API v2 shows them.

A filter property is a plain value (equality) or an object of operators: ``$eq``, ``$neq``,
``$exists``, ``$in``, ``$notIn``, ``$like`` (``*`` any run of characters, ``?`` one, ``\\`` escapes),
and on numbers and dates ``$gt``, ``$gte``, ``$lt``, ``$lte``. Each field has a kind that says how its
values compare (keys as digit strings, dates as instants, integers as numbers). An operator a field
does not take, or a field a search does not know, is a 400 naming it — never silently ignored.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

Predicate = Callable[[Any], bool]

STRING, KEY, INTEGER, DATE, BOOLEAN, ENUM = "string", "key", "integer", "date-time", "boolean", "enum"
_BASIC = {"$eq", "$neq", "$exists", "$in", "$notIn"}
OPERATORS: dict[str, set[str]] = {
    STRING: _BASIC | {"$like"},
    ENUM: _BASIC | {"$like"},
    KEY: _BASIC,
    INTEGER: {"$eq", "$neq", "$exists", "$gt", "$gte", "$lt", "$lte", "$in"},
    DATE: {"$eq", "$neq", "$exists", "$gt", "$gte", "$lt", "$lte", "$in"},
    BOOLEAN: {"$eq", "$neq", "$exists"},
}
# Fields 8.8 takes as a plain value only (``elementId``, ``processInstanceKey`` on user tasks, …):
# their kind is ``plain(kind)``; ``{"$eq": value}`` is still read, as the engine always read it.
for _kind in list(OPERATORS):
    OPERATORS["=" + _kind] = {"$eq"}


def plain_kind(kind: str) -> str:
    return "=" + kind


class FilterProblem(ValueError):
    """A filter that cannot be applied; the message names the field and what is wrong."""


def like_pattern(pattern: str) -> re.Pattern[str]:
    """Camunda's wildcard syntax as a regular expression (whole value, case-sensitive)."""
    out: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    if escaped:
        out.append(re.escape("\\"))
    return re.compile("".join(out), re.DOTALL)


def parse_instant(text: Any, field: str) -> datetime:
    if isinstance(text, datetime):
        return text
    if not isinstance(text, str):
        raise FilterProblem(f"filter.{field}: expected an ISO 8601 date-time, got {text!r}")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterProblem(
            f"filter.{field}: '{text}' is not an ISO 8601 date-time (e.g. 2026-12-03T08:00:00Z)"
        ) from None
    if value.tzinfo is None:
        raise FilterProblem(f"filter.{field}: '{text}' needs a time zone offset (Z or +08:00)")
    return value


def _normaliser(kind: str, field: str) -> Callable[[Any], Any]:
    if kind == KEY:
        return lambda value: None if value is None else str(value)
    if kind == DATE:
        return lambda value: None if value is None else parse_instant(value, field)
    if kind == INTEGER:

        def integer(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int):
                raise FilterProblem(f"filter.{field}: expected an integer, got {value!r}")
            return value

        return integer
    if kind == BOOLEAN:
        return lambda value: value
    return lambda value: None if value is None else str(value)


def _check_operand(kind: str, field: str, value: Any) -> Any:
    if kind == BOOLEAN and not isinstance(value, bool):
        raise FilterProblem(f"filter.{field}: expected true or false, got {value!r}")
    if kind in (STRING, ENUM) and not isinstance(value, str):
        raise FilterProblem(f"filter.{field}: expected a string, got {json.dumps(value, ensure_ascii=False)}")
    if kind == KEY and not (
        (isinstance(value, str) and value.isdigit())
        or (isinstance(value, int) and not isinstance(value, bool))
    ):
        raise FilterProblem(f"filter.{field}: '{value}' is not a valid key. Expected a numeric value.")
    return _normaliser(kind, field)(value)


def predicate(field: str, prop: Any, kind: str) -> Predicate:
    """A test on one value (or on a list of values: true when any of them passes a positive test)."""
    operators = prop if isinstance(prop, dict) else {"$eq": prop}
    allowed = OPERATORS[kind]
    unknown = sorted(set(operators) - allowed)
    if unknown:
        if allowed == {"$eq"}:
            raise FilterProblem(
                f'filter.{field}: only a plain value or {{"$eq": value}} is supported, '
                f"got {json.dumps(prop, ensure_ascii=False)}"
            )
        raise FilterProblem(
            f"filter.{field}: operator {', '.join(unknown)} is not supported on this field; "
            f"use a plain value or one of {', '.join(sorted(allowed))}"
        )
    kind = kind.lstrip("=")
    tests: list[Predicate] = []
    norm = _normaliser(kind, field)
    for op, operand in operators.items():
        if op == "$exists":
            if not isinstance(operand, bool):
                raise FilterProblem(f"filter.{field}.$exists: expected true or false, got {operand!r}")
            tests.append(partial(_exists, want=operand))
            continue
        if op in ("$in", "$notIn"):
            if not isinstance(operand, list):
                raise FilterProblem(f"filter.{field}.{op}: expected a list, got {operand!r}")
            wanted = {_check_operand(kind, field, item) for item in operand}
            tests.append(partial(_any_in, wanted=wanted, negate=op == "$notIn"))
            continue
        if op == "$like":
            if not isinstance(operand, str):
                raise FilterProblem(f"filter.{field}.$like: expected a string, got {operand!r}")
            pattern = like_pattern(operand)
            tests.append(partial(_any_like, pattern=pattern))
            continue
        value = _check_operand(kind, field, operand)
        if op == "$neq":
            tests.append(partial(_any_compare, wanted=value, compare=operator.eq, negate=True))
        else:
            compare: Callable[[Any, Any], bool] = {
                "$eq": operator.eq,
                "$gt": operator.gt,
                "$gte": operator.ge,
                "$lt": operator.lt,
                "$lte": operator.le,
            }[op]
            tests.append(partial(_any_compare, wanted=value, compare=compare, negate=False))

    def test(raw: Any) -> bool:
        items = raw if isinstance(raw, list | tuple) else ([] if raw is None else [raw])
        values = [norm(item) for item in items]
        return all(t(values) for t in tests)

    return test


def _exists(values: list[Any], want: bool) -> bool:
    return bool(values) == want


def _any_in(values: list[Any], wanted: set[Any], negate: bool) -> bool:
    return any(v in wanted for v in values) != negate


def _any_like(values: list[Any], pattern: re.Pattern[str]) -> bool:
    return any(pattern.fullmatch(v) for v in values)


def _any_compare(values: list[Any], wanted: Any, compare: Callable[[Any, Any], bool], negate: bool) -> bool:
    return any(compare(v, wanted) for v in values) != negate


def variable_predicate(field: str, conditions: Any) -> Callable[[Mapping[str, Any]], bool]:
    """``[{"name": …, "value": <JSON text filter>}]``: every named variable's JSON value must pass."""
    if not isinstance(conditions, list) or not all(isinstance(c, dict) for c in conditions):
        raise FilterProblem(f'filter.{field}: expected a list of {{"name": …, "value": …}}')
    tests: list[tuple[str, Predicate]] = []
    for index, condition in enumerate(conditions):
        name = condition.get("name")
        if not isinstance(name, str) or not name:
            raise FilterProblem(f"filter.{field}[{index}].name: a variable name is required")
        if "value" not in condition:
            raise FilterProblem(f"filter.{field}[{index}].value: a value filter is required")
        tests.append((name, predicate(f"{field}[{index}].value", condition["value"], STRING)))

    def test(variables: Mapping[str, Any]) -> bool:
        return all(name in variables and check(json_text(variables[name])) for name, check in tests)

    return test


def json_text(value: Any) -> str:
    """A variable's value as API v2 shows it: its JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class RowFilter:
    """A compiled filter over rows (dicts in API v2 shape); ``fields`` maps field -> (kind, row name)."""

    def __init__(
        self,
        filters: Mapping[str, Any],
        fields: Mapping[str, tuple[str, str]],
        extra: tuple[str, ...] = (),
    ) -> None:
        unknown = sorted(set(filters) - set(fields) - set(extra))
        if unknown:
            raise FilterProblem(
                f"filter: {', '.join(unknown)} not supported here; supported: "
                f"{', '.join(sorted(set(fields) | set(extra)))}"
            )
        self._tests = [
            (fields[name][1], predicate(name, prop, fields[name][0]))
            for name, prop in filters.items()
            if name in fields and prop is not None
        ]

    def __call__(self, row: Mapping[str, Any]) -> bool:
        return all(test(row.get(column)) for column, test in self._tests)

    def __bool__(self) -> bool:
        return bool(self._tests)


def plain(filters: Mapping[str, Any], field: str) -> Any:
    """The value of a plain or ``$eq`` filter (for narrowing the engine's query before the rest)."""
    value = filters.get(field)
    if isinstance(value, dict):
        return value.get("$eq") if set(value) == {"$eq"} else None
    return value
