"""Small BPMN models the gateway tests deploy, written the way Camunda Modeler writes Zeebe BPMN.

Built as text so each test states exactly which elements and zeebe extensions it relies on.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_{pid}" '
    'targetNamespace="http://bpmn.io/schema/bpmn" modeler:executionPlatform="Camunda Cloud" '
    'modeler:executionPlatformVersion="8.8.0">\n'
)


def service_task(element_id: str, job_type: str, retries: int = 3) -> str:
    return (
        f"<bpmn:serviceTask id={quoteattr(element_id)}><bpmn:extensionElements>"
        f'<zeebe:taskDefinition type={quoteattr(job_type)} retries="{retries}"/>'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )


def flow(flow_id: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'


def process(pid: str, body: list[str], before: str = "") -> bytes:
    text = HEADER.format(pid=pid) + before + f'<bpmn:process id="{pid}" isExecutable="true">\n'
    text += "\n".join(body) + "\n</bpmn:process>\n</bpmn:definitions>\n"
    return text.encode()


def chain(pid: str, job_types: list[str], retries: int = 3) -> bytes:
    """start -> one service task per job type, in order -> end."""
    body = ['<bpmn:startEvent id="start"/>']
    previous = "start"
    for index, job_type in enumerate(job_types, 1):
        body.append(service_task(f"task{index}", job_type, retries))
        body.append(flow(f"flow{index}", previous, f"task{index}"))
        previous = f"task{index}"
    body += ['<bpmn:endEvent id="end"/>', flow("flow_end", previous, "end")]
    return process(pid, body)


def worker_flow(pid: str) -> bytes:
    """complete -> retry -> check; a BPMN error REJECTED on check leads to a 'rejected' task."""
    body = [
        '<bpmn:startEvent id="start"/>',
        service_task("complete", "wf-complete"),
        service_task("retry", "wf-retry"),
        service_task("check", "wf-check"),
        '<bpmn:boundaryEvent id="rejected_boundary" attachedToRef="check">'
        '<bpmn:errorEventDefinition errorRef="Error_rejected"/></bpmn:boundaryEvent>',
        service_task("rejected", "wf-rejected"),
        '<bpmn:endEvent id="end_ok"/>',
        '<bpmn:endEvent id="end_rejected"/>',
        flow("f1", "start", "complete"),
        flow("f2", "complete", "retry"),
        flow("f3", "retry", "check"),
        flow("f4", "check", "end_ok"),
        flow("f5", "rejected_boundary", "rejected"),
        flow("f6", "rejected", "end_rejected"),
    ]
    return process(pid, body, '<bpmn:error id="Error_rejected" name="rejected" errorCode="REJECTED"/>\n')


def message_flow(pid: str, message_name: str) -> bytes:
    """start -> wait for ``message_name`` correlated by variable caseId -> end."""
    message = (
        f'<bpmn:message id="Message_1" name={quoteattr(message_name)}><bpmn:extensionElements>'
        '<zeebe:subscription correlationKey="=caseId"/></bpmn:extensionElements></bpmn:message>\n'
    )
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="Message_1"/>'
        "</bpmn:intermediateCatchEvent>",
        '<bpmn:endEvent id="end"/>',
        flow("f1", "start", "wait"),
        flow("f2", "wait", "end"),
    ]
    return process(pid, body, message)


def user_task_flow(
    pid: str, candidate_group: str | None = None, *, form_id: str | None = None, name: str = "审核"
) -> bytes:
    """start -> a Camunda user task ``review`` (for ``candidate_group``, bound to the deployed form
    ``form_id``, when given) -> end."""
    form = f'<zeebe:formDefinition formId={quoteattr(form_id)} bindingType="deployment"/>' if form_id else ""
    assignment = f"<zeebe:assignmentDefinition candidateGroups={quoteattr(candidate_group or '')}/>"
    group = assignment if candidate_group else ""
    body = [
        '<bpmn:startEvent id="start"/>',
        f'<bpmn:userTask id="review" name={quoteattr(name)}><bpmn:extensionElements><zeebe:userTask/>'
        f"{form}{group}</bpmn:extensionElements></bpmn:userTask>",
        '<bpmn:endEvent id="end"/>',
        flow("f1", "start", "review"),
        flow("f2", "review", "end"),
    ]
    return process(pid, body)
