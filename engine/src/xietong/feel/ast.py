"""The FEEL syntax tree: one generic node type carrying its kind, source offset and operands."""

from __future__ import annotations

from typing import Any


class Node:
    """A syntax-tree node; ``depth`` bounds how deep evaluation will recurse."""

    __slots__ = ("args", "depth", "kind", "pos")
    kind: str
    pos: int
    args: tuple[Any, ...]
    depth: int

    def __init__(
        self, kind: str, pos: int, args: tuple[Any, ...] = (), children: tuple[Node | None, ...] = ()
    ):
        self.kind = kind
        self.pos = pos
        self.args = args
        depth = 0
        for c in children:
            if c is not None and c.depth > depth:
                depth = c.depth
        self.depth = depth + 1

    def __repr__(self) -> str:
        return f"Node({self.kind!r}, {self.pos}, {self.args!r})"
