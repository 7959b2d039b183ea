"""Deployment validation in Zeebe 8.8's words, through a real client: pyzeebe deploys each bad
model to a running ``xietong engine serve`` and the whole rejection text is compared.

Each expected text is Zeebe's, read in camunda/camunda (the validator is named beside each case):
``zeebe/bpmn-model/src/main/java/io/camunda/zeebe/model/bpmn/validation/zeebe/`` (design-time
rules), ``zeebe/bpmn-model/.../util/ModelUtil.java`` (duplicated catch events, link events) and
``zeebe/engine/src/main/java/io/camunda/zeebe/engine/processing/deployment/model/validation/``
(expressions, paths, constant start names). The layout is ``ValidationErrorFormatter``'s; the
engine appends the element's line (`` (line N)``) after Zeebe's text, which is checked and then
left out of the comparison. The REST user-task changeset texts are the REST gateway's
(``zeebe/gateway-rest/.../validator/UserTaskRequestValidator.java``, ``RequestValidator.java``,
``ErrorMessages.java``).
"""

import asyncio
import re
import uuid
from pathlib import Path

import grpc
import pytest
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.errors import ProcessInvalidError

from tests.gateway import models
from tests.gateway.engine_process import RunningGateway

DEPLOY_PREFIX = (
    "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': "
    "Expected to deploy new resources, but encountered the following errors:\n"
)
LINE = re.compile(r" \(line \d+\)$")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def deploy_with_pyzeebe(gateway: RunningGateway, path: Path) -> str | None:
    """Deploy ``path`` with pyzeebe's ZeebeClient; the gRPC status detail of a refusal, or None."""

    async def main() -> str | None:
        channel = create_insecure_channel(grpc_address=gateway.address)
        try:
            await ZeebeClient(channel).deploy_resource(str(path))
        except ProcessInvalidError as refused:
            cause = refused.__cause__
            assert isinstance(cause, grpc.aio.AioRpcError), cause
            assert cause.code() == grpc.StatusCode.INVALID_ARGUMENT
            return cause.details() or ""
        finally:
            await channel.close()
        return None

    return asyncio.run(main())


def start_to(*body: str) -> list[str]:
    return ['<bpmn:startEvent id="start"/>', *body]


def task(element_id: str = "t", extra: str = "", inner: str = "") -> str:
    """A service task with a job type, more extension elements (``extra``) and children (``inner``)."""
    return (
        f'<bpmn:serviceTask id="{element_id}"><bpmn:extensionElements><zeebe:taskDefinition type="x"/>'
        f"{extra}</bpmn:extensionElements>{inner}</bpmn:serviceTask>"
    )


def on_task(*boundaries: str) -> list[str]:
    """start -> t -> end, with boundary events on t."""
    return start_to(
        task(),
        '<bpmn:endEvent id="end"/>',
        models.flow("f1", "start", "t"),
        models.flow("f2", "t", "end"),
        *boundaries,
    )


def user_task(extensions: str) -> str:
    """A Camunda user task ``ut`` with more extension elements."""
    return (
        f'<bpmn:userTask id="ut"><bpmn:extensionElements><zeebe:userTask/>{extensions}'
        "</bpmn:extensionElements></bpmn:userTask>"
    )


def message(message_id: str, name: str, key: str = "=id") -> str:
    return (
        f'<bpmn:message id="{message_id}" name="{name}"><bpmn:extensionElements>'
        f'<zeebe:subscription correlationKey="{key}"/></bpmn:extensionElements></bpmn:message>\n'
    )


def sub_process(inner_start: str = '<bpmn:startEvent id="inner"/>') -> list[str]:
    """start -> sub (its own start) -> end."""
    return start_to(
        f'<bpmn:subProcess id="sub">{inner_start}</bpmn:subProcess><bpmn:endEvent id="end"/>',
        models.flow("f1", "start", "sub"),
        models.flow("f2", "sub", "end"),
    )


def event_sub_process(sub_id: str, start: str) -> str:
    return f'<bpmn:subProcess id="{sub_id}" triggeredByEvent="true">{start}</bpmn:subProcess>'


def catch(definition: str, catch_id: str = "c") -> list[str]:
    """start -> an intermediate catch event with ``definition`` -> end."""
    return start_to(
        f'<bpmn:intermediateCatchEvent id="{catch_id}">{definition}</bpmn:intermediateCatchEvent>'
        '<bpmn:endEvent id="end"/>',
        models.flow("f1", "start", catch_id),
        models.flow("f2", catch_id, "end"),
    )


