"""Decision tables for the TCK runner: the smallest evaluator that exercises FEEL unary tests.

Input entries are compiled with :func:`compile_unary_tests`, output entries and input expressions with
:func:`compile_expression`; hit policies follow DMN 1.5 §8.2.11. This is conformance tooling, not the
project's DMN engine.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .api import compile_expression, compile_unary_tests
from .errors import FeelError
from .values import DECIMAL, compare, equals


class TableError(Exception):
    """The table has no single result (UNIQUE with several matches, ANY with different outputs)."""


def _text(el: Any) -> str:
    for c in el:
        if isinstance(c.tag, str) and c.tag.endswith("text"):
            return (c.text or "").strip()
    return ""


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == name]


def _eval(source: str, scope: dict[str, Any], known_names: tuple[str, ...]) -> Any:
    if not source:
        return None
    try:
        return compile_expression(source, known_names=known_names).evaluate(scope)
    except FeelError:
        return None


def evaluate_table(table: Any, scope: dict[str, Any], known_names: tuple[str, ...] = ()) -> Any:
    """Evaluate a ``<decisionTable>`` element in ``scope``; raises TableError when DMN says "error"."""
    inputs = [
        _eval(_text(_children(inp, "inputExpression")[0]), scope, known_names)
        for inp in _children(table, "input")
    ]
    outputs = _children(table, "output")
    names = [o.get("name") for o in outputs]
    priorities: list[list[Any]] = []
    for o in outputs:
        values = _children(o, "outputValues")
        listed = _eval("[" + _text(values[0]) + "]", scope, known_names) if values else None
        priorities.append(listed if isinstance(listed, list) else [])

    matched: list[list[Any]] = []
    for rule in _children(table, "rule"):
        entries = _children(rule, "inputEntry")
        hit = True
        for value, entry in zip(inputs, entries, strict=False):
            text = _text(entry) or "-"
            try:
                ok = compile_unary_tests(text).matches(value, scope)
            except FeelError:
                ok = None
            if ok is not True:
                hit = False
                break
        if hit:
            matched.append([_eval(_text(e), scope, known_names) for e in _children(rule, "outputEntry")])

    def shape(row: list[Any]) -> Any:
        return row[0] if len(row) == 1 and not names[0] else dict(zip(names, row, strict=False))

    def default() -> Any:
        row = []
        for o in outputs:
            d = _children(o, "defaultOutputEntry")
            row.append(_eval(_text(d[0]), scope, known_names) if d else None)
        return shape(row) if any(v is not None for v in row) else None

    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    aggregation = (table.get("aggregation") or "").upper()

    def rank(row: list[Any]) -> tuple[int, ...]:
        ranks = []
        for value, listed in zip(row, priorities, strict=False):
            pos = next((i for i, p in enumerate(listed) if equals(p, value) is True), len(listed))
            ranks.append(pos)
        return tuple(ranks)

    if policy in ("UNIQUE", "ANY", "FIRST", "PRIORITY"):
        if not matched:
            return default()
        if policy == "UNIQUE" and len(matched) > 1:
            raise TableError("UNIQUE table with several matching rules")
        if policy == "ANY" and any(
            any(equals(a, b) is not True for a, b in zip(r, matched[0], strict=False)) for r in matched
        ):
            raise TableError("ANY table whose matching rules differ")
        if policy == "PRIORITY":
            return shape(min(matched, key=rank))
        return shape(matched[0])
    if policy == "OUTPUT ORDER":
        matched = sorted(matched, key=rank)
    if policy == "COLLECT" and aggregation:
        values = [row[0] for row in matched]
        if aggregation == "COUNT":
            return Decimal(len(values))
        if not values:
            return default()
        if aggregation == "SUM":
            total = Decimal(0)
            for v in values:
                if type(v) is not Decimal:
                    return None
                total = DECIMAL.add(total, v)
            return total
        best = values[0]
        for v in values[1:]:
            c = compare(v, best)
            if c is None:
                return None
            if (c < 0) == (aggregation == "MIN") and c != 0:
                best = v
        return best
    if not matched:
        d = default()
        return [] if d is None else [d]
    return [shape(row) for row in matched]
