"""The BPMN 2.0 vocabulary: XML namespaces and the local names of flow-node elements.

One copy, shared: the engine's parser and the generator's writer and checks all speak it, and the
engine must not import the generator nor the generator the engine's internals, so it lives in the
common component. What each side *supports* (the engine refuses complex gateways, say) stays with
that side; this module only names what BPMN defines.
"""

from __future__ import annotations

from enum import StrEnum

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


class ElementKind(StrEnum):
    """A BPMN element's local name (``bpmn:serviceTask`` → ``serviceTask``); a StrEnum, so it
    compares equal to the plain strings stored in records and read from XML."""

    PROCESS = "process"
    # activities
    TASK = "task"
    SERVICE_TASK = "serviceTask"
    USER_TASK = "userTask"
    MANUAL_TASK = "manualTask"
    SCRIPT_TASK = "scriptTask"
    BUSINESS_RULE_TASK = "businessRuleTask"
    SEND_TASK = "sendTask"
    RECEIVE_TASK = "receiveTask"
    CALL_ACTIVITY = "callActivity"
    SUB_PROCESS = "subProcess"
    TRANSACTION = "transaction"
    AD_HOC_SUB_PROCESS = "adHocSubProcess"
    # events
    START_EVENT = "startEvent"
    END_EVENT = "endEvent"
    INTERMEDIATE_CATCH_EVENT = "intermediateCatchEvent"
    INTERMEDIATE_THROW_EVENT = "intermediateThrowEvent"
    BOUNDARY_EVENT = "boundaryEvent"
    # gateways
    EXCLUSIVE_GATEWAY = "exclusiveGateway"
    PARALLEL_GATEWAY = "parallelGateway"
    INCLUSIVE_GATEWAY = "inclusiveGateway"
    EVENT_BASED_GATEWAY = "eventBasedGateway"
    COMPLEX_GATEWAY = "complexGateway"
    # connecting objects
    SEQUENCE_FLOW = "sequenceFlow"
    MESSAGE_FLOW = "messageFlow"


SUB_PROCESSES = frozenset({ElementKind.SUB_PROCESS, ElementKind.TRANSACTION, ElementKind.AD_HOC_SUB_PROCESS})
ACTIVITIES = frozenset(
    {
        ElementKind.TASK,
        ElementKind.SERVICE_TASK,
        ElementKind.USER_TASK,
        ElementKind.MANUAL_TASK,
        ElementKind.SCRIPT_TASK,
        ElementKind.BUSINESS_RULE_TASK,
        ElementKind.SEND_TASK,
        ElementKind.RECEIVE_TASK,
        ElementKind.CALL_ACTIVITY,
        *SUB_PROCESSES,
    }
)
EVENTS = frozenset(
    {
        ElementKind.START_EVENT,
        ElementKind.END_EVENT,
        ElementKind.INTERMEDIATE_CATCH_EVENT,
        ElementKind.INTERMEDIATE_THROW_EVENT,
        ElementKind.BOUNDARY_EVENT,
    }
)
GATEWAYS = frozenset(
    {
        ElementKind.EXCLUSIVE_GATEWAY,
        ElementKind.PARALLEL_GATEWAY,
        ElementKind.INCLUSIVE_GATEWAY,
        ElementKind.EVENT_BASED_GATEWAY,
        ElementKind.COMPLEX_GATEWAY,
    }
)
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
EDGES = frozenset({ElementKind.SEQUENCE_FLOW, ElementKind.MESSAGE_FLOW})
