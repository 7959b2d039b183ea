"""Escalations (thrown inside a sub-process, caught by a boundary or event sub-process; uncaught ones
are ignored) and signals (broadcast to every waiting catch event and signal start event)."""

from __future__ import annotations

from xietong.engine.commands import BroadcastSignal
from xietong.engine.testing import Harness, bpmn, chain, guarded, service_task

ESC = '<bpmn:escalation id="esc" escalationCode="OVERDUE"/>'


def sub_with_escalation(interrupting: bool) -> bytes:
    cancel = "" if interrupting else ' cancelActivity="false"'
    return bpmn(
        guarded(
            "sub",
            '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
            '<bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="esc"/>'
            "</bpmn:intermediateThrowEvent>"
            + service_task("t", "work")
            + '<bpmn:endEvent id="se"/>'
            + chain("ss", "raise", "t", "se")
            + "</bpmn:subProcess>",
            "caught",
            f'<bpmn:boundaryEvent id="caught" attachedToRef="sub"{cancel}>'
            '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>',
            "supervise",
        ),
        extra=ESC,
    )


def test_non_interrupting_escalation_boundary_lets_the_sub_process_continue(h: Harness) -> None:
    h.deploy(sub_with_escalation(interrupting=False))
    pi = h.start()
    assert sorted(h.active_elements(pi)) == ["sub", "supervise", "t"]


def test_interrupting_escalation_boundary_ends_the_sub_process(h: Harness) -> None:
    h.deploy(sub_with_escalation(interrupting=True))
    pi = h.start()
    assert h.active_elements(pi) == ["supervise"]


def test_uncaught_escalation_is_ignored(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="raise">'
            '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateThrowEvent>'
            '<bpmn:endEvent id="e"/>' + chain("s", "raise", "e"),
            extra=ESC,
        )
    )
    assert h.state(h.start()) == "COMPLETED"


SIGNAL = '<bpmn:signal id="sig" name="全县停工"/>'


def test_signal_reaches_every_waiting_instance_and_starts_signal_processes(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
            '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateCatchEvent>'
            '<bpmn:endEvent id="e"/>' + chain("s", "wait", "e"),
            extra=SIGNAL,
        )
    )
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="ss"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:startEvent>'
            + service_task("t", "halt")
            + '<bpmn:endEvent id="e"/>'
            + chain("ss", "t", "e"),
            process_id="on_signal",
            extra=SIGNAL,
        ),
        name="b.bpmn",
    )
    first, second = h.start(), h.start()
    h.engine.execute(BroadcastSignal("全县停工", {"reason": "typhoon"}))
    assert h.state(first) == "COMPLETED" and h.state(second) == "COMPLETED"
    assert h.variables(first)["reason"] == "typhoon"
    assert h.jobs("halt")[0].variables == {"reason": "typhoon"}
