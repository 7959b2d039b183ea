"""Registry of built-in functions with FEEL parameter names, optional parameters and overloads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..scope import charge_lists
from ..values import FeelFunction

OMIT: Any = object()  # an optional argument the caller did not pass
_Impl = TypeVar("_Impl", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Overload:
    params: tuple[str, ...]
    required: int
    variadic: bool
    impl: Callable[..., Any]
    needs_ctx: bool


_OVERLOADS: dict[str, list[Overload]] = {}
BUILTINS: dict[str, FeelFunction] = {}


def builtin(
    name: str, params: str = "", *, variadic: bool = False, ctx: bool = False
) -> Callable[[_Impl], _Impl]:
    """Register ``impl`` as FEEL function ``name``; ``params`` like ``"list, position?"``."""

    def register(impl: _Impl) -> _Impl:
        names = [p.strip() for p in params.split(",") if p.strip()]
        required = sum(1 for p in names if not p.endswith("?"))
        overload = Overload(tuple(p.rstrip("?") for p in names), required, variadic, _guarded(impl), ctx)
        _OVERLOADS.setdefault(name, []).append(overload)
        if name not in BUILTINS:
            BUILTINS[name] = FeelFunction(name, overload.params, _dispatcher(name))
        return impl

    return register


def _guarded(impl: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in that cannot handle its arguments (a date in year 10^11, an overflowing duration) gives
    null, as feel-scala turns a failed invocation into null."""

    @functools.wraps(impl)
    def call(*args: Any) -> Any:
        try:
            return impl(*args)
        except (ArithmeticError, ValueError, TypeError, OverflowError, IndexError, KeyError):
            return None

    return call


def _bind_named(ov: Overload, named: dict[str, Any]) -> list[Any] | None:
    if not set(named) <= set(ov.params):
        return None
    args: list[Any] = []
    for i, p in enumerate(ov.params):
        if p in named:
            args.append(named[p])
        elif i < ov.required:
            return None
        else:
            args.append(OMIT)
    while args and args[-1] is OMIT:
        args.pop()
    if ov.variadic and len(args) == len(ov.params):
        last = args.pop()
        args.extend(last if isinstance(last, list) else [last])
    return args


def _dispatcher(name: str) -> Callable[..., Any]:
    def invoke(ctx: Any, args: list[Any], named: dict[str, Any] | None = None, pos: int | None = None) -> Any:
        charge_lists(ctx, args if named is None else list(named.values()))
        for ov in _OVERLOADS[name]:
            if named is not None:
                bound = _bind_named(ov, named)
                if bound is None:
                    continue
            else:
                n = len(args)
                if n < ov.required or (n > len(ov.params) and not ov.variadic):
                    continue
                bound = args
            return ov.impl(ctx, *bound) if ov.needs_ctx else ov.impl(*bound)
        return None  # feel-scala: "no function found with name … and n parameters" is a warning and null

    return invoke


def static_overload(name: str, nargs: int) -> Overload | None:
    """The overload a positional call with ``nargs`` arguments will use (for compile-time binding)."""
    for ov in _OVERLOADS.get(name, ()):
        if ov.required <= nargs and (nargs <= len(ov.params) or ov.variadic):
            return ov
    return None
