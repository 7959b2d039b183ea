"""Messages: subscriptions by name and correlation key, buffering with TTL, message ids, message start
events, boundary events, event-based gateways, and at most one correlation per process."""

from __future__ import annotations

from datetime import timedelta

import pytest

from xietong.engine.commands import CompleteJob, CorrelateMessage, PublishMessage
from xietong.engine.errors import AlreadyExists, NotFound, gateway_message
from xietong.engine.testing import Harness, bpmn, chain, flow, guarded, one_task, service_task

MSG = (
    '<bpmn:message id="m_feedback" name="feedback"><bpmn:extensionElements>'
    '<zeebe:subscription correlationKey="=caseId"/></bpmn:extensionElements></bpmn:message>'
)

CATCH = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
    '<bpmn:messageEventDefinition messageRef="m_feedback"/></bpmn:intermediateCatchEvent>'
    '<bpmn:endEvent id="e"/>' + chain("s", "wait", "e"),
    extra=MSG,
)

#: Started by the message ``report`` (no correlation key): a hotline call that opens a case.
HOTLINE = bpmn(
    one_task(
        "triage",
        start='<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m_report"/>'
        "</bpmn:startEvent>",
    ),
    process_id="hotline",
    extra='<bpmn:message id="m_report" name="report"/>',
)


def publish(h: Harness, key: str, ttl_ms: int = 0, message_id: str = "", **variables: object) -> int:
    return h.engine.execute(PublishMessage("feedback", key, ttl_ms, message_id, dict(variables))).key


def test_message_correlates_by_key_and_merges_variables(h: Harness) -> None:
    h.deploy(CATCH)
    a = h.start(variables={"caseId": "A"})
    b = h.start(variables={"caseId": "B"})
    publish(h, "B", result="ok")
    assert h.state(a) == "ACTIVE" and h.state(b) == "COMPLETED"
    assert h.variables(b)["result"] == "ok"


def test_buffered_message_correlates_later_within_ttl_only(h: Harness) -> None:
    h.deploy(CATCH)
    publish(h, "A", ttl_ms=60_000, answer=1)
    publish(h, "B", ttl_ms=60_000)
    a = h.start(variables={"caseId": "A"})
    assert h.state(a) == "COMPLETED" and h.variables(a)["answer"] == 1
    h.engine.clock.add(timedelta(minutes=2))
    b = h.start(variables={"caseId": "B"})
    assert h.state(b) == "ACTIVE"


def test_message_id_is_rejected_while_buffered(h: Harness) -> None:
    publish(h, "A", ttl_ms=1_000, message_id="m-1")
    with pytest.raises(AlreadyExists, match="m-1"):
        publish(h, "A", ttl_ms=1_000, message_id="m-1")
    h.engine.clock.add(timedelta(seconds=2))
    publish(h, "A", ttl_ms=1_000, message_id="m-1")


def test_one_message_reaches_one_instance_of_a_process(h: Harness) -> None:
    h.deploy(CATCH)
    first = h.start(variables={"caseId": "same"})
    second = h.start(variables={"caseId": "same"})
    publish(h, "same")
    states = sorted([h.state(first), h.state(second)])
    assert states == ["ACTIVE", "COMPLETED"]


def test_buffered_message_is_not_correlated_twice_to_the_same_process(h: Harness) -> None:
    h.deploy(CATCH)
    publish(h, "X", ttl_ms=60_000)
    first = h.start(variables={"caseId": "X"})
    second = h.start(variables={"caseId": "X"})
    assert h.state(first) == "COMPLETED" and h.state(second) == "ACTIVE"


def test_message_start_event(h: Harness) -> None:
    h.deploy(HOTLINE)
    h.engine.execute(PublishMessage("report", "", 0, variables={"caller": "12345"}))
    (job,) = h.jobs("triage")
    assert job.bpmn_process_id == "hotline" and job.variables == {"caller": "12345"}


def test_message_boundary_and_event_based_gateway(h: Harness) -> None:
    model = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>'
        '<bpmn:intermediateCatchEvent id="answered"><bpmn:messageEventDefinition messageRef="m_feedback"/>'
        '</bpmn:intermediateCatchEvent><bpmn:intermediateCatchEvent id="timeout"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        + service_task("close", "close")
        + service_task("chase", "chase")
        + '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
        + flow("s", "g")
        + flow("g", "answered")
        + flow("g", "timeout")
        + chain("answered", "close", "e1")
        + chain("timeout", "chase", "e2"),
        extra=MSG,
    )
    h.deploy(model)
    answered = h.start(variables={"caseId": "A"})
    silent = h.start(variables={"caseId": "B"})
    publish(h, "A", verdict="done")
    h.engine.clock.add(timedelta(hours=1))
    assert h.active_elements(answered) == ["close"] and h.variables(answered)["verdict"] == "done"
    assert h.active_elements(silent) == ["chase"]


