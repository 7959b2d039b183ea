"""The engine's state entities, one class per kind, each persisted as one JSON row.

Slotted dataclasses keep a waiting instance small in memory (the 5 KiB goal) and make
serialisation a list of attribute values, the cheapest thing to write on the hot path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from enum import StrEnum
from operator import attrgetter
from typing import Any, ClassVar, cast

import orjson

from xietong.engine.commands import DEFAULT_TENANT

_FALLBACK = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_json(value: Any) -> str:
    """Compact JSON; orjson on the hot path, the standard library for what it refuses (big integers)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _FALLBACK(value)


def decode_json(text: str) -> Any:
    return orjson.loads(text)


class ElementInstanceState(StrEnum):
    ACTIVATING = "ACTIVATING"
    ACTIVATED = "ACTIVATED"
    COMPLETING = "COMPLETING"


class ProcessInstanceState(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    TERMINATED = "TERMINATED"


class JobState(StrEnum):
    ACTIVATABLE = "ACTIVATABLE"
    ACTIVATED = "ACTIVATED"
    FAILED = "FAILED"  # waiting for its backoff, or for an incident to be resolved
    ERROR_THROWN = "ERROR_THROWN"


class IncidentState(StrEnum):
    ACTIVE = "ACTIVE"
    RESOLVED = "RESOLVED"


class UserTaskState(StrEnum):
    CREATED = "CREATED"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


# States are StrEnums equal to the strings stored in rows; a row read back holds the plain string,
# which compares equal, so stored data needs no migration.


class Entity:
    """Base: ``FIELDS`` lists what is persisted, in order; ``KIND`` names the table partition."""

    __slots__ = ()
    KIND: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[str, ...]] = ()
    key: int

    _values: ClassVar[Any] = None  # attrgetter over FIELDS: one C call reads every field

    def to_row(self) -> str:
        return encode_json(self._values(self))

    @classmethod
    def from_row(cls, text: str) -> Any:
        return cls(**dict(zip(cls.FIELDS, orjson.loads(text), strict=False)))

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.FIELDS}


@dataclass(slots=True, eq=False, kw_only=True)
class ProcessDefinition(Entity):
    """A deployed process version; ``resource`` is the BPMN XML it was parsed from."""

    KIND: ClassVar[str] = "def"

    key: int
    bpmn_process_id: str
    version: int
    resource_name: str
    checksum: str
    tenant_id: str
    deployment_key: int
    resource: str
    deleted: bool = False
    version_tag: str = ""


@dataclass(slots=True, eq=False, kw_only=True)
class Form(Entity):
    """A deployed Camunda Form version (form-js JSON); ``resource`` is the schema text as deployed."""

    KIND: ClassVar[str] = "form"

    key: int
    form_id: str
    version: int
    resource_name: str
    checksum: str
    tenant_id: str
    deployment_key: int
    resource: str
    version_tag: str = ""
    # deleted versions stay as tombstones: Zeebe never gives a form id's version number out twice
    deleted: bool = False


@dataclass(slots=True, eq=False, kw_only=True)
class ElementInstance(Entity):
    """A running element: process, sub-process, task, event, gateway, multi-instance body or inner.

    ``kind`` is the BPMN element kind, or ``multiInstanceBody``; ``flags`` holds TRIGGERED (a catch
    event that already has its event) and INTERRUPTED (an event sub-process interrupted the scope).
    ``ref_key`` is what the element waits for: its job, user task or called process instance.
    """

    KIND: ClassVar[str] = "ei"
    TRIGGERED: ClassVar[int] = 1
    INTERRUPTED: ClassVar[int] = 2
    INNER: ClassVar[int] = 4  # an inner instance of a multi-instance body

    key: int
    pi_key: int
    def_key: int
    element_id: str
    scope_key: int
    state: ElementInstanceState
    kind: str
    flags: int = 0
    loop_counter: int = 0
    joins: dict[str, int] | None = None
    mi_items: list[Any] | None = None
    mi_completed: int = 0
    ref_key: int = -1
    parent_ei_key: int = -1


