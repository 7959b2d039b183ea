"""Containers: the process itself, embedded and event sub-processes, call activities and the
multi-instance body that runs an activity once per collection item."""

from __future__ import annotations

from typing import Any

from xietong.engine.expressions import ExpressionError, expect_boolean, feel_type_name
from xietong.engine.model import Element
from xietong.engine.processing.elements.base import ElementProcessor
from xietong.engine.processing.transitions import IncidentError
from xietong.engine.state.entities import ElementInstance, ProcessInstanceState


class _ContainerProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        """Activate children created up front (start instructions, event triggers), else the none start."""
        p = self.p
        children = p.state.child_instances(ei.key)
        if children:
            for child in children:
                if child.state == "ACTIVATING":
                    p.later(p.flow.activate, child)
            return
        if element.none_start is None:
            raise IncidentError("UNKNOWN", f"'{element.id}' has no none start event to begin with")
        start = p.model(ei.def_key).elements[element.none_start]
        p.flow.create_and_activate(ei, start)


class SubProcessProcessor(_ContainerProcessor):
    pass


class ProcessProcessor(_ContainerProcessor):
    def on_complete(self, ei: ElementInstance, element: Element) -> None:
        p = self.p
        summary = p.state.instances[ei.key]
        summary.state = ProcessInstanceState.COMPLETED
        summary.end_ms = p.now_ms
        p.state.touch(summary)
        p.instances.instance_finished(ei, completed=True)
        if ei.parent_ei_key != -1:
            parent = p.state.element_instances.get(ei.parent_ei_key)
            if parent is not None:
                call = p.element(parent)
                assert call.call is not None
                variables = dict(p.state.variables.get(ei.key, {}))
                if call.outputs:
                    p.variables.set_local(parent.key, parent.pi_key, variables)
                elif call.call.propagate_all_child:
                    p.variables.merge(parent.key, parent.pi_key, variables)
                p.later(p.flow.complete, parent)

    def on_terminate(self, ei: ElementInstance, element: Element) -> None:
        p = self.p
        summary = p.state.instances[ei.key]
        summary.state = ProcessInstanceState.TERMINATED
        summary.end_ms = p.now_ms
        p.state.touch(summary)
        p.instances.instance_finished(ei, completed=False)


class CallActivityProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        p = self.p
        assert element.call is not None
        process_id = element.call.process_id.evaluate_json(p.variables.view(ei.key), p.now)
        tenant = p.state.instances[ei.pi_key].tenant_id
        definition = self._resolve(ei, element, process_id, tenant) if isinstance(process_id, str) else None
        if definition is None:
            raise IncidentError(
                "CALLED_ELEMENT_ERROR",
                f"Expected process with BPMN process id '{process_id}' to be deployed, but not found.",
            )
        if p.model(definition.key).root.none_start is None:
            raise IncidentError(
                "CALLED_ELEMENT_ERROR",
                f"Expected process '{process_id}' to have a none start event, but it has none.",
            )
        variables = (
            p.variables.visible(ei.key)
            if element.call.propagate_all_parent
            else dict(p.variables.local(ei.key))
        )
        child = p.instances.start_instance(definition, variables, parent=ei)
        ei.ref_key = child.key

    def _resolve(self, ei: ElementInstance, element: Element, process_id: str, tenant: str) -> Any:
        """The called version: the latest, the one deployed with the caller, or the latest with a tag."""
        state = self.p.state
        assert element.call is not None
        if element.call.binding == "latest":
            return state.latest_definition(process_id, tenant)
        versions = [state.definitions[k] for k in state.definitions_by_id.get((process_id, tenant), [])]
        versions = [d for d in versions if not d.deleted]
        if element.call.binding == "deployment":
            caller = state.definitions[ei.def_key]
            matching = [d for d in versions if d.deployment_key == caller.deployment_key]
        else:
            matching = [d for d in versions if d.version_tag == element.call.version_tag]
        return matching[-1] if matching else None

    def on_terminate(self, ei: ElementInstance, element: Element) -> None:
        child = self.p.state.element_instances.get(ei.ref_key)
        if child is not None:
            self.p.flow.terminate(child)


