"""The engine's bridge to FEEL: Zeebe's ``=`` prefix, static values, and lazy scope lookup.

A BPMN attribute is either a static value or, when it starts with ``=``, a FEEL expression. FEEL is
imported on first use so a model without expressions never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any


class ExpressionError(Exception):
    """An expression failed to compile or evaluate; the message names the expression."""


def _feel() -> Any:
    from xietong import feel

    return feel


class ScopeVariables(Mapping[str, Any]):
    """Variables visible from a scope: the nearest scope wins. FEEL only looks names up."""

    __slots__ = ("_chain",)

    def __init__(self, chain: list[dict[str, Any]]) -> None:
        self._chain = chain

    def __getitem__(self, name: str) -> Any:
        for scope in self._chain:
            if name in scope:
                return scope[name]
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        for scope in self._chain:
            if name in scope:
                return scope[name]
        return default

    def __contains__(self, name: object) -> bool:
        return any(name in scope for scope in self._chain)

    def __iter__(self) -> Iterator[str]:
        return iter(self.merged())

    def __len__(self) -> int:
        return len(self.merged())

    def merged(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for scope in reversed(self._chain):
            result.update(scope)
        return result


class Expression:
    """A static value or a compiled FEEL expression (source kept for messages and validation)."""

    __slots__ = ("_compiled", "is_feel", "source", "static")

    def __init__(self, raw: str) -> None:
        text = raw.strip()
        self.is_feel = text.startswith("=")
        self.source = text[1:].strip() if self.is_feel else raw
        self.static: Any = None if self.is_feel else raw
        self._compiled: Any = None

    def compile(self) -> None:
        """Raise ExpressionError when the FEEL text does not parse (deployment validation)."""
        if self.is_feel and self._compiled is None:
            feel = _feel()
            try:
                self._compiled = feel.compile_expression(self.source)
            except feel.FeelError as err:
                raise ExpressionError(f"invalid FEEL expression '{self.source}': {err}") from err

    def evaluate(self, variables: Mapping[str, Any], now: datetime | None = None) -> Any:
        """Evaluate to a FEEL value (static values come back as their string)."""
        if not self.is_feel:
            return self.static
        if self._compiled is None:
            self.compile()
        feel = _feel()
        try:
            return self._compiled.evaluate(variables, now=now)
        except feel.FeelError as err:
            raise ExpressionError(f"failed to evaluate expression '{self.source}': {err}") from err

    def evaluate_json(self, variables: Mapping[str, Any], now: datetime | None = None) -> Any:
        """Evaluate to a JSON-compatible value, as Zeebe stores a FEEL result in a variable."""
        value = self.evaluate(variables, now)
        if not self.is_feel:
            return value
        return _feel().to_json(value)

    def warnings(self, variables: Mapping[str, Any], now: datetime | None = None) -> str:
        """Zeebe's suffix for a failed evaluation: the warnings (an unknown variable, …), or ''."""
        if not self.is_feel or self._compiled is None:
            return ""
        found = self._compiled.warnings(variables, now=now)
        if not found:
            return ""
        return " The evaluation reported the following warnings:\n" + "\n".join(found)

    def __repr__(self) -> str:
        return f"Expression({'=' if self.is_feel else ''}{self.source!r})"


def feel_type_name(value: Any) -> str:
    """The FEEL type name Zeebe puts in its 'Expected result … to be …, but was …' messages."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return "NUMBER"
    if isinstance(value, list):
        return "ARRAY"
    if isinstance(value, dict):
        return "OBJECT"
    return type(value).__name__.upper()


def expect_boolean(
    expression: Expression,
    value: Any,
    what: str = "",
    variables: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Zeebe's boolean rule: anything but true/false (null included) is an incident; given the
    ``variables`` it was evaluated with, the message ends with the evaluation's warnings, which
    name the variable that was missing."""
    if value is True or value is False:
        return value
    warnings = expression.warnings(variables, now) if variables is not None else ""
    raise ExpressionError(
        f"{what}Expected result of the expression '{expression.source}' to be 'BOOLEAN', "
        f"but was '{feel_type_name(value)}'.{warnings}"
    )


def to_json(value: Any) -> Any:
    return _feel().to_json(value)