@dataclass(slots=True, eq=False, kw_only=True)
class ProcessInstanceSummary(Entity):
    """Outlives its instance: what a supervisor searches (ACTIVE, COMPLETED, TERMINATED)."""

    KIND: ClassVar[str] = "pi"

    key: int
    bpmn_process_id: str
    version: int
    def_key: int
    state: ProcessInstanceState
    start_ms: int
    end_ms: int | None = None
    tenant_id: str = DEFAULT_TENANT
    parent_pi_key: int = -1
    parent_ei_key: int = -1
    correlation_key: str = ""


@dataclass(slots=True, eq=False, kw_only=True)
class Job(Entity):
    """States: ACTIVATABLE, ACTIVATED, FAILED (waiting for backoff or an incident), ERROR_THROWN."""

    KIND: ClassVar[str] = "job"

    key: int
    type: str
    state: JobState
    retries: int
    ei_key: int
    pi_key: int
    def_key: int
    element_id: str
    bpmn_process_id: str
    version: int
    headers: dict[str, str]
    tenant_id: str
    worker: str = ""
    deadline_ms: int = 0
    backoff_ms: int = 0
    error_message: str = ""


@dataclass(slots=True, eq=False, kw_only=True)
class Incident(Entity):
    """States: ACTIVE, RESOLVED."""

    KIND: ClassVar[str] = "inc"

    key: int
    error_type: str
    error_message: str
    state: IncidentState
    ei_key: int
    pi_key: int
    element_id: str
    bpmn_process_id: str
    def_key: int
    created_ms: int
    tenant_id: str
    job_key: int = -1


@dataclass(slots=True, eq=False, kw_only=True)
class Timer(Entity):
    """A due date for a catch event; ``ei_key`` -1 for a timer start event of ``def_key``."""

    KIND: ClassVar[str] = "timer"

    key: int
    ei_key: int
    element_id: str
    def_key: int
    pi_key: int
    due_ms: int
    repetitions: int
    interval: str = ""
    tenant_id: str = DEFAULT_TENANT


@dataclass(slots=True, eq=False, kw_only=True)
class Subscription(Entity):
    """An open message or signal subscription of an element instance for catch event ``element_id``."""

    KIND: ClassVar[str] = "sub"

    key: int
    type: str
    name: str
    correlation_key: str
    ei_key: int
    element_id: str
    pi_key: int
    bpmn_process_id: str
    tenant_id: str


@dataclass(slots=True, eq=False, kw_only=True)
class Message(Entity):
    """A buffered message; ``correlated`` lists the bpmnProcessIds it already reached."""

    KIND: ClassVar[str] = "msg"

    key: int
    name: str
    correlation_key: str
    deadline_ms: int
    message_id: str
    variables: dict[str, Any]
    tenant_id: str
    correlated: list[str]


@dataclass(slots=True, eq=False, kw_only=True)
class UserTask(Entity):
    """A Camunda user task; states CREATED, COMPLETED, CANCELED (kept for the task list history)."""

    KIND: ClassVar[str] = "ut"

    key: int
    ei_key: int
    pi_key: int
    def_key: int
    element_id: str
    name: str
    bpmn_process_id: str
    version: int
    state: UserTaskState
    assignee: str | None
    candidate_groups: list[str]
    candidate_users: list[str]
    due_date: str | None
    follow_up_date: str | None
    form_key: int | None  # the linked form's key (rows written before forms existed hold a string)
    priority: int
    created_ms: int
    tenant_id: str
    completed_ms: int | None = None
    external_form_reference: str | None = None


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
        Form,
    )
}

for _cls in ENTITY_KINDS.values():  # what a row holds, in field order; read by one attrgetter call
    _cls.FIELDS = tuple(f.name for f in fields(cast(Any, _cls)))
    _cls._values = attrgetter(*_cls.FIELDS)
