"""Combinations of elements that real coordination mechanisms use together."""

from __future__ import annotations

from xietong.engine.commands import (
    ActivateElement,
    CompleteUserTask,
    ModifyProcessInstance,
    PublishMessage,
    ThrowError,
)
from xietong.engine.testing import Harness, bpmn, chain, service_task

USER = (
    '<bpmn:userTask id="confirm"><bpmn:extensionElements><zeebe:userTask/>'
    '<zeebe:assignmentDefinition candidateGroups="=dept"/></bpmn:extensionElements></bpmn:userTask>'
)


def test_sequential_multi_instance_sub_process_with_user_tasks(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:subProcess id="per_dept"><bpmn:multiInstanceLoopCharacteristics '
            'isSequential="true"><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=depts" '
            'inputElement="dept" outputCollection="answers" outputElement="=answer"/>'
            "</bpmn:extensionElements>"
            '</bpmn:multiInstanceLoopCharacteristics><bpmn:startEvent id="ss"/>'
            + USER
            + '<bpmn:endEvent id="se"/>'
            + chain("ss", "confirm", "se")
            + '</bpmn:subProcess><bpmn:endEvent id="e"/>'
            + chain("s", "per_dept", "e")
        )
    )
    pi = h.start(variables={"depts": ["城管局", "住建局"]})
    for expected in ("城管局", "住建局"):
        (task,) = h.engine.queries.search_user_tasks(state="CREATED")
        assert task.candidate_groups == (expected,)
        h.engine.execute(CompleteUserTask(task.user_task_key, {"answer": f"{expected}:ok"}))
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["answers"] == ["城管局:ok", "住建局:ok"]


def test_error_from_an_inner_instance_is_caught_on_the_multi_instance_body(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:serviceTask id="each"><bpmn:extensionElements>'
            '<zeebe:taskDefinition type="each"/></bpmn:extensionElements>'
            "<bpmn:multiInstanceLoopCharacteristics>"
            '<bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2,3]"/>'
            "</bpmn:extensionElements>"
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>"
            '<bpmn:boundaryEvent id="failed" attachedToRef="each"><bpmn:errorEventDefinition/>'
            "</bpmn:boundaryEvent>"
            + service_task("recover", "recover")
            + '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
            + chain("s", "each", "e")
            + chain("failed", "recover", "e2")
        )
    )
    pi = h.start()
    jobs = h.jobs("each")
    assert len(jobs) == 3
    h.engine.execute(ThrowError(jobs[1].key, "BROKEN"))
    assert h.active_elements(pi) == ["recover"]
    assert h.jobs("each") == ()


MSG = (
    '<bpmn:message id="m_info" name="info"><bpmn:extensionElements>'
    '<zeebe:subscription correlationKey="=caseId"/></bpmn:extensionElements></bpmn:message>'
)


def test_event_sub_process_inside_a_sub_process_lives_only_as_long_as_it(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:subProcess id="handle"><bpmn:startEvent id="ss"/>'
            + service_task("work", "work")
            + '<bpmn:endEvent id="se"/>'
            + chain("ss", "work", "se")
            + '<bpmn:subProcess id="on_info" triggeredByEvent="true">'
            '<bpmn:startEvent id="is" isInterrupting="false">'
            '<bpmn:messageEventDefinition messageRef="m_info"/></bpmn:startEvent>'
            + service_task("note", "note")
            + '<bpmn:endEvent id="ie"/>'
            + chain("is", "note", "ie")
            + "</bpmn:subProcess></bpmn:subProcess>"
            + service_task("after", "after")
            + '<bpmn:endEvent id="e"/>'
            + chain("s", "handle", "after", "e"),
            extra=MSG,
        )
    )
    pi = h.start(variables={"caseId": "Z"})
    h.engine.execute(PublishMessage("info", "Z", 0, variables={"extra": 1}))
    h.complete("note")
    assert "work" in h.active_elements(pi)
    h.complete("work")
    assert h.active_elements(pi) == ["after"]
    h.engine.execute(PublishMessage("info", "Z", 0))  # the sub-process is gone: no subscription left
    assert h.jobs("note") == ()
    assert h.variables(pi)["extra"] == 1


def test_modify_activates_an_element_inside_an_inactive_sub_process(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/>' + service_task("first", "first") + '<bpmn:subProcess id="sub">'
            '<bpmn:startEvent id="ss"/>'
            + service_task("inner", "inner")
            + '<bpmn:endEvent id="se"/>'
            + chain("ss", "inner", "se")
            + '</bpmn:subProcess><bpmn:endEvent id="e"/>'
            + chain("s", "first", "sub", "e")
        )
    )
    pi = h.start()
    (first,) = h.jobs("first")
    h.engine.execute(
        ModifyProcessInstance(
            pi, activate=(ActivateElement("inner"),), terminate=(first.element_instance_key,)
        )
    )
    assert sorted(h.active_elements(pi)) == ["inner", "sub"]
    h.complete("inner")
    assert h.state(pi) == "COMPLETED"