class MultiInstanceBodyProcessor(ElementProcessor):
    """Runs the inner activity per item, in parallel or in sequence; collects the output collection."""

    def __init__(self, p: Any) -> None:
        super().__init__(p)
        self._condition_met: set[int] = set()

    def on_activate(self, body: ElementInstance, element: Element) -> None:
        p = self.p
        loop = element.loop
        assert loop is not None
        items = loop.input_collection.evaluate_json(p.variables.view(body.key), p.now)
        if not isinstance(items, list):
            # ExpressionProcessor (Zeebe) names the FEEL result type: 'STRING', 'NUMBER', 'OBJECT', …
            raise IncidentError(
                "EXTRACT_VALUE_ERROR",
                f"Expected result of the expression '{loop.input_collection.source}' to be 'ARRAY', but "
                f"was '{feel_type_name(items)}'.",
            )
        body.mi_items = items
        counters: dict[str, Any] = {
            "numberOfInstances": len(items),
            "numberOfActiveInstances": 0,
            "numberOfCompletedInstances": 0,
            "numberOfTerminatedInstances": 0,
        }
        if loop.output_collection:
            counters[loop.output_collection] = [None] * len(items)
        p.variables.set_local(body.key, body.pi_key, counters)
        if not items:
            p.later(p.flow.complete, body)
            return
        for index in range(1 if loop.sequential else len(items)):
            self._start_inner(body, element, index)

    def _start_inner(self, body: ElementInstance, element: Element, index: int) -> None:
        p = self.p
        assert element.loop is not None and body.mi_items is not None
        variables: dict[str, Any] = {"loopCounter": index + 1}
        if element.loop.input_element:
            variables[element.loop.input_element] = body.mi_items[index]
        inner = p.flow.create_and_activate(body, element, inner=True, variables=variables)
        inner.loop_counter = index + 1
        active = p.state.variables[body.key].get("numberOfActiveInstances", 0)
        p.state.set_variable(body.key, "numberOfActiveInstances", active + 1)

    def inner_completing(self, inner: ElementInstance, element: Element) -> None:
        """Before the inner instance is removed: its output element and the completion condition."""
        p = self.p
        loop = element.loop
        assert loop is not None
        body = p.state.element_instances[inner.scope_key]
        if loop.output_collection and loop.output_element is not None:
            value = loop.output_element.evaluate_json(p.variables.view(inner.key), p.now)
            collection = list(p.state.variables[body.key].get(loop.output_collection) or [])
            if 0 < inner.loop_counter <= len(collection):
                collection[inner.loop_counter - 1] = value
            p.variables.set_local(body.key, body.pi_key, {loop.output_collection: collection})
        body_vars = p.state.variables[body.key]
        p.state.set_variable(
            body.key, "numberOfCompletedInstances", body_vars["numberOfCompletedInstances"] + 1
        )
        p.state.set_variable(body.key, "numberOfActiveInstances", body_vars["numberOfActiveInstances"] - 1)
        if loop.completion_condition is not None:
            view = p.variables.view(inner.key)
            result = loop.completion_condition.evaluate(view, p.now)
            try:
                met = expect_boolean(
                    loop.completion_condition,
                    result,
                    "Failed to evaluate completion condition. ",
                    view,
                    p.now,
                )
            except ExpressionError as err:
                raise IncidentError("EXTRACT_VALUE_ERROR", str(err)) from err
            if met:
                self._condition_met.add(body.key)

    def on_inner_completed(self, body: ElementInstance, inner: ElementInstance) -> None:
        p = self.p
        body.mi_completed += 1
        p.state.touch(body)
        element = p.element(body)
        assert element.loop is not None and body.mi_items is not None
        if body.key in self._condition_met:
            self._condition_met.discard(body.key)
            for child in p.state.child_instances(body.key):
                p.flow.terminate(child)
            p.later(p.flow.complete, body)
        elif element.loop.sequential and inner.loop_counter < len(body.mi_items):
            self._start_inner(body, element, inner.loop_counter)
        elif not p.state.children.get(body.key):
            p.later(p.flow.complete, body)

    def on_complete(self, body: ElementInstance, element: Element) -> None:
        p = self.p
        loop = element.loop
        assert loop is not None
        if loop.output_collection:
            value = p.state.variables.get(body.key, {}).get(loop.output_collection)
            p.variables.merge(body.scope_key, body.pi_key, {loop.output_collection: value})
