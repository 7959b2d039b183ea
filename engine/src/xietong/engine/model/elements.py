"""The executable model: one ``Element`` per BPMN flow node, grouped in a ``Process``.

A single element class with optional parts (job, io mappings, event definition, loop) keeps the
interpreter's dispatch on ``kind`` simple; the parser guarantees the parts a kind needs exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xietong import bpmn_vocabulary as bpmn
from xietong.bpmn_vocabulary import ElementKind
from xietong.engine.expressions import Expression

# the activities the engine runs: BPMN's, minus transactions and ad-hoc sub-processes (refused at deploy)
ACTIVITIES = bpmn.ACTIVITIES - {ElementKind.TRANSACTION, ElementKind.AD_HOC_SUB_PROCESS}
JOB_TASKS = frozenset(
    {
        ElementKind.SERVICE_TASK,
        ElementKind.SEND_TASK,
        ElementKind.BUSINESS_RULE_TASK,
        ElementKind.SCRIPT_TASK,
        ElementKind.USER_TASK,
    }
)
CONTAINERS = frozenset({ElementKind.PROCESS, ElementKind.SUB_PROCESS})


@dataclass
class Flow:
    id: str
    source: str
    target: str
    condition: Expression | None = None


@dataclass
class Mapping:
    source: Expression
    target: str


@dataclass
class EventDef:
    """What an event waits for or throws."""

    type: str  # timer | message | error | escalation | signal | link | terminate
    timer_kind: str = ""  # timeDuration | timeDate | timeCycle
    timer: Expression | None = None
    message_name: Expression | None = None
    correlation_key: Expression | None = None
    code: Expression | None = None  # error / escalation code; None = catch all
    signal_name: Expression | None = None
    link_name: str = ""


@dataclass
class JobDef:
    type: Expression
    retries: Expression
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoopDef:
    sequential: bool
    input_collection: Expression
    input_element: str = ""
    output_collection: str = ""
    output_element: Expression | None = None
    completion_condition: Expression | None = None


@dataclass
class CallDef:
    process_id: Expression
    propagate_all_child: bool = True
    propagate_all_parent: bool = True
    binding: str = "latest"  # latest | deployment | versionTag
    version_tag: str = ""


@dataclass
class UserTaskDef:
    assignee: Expression | None = None
    candidate_groups: Expression | None = None
    candidate_users: Expression | None = None
    due_date: Expression | None = None
    follow_up_date: Expression | None = None
    form_id: Expression | None = None  # a deployed Camunda Form, resolved by form_binding at activation
    form_binding: str = "latest"  # latest | deployment | versionTag, as for called elements
    form_version_tag: str = ""
    external_reference: Expression | None = None  # a form outside Camunda (not shown in Tasklist)
    priority: Expression | None = None


@dataclass
class Element:
    id: str
    kind: ElementKind
    name: str = ""
    scope_id: str = ""  # the container (process or sub-process) this element lives in
    incoming: list[str] = field(default_factory=list)
    outgoing: list[Flow] = field(default_factory=list)
    default_flow: str | None = None
    event: EventDef | None = None
    attached_to: str | None = None
    cancel_activity: bool = True
    boundaries: list[str] = field(default_factory=list)
    job: JobDef | None = None
    inputs: list[Mapping] = field(default_factory=list)
    outputs: list[Mapping] = field(default_factory=list)
    loop: LoopDef | None = None
    call: CallDef | None = None
    script: Expression | None = None
    result_variable: str = ""
    user_task: UserTaskDef | None = None
    # containers
    children: list[str] = field(default_factory=list)
    none_start: str | None = None
    event_subprocesses: list[str] = field(default_factory=list)
    triggered_by_event: bool = False
    interrupting: bool = True  # start events of event sub-processes

    @property
    def is_activity(self) -> bool:
        return self.kind in ACTIVITIES

    @property
    def is_container(self) -> bool:
        return self.kind in CONTAINERS


@dataclass
class Process:
    id: str
    name: str
    elements: dict[str, Element]
    flows: dict[str, Flow]
    version_tag: str = ""
    _reach: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Element:
        return self.elements[self.id]

    def start_events(self, event_type: str) -> list[Element]:
        """Top-level start events with the given definition type ('' for none)."""
        children = (self.elements[c] for c in self.root.children)
        return [
            e
            for e in children
            if e.kind == ElementKind.START_EVENT and (e.event.type if e.event else "") == event_type
        ]

    def reachable_from(self, element_id: str) -> frozenset[str]:
        """Elements reachable by sequence flows (for the inclusive gateway's join)."""
        cached = self._reach.get(element_id)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = [element_id]
        while stack:
            current = self.elements[stack.pop()]
            targets = [f.target for f in current.outgoing]
            targets += current.boundaries
            for t in targets:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        result = frozenset(seen)
        self._reach[element_id] = result
        return result
