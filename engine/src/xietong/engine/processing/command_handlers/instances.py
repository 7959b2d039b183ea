"""Create, cancel and modify process instances; start instances from start events."""

from __future__ import annotations

import math
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from xietong.engine import commands as c
from xietong.engine.errors import FailedPrecondition, InvalidArgument, NotFound
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model import Element, Process
from xietong.engine.state.entities import ElementInstance, ProcessDefinition

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

# Zeebe's BpmnElementType names of the kinds a modification cannot activate, and the rest of the enum
# in its declaration order (EnumSet.complementOf prints it so in the rejection).
_ZEEBE_TYPE_NAMES = {"boundaryEvent": "BOUNDARY_EVENT", "startEvent": "START_EVENT"}
_ZEEBE_SUPPORTED_ACTIVATION = (
    "[PROCESS, SUB_PROCESS, EVENT_SUB_PROCESS, AD_HOC_SUB_PROCESS, AD_HOC_SUB_PROCESS_INNER_INSTANCE, "
    "INTERMEDIATE_CATCH_EVENT, INTERMEDIATE_THROW_EVENT, END_EVENT, SERVICE_TASK, RECEIVE_TASK, USER_TASK, "
    "MANUAL_TASK, TASK, EXCLUSIVE_GATEWAY, PARALLEL_GATEWAY, EVENT_BASED_GATEWAY, INCLUSIVE_GATEWAY, "
    "MULTI_INSTANCE_BODY, CALL_ACTIVITY, BUSINESS_RULE_TASK, SCRIPT_TASK, SEND_TASK]"
)


def _check_variables(variables: Any, what: str = "variables") -> dict[str, Any]:
    if not isinstance(variables, dict):
        raise InvalidArgument(
            f"Expected {what} to be a JSON object (document), but got {type(variables).__name__}"
        )
    for name in variables:
        if not isinstance(name, str):
            raise InvalidArgument(f"Expected {what} names to be strings, but got {name!r}")
    if variables and not _json_document(variables):
        raise InvalidArgument(
            f"Expected {what} to be a JSON document (objects, arrays, strings, numbers, "
            "booleans, null), but it holds something else"
        )
    return variables


_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_document(value: Any, depth: int = 0) -> bool:
    """Only JSON values may become variables: anything else could not be stored or read back."""
    if isinstance(value, _JSON_SCALARS):
        return not isinstance(value, float) or math.isfinite(value)
    if depth > 200:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_document(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_document(v, depth + 1) for v in value)
    return False


