"""Record value types and intents: Zeebe's names (``protocol/record/ValueType``, ``…/intent/``).

StrEnums, so a member equals the plain string already stored in the records table and sent over the
gateway; records written before this module existed read back unchanged. One ``Intent`` holds every
name the engine writes (Zeebe splits them per value type; here the names never disagree).
"""

from __future__ import annotations

from enum import StrEnum


class ValueType(StrEnum):
    AUDIT = "AUDIT"
    DEPLOYMENT = "DEPLOYMENT"
    ESCALATION = "ESCALATION"
    FORM = "FORM"
    INCIDENT = "INCIDENT"
    JOB = "JOB"
    MESSAGE = "MESSAGE"
    MESSAGE_CORRELATION = "MESSAGE_CORRELATION"
    MESSAGE_START_EVENT_SUBSCRIPTION = "MESSAGE_START_EVENT_SUBSCRIPTION"
    PROCESS = "PROCESS"
    PROCESS_INSTANCE = "PROCESS_INSTANCE"
    PROCESS_INSTANCE_CREATION = "PROCESS_INSTANCE_CREATION"
    PROCESS_INSTANCE_MODIFICATION = "PROCESS_INSTANCE_MODIFICATION"
    PROCESS_MESSAGE_SUBSCRIPTION = "PROCESS_MESSAGE_SUBSCRIPTION"
    SIGNAL = "SIGNAL"
    SIGNAL_SUBSCRIPTION = "SIGNAL_SUBSCRIPTION"
    TIMER = "TIMER"
    USER_TASK = "USER_TASK"
    VARIABLE = "VARIABLE"
    VARIABLE_DOCUMENT = "VARIABLE_DOCUMENT"


class Intent(StrEnum):
    # an element instance's life (value type PROCESS_INSTANCE)
    ELEMENT_ACTIVATED = "ELEMENT_ACTIVATED"
    ELEMENT_COMPLETED = "ELEMENT_COMPLETED"
    ELEMENT_TERMINATED = "ELEMENT_TERMINATED"
    SEQUENCE_FLOW_TAKEN = "SEQUENCE_FLOW_TAKEN"
    # shared by several value types
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    CANCELED = "CANCELED"
    COMPLETED = "COMPLETED"
    CORRELATED = "CORRELATED"
    CORRELATING = "CORRELATING"
    # jobs
    ACTIVATED = "ACTIVATED"
    FAILED = "FAILED"
    ERROR_THROWN = "ERROR_THROWN"
    TIMED_OUT = "TIMED_OUT"
    RETRIES_UPDATED = "RETRIES_UPDATED"
    TIMEOUT_UPDATED = "TIMEOUT_UPDATED"
    RECURRED_AFTER_BACKOFF = "RECURRED_AFTER_BACKOFF"
    # the rest
    ASSIGNED = "ASSIGNED"
    BROADCASTED = "BROADCASTED"
    ESCALATED = "ESCALATED"
    EXPIRED = "EXPIRED"
    MODIFIED = "MODIFIED"
    PUBLISHED = "PUBLISHED"
    RESOLVED = "RESOLVED"
    TRIGGERED = "TRIGGERED"


class AuditOperation(StrEnum):
    """An AUDIT record's intent: what a person did (Camunda's audit-log operation types)."""

    ASSIGN = "ASSIGN"
    UNASSIGN = "UNASSIGN"
    COMPLETE = "COMPLETE"
    RESOLVE = "RESOLVE"
    UPDATE = "UPDATE"
    CANCEL = "CANCEL"
    EXECUTE = "EXECUTE"