def test_message_boundary_interrupts_task(h: Harness) -> None:
    h.deploy(
        bpmn(
            guarded(
                "t",
                service_task("t", "work"),
                "withdrawn",
                '<bpmn:boundaryEvent id="withdrawn" attachedToRef="t"><bpmn:messageEventDefinition '
                'messageRef="m_feedback"/></bpmn:boundaryEvent>',
            ),
            extra=MSG,
        )
    )
    pi = h.start(variables={"caseId": "C"})
    publish(h, "C")
    assert h.state(pi) == "COMPLETED"
    assert h.jobs("work") == ()


def test_message_start_waits_for_the_instance_with_the_same_key(h: Harness) -> None:
    h.deploy(HOTLINE)
    h.engine.execute(PublishMessage("report", "caller-1", 60_000, variables={"n": 1}))
    h.engine.execute(PublishMessage("report", "caller-1", 60_000, variables={"n": 2}))
    (first,) = h.jobs("triage", fetch=("n",))
    assert first.variables == {"n": 1}
    h.engine.execute(CompleteJob(first.key))
    (second,) = h.jobs("triage", fetch=("n",))
    assert second.variables == {"n": 2}


def test_any_name_and_time_to_live_is_published_as_zeebe_does(h: Harness) -> None:
    """Zeebe's MessagePublishProcessor checks neither: an empty name correlates to nothing, and a
    time-to-live of zero or less expires the message at once (a later subscription never sees it)."""
    assert h.engine.execute(PublishMessage("", "A", 60_000, "", {})).key > 0
    h.deploy(CATCH)
    publish(h, "A", ttl_ms=-5, answer=1)
    a = h.start(variables={"caseId": "A"})
    assert h.state(a) == "ACTIVE"
    publish(h, "A", answer=2)
    assert h.state(a) == "COMPLETED" and h.variables(a)["answer"] == 2


#: Started by the message ``feedback`` too: a case opened by feedback that nobody was waiting for.
INTAKE = bpmn(
    one_task(
        "intake",
        start='<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m_feedback"/>'
        "</bpmn:startEvent>",
    ),
    process_id="intake",
    extra=MSG,
)


def correlate(h: Harness, key: str, **variables: object) -> int:
    return h.engine.execute(CorrelateMessage("feedback", key, dict(variables))).process_instance_key


def test_a_correlated_message_reaches_what_waits_now_and_is_never_buffered(h: Harness) -> None:
    h.deploy(CATCH)
    a = h.start(variables={"caseId": "A"})
    assert correlate(h, "A", result="ok") == a
    assert h.state(a) == "COMPLETED" and h.variables(a)["result"] == "ok"
    with pytest.raises(NotFound) as refused:
        correlate(h, "A")
    assert gateway_message(refused.value) == (
        "Command 'CORRELATE' rejected with code 'NOT_FOUND': Expected to find subscription for message "
        "with name 'feedback' and correlation key 'A', but none was found."
    )
    later = h.start(variables={"caseId": "A"})
    assert h.state(later) == "ACTIVE"  # neither message was kept for it


def test_a_correlation_answers_the_instance_a_start_event_created_before_one_that_waited(h: Harness) -> None:
    """Zeebe's MessageCorrelationCorrelateProcessor answers with the first message start event's
    instance; the waiting instance of another process gets the message too (one per process)."""
    h.deploy(CATCH)
    h.deploy(INTAKE)
    waiting = h.start(variables={"caseId": "B"})
    started = correlate(h, "B", n=1)
    assert started != waiting and h.state(waiting) == "COMPLETED"
    (job,) = h.jobs("intake", fetch=("n",))
    assert job.process_instance_key == started and job.variables == {"n": 1}


def test_a_correlation_blocked_by_an_active_instance_with_its_key_names_the_process(h: Harness) -> None:
    h.deploy(HOTLINE)
    first = h.engine.execute(CorrelateMessage("report", "caller-1")).process_instance_key
    assert h.state(first) == "ACTIVE"
    with pytest.raises(
        NotFound,
        match=r"already active for a message start event with this message name in "
        r"process IDs \[hotline\]\. Only one active process instance per correlation key",
    ):
        h.engine.execute(CorrelateMessage("report", "caller-1"))
    (job,) = h.jobs("triage")
    h.engine.execute(CompleteJob(job.key))
    assert h.engine.execute(CorrelateMessage("report", "caller-1")).process_instance_key > first
