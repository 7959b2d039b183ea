"""A shape's box in diagram coordinates (BPMN DI ``dc:Bounds``): what the layout places and what the
DI checks read back from a file, one class for both so that both measure a box the same way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def center(self) -> tuple[float, float]:
        return (self.cx, self.cy)

    def moved(self, dx: float, dy: float) -> Bounds:
        return Bounds(self.x + dx, self.y + dy, self.w, self.h)

    def overlaps(self, other: Bounds) -> bool:
        """True when the interiors intersect; shapes that only touch do not overlap."""
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )

    def contains_point(self, px: float, py: float, tolerance: float = 0.0) -> bool:
        return (
            self.x - tolerance <= px <= self.right + tolerance
            and self.y - tolerance <= py <= self.bottom + tolerance
        )

    def __str__(self) -> str:
        return f"({self.x:g},{self.y:g} {self.w:g}x{self.h:g})"
