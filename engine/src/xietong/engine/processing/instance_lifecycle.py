"""Instances begin and end: created by a command, a call activity, a timer, message or signal start
event; finished with their await-result answers. A behaviour, as in Zeebe's ``processing/bpmn/behavior``,
so element processors and command handlers both reach it without depending on one another."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from xietong.engine import commands as c
from xietong.engine.errors import FailedPrecondition
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model import Element, Process
from xietong.engine.processing.futures import fail_future, resolve_future
from xietong.engine.state.entities import (
    ElementInstance,
    Message,
    ProcessDefinition,
    ProcessInstanceState,
    ProcessInstanceSummary,
)

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


class InstanceLifecycleBehavior:
    def __init__(self, p: Processor) -> None:
        self.p = p
        self._start_index: dict[tuple[str, str, str], list[tuple[ProcessDefinition, Element]]] | None = None

    def start_instance(
        self,
        definition: ProcessDefinition,
        variables: dict[str, Any],
        *,
        parent: ElementInstance | None = None,
        start_element: str | None = None,
        start_variables: dict[str, Any] | None = None,
        instructions: tuple[str, ...] = (),
        correlation_key: str = "",
    ) -> ElementInstance:
        p = self.p
        process = p.model(definition.key)
        root = p.flow.create(None, process.root, -1, definition.key)
        if parent is not None:
            root.parent_ei_key = parent.key
        summary = ProcessInstanceSummary(
            key=root.key,
            bpmn_process_id=definition.bpmn_process_id,
            version=definition.version,
            def_key=definition.key,
            state=ProcessInstanceState.ACTIVE,
            start_ms=p.now_ms,
            end_ms=None,
            tenant_id=definition.tenant_id,
            parent_pi_key=parent.pi_key if parent else -1,
            parent_ei_key=parent.key if parent else -1,
            correlation_key=correlation_key,
        )
        p.state.put(summary)
        if correlation_key:
            p.state.message_started[(summary.bpmn_process_id, correlation_key, summary.tenant_id)] += 1
        p.record(
            ValueType.PROCESS_INSTANCE_CREATION,
            Intent.CREATED,
            root.key,
            root.key,
            {
                "bpmnProcessId": definition.bpmn_process_id,
                "version": definition.version,
                "processDefinitionKey": definition.key,
                "parentProcessInstanceKey": summary.parent_pi_key,
            },
        )
        if variables:
            p.variables.set_local(root.key, root.key, variables)
        if start_element is not None:
            p.flow.create(
                root,
                process.elements[start_element],
                root.key,
                definition.key,
                flags=ElementInstance.TRIGGERED,
                variables=start_variables,
            )
        for element_id in instructions:
            self._create_with_ancestors(root, process, process.elements[element_id], {})
        p.later(p.flow.activate, root)
        return root

    def _create_with_ancestors(
        self, root: ElementInstance, process: Process, element: Element, existing: dict[str, ElementInstance]
    ) -> ElementInstance:
        """Create ``element`` below the instances of its enclosing sub-processes (made as needed)."""
        p = self.p
        if element.scope_id == process.id:
            scope = root
        elif element.scope_id in existing:
            scope = existing[element.scope_id]
        else:
            scope = self._create_with_ancestors(root, process, process.elements[element.scope_id], existing)
            existing[element.scope_id] = scope
        return p.flow.create(scope, element, root.key, root.def_key)

    def start_by_event(
        self, def_key: int, start_id: str, variables: dict[str, Any], correlation_key: str = ""
    ) -> ElementInstance:
        definition = self.p.state.definitions[def_key]
        return self.start_instance(
            definition, {}, start_element=start_id, start_variables=variables, correlation_key=correlation_key
        )

    def instance_finished(self, root: ElementInstance, completed: bool) -> None:
        """Answer await-result requests once the outcome is committed; release a message correlation key."""
        p = self.p
        summary = p.state.instances[root.key]
        p.state.finish(root.key)  # leaves the runtime state for the history at the end of the command
        if summary.correlation_key:
            index = (summary.bpmn_process_id, summary.correlation_key, summary.tenant_id)
            p.state.message_started[index] -= 1
            if p.state.message_started[index] <= 0:
                del p.state.message_started[index]
                p.later(self.correlate_buffered_start, *index)
        waiting = p.awaiting.pop(root.key, None)
        if not waiting:
            return
        all_variables = dict(p.state.variables.get(root.key, {}))
        for future, fetch in waiting:
            if completed:
                variables = (
                    {n: all_variables[n] for n in fetch if n in all_variables} if fetch else all_variables
                )
                result = c.ProcessInstanceResult(
                    summary.def_key,
                    summary.bpmn_process_id,
                    summary.version,
                    root.key,
                    summary.tenant_id,
                    variables,
                )
                p.after_commit.append(partial(resolve_future, future, result))
            else:
                error = FailedPrecondition(
                    f"Expected to complete process instance with key '{root.key}', but it was terminated"
                )
                p.after_commit.append(partial(fail_future, future, error))

    def start_events_changed(self) -> None:
        self._start_index = None

    def start_events(
        self, event_type: str, name: str, tenant_id: str
    ) -> list[tuple[ProcessDefinition, Element]]:
        """Latest non-deleted versions with a message/signal start event of that name."""
        index = self._start_index
        if index is None:
            index = {}
            p = self.p
            for bpmn_id, tenant in list(p.state.definitions_by_id):
                latest = p.state.latest_definition(bpmn_id, tenant)
                if latest is None:
                    continue
                for kind in ("message", "signal"):
                    for start in p.model(latest.key).start_events(kind):
                        assert start.event is not None
                        expression = (
                            start.event.message_name if kind == "message" else start.event.signal_name
                        )
                        if expression is not None and not expression.is_feel:
                            index.setdefault((kind, expression.static, tenant), []).append((latest, start))
            self._start_index = index
        return index.get((event_type, name, tenant_id), [])

    def correlate_to_start_events(self, msg: Message) -> list[int]:
        """The instances the message's start events created."""
        started = []
        for definition, start in self.start_events("message", msg.name, msg.tenant_id):
            bpmn_id = definition.bpmn_process_id
            if bpmn_id in msg.correlated:
                continue
            if msg.correlation_key and self._active_with_key(bpmn_id, msg.correlation_key, msg.tenant_id):
                continue  # one active instance per correlation key and process (Zeebe)
            started.append(
                self._start_with_message(msg, definition.key, start.id, bpmn_id, msg.correlation_key)
            )
        return started

    def message_start_takers(
        self, name: str, correlation_key: str, tenant_id: str
    ) -> tuple[list[str], list[str]]:
        """(processes a message start event of that name would start now, processes whose start is
        blocked by an active instance holding the correlation key); read only."""
        takers: list[str] = []
        blocked: list[str] = []
        for definition, _start in self.start_events("message", name, tenant_id):
            bpmn_id = definition.bpmn_process_id
            if correlation_key and self._active_with_key(bpmn_id, correlation_key, tenant_id):
                blocked.append(bpmn_id)
            else:
                takers.append(bpmn_id)
        return takers, blocked

    def _start_with_message(
        self, msg: Message, def_key: int, start_id: str, bpmn_id: str, correlation_key: str
    ) -> int:
        root = self.start_by_event(def_key, start_id, dict(msg.variables), correlation_key)
        msg.correlated = [*msg.correlated, bpmn_id]
        self.p.record(
            ValueType.MESSAGE_START_EVENT_SUBSCRIPTION,
            Intent.CORRELATED,
            msg.key,
            root.key,
            {"messageName": msg.name, "bpmnProcessId": bpmn_id, "processInstanceKey": root.key},
        )
        return root.key

    def _active_with_key(self, bpmn_id: str, correlation_key: str, tenant_id: str) -> bool:
        return self.p.state.message_started.get((bpmn_id, correlation_key, tenant_id), 0) > 0

    def correlate_buffered_start(self, bpmn_id: str, correlation_key: str, tenant_id: str) -> None:
        """The instance holding a correlation key ended: a buffered message may now start the next one."""
        p = self.p
        latest = p.state.latest_definition(bpmn_id, tenant_id)
        if latest is None or self._active_with_key(bpmn_id, correlation_key, tenant_id):
            return
        for start in p.model(latest.key).start_events("message"):
            assert start.event is not None and start.event.message_name is not None
            name = start.event.message_name.static
            for msg_key in list(p.state.messages_by_name.get((name, correlation_key, tenant_id), ())):
                msg = p.state.messages[msg_key]
                if msg.deadline_ms > p.now_ms and bpmn_id not in msg.correlated:
                    self._start_with_message(msg, latest.key, start.id, bpmn_id, correlation_key)
                    p.state.touch(msg)
                    return

    def broadcast(self, name: str, variables: dict[str, Any], tenant_id: str) -> None:
        """Every open signal subscription and every signal start event of that name is triggered."""
        p = self.p
        for sub_key in list(p.state.subs_by_name.get(("signal", name, "", tenant_id), ())):
            sub = p.state.subscriptions.get(sub_key)
            owner = p.state.element_instances.get(sub.ei_key) if sub is not None else None
            if sub is not None and owner is not None:
                p.events.trigger(owner, sub.element_id, dict(variables))
        for definition, start in self.start_events("signal", name, tenant_id):
            self.start_by_event(definition.key, start.id, dict(variables))
