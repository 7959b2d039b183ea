"""The engine's state entities, one class per kind, each persisted as one JSON row.

Plain slotted classes keep a waiting instance small in memory (the 5 KiB goal) and make
serialisation a list of attribute values, the cheapest thing to write on the hot path.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar


class Entity:
    """Base: ``FIELDS`` lists what is persisted, in order; ``KIND`` names the table partition."""

    __slots__ = ("key",)
    KIND: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **values: Any) -> None:
        for name in self.FIELDS:
            setattr(self, name, values.get(name, self.DEFAULTS.get(name)))

    DEFAULTS: ClassVar[dict[str, Any]] = {}

    def to_row(self) -> str:
        return json.dumps([getattr(self, f) for f in self.FIELDS], ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_row(cls, text: str) -> Entity:
        obj = cls.__new__(cls)
        values = json.loads(text)
        for name, value in zip(cls.FIELDS, values, strict=False):
            setattr(obj, name, value)
        for name in cls.FIELDS[len(values) :]:
            setattr(obj, name, cls.DEFAULTS.get(name))
        return obj

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.FIELDS}


def _entity(kind: str, fields: str, **defaults: Any) -> Any:
    names = tuple(fields.split())

    def decorate(cls: type[Entity]) -> type[Entity]:
        cls.KIND = kind
        cls.FIELDS = names
        cls.DEFAULTS = defaults
        return cls

    return decorate


@_entity(
    "def",
    "key bpmn_process_id version resource_name checksum tenant_id deployment_key resource deleted "
    "version_tag",
    deleted=False,
    version_tag="",
)
class ProcessDefinition(Entity):
    """A deployed process version; ``resource`` is the BPMN XML it was parsed from."""

    __slots__ = (
        "bpmn_process_id",
        "checksum",
        "deleted",
        "deployment_key",
        "resource",
        "resource_name",
        "tenant_id",
        "version",
        "version_tag",
    )


@_entity(
    "ei",
    "key pi_key def_key element_id scope_key state kind flags loop_counter joins mi_items "
    "mi_completed ref_key parent_ei_key",
    flags=0,
    loop_counter=0,
    joins=None,
    mi_items=None,
    mi_completed=0,
    ref_key=-1,
    parent_ei_key=-1,
)
class ElementInstance(Entity):
    """A running element: process, sub-process, task, event, gateway, multi-instance body or inner.

    ``kind`` is the BPMN element kind, or ``multiInstanceBody``; ``flags`` holds TRIGGERED (a catch
    event that already has its event) and INTERRUPTED (an event sub-process interrupted the scope).
    ``ref_key`` is what the element waits for: its job, user task or called process instance.
    """

    __slots__ = (
        "def_key",
        "element_id",
        "flags",
        "joins",
        "kind",
        "loop_counter",
        "mi_completed",
        "mi_items",
        "parent_ei_key",
        "pi_key",
        "ref_key",
        "scope_key",
        "state",
    )

    TRIGGERED = 1
    INTERRUPTED = 2
    INNER = 4  # an inner instance of a multi-instance body


@_entity(
    "pi",
    "key bpmn_process_id version def_key state start_ms end_ms tenant_id parent_pi_key "
    "parent_ei_key correlation_key",
    end_ms=None,
    parent_pi_key=-1,
    parent_ei_key=-1,
    correlation_key="",
)
class ProcessInstanceSummary(Entity):
    """Outlives its instance: what a supervisor searches (ACTIVE, COMPLETED, TERMINATED)."""

    __slots__ = (
        "bpmn_process_id",
        "correlation_key",
        "def_key",
        "end_ms",
        "parent_ei_key",
        "parent_pi_key",
        "start_ms",
        "state",
        "tenant_id",
        "version",
    )


@_entity(
    "job",
    "key type state retries worker deadline_ms backoff_ms ei_key pi_key def_key element_id "
    "bpmn_process_id version headers tenant_id error_message",
    worker="",
    deadline_ms=0,
    backoff_ms=0,
    error_message="",
)
class Job(Entity):
    """States: ACTIVATABLE, ACTIVATED, FAILED (waiting for backoff or an incident), ERROR_THROWN."""

    __slots__ = (
        "backoff_ms",
        "bpmn_process_id",
        "deadline_ms",
        "def_key",
        "ei_key",
        "element_id",
        "error_message",
        "headers",
        "pi_key",
        "retries",
        "state",
        "tenant_id",
        "type",
        "version",
        "worker",
    )


@_entity(
    "inc",
    "key error_type error_message state ei_key pi_key job_key element_id bpmn_process_id "
    "def_key created_ms tenant_id",
    job_key=-1,
)
class Incident(Entity):
    """States: ACTIVE, RESOLVED."""

    __slots__ = (
        "bpmn_process_id",
        "created_ms",
        "def_key",
        "ei_key",
        "element_id",
        "error_message",
        "error_type",
        "job_key",
        "pi_key",
        "state",
        "tenant_id",
    )


@_entity(
    "timer",
    "key ei_key element_id def_key pi_key due_ms repetitions interval tenant_id",
    interval="",
    tenant_id="<default>",
)
class Timer(Entity):
    """A due date for a catch event; ``ei_key`` -1 for a timer start event of ``def_key``."""

    __slots__ = (
        "def_key",
        "due_ms",
        "ei_key",
        "element_id",
        "interval",
        "pi_key",
        "repetitions",
        "tenant_id",
    )


@_entity("sub", "key type name correlation_key ei_key element_id pi_key bpmn_process_id tenant_id")
class Subscription(Entity):
    """An open message or signal subscription of an element instance for catch event ``element_id``."""

    __slots__ = (
        "bpmn_process_id",
        "correlation_key",
        "ei_key",
        "element_id",
        "name",
        "pi_key",
        "tenant_id",
        "type",
    )


@_entity("msg", "key name correlation_key deadline_ms message_id variables tenant_id correlated")
class Message(Entity):
    """A buffered message; ``correlated`` lists the bpmnProcessIds it already reached."""

    __slots__ = (
        "correlated",
        "correlation_key",
        "deadline_ms",
        "message_id",
        "name",
        "tenant_id",
        "variables",
    )


@_entity(
    "ut",
    "key ei_key pi_key def_key element_id name bpmn_process_id version state assignee "
    "candidate_groups candidate_users due_date follow_up_date form_key priority created_ms "
    "completed_ms tenant_id",
    completed_ms=None,
)
class UserTask(Entity):
    """A Camunda user task; states CREATED, COMPLETED, CANCELED (kept for the task list history)."""

    __slots__ = (
        "assignee",
        "bpmn_process_id",
        "candidate_groups",
        "candidate_users",
        "completed_ms",
        "created_ms",
        "def_key",
        "due_date",
        "ei_key",
        "element_id",
        "follow_up_date",
        "form_key",
        "name",
        "pi_key",
        "priority",
        "state",
        "tenant_id",
        "version",
    )


ENTITY_KINDS: dict[str, type[Entity]] = {
    cls.KIND: cls
    for cls in (
        ProcessDefinition,
        ElementInstance,
        ProcessInstanceSummary,
        Job,
        Incident,
        Timer,
        Subscription,
        Message,
        UserTask,
    )
}
