"""Element lifecycle shared by every element kind: activate, complete, terminate, take flows.

Mirrors Zeebe's BpmnStateTransitionBehavior: an element is ACTIVATING until its kind-specific
activation succeeds (an expression failure leaves it there with an incident, and resolving the
incident retries), ACTIVATED while it waits, COMPLETING while output mappings run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xietong.engine.expressions import ExpressionError
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model import Element, Flow
from xietong.engine.state.entities import ElementInstance, ElementInstanceState

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

# catch elements whose event variables propagate to the flow scope when there are no output mappings
EVENT_VARIABLE_KINDS = frozenset({"startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask"})
MI_BODY = "multiInstanceBody"  # not a BPMN element: runs a multi-instance activity (Zeebe's name)


def _is_error_boundary(element: Element) -> bool:
    """ThrowError's variables stay local to the error boundary event that caught them; only its output
    mappings copy them on (Zeebe's BpmnVariableMappingBehavior excludes error boundary events)."""
    return element.kind == "boundaryEvent" and element.event is not None and element.event.type == "error"


class IncidentError(ExpressionError):
    """An activation/completion step failed for a reason an operator must fix (typed incident)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class TransitionBehavior:
    def __init__(self, p: Processor) -> None:
        self.p = p

    # -- creation ------------------------------------------------------------------------------
    def create(
        self,
        scope: ElementInstance | None,
        element: Element,
        pi_key: int,
        def_key: int,
        *,
        inner: bool = False,
        flags: int = 0,
        variables: dict[str, Any] | None = None,
    ) -> ElementInstance:
        p = self.p
        kind = MI_BODY if element.loop is not None and not inner else element.kind
        ei = ElementInstance(
            key=p.keys.next(),
            pi_key=pi_key,
            def_key=def_key,
            element_id=element.id,
            scope_key=scope.key if scope is not None else -1,
            state=ElementInstanceState.ACTIVATING,
            kind=kind,
            flags=flags | (ElementInstance.INNER if inner else 0),
        )
        if pi_key == -1:
            ei.pi_key = ei.key
        p.state.add_element_instance(ei)
        if variables:
            p.variables.set_local(ei.key, ei.pi_key, variables)
        return ei

    def create_and_activate(self, scope: ElementInstance, element: Element, **kwargs: Any) -> ElementInstance:
        ei = self.create(scope, element, scope.pi_key, scope.def_key, **kwargs)
        self.p.later(self.activate, ei)
        return ei

    # -- activation ----------------------------------------------------------------------------
    def activate(self, ei: ElementInstance) -> None:
        p = self.p
        if ei.state != "ACTIVATING" or ei.key not in p.state.element_instances:
            return
        element = p.element(ei)
        processor = p.elements[ei.kind]
        try:
            if element.inputs and ei.kind != MI_BODY:
                p.variables.apply_inputs(element.inputs, ei.key, ei.pi_key)
            if element.boundaries and not ei.flags & ElementInstance.INNER:
                p.events.open_boundary_events(ei, element)
            if element.event_subprocesses:
                p.events.open_event_subprocess_starts(ei, element)
            processor.on_activate(ei, element)
        except ExpressionError as err:
            p.events.close_all(ei)
            error_type = err.error_type if isinstance(err, IncidentError) else _incident_type(element)
            p.incidents.raise_for(ei, error_type, str(err))
            return
        if ei.state == "ACTIVATING" and ei.key in p.state.element_instances:
            ei.state = ElementInstanceState.ACTIVATED
            p.state.touch(ei)
            p.element_record(Intent.ELEMENT_ACTIVATED, ei)

    # -- completion ----------------------------------------------------------------------------
    def complete(self, ei: ElementInstance, flows: list[Flow] | None = None) -> None:
        p = self.p
        if ei.key not in p.state.element_instances or ei.state not in ("ACTIVATED", "COMPLETING"):
            return
        if ei.kind in ("process", "subProcess") and p.state.children.get(ei.key):
            return  # a sibling appeared since completion was queued
        element = p.element(ei)
        ei.state = ElementInstanceState.COMPLETING
        p.state.touch(ei)
        try:
            if ei.kind != MI_BODY:
                if element.outputs:
                    p.variables.apply_outputs(element.outputs, ei.key, ei.scope_key, ei.pi_key)
                elif (
                    ei.kind in EVENT_VARIABLE_KINDS and ei.scope_key != -1 and not _is_error_boundary(element)
                ):
                    local = p.state.variables.get(ei.key)
                    if local:
                        p.variables.merge(ei.scope_key, ei.pi_key, local)
            p.elements[ei.kind].on_complete(ei, element)
            if ei.flags & ElementInstance.INNER:
                p.multi_instance.inner_completing(ei, element)
        except ExpressionError as err:
            error_type = err.error_type if isinstance(err, IncidentError) else "IO_MAPPING_ERROR"
            p.incidents.raise_for(ei, error_type, str(err))
            return
        p.events.close_all(ei)
        p.state.remove_element_instance(ei)
        p.element_record(Intent.ELEMENT_COMPLETED, ei)
        self.continue_after(ei, element, flows)

    def continue_after(self, ei: ElementInstance, element: Element, flows: list[Flow] | None) -> None:
        p = self.p
        if ei.scope_key == -1:
            return  # the process instance itself; its processor finished it in on_complete
        scope = p.state.element_instances.get(ei.scope_key)
        if scope is None:
            return
        if ei.flags & ElementInstance.INNER:
            p.multi_instance.on_inner_completed(scope, ei)
            return
        if scope.kind == MI_BODY:
            return
        for flow in element.outgoing if flows is None else flows:
            self.take(scope, flow)
        self.scope_check(scope)

    def take(self, scope: ElementInstance, flow: Flow) -> None:
        p = self.p
        p.record(
            ValueType.PROCESS_INSTANCE,
            Intent.SEQUENCE_FLOW_TAKEN,
            scope.key,
            scope.pi_key,
            {"elementId": flow.id, "source": flow.source, "target": flow.target},
        )
        target = p.model(scope.def_key).elements[flow.target]
        if target.kind in ("parallelGateway", "inclusiveGateway") and len(target.incoming) > 1:
            joins = scope.joins if scope.joins is not None else {}
            joins[flow.id] = joins.get(flow.id, 0) + 1
            scope.joins = joins
            p.state.touch(scope)
            self.try_join(scope, target)
            return
        self.create_and_activate(scope, target)

    # -- joins ---------------------------------------------------------------------------------
    def try_join(self, scope: ElementInstance, gateway: Element) -> bool:
        joins = scope.joins or {}
        taken = [f for f in gateway.incoming if joins.get(f, 0) > 0]
        if not taken:
            return False
        if len(taken) < len(gateway.incoming) and (
            gateway.kind == "parallelGateway" or self._can_still_reach(scope, gateway, taken)
        ):
            return False
        for flow_id in taken:
            joins[flow_id] -= 1
            if joins[flow_id] == 0:
                del joins[flow_id]
        scope.joins = joins or None
        self.p.state.touch(scope)
        self.create_and_activate(scope, gateway)
        return True

    def _can_still_reach(self, scope: ElementInstance, gateway: Element, taken: list[str]) -> bool:
        """Inclusive join: wait while an active element or a waiting token could still arrive."""
        process = self.p.model(scope.def_key)
        for child in self.p.state.child_instances(scope.key):
            if child.element_id != gateway.id and gateway.id in process.reachable_from(child.element_id):
                return True
        for flow_id, count in (scope.joins or {}).items():
            if count and flow_id not in taken:
                target = process.flows[flow_id].target
                if target != gateway.id and gateway.id in process.reachable_from(target):
                    return True
        return False

    def scope_check(self, scope: ElementInstance) -> None:
        """After a child left: complete the scope when nothing is active and no token waits."""
        p = self.p
        if scope.state != "ACTIVATED" or scope.kind == MI_BODY:
            return
        if scope.joins:
            process = p.model(scope.def_key)
            for gateway_id in {process.flows[f].target for f in scope.joins}:
                gateway = process.elements[gateway_id]
                if gateway.kind == "inclusiveGateway" and self.try_join(scope, gateway):
                    return
        if p.state.children.get(scope.key) or scope.joins:
            return
        if scope.kind in ("process", "subProcess"):
            p.later(self.complete, scope)

    # -- termination ---------------------------------------------------------------------------
    def terminate(self, ei: ElementInstance) -> None:
        p = self.p
        if ei.key not in p.state.element_instances:
            return
        for child in p.state.child_instances(ei.key):
            self.terminate(child)
        element = p.element(ei)
        p.elements[ei.kind].on_terminate(ei, element)
        p.events.close_all(ei)
        p.incidents.resolve_all(ei)
        p.state.remove_element_instance(ei)
        p.element_record(Intent.ELEMENT_TERMINATED, ei)

    def terminate_children(self, scope: ElementInstance, keep: int = -1) -> None:
        for child in self.p.state.child_instances(scope.key):
            if child.key != keep:
                self.terminate(child)
        if scope.joins:
            scope.joins = None
            self.p.state.touch(scope)


def _incident_type(element: Element) -> str:
    if element.kind in ("exclusiveGateway", "inclusiveGateway"):
        return "CONDITION_ERROR"
    if element.kind == "callActivity":
        return "CALLED_ELEMENT_ERROR"
    if element.loop is not None:
        return "EXTRACT_VALUE_ERROR"
    return "EXTRACT_VALUE_ERROR" if not element.inputs else "IO_MAPPING_ERROR"
