"""Event sub-processes: timer and message starts (interrupting or not), escalation starts."""

from __future__ import annotations

from datetime import timedelta

from xietong.engine.commands import CompleteJob, PublishMessage
from xietong.engine.testing import Harness, bpmn, chain, event_sub_process, one_task

MSG = (
    '<bpmn:message id="m_urge" name="urge"><bpmn:extensionElements>'
    '<zeebe:subscription correlationKey="=caseId"/></bpmn:extensionElements></bpmn:message>'
)


def with_event_sub(start_definition: str, interrupting: bool) -> bytes:
    return bpmn(
        one_task("work") + event_sub_process("esp", start_definition, "react", interrupting),
        extra=MSG,
    )


TIMER = "<bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>"


def test_non_interrupting_timer_event_sub_process_repeats_alongside_the_task(h: Harness) -> None:
    h.deploy(with_event_sub(TIMER, interrupting=False))
    pi = h.start()
    h.engine.clock.add(timedelta(hours=1))
    h.engine.clock.add(timedelta(hours=1))
    reactions = h.jobs("react")
    assert len(reactions) == 2
    assert "t" in h.active_elements(pi)
    h.complete("work")
    assert h.state(pi) == "ACTIVE"  # the event sub-process instances still run
    for job in reactions:
        h.engine.execute(CompleteJob(job.key))
    assert h.state(pi) == "COMPLETED"


def test_interrupting_message_event_sub_process_replaces_the_work(h: Harness) -> None:
    h.deploy(with_event_sub('<bpmn:messageEventDefinition messageRef="m_urge"/>', interrupting=True))
    pi = h.start(variables={"caseId": "K"})
    h.engine.execute(PublishMessage("urge", "K", 0, variables={"urgent": True}))
    assert h.active_elements(pi) == ["esp", "react"]
    assert h.jobs("work") == ()
    h.complete("react")
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["urgent"] is True


def test_escalation_event_sub_process_catches_an_escalation_end_event(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:endEvent id="raise">'
            '<bpmn:escalationEventDefinition escalationRef="esc"/>'
            "</bpmn:endEvent>"
            + chain("s", "raise")
            + event_sub_process(
                "esp", '<bpmn:escalationEventDefinition escalationRef="esc"/>', "react", interrupting=False
            ),
            extra='<bpmn:escalation id="esc" escalationCode="LATE"/>',
        )
    )
    pi = h.start()
    assert h.active_elements(pi) == ["esp", "react"]
    h.complete("react")
    assert h.state(pi) == "COMPLETED"


def test_job_listener_hears_new_jobs_after_commit(h: Harness) -> None:
    heard: list[str] = []
    h.engine.add_job_listener(heard.append)
    h.deploy(with_event_sub(TIMER, interrupting=False))
    h.start()
    assert "work" in heard
    heard.clear()
    h.engine.clock.add(timedelta(hours=1))
    h.jobs("work")  # any later command is processed after the clock tick
    assert "react" in heard
