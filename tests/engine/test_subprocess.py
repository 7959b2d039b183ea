"""Embedded sub-processes: entered through their start event, completed when nothing inside is active."""

from __future__ import annotations

from xietong.engine.testing import Harness, bpmn, chain, flow, service_task

SUB = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
    '<bpmn:parallelGateway id="fork"/>'
    + service_task("a", "a")
    + service_task("b", "b")
    + '<bpmn:endEvent id="ea"/><bpmn:endEvent id="eb"/>'
    + flow("ss", "fork")
    + flow("fork", "a")
    + flow("fork", "b")
    + chain("a", "ea")
    + chain("b", "eb")
    + "</bpmn:subProcess>"
    + service_task("after", "after")
    + '<bpmn:endEvent id="e"/>'
    + chain("s", "sub", "after", "e")
)


def test_sub_process_completes_after_all_its_paths_end(h: Harness) -> None:
    h.deploy(SUB)
    pi = h.start()
    assert sorted(h.active_elements(pi)) == ["a", "b", "sub"]
    h.complete("a")
    assert "sub" in h.active_elements(pi)
    h.complete("b")
    assert h.active_elements(pi) == ["after"]
    h.complete("after")
    assert h.state(pi) == "COMPLETED"
