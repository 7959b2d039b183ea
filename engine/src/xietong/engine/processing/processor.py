"""The processing core: state, keys, the record buffer and the follow-up queue for one batch.

Like one Zeebe partition, commands are processed one at a time on one thread. Work an element
causes (activate the next element, complete the scope) is queued as follow-ups and drained before
the next command, breadth-first, so deep models never recurse deeply.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from xietong.engine.intents import AuditOperation, Intent, ValueType
from xietong.engine.keys import KeyGenerator
from xietong.engine.model import Element, Process, parse_resource
from xietong.engine.state.entities import ElementInstance, ProcessDefinition
from xietong.engine.state.record_buffer import RecordBuffer
from xietong.engine.state.state import State


class RunawayProcessing(RuntimeError):
    """One command would never finish; its changes are discarded like those of a bug."""


class Processor:
    """Holds what every behaviour needs; behaviours and element processors hang off it."""

    def __init__(self, state: State, keys: KeyGenerator, position: int = 0) -> None:
        from xietong.engine.processing.elements import element_processors
        from xietong.engine.processing.elements.containers import MultiInstanceBodyProcessor
        from xietong.engine.processing.event_behavior import EventBehavior
        from xietong.engine.processing.incidents import IncidentBehavior
        from xietong.engine.processing.instance_lifecycle import InstanceLifecycleBehavior
        from xietong.engine.processing.job_behavior import JobBehavior
        from xietong.engine.processing.transitions import MI_BODY, TransitionBehavior
        from xietong.engine.processing.variables import VariableBehavior

        self.state = state
        self.keys = keys
        self.position = position
        self.now_ms = 0
        self._now_for = -1
        self._now = datetime.fromtimestamp(0, UTC)
        self.records = RecordBuffer()
        self.followups: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self.models: dict[int, Process] = {}
        self.notify_types: set[str] = set()
        self.after_commit: list[Callable[[], None]] = []
        # await-result requests: process instance key -> [(future, fetch_variables)]
        self.awaiting: dict[int, list[tuple[Future[Any], tuple[str, ...]]]] = {}
        self.variables = VariableBehavior(self)
        self.jobs = JobBehavior(self)
        self.incidents = IncidentBehavior(self)
        self.events = EventBehavior(self)
        self.flow = TransitionBehavior(self)
        self.instances = InstanceLifecycleBehavior(self)
        self.elements = element_processors(self)
        body = self.elements[MI_BODY]
        assert isinstance(body, MultiInstanceBodyProcessor)
        # what an inner instance reports its completion to (methods no other element processor has)
        self.multi_instance = body
        from xietong.engine.processing.command_handlers import CommandProcessor

        self.commands = CommandProcessor(self)

    # -- time ----------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        if self._now_for != self.now_ms:
            self._now = datetime.fromtimestamp(self.now_ms / 1000, UTC)
            self._now_for = self.now_ms
        return self._now

    # -- records -------------------------------------------------------------------------------
    def record(
        self,
        value_type: ValueType,
        intent: Intent | AuditOperation,
        key: int,
        pi_key: int,
        value: dict[str, Any],
    ) -> None:
        """``intent``: an ``Intent``, or for AUDIT records the audited operation."""
        self.position += 1
        self.records.append(pi_key, [self.position, key, value_type, intent, self.now_ms, value])

    def element_record(self, intent: Intent, ei: ElementInstance) -> None:
        self.position += 1
        self.records.append(
            ei.pi_key,
            [
                self.position,
                ei.key,
                ValueType.PROCESS_INSTANCE,
                intent,
                self.now_ms,
                {
                    "elementId": ei.element_id,
                    "bpmnElementType": ei.kind,
                    "flowScopeKey": ei.scope_key,
                    "processDefinitionKey": ei.def_key,
                },
            ],
        )

    # -- follow-ups ----------------------------------------------------------------------------
    def later(self, fn: Callable[..., None], *args: Any) -> None:
        self.followups.append((fn, args))

    def drain(self, limit: int = 1_000_000) -> None:
        """Run follow-ups until the command's effects are complete; a model that loops without ever
        waiting (or calls itself forever) is stopped instead of freezing the engine."""
        queue = self.followups
        steps = 0
        while queue:
            fn, args = queue.popleft()
            fn(*args)
            steps += 1
            if steps > limit:
                queue.clear()
                raise RunawayProcessing(
                    f"more than {limit} steps without reaching a wait state: the model "
                    "loops (or calls itself) without any task, timer or message to wait for"
                )

    # -- models --------------------------------------------------------------------------------
    def model(self, def_key: int) -> Process:
        process = self.models.get(def_key)
        if process is None:
            definition = self.state.definitions[def_key]
            process = self.parse_definition(definition)
            self.models[def_key] = process
        return process

    @staticmethod
    def parse_definition(definition: ProcessDefinition) -> Process:
        processes, problems = parse_resource(definition.resource_name, definition.resource.encode())
        for process in processes:
            if process.id == definition.bpmn_process_id:
                return process
        raise RuntimeError(f"stored definition {definition.key} no longer parses: {problems}")

    def element(self, ei: ElementInstance) -> Element:
        return self.model(ei.def_key).elements[ei.element_id]
