"""Gateways: exclusive (first true condition, else default), parallel (fork/join), inclusive (all true
conditions; joins wait for every token that can still arrive) and event-based (first event wins)."""

from __future__ import annotations

from xietong.engine.expressions import ExpressionError, expect_boolean
from xietong.engine.model import Element, Flow
from xietong.engine.processing.elements.base import ElementProcessor
from xietong.engine.processing.transitions import IncidentError
from xietong.engine.state.entities import ElementInstance


def _conditions(
    processor: ElementProcessor, ei: ElementInstance, element: Element, first: bool
) -> list[Flow]:
    p = processor.p
    if len(element.outgoing) == 1 and element.outgoing[0].condition is None:
        return list(element.outgoing)
    view = p.variables.view(ei.key)
    chosen: list[Flow] = []
    default = None
    for flow in element.outgoing:
        if flow.id == element.default_flow:
            default = flow
            continue
        if flow.condition is None:
            continue
        try:
            result = expect_boolean(flow.condition, flow.condition.evaluate(view, p.now), "", view, p.now)
        except ExpressionError as err:
            raise IncidentError(
                "EXTRACT_VALUE_ERROR", f"{err} (condition of sequence flow '{flow.id}')"
            ) from err
        if result:
            chosen.append(flow)
            if first:
                break
    if not chosen and default is not None:
        chosen = [default]
    if not chosen and element.outgoing:
        # ExclusiveGatewayProcessor / InclusiveGatewayProcessor (Zeebe), word for word
        raise IncidentError(
            "CONDITION_ERROR",
            "Expected at least one condition to evaluate to true, or to have a default flow",
        )
    return chosen


class ExclusiveGatewayProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        self.p.later(self.p.flow.complete, ei, _conditions(self, ei, element, first=True))


class InclusiveGatewayProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        self.p.later(self.p.flow.complete, ei, _conditions(self, ei, element, first=False))


class ParallelGatewayProcessor(ElementProcessor):
    pass


class EventBasedGatewayProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        process = self.p.model(ei.def_key)
        for flow in element.outgoing:
            self.p.events.open_for(ei, process.elements[flow.target])
