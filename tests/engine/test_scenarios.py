"""Combinations of elements that real coordination mechanisms use together."""

from __future__ import annotations

from xietong.engine.commands import (
    ActivateElement,
    CompleteUserTask,
    ModifyProcessInstance,
    PublishMessage,
    ThrowError,
)
from xietong.engine.testing import Harness, bpmn, call_activity, chain, guarded, one_task, service_task

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
            guarded(
                "each",
                '<bpmn:serviceTask id="each"><bpmn:extensionElements>'
                '<zeebe:taskDefinition type="each"/></bpmn:extensionElements>'
                "<bpmn:multiInstanceLoopCharacteristics>"
                '<bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2,3]"/>'
                "</bpmn:extensionElements>"
                "</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>",
                "failed",
                '<bpmn:boundaryEvent id="failed" attachedToRef="each"><bpmn:errorEventDefinition/>'
                "</bpmn:boundaryEvent>",
                "recover",
            )
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


def test_escalation_from_a_called_process_reaches_the_call_activity_boundary(h: Harness) -> None:
    from xietong.engine.commands import Deploy

    esc = '<bpmn:escalation id="esc" escalationCode="LATE"/>'
    child = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="raise">'
        '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateThrowEvent>'
        + service_task("t", "child-work")
        + '<bpmn:endEvent id="e"/>'
        + chain("s", "raise", "t", "e"),
        process_id="child",
        extra=esc,
    )
    parent = bpmn(
        guarded(
            "call",
            call_activity("call", "child"),
            "late",
            '<bpmn:boundaryEvent id="late" attachedToRef="call" cancelActivity="false">'
            '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>',
            "notify",
        ),
        process_id="parent",
        extra=esc,
    )
    h.engine.execute(Deploy((("child.bpmn", child), ("parent.bpmn", parent))))
    pi = h.start("parent")
    assert sorted(h.active_elements(pi)) == ["call", "notify"]
    h.complete("child-work")
    h.complete("notify")
    assert h.state(pi) == "COMPLETED"


def test_parallel_multi_instance_call_activity(h: Harness) -> None:
    from xietong.engine.commands import CompleteJob, Deploy

    child = bpmn(one_task("handle"), process_id="child")
    parent = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:callActivity id="call"><bpmn:extensionElements>'
        # with multi-instance, map the child's result explicitly: propagating all child variables would also
        # copy back the child's stale copy of the output collection (Zeebe behaves the same)
        '<zeebe:calledElement processId="child" propagateAllChildVariables="false"/>'
        '<zeebe:ioMapping><zeebe:output source="=result" target="result"/></zeebe:ioMapping>'
        "</bpmn:extensionElements>"
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
        '<zeebe:loopCharacteristics inputCollection="=towns" inputElement="town" '
        'outputCollection="results" outputElement="=result"/></bpmn:extensionElements>'
        '</bpmn:multiInstanceLoopCharacteristics></bpmn:callActivity><bpmn:endEvent id="e"/>'
        + chain("s", "call", "e"),
        process_id="parent",
    )
    h.engine.execute(Deploy((("child.bpmn", child), ("parent.bpmn", parent))))
    pi = h.start("parent", {"towns": ["龙角镇", "双土镇"]})
    jobs = h.jobs("handle", fetch=("town",))
    assert sorted(j.variables["town"] for j in jobs) == ["双土镇", "龙角镇"]
    for job in jobs:
        h.engine.execute(CompleteJob(job.key, {"result": job.variables["town"] + "完成"}))
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["results"] == ["龙角镇完成", "双土镇完成"]


def test_user_task_reminders_stop_when_the_task_is_done(h: Harness) -> None:
    from datetime import timedelta

    h.deploy(
        bpmn(
            guarded(
                "confirm",
                USER,
                "remind",
                '<bpmn:boundaryEvent id="remind" attachedToRef="confirm" cancelActivity="false">'
                "<bpmn:timerEventDefinition><bpmn:timeCycle>R/P1D</bpmn:timeCycle>"
                "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
                "nag",
            )
        )
    )
    pi = h.start(variables={"dept": "应急局"})
    h.engine.clock.add(timedelta(days=2))
    assert len(h.engine.queries.jobs(pi)) == 2
    (task,) = h.engine.queries.search_user_tasks(state="CREATED")
    h.engine.execute(CompleteUserTask(task.user_task_key))
    h.engine.clock.add(timedelta(days=5))
    assert len(h.jobs("nag")) == 2
    assert h.state(pi) == "ACTIVE"  # the two reminder paths still wait for their 'nag' jobs


def test_event_based_gateway_with_a_signal_and_a_timer(h: Harness) -> None:
    from datetime import timedelta

    from xietong.engine.commands import BroadcastSignal

    model = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>'
        '<bpmn:intermediateCatchEvent id="lifted"><bpmn:signalEventDefinition signalRef="sig"/>'
        '</bpmn:intermediateCatchEvent><bpmn:intermediateCatchEvent id="waited"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
        + chain("s", "g")
        + chain("g", "lifted", "e1")
        + chain("g", "waited", "e2"),
        extra='<bpmn:signal id="sig" name="解除"/>',
    )
    h.deploy(model)
    first = h.start()
    h.engine.execute(BroadcastSignal("解除"))
    second = h.start()
    h.engine.clock.add(timedelta(hours=2))
    assert h.state(first) == "COMPLETED" and h.state(second) == "COMPLETED"
    assert "PROCESS_INSTANCE:ELEMENT_COMPLETED:e1" in h.intents(first)
    assert "PROCESS_INSTANCE:ELEMENT_COMPLETED:e2" in h.intents(second)
    assert not [i for i in h.intents(first) if i.startswith("TIMER:TRIGGERED")]


def test_non_interrupting_message_boundary_triggers_once_per_message(h: Harness) -> None:
    h.deploy(
        bpmn(
            guarded(
                "t",
                service_task("t", "work"),
                "info",
                '<bpmn:boundaryEvent id="info" attachedToRef="t" cancelActivity="false">'
                '<bpmn:messageEventDefinition messageRef="m_info"/></bpmn:boundaryEvent>',
                "note",
            ),
            extra=MSG,
        )
    )
    pi = h.start(variables={"caseId": "N"})
    for n in range(3):
        h.engine.execute(PublishMessage("info", "N", 0, variables={"n": n}))
    assert len(h.jobs("note")) == 3
    assert "t" in h.active_elements(pi)
    assert h.variables(pi)["n"] == 2
