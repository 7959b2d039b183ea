"""Audited commands: who completed a task (with which variables), resolved an incident, set a
variable, assigned a task or cancelled a case — an ``AUDIT`` record beside the command's own
records, in the same commit, so the case's record log says who did what."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from xietong.engine import commands as c
from xietong.engine.intents import AuditOperation, ValueType

if TYPE_CHECKING:
    from xietong.engine.processing.command_handlers import CommandProcessor
    from xietong.engine.processing.processor import Processor


def _describe(p: Processor, command: Any) -> tuple[str, AuditOperation, int, int, dict[str, Any]]:
    """(entityType, operationType, entity key, process instance key, details) as known before the command."""
    state = p.state
    if isinstance(command, c.CompleteUserTask | c.AssignUserTask):
        task = state.user_tasks.get(command.user_task_key)
        details: dict[str, Any] = {"elementId": task.element_id if task else ""}
        if isinstance(command, c.CompleteUserTask):
            operation = AuditOperation.COMPLETE
            details["variables"] = dict(command.variables)
        else:
            operation = AuditOperation.UNASSIGN if command.assignee is None else AuditOperation.ASSIGN
            details["assignee"] = command.assignee or ""
        return "USER_TASK", operation, command.user_task_key, task.pi_key if task else -1, details
    if isinstance(command, c.ResolveIncident):
        incident = state.incidents.get(command.incident_key)
        pi_key = incident.pi_key if incident else -1
        return (
            "INCIDENT",
            AuditOperation.RESOLVE,
            command.incident_key,
            pi_key,
            {"elementId": incident.element_id if incident else ""},
        )
    if isinstance(command, c.SetVariables):
        key = command.element_instance_key
        element = state.element_instances.get(key)
        pi_key = key if key in state.instances else (element.pi_key if element else -1)
        return (
            "VARIABLE",
            AuditOperation.UPDATE,
            key,
            pi_key,
            {"variables": dict(command.variables), "local": command.local},
        )
    if isinstance(command, c.CancelProcessInstance):
        key = command.process_instance_key
        return "PROCESS_INSTANCE", AuditOperation.CANCEL, key, key, {}
    return type(command).__name__, AuditOperation.EXECUTE, -1, -1, {}


def audited(processor: CommandProcessor, command: c.Audited, future: Future[Any] | None) -> Any:
    p = processor.p
    entity, operation, key, pi_key, details = _describe(p, command.command)
    result = processor.process(command.command, future)  # raises (and records nothing) if refused
    p.record(
        ValueType.AUDIT,
        operation,
        key,
        pi_key,
        {
            "entityType": entity,
            "operationType": operation,
            "actorId": command.actor,
            "actorType": command.actor_type,
            **details,
        },
    )
    return result
