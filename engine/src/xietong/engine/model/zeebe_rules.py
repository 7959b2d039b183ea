"""Zeebe 8.8's deployment rules as tables: which text answers which kind of element, which extension
elements an element takes once, and the checks of static values, each named after the Zeebe
validator it follows (camunda/camunda ``zeebe/bpmn-model/…/validation/zeebe/`` and
``zeebe/engine/…/deployment/model/validation/``). The parser applies them to a model.
"""

from __future__ import annotations

import re
from datetime import datetime

# what Zeebe 8.8 answers for several event definitions on one event (StartEventValidator,
# EndEventValidator, BoundaryEventValidator, IntermediateCatchEventValidator; "" is ours: Zeebe has
# no rule for throw events)
TOO_MANY_DEFINITIONS = {
    "startEvent": "Start event can't have more than one type",
    "endEvent": "Must have at most one event definition",
    "boundaryEvent": "Must have exactly one event definition",
    "intermediateCatchEvent": "Must have exactly one event definition",
    "": "multiple event definitions on one event are not supported",
}
# what Zeebe 8.8 answers for an event definition its kind of event does not take (EndEventValidator,
# IntermediateCatchEventValidator, BoundaryEventValidator, SubProcessValidator — the last on the
# event sub-process); kinds not named here, and compensation events (which Zeebe runs and this engine
# does not), keep the engine's own words
WRONG_DEFINITION = {
    "endEvent": "End events must be one of: none, error, message, terminate, signal, escalation or "
    "compensation",
    "intermediateCatchEvent": "Event definition must be one of: message, timer, signal, or link",
    "boundaryEvent": "Boundary events must be one of: timer, message, error, signal, escalation",
    "startEvent@esp": "Start events in event subprocesses must be one of: message, timer, error, signal or "
    "escalation",
}
# ExtensionElementDuplicationValidators: extension elements an element may have at most once
SINGLE_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "process": ("versionTag",),
    "serviceTask": ("taskHeaders", "linkedResources"),
    "sendTask": ("taskHeaders", "linkedResources"),
    "userTask": (
        "userTask",
        "assignmentDefinition",
        "formDefinition",
        "taskHeaders",
        "taskSchedule",
        "priorityDefinition",
        "taskListeners",
    ),
    "businessRuleTask": ("taskDefinition", "taskHeaders", "calledDecision"),
    "scriptTask": ("script", "taskDefinition", "taskHeaders"),
    "endEvent": ("taskDefinition",),
    "intermediateThrowEvent": ("taskDefinition",),
}
FLOW_NODE_SINGLE_EXTENSIONS = ("ioMapping", "executionListeners")
# tasks that are either job workers or something else (ScriptTaskValidator, BusinessRuleTaskValidator)
EITHER_OR_JOB = {"scriptTask": "script", "businessRuleTask": "calledDecision"}
MESSAGE_THROWS = ("endEvent", "intermediateThrowEvent")
ZEEBE_RUNS_NOT_HERE = frozenset({"compensation"})
# EventDefinitionValidator (8.8: conditional events came with 8.9)
ZEEBE_REFUSES = frozenset({"conditional", "cancel"})
# ModelUtil.NON_INTERRUPTING_EVENT_DEFINITIONS (8.8)
MAY_NOT_INTERRUPT = frozenset({"message", "timer", "signal", "escalation"})
# ZeebeExpressionValidator.PATH_PATTERN / PATH_RESERVED_WORDS (io mapping targets)
PATH_PATTERN = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*")
PATH_RESERVED_WORDS = (
    "null",
    "true",
    "false",
    "function",
    "if",
    "then",
    "else",
    "for",
    "between",
    "instance",
    "of",
)
RESERVED_HEADER_PREFIX = "io.camunda.zeebe:"  # Protocol.RESERVED_HEADER_NAME_PREFIX
# ZeebeBindingType; ZeebeRuntimeValidators' descriptions of a static value's kind
BINDING_TYPES = ("deployment", "latest", "versionTag")
CSV = "be a list of comma-separated values, e.g. 'a,b,c'"
DATE_TIME = "be a valid DateTime String, e.g. '2023-03-02T15:35+02:00'"
NUMBER = "be a valid Number between 0 and 100"
# java.time.ZonedDateTime.parse (ISO_ZONED_DATE_TIME): date, time, an offset, perhaps a region
ZONED_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)(\[[^\]]+\])?", re.I
)


def is_csv(value: str) -> bool:
    """``ExpressionTransformer.parseListOfCsv``: no blank item between the commas."""
    return value == "" or all(item.strip() for item in value.split(","))


def is_date_time(value: str) -> bool:
    if not ZONED_DATE_TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.split("[")[0].upper())
    except ValueError:
        return False
    return True


def is_int(value: str) -> bool:
    """A Java ``int`` as ``Integer.parseInt`` reads it (what a static priority must be)."""
    return re.fullmatch(r"[+-]?\d{1,10}", value) is not None and -(2**31) <= int(value) < 2**31