class InstanceHandler:
    p: Processor

    # -- commands ------------------------------------------------------------------------------
    def find_definition(self, cmd: c.CreateProcessInstance) -> ProcessDefinition:
        state = self.p.state
        if cmd.process_definition_key is not None and cmd.process_definition_key > 0:
            definition = state.definitions.get(cmd.process_definition_key)
            if definition is None or definition.deleted:
                raise NotFound(
                    f"Expected to find process definition with key '{cmd.process_definition_key}', "
                    "but none found"
                )
            return definition
        if not cmd.bpmn_process_id:
            raise InvalidArgument("Expected either a bpmnProcessId or a processDefinitionKey, but none given")
        if cmd.version is None or cmd.version < 0:
            latest = state.latest_definition(cmd.bpmn_process_id, cmd.tenant_id)
            if latest is None:
                raise NotFound(
                    f"Expected to find process definition with process ID '{cmd.bpmn_process_id}', "
                    "but none found"
                )
            return latest
        for key in state.definitions_by_id.get((cmd.bpmn_process_id, cmd.tenant_id), []):
            definition = state.definitions[key]
            if definition.version == cmd.version and not definition.deleted:
                return definition
        raise NotFound(
            f"Expected to find process definition with process ID '{cmd.bpmn_process_id}' and "
            f"version '{cmd.version}', but none found"
        )

    def create_instance(self, cmd: c.CreateProcessInstance, future: Future[Any] | None = None) -> Any:
        p = self.p
        definition = self.find_definition(cmd)
        variables = _check_variables(cmd.variables)
        process = p.model(definition.key)
        for element_id in cmd.start_instructions:
            element = process.elements.get(element_id)
            if element is None:
                # ProcessInstanceCreationHelper (Zeebe)
                raise InvalidArgument(
                    "Expected to create instance of process with start instructions but no element found "
                    f"with id '{element_id}'."
                )
            if element.kind in ("process", "boundaryEvent") or (
                process.elements[element.scope_id].triggered_by_event
            ):
                raise InvalidArgument(
                    f"Expected to create instance of process with start instructions but the "
                    f"element with id '{element_id}' cannot be started"
                )
        if not cmd.start_instructions and process.root.none_start is None:
            raise InvalidArgument(
                f"Expected to create instance of process with none start event, but there is "
                f"no such event in process '{definition.bpmn_process_id}'"
            )
        root = self.p.instances.start_instance(
            definition, dict(variables), instructions=tuple(cmd.start_instructions)
        )
        created = c.ProcessInstanceCreated(
            definition.key, definition.bpmn_process_id, definition.version, root.key, definition.tenant_id
        )
        if cmd.await_result and future is not None:
            p.awaiting.setdefault(root.key, []).append((future, tuple(cmd.fetch_variables)))
            from xietong.engine.processing.command_handlers import DEFERRED

            return DEFERRED
        return created

    def _root(self, key: int, action: str) -> ElementInstance:
        root = self.p.state.element_instances.get(key)
        if root is None or root.kind != "process":
            raise NotFound(
                f"Expected to {action} a process instance with key '{key}', but no such process was found"
            )
        return root

    def cancel_instance(self, cmd: c.CancelProcessInstance) -> None:
        root = self._root(cmd.process_instance_key, "cancel")
        if root.parent_ei_key != -1:
            # ProcessInstanceCancelProcessor (Zeebe) names the root of the call hierarchy
            top = root
            while top.parent_ei_key != -1:
                parent = self.p.state.element_instances.get(top.parent_ei_key)
                if parent is None:
                    break
                top = self.p.state.element_instances.get(parent.pi_key, parent)
            raise FailedPrecondition(
                f"Expected to cancel a process instance with key '{root.key}', but it is "
                "created by a parent process instance. Cancel the root process instance "
                f"'{top.key}' instead."
            )
        self.p.flow.terminate(root)

    def modify_instance(self, cmd: c.ModifyProcessInstance) -> None:
        p = self.p
        root = p.state.element_instances.get(cmd.process_instance_key)
        if root is None or root.kind != "process":
            # ProcessInstanceModificationModifyProcessor (Zeebe)
            raise NotFound(
                "Expected to modify process instance but no process instance found with key "
                f"'{cmd.process_instance_key}'"
            )
        process = p.model(root.def_key)
        table = p.state.element_instances
        for key in cmd.terminate:
            ei = table.get(key)
            if ei is None or ei.pi_key != root.key or ei.key == root.key:
                raise InvalidArgument(
                    f"Expected to modify instance of process '{process.id}' but it contains "
                    f"one or more terminate instructions with an element instance that could "
                    f"not be found: '{key}'"
                )
        # The order and wording of ProcessInstanceModificationModifyProcessor's checks (Zeebe).
        unknown = "', '".join(
            i.element_id
            for i in cmd.activate
            if i.element_id not in process.elements or process.elements[i.element_id].kind == "process"
        )
        if unknown:
            raise InvalidArgument(
                f"Expected to modify instance of process '{process.id}' but it contains one or more "
                f"activate instructions with an element that could not be found: '{unknown}'"
            )
        unsupported = [
            process.elements[i.element_id]
            for i in cmd.activate
            if process.elements[i.element_id].kind in ("boundaryEvent", "startEvent")
        ]
        if unsupported:
            ids = "', '".join(dict.fromkeys(e.id for e in unsupported))
            types = "', '".join(dict.fromkeys(_ZEEBE_TYPE_NAMES[e.kind] for e in unsupported))
            raise InvalidArgument(
                f"Expected to modify instance of process '{process.id}' but it contains one or more "
                f"activate instructions for elements that are unsupported: '{ids}'. The activation of "
                f"elements with type '{types}' is not supported. Supported element types are: "
                f"{_ZEEBE_SUPPORTED_ACTIVATION}."
            )
        for instruction in cmd.activate:
            for scope_id, variables in instruction.variables:
                if scope_id and scope_id not in process.elements:
                    raise InvalidArgument(
                        f"Expected to modify instance of process '{process.id}' but it contains one or "
                        "more variable instructions with a scope element id that could not be found: "
                        f"'{scope_id}'"
                    )
                _check_variables(variables)
            ancestor_key = instruction.ancestor_element_instance_key
            if ancestor_key not in (-1, 0):
                ancestor = table.get(ancestor_key)
                if ancestor is None or ancestor.pi_key != root.key:
                    raise InvalidArgument(
                        f"Expected to modify instance of process '{process.id}' but it contains an ancestor "
                        f"key '{ancestor_key}' that could not be found"
                    )
        for instruction in cmd.activate:
            self._activate_for_modification(root, process, instruction)
        for key in cmd.terminate:
            ei = table.get(key)
            if ei is None:
                continue
            scope = table.get(ei.scope_key)
            p.flow.terminate(ei)
            # a scope left without anything active ends too (Zeebe's modification semantics)
            while scope is not None and not p.state.children.get(scope.key) and not scope.joins:
                parent = table.get(scope.scope_key)
                p.flow.terminate(scope)
                scope = parent
        p.record(
            ValueType.PROCESS_INSTANCE_MODIFICATION,
            Intent.MODIFIED,
            root.key,
            root.key,
            {"activated": [a.element_id for a in cmd.activate], "terminated": list(cmd.terminate)},
        )

    def _activate_for_modification(
        self, root: ElementInstance, process: Process, instruction: c.ActivateElement
    ) -> None:
        p = self.p
        table = p.state.element_instances
        element = process.elements[instruction.element_id]
        chain: list[Element] = []
        scope_id = element.scope_id
        while scope_id != process.id:
            chain.append(process.elements[scope_id])
            scope_id = process.elements[scope_id].scope_id
        scope = root
        if instruction.ancestor_element_instance_key not in (-1, 0):
            ancestor = table.get(instruction.ancestor_element_instance_key)
            if ancestor is None or ancestor.pi_key != root.key:
                raise InvalidArgument(
                    f"Expected to modify instance of process '{process.id}' but it contains an "
                    f"ancestor key '{instruction.ancestor_element_instance_key}' that could "
                    "not be found"
                )
            scope = ancestor
            chain = (
                chain[: [e.id for e in chain].index(ancestor.element_id)]
                if ancestor.element_id in [e.id for e in chain]
                else chain
            )
        created: dict[str, ElementInstance] = {}
        for container in reversed(chain):
            existing = [e for e in p.state.child_instances(scope.key) if e.element_id == container.id]
            if len(existing) == 1:
                scope = existing[0]
            else:
                scope = p.flow.create(scope, container, root.key, root.def_key)
                created[container.id] = scope
        target = p.flow.create(scope, element, root.key, root.def_key)
        by_element = {**created, element.id: target, process.id: root}
        for scope_element_id, variables in instruction.variables:
            # An empty scope id is the process instance itself (Zeebe: "global variables").
            holder = by_element.get(scope_element_id or process.id) or next(
                (e for e in table.values() if e.pi_key == root.key and e.element_id == scope_element_id), None
            )
            if holder is not None:
                p.variables.set_local(holder.key, root.key, variables)
        first_new = next(iter(created.values()), target)
        p.later(p.flow.activate, first_new)
