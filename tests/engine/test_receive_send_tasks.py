"""Receive tasks wait for a message; send and business-rule tasks and message throw events are jobs."""

from __future__ import annotations

from xietong.engine.commands import PublishMessage
from xietong.engine.testing import Harness, bpmn, chain

MSG = (
    '<bpmn:message id="m_ack" name="ack"><bpmn:extensionElements>'
    '<zeebe:subscription correlationKey="=caseId"/></bpmn:extensionElements></bpmn:message>'
)


def job_element(kind: str, element_id: str, job_type: str, inner: str = "") -> str:
    return (
        f'<bpmn:{kind} id="{element_id}"><bpmn:extensionElements><zeebe:taskDefinition type="{job_type}"/>'
        f"</bpmn:extensionElements>{inner}</bpmn:{kind}>"
    )


def test_receive_task_waits_for_its_message(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:receiveTask id="wait" messageRef="m_ack"/>'
            '<bpmn:endEvent id="e"/>' + chain("s", "wait", "e"),
            extra=MSG,
        )
    )
    pi = h.start(variables={"caseId": 42})
    assert h.active_elements(pi) == ["wait"]
    h.engine.execute(PublishMessage("ack", "42", 0, variables={"ok": True}))
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["ok"] is True


def test_send_business_rule_and_message_throw_events_are_jobs(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/>'
            + job_element("sendTask", "send", "mail")
            + job_element("businessRuleTask", "rule", "decide")
            + job_element("intermediateThrowEvent", "notify", "notify", "<bpmn:messageEventDefinition/>")
            + job_element("endEvent", "done", "report", "<bpmn:messageEventDefinition/>")
            + chain("s", "send", "rule", "notify", "done")
        )
    )
    pi = h.start()
    for job_type in ("mail", "decide", "notify", "report"):
        h.complete(job_type)
    assert h.state(pi) == "COMPLETED"
