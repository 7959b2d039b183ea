"""Evaluation scope: the engine's variables at the root, FEEL-local frames above it.

The root mapping is only looked up, never iterated or copied (the engine passes a lazy scope chain).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .errors import FeelEvaluationError
from .limits import MAX_STEPS
from .values import MISSING, from_json


class Budget:
    """State shared by one evaluation: the work counter (so runaway loops fail instead of hanging) and
    the engine variables already converted to FEEL values (so ``items[i]`` in a loop converts once)."""

    __slots__ = ("calls", "converted", "missing", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.calls = 0
        self.converted: dict[str, Any] = {}
        self.missing: list[str] | None = None  # names looked up and not found, for warnings

    def note_missing(self, name: str) -> None:
        if self.missing is None:
            self.missing = [name]
        elif name not in self.missing:
            self.missing.append(name)

    def spend(self, n: int, pos: int | None = None) -> None:
        self.steps += n
        if self.steps > MAX_STEPS:
            raise FeelEvaluationError(f"evaluation exceeded {MAX_STEPS} steps", pos)


def charge_lists(ctx: Ctx, args: list[Any]) -> None:
    """A built-in walks the lists it is given: their length counts against the evaluation's budget."""
    for a in args:
        if type(a) is list:
            ctx.budget.spend(len(a))


class Ctx:
    __slots__ = ("budget", "frame", "now", "parent", "root")

    def __init__(
        self,
        root: Mapping[str, Any],
        now: datetime | None = None,
        frame: dict[str, Any] | None = None,
        parent: Ctx | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.root = root
        self.now = now
        self.frame = frame
        self.parent = parent
        self.budget = budget if budget is not None else Budget()

    def child(self, frame: dict[str, Any]) -> Ctx:
        c = Ctx.__new__(Ctx)
        c.root = self.root
        c.now = self.now
        c.frame = frame
        c.parent = self
        c.budget = self.budget
        return c

    def lookup_local(self, name: str) -> Any:
        """Only FEEL-local frames (contexts, parameters, iterators): they shadow variables and built-ins."""
        c: Ctx | None = self
        while c is not None and c.frame is not None:
            v = c.frame.get(name, MISSING)
            if v is not MISSING:
                return v
            c = c.parent
        return MISSING

    def lookup(self, name: str) -> Any:
        """A local name, else an engine variable converted to a FEEL value (once per evaluation)."""
        v = self.lookup_local(name) if self.frame is not None else MISSING
        if v is not MISSING:
            return v
        converted = self.budget.converted
        v = converted.get(name, MISSING)
        if v is not MISSING:
            return v
        v = self.root.get(name, MISSING)
        if v is MISSING or type(v) is str or v is None:
            return v
        v = converted[name] = from_json(v)
        return v
