"""Runs the 永康 shapes written as data (``yongkang_shapes.yaml``) against a :class:`GraphBuilder`.

The shapes that occur once or twice are a reviewer's reading of one mechanism each, not logic: kept
as a list of builder operations, they can be read and corrected next to the document without reading
Python, and no two of them repeat the same code. The YAML file's header describes the operations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import Any

import yaml

from xietong.catalog.importers.yongkang_graph import Ctx, GraphBuilder
from xietong.catalog.importers.yongkang_parse import RawStep
from xietong.catalog.model import END, Role, StepKind

SHAPES_FILE = "yongkang_shapes.yaml"
_INDEXED = re.compile(r"^\$(\w+)\[(-?\d+)\](\.text)?$")


class ShapeDataError(ValueError):
    """The shapes file says something the runner cannot do; names the shape and the operation."""


@cache
def load_shapes() -> dict[str, list[dict[str, Any]]]:
    text = resources.files(__package__).joinpath(SHAPES_FILE).read_text(encoding="utf-8")
    shapes = yaml.safe_load(text)
    if not isinstance(shapes, dict) or not all(isinstance(ops, list) for ops in shapes.values()):
        raise ShapeDataError(f"{SHAPES_FILE}: expected a mapping of shape name to a list of operations")
    return shapes


def shape_builder(name: str) -> Callable[[GraphBuilder, Ctx], None]:
    """The template function for one data-written shape (same signature as the coded templates)."""
    if name not in load_shapes():
        raise ShapeDataError(f"{SHAPES_FILE}: no shape named {name!r}")

    def build(b: GraphBuilder, c: Ctx) -> None:
        _ShapeRun(name, b, c).run(load_shapes()[name])

    build.__name__ = name
    return build


class _ShapeRun:
    def __init__(self, shape: str, b: GraphBuilder, c: Ctx) -> None:
        self.shape, self.b, self.c = shape, b, c
        self.names: dict[str, Any] = {"s": c.raw.steps}
        self.sources: dict[str, Callable[..., Any]] = {
            "track_heads": self.track_heads,
            "headed_tracks": self.headed_tracks,
            "phase_source": self.phase_source,
            "keep_decision_flows_only": self.keep_decision_flows_only,
        }

    def run(self, ops: Sequence[dict[str, Any]]) -> bool:
        """Runs ``ops`` in order; True once a ``return`` was reached."""
        for op in ops:
            if "if_text" in op:
                if self.c.text(op["if_text"]) and self.run(op["then"]):
                    return True
            elif "if_found" in op:
                if self.resolve(op["if_found"]) is not None and self.run(op["then"]):
                    return True
            elif op.get("return"):
                return True
            elif "call" in op:
                result = self.call(op)
                if "let" in op:
                    self.names[op["let"]] = result
            elif "let" in op and "value" in op:
                self.names[op["let"]] = self.resolve(op["value"])
            else:
                raise ShapeDataError(f"{SHAPES_FILE}: {self.shape}: cannot run operation {op!r}")
        return False

    def call(self, op: dict[str, Any]) -> Any:
        name = op["call"]
        target = self.sources.get(name) or getattr(self.b, name, None)
        if target is None or name.startswith("_"):
            raise ShapeDataError(f"{SHAPES_FILE}: {self.shape}: no operation {name!r}")
        args = [self.resolve(a) for a in op.get("args", ())]
        kwargs = {k: self.resolve(v) for k, v in op.get("kw", {}).items()}
        return target(*args, **kwargs)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return self.call(value)
        if not isinstance(value, str):
            return value
        if value == "$END":
            return END
        if value.startswith("K."):
            return StepKind(value[2:])
        if value.startswith("Role."):
            return Role(value[5:])
        indexed = _INDEXED.match(value)
        if indexed is not None:
            name, index, text = indexed.groups()
            item = self.names[name][int(index)]
            return item.text if text else item
        if value.startswith("$"):
            return self.names[value[1:]]
        return value

    # -- sources no single builder call expresses --------------------------------------------------

    def track_heads(self) -> list[RawStep]:
        """Headings of a two-track 具体流程: a bracketed label and no full stop."""
        return [x for x in self.c.raw.steps if x.label.startswith("（") and "。" not in x.text]

    def headed_tracks(self, heads: list[RawStep]) -> list[list[RawStep]]:
        """The paragraphs under each heading, in order."""
        tracks: list[list[RawStep]] = []
        for x in self.c.raw.steps:
            if x in heads:
                tracks.append([])
            elif tracks:
                tracks[-1].append(x)
        return tracks

    def phase_source(self, phase: str) -> RawStep | None:
        return next((x for x in self.c.raw.steps if x.phase == phase), None)

    def keep_decision_flows_only(self, step_id: str) -> None:
        """A decision step whose earlier plain flow the decision replaces."""
        self.b.steps[step_id].next = [x for x in self.b.steps[step_id].next if x.outcome]
