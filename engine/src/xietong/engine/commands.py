"""Commands the engine accepts and the results it answers with (contract B).

Field names follow Zeebe's gateway.proto in snake_case, so the gateway maps requests field by field.
Variables are JSON-compatible dicts; keys are Zeebe-style int64 keys of partition 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_TENANT = "<default>"

Variables = dict[str, Any]


# --- deployment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deploy:
    resources: tuple[tuple[str, bytes], ...]
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class ProcessMetadata:
    bpmn_process_id: str
    version: int
    process_definition_key: int
    resource_name: str
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class FormMetadata:
    form_id: str
    version: int
    form_key: int
    resource_name: str
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class DeploymentResult:
    key: int
    processes: tuple[ProcessMetadata, ...]
    tenant_id: str = DEFAULT_TENANT
    forms: tuple[FormMetadata, ...] = ()


@dataclass(frozen=True)
class DeleteResource:
    resource_key: int


# --- process instances ------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateProcessInstance:
    bpmn_process_id: str | None = None
    version: int = -1
    process_definition_key: int | None = None
    variables: Variables = field(default_factory=dict)
    start_instructions: tuple[str, ...] = ()
    tenant_id: str = DEFAULT_TENANT
    await_result: bool = False
    fetch_variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProcessInstanceCreated:
    process_definition_key: int
    bpmn_process_id: str
    version: int
    process_instance_key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class ProcessInstanceResult:
    process_definition_key: int
    bpmn_process_id: str
    version: int
    process_instance_key: int
    tenant_id: str
    variables: Variables


@dataclass(frozen=True)
class CancelProcessInstance:
    process_instance_key: int


@dataclass(frozen=True)
class ActivateElement:
    element_id: str
    ancestor_element_instance_key: int = -1
    variables: tuple[tuple[str, Variables], ...] = ()


@dataclass(frozen=True)
class ModifyProcessInstance:
    process_instance_key: int
    activate: tuple[ActivateElement, ...] = ()
    terminate: tuple[int, ...] = ()


# --- jobs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivateJobs:
    type: str
    worker: str
    timeout_ms: int
    max_jobs_to_activate: int
    fetch_variables: tuple[str, ...] = ()
    tenant_ids: tuple[str, ...] = (DEFAULT_TENANT,)


@dataclass(frozen=True)
class ActivatedJob:
    key: int
    type: str
    process_instance_key: int
    bpmn_process_id: str
    process_definition_version: int
    process_definition_key: int
    element_id: str
    element_instance_key: int
    custom_headers: dict[str, str]
    worker: str
    retries: int
    deadline_ms: int
    variables: Variables
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class CompleteJob:
    job_key: int
    variables: Variables = field(default_factory=dict)


@dataclass(frozen=True)
class FailJob:
    job_key: int
    retries: int
    error_message: str = ""
    retry_backoff_ms: int = 0
    variables: Variables = field(default_factory=dict)


@dataclass(frozen=True)
class ThrowError:
    job_key: int
    error_code: str
    error_message: str = ""
    variables: Variables = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateJobRetries:
    job_key: int
    retries: int


@dataclass(frozen=True)
class UpdateJobTimeout:
    job_key: int
    timeout_ms: int


# --- messages, signals, variables, incidents ---------------------------------------------------


@dataclass(frozen=True)
class PublishMessage:
    name: str
    correlation_key: str
    time_to_live_ms: int
    message_id: str = ""
    variables: Variables = field(default_factory=dict)
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class MessagePublished:
    key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class CorrelateMessage:
    """Zeebe's correlate (REST ``POST /v2/messages/correlation``): to what waits now, never buffered."""

    name: str
    correlation_key: str
    variables: Variables = field(default_factory=dict)
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class MessageCorrelated:
    key: int
    process_instance_key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class BroadcastSignal:
    signal_name: str
    variables: Variables = field(default_factory=dict)
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class SignalBroadcast:
    key: int
    tenant_id: str = DEFAULT_TENANT


@dataclass(frozen=True)
class SetVariables:
    element_instance_key: int
    variables: Variables
    local: bool = False


@dataclass(frozen=True)
class ResolveIncident:
    incident_key: int


# --- Camunda user tasks -----------------------------------------------------------------------


@dataclass(frozen=True)
class AssignUserTask:
    user_task_key: int
    assignee: str | None
    action: str = "assign"
    allow_override: bool = True


@dataclass(frozen=True)
class UpdateUserTask:
    user_task_key: int
    changeset: dict[str, Any]
    action: str = "update"


@dataclass(frozen=True)
class CompleteUserTask:
    user_task_key: int
    variables: Variables = field(default_factory=dict)
    action: str = "complete"


@dataclass(frozen=True)
class Audited:
    """A command made on behalf of a person or client: the engine appends an AUDIT record naming
    them (and what they did) beside the command's own records, in the same commit."""

    command: Any
    actor: str
    actor_type: str = "USER"


Command = (
    Deploy
    | DeleteResource
    | CreateProcessInstance
    | CancelProcessInstance
    | ModifyProcessInstance
    | ActivateJobs
    | CompleteJob
    | FailJob
    | ThrowError
    | UpdateJobRetries
    | UpdateJobTimeout
    | PublishMessage
    | BroadcastSignal
    | SetVariables
    | ResolveIncident
    | AssignUserTask
    | UpdateUserTask
    | CompleteUserTask
)
