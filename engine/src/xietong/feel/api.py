"""The public entry points: compile once (cached), evaluate many times."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from .builtins.registry import builtin
from .compiler import Compiler, Test, run_tests
from .errors import FeelError, FeelEvaluationError, FeelSyntaxError
from .parser import Parser
from .scope import Ctx
from .values import Range, compare, from_json

CACHE_SIZE = 4096
_EMPTY: Mapping[str, Any] = {}


class CompiledExpression:
    """A parsed and compiled FEEL expression; thread-safe and reusable."""

    __slots__ = ("_fn", "source")

    def __init__(self, source: str, fn: Any) -> None:
        self.source = source
        self._fn = fn

    def evaluate(self, variables: Mapping[str, Any] = _EMPTY, *, now: datetime | None = None) -> Any:
        """Evaluate against the engine's variables (looked up by name only, never iterated)."""
        try:
            return self._fn(Ctx(variables, now))
        except FeelError:
            raise
        except RecursionError as exc:
            raise FeelEvaluationError("evaluation nested too deeply") from exc
        except (ArithmeticError, ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
            # a value out of Python's range somewhere unforeseen: a typed failure, never a crash
            raise FeelEvaluationError(
                f"cannot evaluate {self.source!r}: {type(exc).__name__}: {exc}"
            ) from exc

    def warnings(self, variables: Mapping[str, Any] = _EMPTY, *, now: datetime | None = None) -> list[str]:
        """What an evaluation would warn about, as Zeebe's FEEL engine reports it
        (``[NO_VARIABLE_FOUND] No variable found with name 'x'``). Evaluates again: meant for the
        failure path, where a message must say why, not for every evaluation."""
        ctx = Ctx(variables, now)
        with contextlib.suppress(Exception):  # the warnings gathered until a failure still explain it
            self._fn(ctx)
        missing = ctx.budget.missing or ()
        return [f"[NO_VARIABLE_FOUND] No variable found with name '{name}'" for name in missing]

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


class CompiledUnaryTests:
    """Unary tests (a decision-table input entry) compiled once, matched against many inputs."""

    __slots__ = ("_test", "source")

    def __init__(self, source: str, test: Test) -> None:
        self.source = source
        self._test = test

    def matches(
        self, input_value: Any, variables: Mapping[str, Any] = _EMPTY, *, now: datetime | None = None
    ) -> bool | None:
        try:
            r = self._test(Ctx(variables, now), from_json(input_value))
        except RecursionError as exc:
            raise FeelEvaluationError("evaluation nested too deeply") from exc
        return r if r is None or isinstance(r, bool) else None


def _compile(source: str, known_names: tuple[str, ...]) -> CompiledExpression:
    try:
        tree = Parser(source, known_names).parse()
        return CompiledExpression(source, Compiler(source, tree).compile(tree))
    except RecursionError as exc:
        raise FeelSyntaxError("expression nested too deeply", 0, 1, 1, source) from exc


@lru_cache(maxsize=CACHE_SIZE)
def _cached(source: str) -> CompiledExpression:
    return _compile(source, ())


def compile_expression(source: str, *, known_names: tuple[str, ...] = ()) -> CompiledExpression:
    """Compile a FEEL expression (without Zeebe's leading ``=``); raises FeelSyntaxError.

    ``known_names`` lists variable names that contain characters FEEL names normally cannot
    (``Date-Time``); such compilations are not cached.
    """
    if known_names:
        return _compile(source, known_names)
    return _cached(source)


@lru_cache(maxsize=CACHE_SIZE)
def compile_unary_tests(source: str) -> CompiledUnaryTests:
    """Compile decision-table unary tests (``< 10``, ``[1..5]``, ``"a","b"``, ``not(…)``, ``-``)."""
    try:
        tree = Parser(source).parse_unary_tests()
        return CompiledUnaryTests(source, Compiler(source).compile_test(tree))
    except RecursionError as exc:
        raise FeelSyntaxError("expression nested too deeply", 0, 1, 1, source) from exc


def evaluate(source: str, variables: Mapping[str, Any] = _EMPTY, *, now: datetime | None = None) -> Any:
    """Convenience: compile (cached) and evaluate."""
    return compile_expression(source).evaluate(variables, now=now)


_RANGE_END_CALLS = frozenset({"date", "time", "date and time", "duration"})


def _literal_end(node: Any) -> bool:
    if node is None:
        return False
    if node.kind in ("num", "str", "at"):
        return True
    if node.kind == "neg":
        return bool(node.args[0].kind == "num")
    if node.kind == "call":
        callee, args, named = node.args
        return (
            callee.kind == "name"
            and callee.args[0] in _RANGE_END_CALLS
            and not named
            and all(a.kind == "str" for a in args)
        )
    return False


def range_from_text(text: str) -> Range | None:
    """DMN 1.5 ``range(from)``: an interval literal ``[a..b)`` whose end points are literals, ascending."""
    try:
        tree = Parser(text).parse()
    except FeelSyntaxError:
        return None
    if tree.kind != "range" or not all(_literal_end(n) for n in tree.args[:2]):
        return None
    try:
        value = Compiler(text).compile(tree)(Ctx(_EMPTY))
    except FeelError:
        return None
    if not isinstance(value, Range) or compare(value.start, value.end) not in (-1, 0):
        return None
    return value


@builtin("range", "from")
def range_(from_: Any) -> Any:
    """DMN 1.5 ``range("[1..10]")``: the text must be a range literal of literal end points. It parses
    and compiles FEEL, so it is registered here, above the compiler, not among the built-ins below it."""
    if not isinstance(from_, str):
        return None
    return range_from_text(from_)


__all__ = [
    "CompiledExpression",
    "CompiledUnaryTests",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "run_tests",
]
