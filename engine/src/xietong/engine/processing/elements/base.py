"""The element processor interface: what happens when an element of one kind is entered or left."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xietong.engine.model import Element
    from xietong.engine.processing.processor import Processor
    from xietong.engine.state.entities import ElementInstance


class ElementProcessor:
    """Default: pass straight through (complete as soon as activated)."""

    def __init__(self, p: Processor) -> None:
        self.p = p

    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        """May raise ExpressionError: the element stays ACTIVATING with an incident."""
        self.p.later(self.p.flow.complete, ei)

    def on_complete(self, ei: ElementInstance, element: Element) -> None:
        """Runs while COMPLETING, before the element is removed; may raise ExpressionError."""

    def on_terminate(self, ei: ElementInstance, element: Element) -> None:
        """Release what the element holds (job, user task, called instance)."""