PATH = r"[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*"
RESERVED = "null, true, false, function, if, then, else, for, between, instance, of"
IO = "t > extensionElements > ioMapping > "
MI = "t > multiInstanceLoopCharacteristics"
LOOP = f"{MI} > extensionElements > loopCharacteristics"

# (id, process body, XML before the process, [(element, [Zeebe's texts])] in the order reported)
CASES: list[tuple[str, list[str], str, list[tuple[str, list[str]]]]] = [
    # LinkEventDefinitionValidator
    (
        "link-without-name",
        start_to(
            '<bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition/></bpmn:intermediateThrowEvent>',
            models.flow("f1", "start", "go"),
        ),
        "",
        [("go > linkEventDefinition", ["Link name must be present and not empty."])],
    ),
    # ModelUtil.verifyLinkIntermediateEvents via ProcessValidator
    (
        "link-without-catch",
        start_to(
            '<bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="toB"/>'
            "</bpmn:intermediateThrowEvent>",
            models.flow("f1", "start", "go"),
        ),
        "",
        [("{pid}", ["Can't find an catch link event for the throw link event with the name 'toB'."])],
    ),
    (
        "link-caught-twice",
        start_to(
            '<bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="B"/>'
            "</bpmn:intermediateThrowEvent>",
            '<bpmn:intermediateCatchEvent id="b1"><bpmn:linkEventDefinition name="B"/>'
            '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e1"/>',
            '<bpmn:intermediateCatchEvent id="b2"><bpmn:linkEventDefinition name="B"/>'
            '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e2"/>',
            models.flow("f1", "start", "go"),
            models.flow("f2", "b1", "e1"),
            models.flow("f3", "b2", "e2"),
        ),
        "",
        [
            (
                "{pid}",
                [
                    "Multiple intermediate catch link event definitions with the same name 'B' "
                    "are not allowed."
                ],
            )
        ],
    ),
    # EscalationEventDefinitionValidator, EscalationValidator
    (
        "escalation-throw-without-reference",
        start_to(
            '<bpmn:endEvent id="end"><bpmn:escalationEventDefinition/></bpmn:endEvent>',
            models.flow("f1", "start", "end"),
        ),
        "",
        [("end > escalationEventDefinition", ["Must reference an escalation"])],
    ),
    (
        "escalation-without-code",
        start_to(
            '<bpmn:endEvent id="end"><bpmn:escalationEventDefinition escalationRef="Esc"/></bpmn:endEvent>',
            models.flow("f1", "start", "end"),
        ),
        '<bpmn:escalation id="Esc" name="late"/>\n',
        [("Esc", ["EscalationCode must be present and not empty"])],
    ),
    (
        "escalation-catch-with-expression",
        [
            *sub_process('<bpmn:startEvent id="inner"/>'),
            '<bpmn:boundaryEvent id="b" attachedToRef="sub">'
            '<bpmn:escalationEventDefinition escalationRef="Esc"/>'
            "</bpmn:boundaryEvent>",
        ],
        '<bpmn:escalation id="Esc" name="late" escalationCode="=code"/>\n',
        [
            (
                "b > escalationEventDefinition",
                ["The escalationCode of the escalation catch event is not allowed to be an expression"],
            )
        ],
    ),
    # ErrorEventDefinitionValidator
    (
        "error-catch-with-expression",
        on_task(
            '<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:errorEventDefinition errorRef="E1"/>'
            "</bpmn:boundaryEvent>"
        ),
        '<bpmn:error id="E1" errorCode="=code"/>\n',
        [
            (
                "b > errorEventDefinition",
                ["The errorCode of the error catch event is not allowed to be an expression"],
            )
        ],
    ),
    # ModelUtil.verifyNoDuplicatedBoundaryEvents via ActivityValidator
    (
        "boundaries-waiting-for-one-message-name",
        on_task(
            '<bpmn:boundaryEvent id="b1" attachedToRef="t"><bpmn:messageEventDefinition messageRef="M1"/>'
            "</bpmn:boundaryEvent>",
            '<bpmn:boundaryEvent id="b2" attachedToRef="t"><bpmn:messageEventDefinition messageRef="M2"/>'
            "</bpmn:boundaryEvent>",
        ),
        message("M1", "answer") + message("M2", "answer"),
        [("t", ["Multiple message event definitions with the same name 'answer' are not allowed."])],
    ),
    (
        "two-catch-all-error-boundaries",
        on_task(
            '<bpmn:boundaryEvent id="b1" attachedToRef="t"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>',
            '<bpmn:boundaryEvent id="b2" attachedToRef="t"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>',
        ),
        "",
        [
            (
                "t",
                [
                    "The same scope can not contain more than one error catch event without error code. "
                    "An error catch event without error code catches all errors."
                ],
            )
        ],
    ),
    (
        "one-error-code-caught-twice",
        on_task(
            '<bpmn:boundaryEvent id="b1" attachedToRef="t"><bpmn:errorEventDefinition errorRef="E1"/>'
            "</bpmn:boundaryEvent>",
            '<bpmn:boundaryEvent id="b2" attachedToRef="t"><bpmn:errorEventDefinition errorRef="E2"/>'
            "</bpmn:boundaryEvent>",
        ),
        '<bpmn:error id="E1" errorCode="REJECTED"/><bpmn:error id="E2" errorCode="REJECTED"/>\n',
        [
            (
                "t",
                [
                    "Multiple error catch events with the same error code 'REJECTED' are not supported "
                    "on the same scope."
                ],
            )
        ],
    ),
    # ModelUtil via ProcessValidator: start events and event sub-processes
    (
        "message-start-events-with-one-name",
        [
            '<bpmn:startEvent id="s1"><bpmn:messageEventDefinition messageRef="M1"/></bpmn:startEvent>',
            '<bpmn:startEvent id="s2"><bpmn:messageEventDefinition messageRef="M2"/></bpmn:startEvent>',
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "s1", "end"),
            models.flow("f2", "s2", "end"),
        ],
        '<bpmn:message id="M1" name="order"/><bpmn:message id="M2" name="order"/>\n',
        [("{pid}", ["Multiple message event definitions with the same name 'order' are not allowed."])],
    ),
    # MessageValidator
    (
        "one-message-for-two-start-events",
        [
            "<!-- a comment among the elements -->",
            '<bpmn:startEvent id="s1"><bpmn:messageEventDefinition messageRef="M1"/></bpmn:startEvent>',
            '<bpmn:startEvent id="s2"><bpmn:messageEventDefinition messageRef="M1"/></bpmn:startEvent>',
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "s1", "end"),
            models.flow("f2", "s2", "end"),
        ],
        '<bpmn:message id="M1" name="order"/>\n',
        [("M1", ["A message cannot be referred by more than one start event"])],
    ),
    (
        "signal-start-events-with-one-name",
        [
            '<bpmn:startEvent id="s1"><bpmn:signalEventDefinition signalRef="S1"/></bpmn:startEvent>',
            '<bpmn:startEvent id="s2"><bpmn:signalEventDefinition signalRef="S2"/></bpmn:startEvent>',
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "s1", "end"),
            models.flow("f2", "s2", "end"),
        ],
        '<bpmn:signal id="S1" name="alarm"/><bpmn:signal id="S2" name="alarm"/>\n',
        [("{pid}", ["Multiple signal event definitions with the same name 'alarm' are not allowed."])],
    ),
    (
        "event-sub-processes-catching-one-escalation-code",
        [
            *start_to('<bpmn:endEvent id="end"/>', models.flow("f1", "start", "end")),
            event_sub_process(
                "esp1",
                '<bpmn:startEvent id="s1"><bpmn:escalationEventDefinition escalationRef="Esc1"/>'
                "</bpmn:startEvent>",
            ),
            event_sub_process(
                "esp2",
                '<bpmn:startEvent id="s2"><bpmn:escalationEventDefinition escalationRef="Esc2"/>'
                "</bpmn:startEvent>",
            ),
        ],
        '<bpmn:escalation id="Esc1" escalationCode="late"/>'
        '<bpmn:escalation id="Esc2" escalationCode="late"/>\n',
        [
            (
                "{pid}",
                [
                    "Multiple escalation catch events with the same escalation code 'late' are not supported "
                    "on the same scope."
                ],
            )
        ],
    ),
    # engine ProcessMessageStartEventMessageNameValidator
    (
        "message-start-name-not-constant",
        [
            '<bpmn:startEvent id="s1"><bpmn:messageEventDefinition messageRef="M1"/></bpmn:startEvent>',
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "s1", "end"),
        ],
        '<bpmn:message id="M1" name="=orderId"/>\n',
        [("s1", ["Expected constant expression of type String for message name '=orderId', but was NULL"])],
    ),
    # engine ZeebeRuntimeValidators / ZeebeExpressionValidator: io mappings
    (
        "input-without-target",
        start_to(
            task(extra='<zeebe:ioMapping><zeebe:input source="=1"/></zeebe:ioMapping>'),
            models.flow("f1", "start", "t"),
        ),
        "",
        [(f"{IO}input", ["Expected path expression but not found."])],
    ),
    (
        "input-target-not-a-path",
        start_to(
            task(extra='<zeebe:ioMapping><zeebe:input source="=1" target="a-b"/></zeebe:ioMapping>'),
            models.flow("f1", "start", "t"),
        ),
        "",
        [(f"{IO}input", [f"Expected path expression 'a-b' but doesn't match the pattern '{PATH}'."])],
    ),
    (
        "output-target-a-feel-word",
        start_to(
            task(extra='<zeebe:ioMapping><zeebe:output source="=x" target="true"/></zeebe:ioMapping>'),
            models.flow("f1", "start", "t"),
        ),
        "",
        [
            (
                f"{IO}output",
                [f"Expected path expression 'true' but is one of the reserved words ({RESERVED})."],
            )
        ],
    ),
    (
        "output-source-static",
        start_to(
            task(extra='<zeebe:ioMapping><zeebe:output source="x" target="y"/></zeebe:ioMapping>'),
            models.flow("f1", "start", "t"),
        ),
        "",
        [
            (
                f"{IO}output",
                [
                    "Expected expression but found static value 'x'. An expression must start with '=' "
                    "(e.g. '=x')."
                ],
            )
        ],
    ),
    (
        "two-inputs-each-its-own-element",
        start_to(
            task(
                extra='<zeebe:ioMapping><zeebe:input source="=1" target="a b"/><zeebe:input target="c"/>'
                "</zeebe:ioMapping>"
            ),
            models.flow("f1", "start", "t"),
        ),
        "",
        [
            (f"{IO}input", [f"Expected path expression 'a b' but doesn't match the pattern '{PATH}'."]),
            (f"{IO}input", ["Expected expression but not found."]),
        ],
    ),
    (
        "input-without-source",
        start_to(
            task(extra='<zeebe:ioMapping><zeebe:input target="y"/></zeebe:ioMapping>'),
            models.flow("f1", "start", "t"),
        ),
        "",
        [(f"{IO}input", ["Expected expression but not found."])],
    ),
    # ExtensionElementsValidator, ZeebeLoopCharacteristicsValidator, ZeebeRuntimeValidators: multi-instance
    (
        "multi-instance-without-zeebe-loop",
        start_to(
            task(inner="<bpmn:multiInstanceLoopCharacteristics/>"),
            models.flow("f1", "start", "t"),
        ),
        "",
        [(MI, ["Must have exactly one 'zeebe:loopCharacteristics' extension element"])],
    ),
    (
        "multi-instance-without-input-collection",
        start_to(
            task(
                inner="<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
                '<zeebe:loopCharacteristics inputElement="x"/></bpmn:extensionElements>'
                "</bpmn:multiInstanceLoopCharacteristics>"
            ),
            models.flow("f1", "start", "t"),
        ),
        "",
        [
            (
                LOOP,
                [
                    "Attribute 'inputCollection' must be present and not empty",
                    "Expected expression but not found.",
                ],
            )
        ],
    ),
    (
        "multi-instance-output-collection-alone",
        start_to(
            task(
                inner="<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
                '<zeebe:loopCharacteristics inputCollection="=items" outputCollection="results"/>'
                "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>"
            ),
            models.flow("f1", "start", "t"),
        ),
        "",
        [(LOOP, ["Attribute 'outputElement' must be present if the attribute 'outputCollection' is set"])],
    ),
    (
        "multi-instance-static-input-collection",
        start_to(
            task(
                inner="<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
                '<zeebe:loopCharacteristics inputCollection="items"/>'
                "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>"
            ),
            models.flow("f1", "start", "t"),
        ),
        "",
        [
            (
                LOOP,
                [
                    "Expected expression but found static value 'items'. An expression must start with '=' "
                    "(e.g. '=items')."
                ],
            )
        ],
    ),
    # TimerEventDefinitionValidator, IntermediateCatchEventValidator, ModelUtil.verifyEventDefinition
    (
        "timer-of-two-kinds",
        catch(
            "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
            "<bpmn:timeDate>2030-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition>"
        ),
        "",
        [
            (
                "c > timerEventDefinition",
                ["Must be exactly one type of timer: timeDuration, timeDate or timeCycle"],
            )
        ],
    ),
    (
        "timer-cycle-on-a-catch-event",
        catch(
            "<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>"
        ),
        "",
        [("c", ["Intermediate timer catch event must have either a time duration or a time date."])],
    ),
    (
        "interrupting-timer-cycle-boundary",
        on_task(
            '<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:timerEventDefinition>'
            "<bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        ),
        "",
        [("b", ["Interrupting timer event with time cycle is not allowed."])],
    ),
    (
        "non-interrupting-error-boundary",
        on_task(
            '<bpmn:boundaryEvent id="b" attachedToRef="t" cancelActivity="false">'
            '<bpmn:errorEventDefinition errorRef="E1"/></bpmn:boundaryEvent>'
        ),
        '<bpmn:error id="E1" errorCode="REJECTED"/>\n',
        [("b", ["Non-Interrupting event of this type is not allowed"])],
    ),
    # event definitions by kind of event
    (
        "boundary-without-definition",
        on_task('<bpmn:boundaryEvent id="b" attachedToRef="t"/>'),
        "",
        [("b", ["Must have exactly one event definition"])],
    ),
    (
        "catch-event-with-two-definitions",
        catch(
            "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
            '<bpmn:signalEventDefinition signalRef="S1"/>'
        ),
        '<bpmn:signal id="S1" name="alarm"/>\n',
        [("c", ["Must have exactly one event definition"])],
    ),
    (
        "start-event-with-two-definitions",
        [
            '<bpmn:startEvent id="start"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>PT1H</bpmn:timeDuration>"
            '</bpmn:timerEventDefinition><bpmn:signalEventDefinition signalRef="S1"/></bpmn:startEvent>',
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "start", "end"),
        ],
        '<bpmn:signal id="S1" name="alarm"/>\n',
        [("start", ["Start event can't have more than one type"])],
    ),
    (
        "end-event-with-a-timer",
        start_to(
            '<bpmn:endEvent id="end"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>'
            "</bpmn:timerEventDefinition></bpmn:endEvent>",
            models.flow("f1", "start", "end"),
        ),
        "",
        [
            (
                "end",
                [
                    "End events must be one of: none, error, message, terminate, signal, escalation "
                    "or compensation"
                ],
            )
        ],
    ),
    (
        "catch-event-with-an-error",
        catch('<bpmn:errorEventDefinition errorRef="E1"/>'),
        '<bpmn:error id="E1" errorCode="REJECTED"/>\n',
        [("c", ["Event definition must be one of: message, timer, signal, or link"])],
    ),
    (
        "boundary-with-a-link",
        on_task(
            '<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:linkEventDefinition name="x"/>'
            "</bpmn:boundaryEvent>"
        ),
        "",
        [("b", ["Boundary events must be one of: timer, message, error, signal, escalation"])],
    ),
    # ZeebeBindingTypeValidator and the version tag a versionTag binding needs (call activity, form)
    (
        "call-activity-with-an-unknown-binding",
        start_to(
            '<bpmn:callActivity id="call"><bpmn:extensionElements>'
            '<zeebe:calledElement processId="child" bindingType="newest"/></bpmn:extensionElements>'
            "</bpmn:callActivity>",
            models.flow("f1", "start", "call"),
        ),
        "",
        [
            (
                "call > extensionElements > calledElement",
                ["Attribute 'bindingType' must be one of: deployment, latest, versionTag"],
            )
        ],
    ),
    (
        "form-bound-by-version-tag-without-one",
        start_to(
            user_task('<zeebe:formDefinition formId="f" bindingType="versionTag" versionTag=" "/>'),
            models.flow("f1", "start", "ut"),
        ),
        "",
        [
            (
                "ut > extensionElements > formDefinition",
                ["Attribute 'versionTag' must be present and not empty if 'bindingType' is 'versionTag'"],
            )
        ],
    ),
    # ZeebeFormDefinitionValidator
    (
        "form-with-id-and-external-reference",
        start_to(
            user_task('<zeebe:formDefinition formId="f" externalReference="https://forms/x"/>'),
            models.flow("f1", "start", "ut"),
        ),
        "",
        [
            (
                "ut > extensionElements > formDefinition",
                [
                    "Exactly one of the attributes 'formId, externalReference' must be present and not blank "
                    "for native user tasks"
                ],
            )
        ],
    ),
    (
        "external-form-with-a-binding",
        start_to(
            user_task('<zeebe:formDefinition externalReference="https://forms/x" bindingType="latest"/>'),
            models.flow("f1", "start", "ut"),
        ),
        "",
        [
            (
                "ut > extensionElements > formDefinition",
                [
                    "Attribute 'externalReference' must not be used in combination with attribute "
                    "'bindingType'"
                ],
            )
        ],
    ),
    (
        "version-tag-with-another-binding",
        start_to(
            '<bpmn:callActivity id="call"><bpmn:extensionElements>'
            '<zeebe:calledElement processId="child" bindingType="deployment" versionTag="v1"/>'
            "</bpmn:extensionElements></bpmn:callActivity>",
            models.flow("f1", "start", "call"),
        ),
        "",
        [
            (
                "call > extensionElements > calledElement",
                ["Attribute 'versionTag' may only be used if 'bindingType' is 'versionTag'"],
            )
        ],
    ),
    # ZeebeRuntimeValidators: static values of a user task (satisfiesIfStatic);
    # ZeebePriorityDefinitionValidator
    (
        "static-due-date-not-a-date-time",
        start_to(user_task('<zeebe:taskSchedule dueDate="12345"/>'), models.flow("f1", "start", "ut")),
        "",
        [
            (
                "ut > extensionElements > taskSchedule",
                [
                    "Expected static value to be a valid DateTime String, e.g. '2023-03-02T15:35+02:00', "
                    "but found '12345'."
                ],
            )
        ],
    ),
    (
        "static-candidate-groups-not-a-list",
        start_to(
            user_task('<zeebe:assignmentDefinition candidateGroups="1,,"/>'), models.flow("f1", "start", "ut")
        ),
        "",
        [
            (
                "ut > extensionElements > assignmentDefinition",
                [
                    "Expected static value to be a list of comma-separated values, e.g. 'a,b,c', "
                    "but found '1,,'."
                ],
            )
        ],
    ),
    (
        "static-priority-not-a-number",
        start_to(user_task('<zeebe:priorityDefinition priority="33.3"/>'), models.flow("f1", "start", "ut")),
        "",
        [
            (
                "ut > extensionElements > priorityDefinition",
                ["Expected static value to be a valid Number between 0 and 100, but found '33.3'."],
            )
        ],
    ),
    (
        "static-priority-out-of-range",
        start_to(user_task('<zeebe:priorityDefinition priority="120"/>'), models.flow("f1", "start", "ut")),
        "",
        [
            (
                "ut > extensionElements > priorityDefinition",
                ["Priority must be a number between 0 and 100, but was '120'"],
            )
        ],
    ),
    # ZeebeRuntimeValidators: a correlation key must be an expression, named on the subscription
    (
        "static-correlation-key",
        catch('<bpmn:messageEventDefinition messageRef="M1"/>'),
        message("M1", "answer", key="caseId"),
        [
            (
                "M1 > extensionElements > subscription",
                [
                    "Expected expression but found static value 'caseId'. An expression must start with '=' "
                    "(e.g. '=caseId')."
                ],
            )
        ],
    ),
    # ZeebeElementValidator (ZeebeDesignTimeValidators: a task definition's type and retries)
    (
        "empty-job-retries",
        start_to(
            '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x" retries=""/>'
            "</bpmn:extensionElements></bpmn:serviceTask>",
            models.flow("f1", "start", "t"),
        ),
        "",
        [("t > extensionElements > taskDefinition", ["Attribute 'retries' must be present and not empty"])],
    ),
    # ExtensionElementsValidator (exactly one task definition), ExtensionElementsDuplicationValidator
    (
        "two-task-definitions-and-two-io-mappings",
        start_to(
            task(
                extra='<zeebe:taskDefinition type="y"/><zeebe:ioMapping/><zeebe:ioMapping/>',
            ),
            models.flow("f1", "start", "t"),
        ),
        "",
        [
            (
                "t",
                [
                    "Must have exactly one 'zeebe:ioMapping' extension element when exists. Please check "
                    "process definition XML and retain only one extension element.",
                    "Must have exactly one 'zeebe:taskDefinition' extension element",
                ],
            )
        ],
    ),
    # engine ZeebeTaskHeadersValidator
    (
        "reserved-and-repeated-header-keys",
        start_to(
            task(
                extra='<zeebe:taskHeaders><zeebe:header key="io.camunda.zeebe:formKey" value="x"/>'
                '<zeebe:header key="dept" value="a"/><zeebe:header key="dept" value="b"/></zeebe:taskHeaders>'
            ),
            models.flow("f1", "start", "t"),
        ),
        "",
        [
            (
                "t > extensionElements > taskHeaders",
                [
                    "Attribute 'key' contains 'io.camunda.zeebe:formKey', but header keys starting with "
                    "'io.camunda.zeebe:' are reserved for internal use.",
                    "Headers contain duplicate entries for key 'dept'",
                ],
            )
        ],
    ),
    # ScriptTaskValidator, BusinessRuleTaskValidator: a job worker or the task's own kind of work
    (
        "script-task-with-neither-script-nor-job",
        start_to('<bpmn:scriptTask id="s"/>', models.flow("f1", "start", "s")),
        "",
        [("s", ["Must have either one 'zeebe:script' or one 'zeebe:taskDefinition' extension element"])],
    ),
    (
        "business-rule-task-with-neither-decision-nor-job",
        start_to('<bpmn:businessRuleTask id="d"/>', models.flow("f1", "start", "d")),
        "",
        [
            (
                "d",
                [
                    "Must have either one 'zeebe:calledDecision' or one 'zeebe:taskDefinition' "
                    "extension element"
                ],
            )
        ],
    ),
    # IntermediateCatchEventValidator and EventDefinitionValidator as in 8.8 (no conditional events yet)
    (
        "conditional-catch-event",
        catch(
            "<bpmn:conditionalEventDefinition><bpmn:condition>= done</bpmn:condition>"
            "</bpmn:conditionalEventDefinition>"
        ),
        "",
        [
            ("c", ["Event definition must be one of: message, timer, signal, or link"]),
            ("c > conditionalEventDefinition", ["Event definition of this type is not supported"]),
        ],
    ),
    # EventBasedGatewayValidator (8.8 words)
    (
        "event-gateway-to-a-task-and-two-waits-for-one-message",
        start_to(
            '<bpmn:eventBasedGateway id="g"/>',
            '<bpmn:intermediateCatchEvent id="c1"><bpmn:messageEventDefinition messageRef="M1"/>'
            "</bpmn:intermediateCatchEvent>",
            '<bpmn:intermediateCatchEvent id="c2"><bpmn:messageEventDefinition messageRef="M2"/>'
            "</bpmn:intermediateCatchEvent>",
            task(),
            models.flow("f1", "start", "g"),
            models.flow("f2", "g", "c1"),
            models.flow("f3", "g", "c2"),
            models.flow("f4", "g", "t"),
            models.flow("f5", "start", "c1"),
        ),
        message("M1", "answer") + message("M2", "answer"),
        [
            (
                "g",
                [
                    "Event-based gateway must not have an outgoing sequence flow to other elements than "
                    "message/timer/signal intermediate catch events.",
                    "Multiple message event definitions with the same name 'answer' are not allowed.",
                    "Target elements of an event gateway must not have any additional incoming sequence "
                    "flows other than that from the event gateway.",
                ],
            )
        ],
    ),
    # ReceiveTaskValidator
    (
        "receive-task-without-message",
        start_to('<bpmn:receiveTask id="r"/>', models.flow("f1", "start", "r")),
        "",
        [("r", ["Must reference a message"])],
    ),
    (
        "receive-task-and-boundary-waiting-for-one-message",
        start_to(
            '<bpmn:receiveTask id="r" messageRef="M1"/><bpmn:endEvent id="end"/>',
            '<bpmn:boundaryEvent id="b" attachedToRef="r"><bpmn:messageEventDefinition messageRef="M2"/>'
            "</bpmn:boundaryEvent>",
            models.flow("f1", "start", "r"),
            models.flow("f2", "r", "end"),
        ),
        message("M1", "answer") + message("M2", "answer"),
        [("r", ["Cannot reference the same message name as a boundary event"])],
    ),
]


