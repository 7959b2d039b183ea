"""The generator's own description of one process, independent of the catalog and of XML.

The catalog describes what a county document says; BPMN describes what an engine runs. This
intermediate form sits between the two so that the catalog mapping and the XML writer (with its
layout) can change independently: the mapping decides *what* the process is, the writer decides
only *how it is spelled and drawn*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class NodeKind(StrEnum):
    START = "start"  # none, message (message_ref) or timer (timer.cycle) start event
    END = "end"
    SERVICE_TASK = "service_task"
    USER_TASK = "user_task"
    RECEIVE_TASK = "receive_task"  # a message wait that can carry boundary events
    EXCLUSIVE_GATEWAY = "exclusive_gateway"
    PARALLEL_GATEWAY = "parallel_gateway"
    MESSAGE_CATCH = "message_catch"
    ESCALATION_THROW = "escalation_throw"
    NONE_THROW = "none_throw"  # sets variables through its output mappings
    SUB_PROCESS = "sub_process"


class BoundaryKind(StrEnum):
    TIMER = "timer"
    ESCALATION = "escalation"
    MESSAGE = "message"


@dataclass(frozen=True)
class SourceRef:
    """Where an element comes from: quoted into the element's documentation for the designer."""

    document: str
    line_start: int
    line_end: int
    text: str

    def render(self) -> str:
        lines = (
            f"{self.line_start}" if self.line_end == self.line_start else f"{self.line_start}–{self.line_end}"
        )
        return f"{self.text}\n（来源：{self.document} 第{lines}行）"


@dataclass(frozen=True)
class MultiInstance:
    """Parallel multi-instance, e.g. one instance per collaborating department."""

    input_collection: str  # FEEL, with the leading '='
    input_element: str
    output_collection: str | None = None
    output_element: str | None = None  # FEEL, with the leading '='


@dataclass(frozen=True)
class Message:
    id: str
    name: str
    correlation_key: str  # FEEL, with the leading '='


@dataclass(frozen=True)
class Escalation:
    id: str
    name: str
    code: str


@dataclass(frozen=True)
class Timer:
    """Exactly one of date (FEEL yielding a date-time, e.g. '=orderDue'), duration (ISO or FEEL) or
    cycle (ISO repeating interval, for timer start events)."""

    date: str | None = None
    duration: str | None = None
    cycle: str | None = None

    def __post_init__(self) -> None:
        if sum(v is not None for v in (self.date, self.duration, self.cycle)) != 1:
            raise ValueError("a timer needs exactly one of date, duration or cycle")


@dataclass
class Boundary:
    id: str
    name: str
    attached_to: str
    kind: BoundaryKind
    interrupting: bool = False
    timer: Timer | None = None
    escalation_ref: str | None = None
    message_ref: str | None = None
    source: SourceRef | None = None
    documentation: str = ""


@dataclass
class Node:
    id: str
    kind: NodeKind
    name: str
    lane: str | None = None
    source: SourceRef | None = None
    task_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (source FEEL or literal, target)
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (source FEEL, target)
    candidate_groups: list[str] = field(default_factory=list)
    multi_instance: MultiInstance | None = None
    message_ref: str | None = None
    escalation_ref: str | None = None
    timer: Timer | None = None  # timer start events
    documentation: str = ""  # extra text after the source quote (notes, lead-time limits)
    default_flow: str | None = None
    children: ProcessBody | None = None  # only for sub-processes
    form_id: str | None = None  # user tasks: the Camunda form deployed with the model
    due_date: str | None = None  # user tasks: FEEL yielding the due date-time (zeebe:taskSchedule)
    follow_up_date: str | None = None  # user tasks: FEEL yielding the follow-up date-time


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None  # FEEL, with the leading '='
    source_ref: SourceRef | None = None  # the passage the flow stands for (e.g. one way to start)


@dataclass
class ProcessBody:
    """The contents of a process or an embedded sub-process: nodes, boundaries and the flows between."""

    nodes: list[Node] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)

    def add(self, node: Node) -> Node:
        self.nodes.append(node)
        return node

    def connect(
        self,
        source: str,
        target: str,
        name: str = "",
        condition: str | None = None,
        flow_id: str | None = None,
    ) -> Flow:
        flow = Flow(flow_id or f"Flow_{source}_{target}", source, target, name=name, condition=condition)
        if any(existing.id == flow.id for existing in self.flows):
            raise ValueError(f"duplicate sequence flow {flow.id}")
        self.flows.append(flow)
        return flow


@dataclass(frozen=True)
class Lane:
    id: str
    name: str


@dataclass
class ProcessSpec:
    id: str
    name: str
    body: ProcessBody
    lanes: list[Lane] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    documentation: str = ""
    version_tag: str | None = None

    def validate(self) -> None:
        """Reject specs the writer would turn into a broken model, naming the offending element."""
        lane_ids = {lane.id for lane in self.lanes}
        message_ids = {m.id for m in self.messages}
        escalation_ids = {e.id for e in self.escalations}
        seen: set[str] = set()

        def check_body(body: ProcessBody, top_level: bool) -> None:
            ids = {n.id for n in body.nodes} | {b.id for b in body.boundaries}
            for node in body.nodes:
                if node.id in seen:
                    raise ValueError(f"{self.id}: duplicate element id {node.id}")
                seen.add(node.id)
                if top_level and self.lanes and node.lane not in lane_ids:
                    raise ValueError(f"{self.id}: node {node.id} has unknown lane {node.lane!r}")
                if node.kind is NodeKind.SERVICE_TASK and not node.task_type:
                    raise ValueError(f"{self.id}: service task {node.id} has no task type")
                if node.message_ref and node.message_ref not in message_ids:
                    raise ValueError(
                        f"{self.id}: node {node.id} refers to unknown message {node.message_ref}"
                    )
                if node.escalation_ref and node.escalation_ref not in escalation_ids:
                    raise ValueError(f"{self.id}: node {node.id} refers to unknown escalation")
                if node.kind is NodeKind.SUB_PROCESS:
                    if node.children is None:
                        raise ValueError(f"{self.id}: sub-process {node.id} is empty")
                    check_body(node.children, top_level=False)
            for boundary in body.boundaries:
                if boundary.id in seen:
                    raise ValueError(f"{self.id}: duplicate element id {boundary.id}")
                seen.add(boundary.id)
                if boundary.attached_to not in {n.id for n in body.nodes}:
                    raise ValueError(
                        f"{self.id}: boundary {boundary.id} attached to unknown {boundary.attached_to}"
                    )
            for flow in body.flows:
                if flow.id in seen:
                    raise ValueError(f"{self.id}: duplicate element id {flow.id}")
                seen.add(flow.id)
                for end in (flow.source, flow.target):
                    if end not in ids:
                        raise ValueError(f"{self.id}: flow {flow.id} refers to {end}, not in the same scope")
                if flow.condition is not None and not flow.condition.startswith("="):
                    raise ValueError(f"{self.id}: condition on {flow.id} must be FEEL with a leading '='")

        check_body(self.body, top_level=True)
