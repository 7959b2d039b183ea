"""Terminate end events, link events, script tasks, manual/undefined tasks."""

from __future__ import annotations

from xietong.engine.testing import Harness, bpmn, chain, flow, service_task


def test_terminate_end_event_ends_all_paths(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
            + service_task("slow", "slow")
            + '<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
            + '<bpmn:endEvent id="e"/>'
            + flow("s", "fork")
            + flow("fork", "slow")
            + flow("fork", "stop")
            + chain("slow", "e")
        )
    )
    pi = h.start()
    assert h.state(pi) == "COMPLETED"
    assert h.jobs("slow") == ()


def test_link_events_jump(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="go">'
            '<bpmn:linkEventDefinition name="next"/></bpmn:intermediateThrowEvent>'
            '<bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="next"/>'
            "</bpmn:intermediateCatchEvent>"
            + service_task("t", "after")
            + '<bpmn:endEvent id="e"/>'
            + chain("s", "go")
            + chain("land", "t", "e")
        )
    )
    pi = h.start()
    assert h.active_elements(pi) == ["t"]


def test_script_task_and_pass_through_tasks(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:scriptTask id="calc"><bpmn:extensionElements>'
            '<zeebe:script expression="=a + b" resultVariable="sum"/></bpmn:extensionElements>'
            '</bpmn:scriptTask><bpmn:manualTask id="m"/><bpmn:task id="u"/><bpmn:endEvent id="e"/>'
            + chain("s", "calc", "m", "u", "e")
        )
    )
    pi = h.start(variables={"a": 2, "b": 3})
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["sum"] == 5


def test_script_failure_is_an_incident(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:scriptTask id="calc"><bpmn:extensionElements>'
            '<zeebe:script expression="=date(x)" resultVariable="d"/></bpmn:extensionElements>'
            '</bpmn:scriptTask><bpmn:endEvent id="e"/>' + chain("s", "calc", "e")
        )
    )
    pi = h.start(variables={"x": "not a date"})
    incidents = h.engine.queries.search_incidents(process_instance_key=pi)
    assert [i.element_id for i in incidents] == ["calc"] or h.variables(pi).get("d") is None