@pytest.mark.parametrize(("body", "before", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_invalid_model_is_refused_in_zeebes_words(
    gateway: RunningGateway,
    tmp_path: Path,
    body: list[str],
    before: str,
    expected: list[tuple[str, list[str]]],
) -> None:
    pid = unique("wording")
    name = f"{pid}.bpmn"
    path = tmp_path / name
    path.write_bytes(models.process(pid, body, before))
    details = deploy_with_pyzeebe(gateway, path)
    assert details is not None, "deployed, but Zeebe refuses this model"
    assert details.startswith(DEPLOY_PREFIX + f"'{name}': "), details
    lines = details[len(DEPLOY_PREFIX) + len(f"'{name}': ") :].splitlines()
    errors = [line for line in lines if line.startswith("    - ERROR: ")]
    assert errors and all(LINE.search(line) for line in errors), (
        details
    )  # the engine's line, after Zeebe's text
    shown = "".join(LINE.sub("", line) + "\n" for line in lines)
    wanted = "".join(
        f"- Element: {element.format(pid=pid)}\n" + "".join(f"    - ERROR: {text}\n" for text in texts)
        for element, texts in expected
    )
    assert shown == wanted


def test_an_id_given_twice_is_refused_as_zeebes_xml_schema_check_words_it(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    """Every id of a BPMN or diagram element is an ``xs:ID``: Zeebe's parser stops at the first one
    given twice and BpmnResourceTransformer answers with the SAX error, as camunda-xml-model's
    DomErrorHandler words it (the line is the parser's, in the text)."""
    pid = unique("twice")
    path = tmp_path / f"{pid}.bpmn"
    body = start_to('<bpmn:endEvent id="start"/>', models.flow("f1", "start", "start"))
    path.write_bytes(models.process(pid, body))
    assert deploy_with_pyzeebe(gateway, path) == (
        DEPLOY_PREFIX
        + f"'{pid}.bpmn': Error: URI=null Line=5: cvc-id.2: There are multiple occurrences of ID "
        "value 'start'."
    )


def test_a_constant_expression_names_a_message_start_event_as_in_zeebe(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    """Zeebe accepts a start event message name that is a constant expression and subscribes to its
    value (ProcessMessageStartEventMessageNameValidator); a message of that name starts an instance."""
    pid = unique("constant")
    path = tmp_path / f"{pid}.bpmn"
    body = [
        '<bpmn:startEvent id="s1"><bpmn:messageEventDefinition messageRef="M1"/></bpmn:startEvent>',
        '<bpmn:endEvent id="end"/>',
        models.flow("f1", "s1", "end"),
    ]
    path.write_bytes(
        models.process(pid, body, f'<bpmn:message id="M1" name="=&quot;{pid}&quot; + &quot;-go&quot;"/>\n')
    )
    assert deploy_with_pyzeebe(gateway, path) is None

    async def publish() -> None:
        channel = create_insecure_channel(grpc_address=gateway.address)
        try:
            await ZeebeClient(channel).publish_message(f"{pid}-go", correlation_key="")
        finally:
            await channel.close()

    asyncio.run(publish())
    with gateway.rest() as rest:
        found = rest.post("/v2/process-instances/search", json={"filter": {"processDefinitionId": pid}})
        assert found.status_code == 200, found.text
        assert found.json()["page"]["totalItems"] == 1


# --- REST PATCH /v2/user-tasks/{key}: the REST gateway's own checks, before any command -----------

UNKNOWN_TASK = "2251799813999999"
NO_UPDATE = (
    'No update data provided. Provide at least an "action" or a non-null value for a supported attribute '
    'in the "changeset".'
)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, NO_UPDATE),
        ({"changeset": {}}, NO_UPDATE),
        (
            {"changeset": {"dueDate": "tomorrow"}},
            "The provided due date 'tomorrow' cannot be parsed as a date according to RFC 3339, section 5.6.",
        ),
        (
            {"changeset": {"dueDate": "2030-01-01T10:00:00", "followUpDate": "2030-01-01"}},
            "The provided due date '2030-01-01T10:00:00' cannot be parsed as a date according to RFC 3339, "
            "section 5.6. The provided follow-up date '2030-01-01' cannot be parsed as a date according to "
            "RFC 3339, section 5.6.",
        ),
    ],
    ids=["no-body", "empty-changeset", "bad-due-date", "dates-without-offset"],
)
def test_a_user_task_changeset_is_checked_in_camundas_words(
    gateway: RunningGateway, body: dict[str, object], detail: str
) -> None:
    with gateway.rest() as rest:
        response = rest.patch(f"/v2/user-tasks/{UNKNOWN_TASK}", json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (response.json()["title"], response.json()["detail"]) == ("INVALID_ARGUMENT", detail)
