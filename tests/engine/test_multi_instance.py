"""Multi-instance activities: parallel and sequential, input/output collections, loopCounter,
completion condition."""

from __future__ import annotations

from xietong.engine.commands import CompleteJob
from xietong.engine.testing import Harness, bpmn, chain


def mi_task(sequential: bool, condition: str = "") -> bytes:
    seq = ' isSequential="true"' if sequential else ""
    cond = f"<bpmn:completionCondition>{condition}</bpmn:completionCondition>" if condition else ""
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:serviceTask id="notify"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="notify"/></bpmn:extensionElements>'
        f"<bpmn:multiInstanceLoopCharacteristics{seq}><bpmn:extensionElements>"
        '<zeebe:loopCharacteristics inputCollection="=departments" inputElement="dept" '
        'outputCollection="replies" outputElement="=reply"/></bpmn:extensionElements>'
        f'{cond}</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask><bpmn:endEvent id="e"/>'
        + chain("s", "notify", "e")
    )


def test_parallel_collects_outputs_in_item_order(h: Harness) -> None:
    h.deploy(mi_task(sequential=False))
    pi = h.start(variables={"departments": ["城管局", "住建局", "市场监管局"]})
    jobs = h.jobs("notify", fetch=("dept", "loopCounter"))
    assert [(j.variables["dept"], j.variables["loopCounter"]) for j in jobs] == [
        ("城管局", 1),
        ("住建局", 2),
        ("市场监管局", 3),
    ]
    for job in reversed(jobs):
        h.engine.execute(CompleteJob(job.key, {"reply": f"ok-{job.variables['dept']}"}))
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["replies"] == ["ok-城管局", "ok-住建局", "ok-市场监管局"]
    assert "dept" not in h.variables(pi)


def test_sequential_runs_one_at_a_time(h: Harness) -> None:
    h.deploy(mi_task(sequential=True))
    pi = h.start(variables={"departments": ["a", "b"]})
    (first,) = h.jobs("notify", fetch=("dept",))
    assert first.variables["dept"] == "a"
    h.engine.execute(CompleteJob(first.key, {"reply": 1}))
    (second,) = h.jobs("notify", fetch=("dept",))
    assert second.variables["dept"] == "b"
    h.engine.execute(CompleteJob(second.key, {"reply": 2}))
    assert h.variables(pi)["replies"] == [1, 2]


def test_completion_condition_terminates_the_rest(h: Harness) -> None:
    h.deploy(mi_task(sequential=False, condition="= numberOfCompletedInstances &gt;= 2"))
    pi = h.start(variables={"departments": ["a", "b", "c"]})
    jobs = h.jobs("notify")
    h.engine.execute(CompleteJob(jobs[0].key, {"reply": "x"}))
    assert h.state(pi) == "ACTIVE"
    h.engine.execute(CompleteJob(jobs[1].key, {"reply": "y"}))
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["replies"] == ["x", "y", None]


def test_empty_collection_skips_the_activity(h: Harness) -> None:
    h.deploy(mi_task(sequential=False))
    pi = h.start(variables={"departments": []})
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["replies"] == []


def test_non_list_collection_is_an_incident(h: Harness) -> None:
    h.deploy(mi_task(sequential=False))
    pi = h.start(variables={"departments": "城管局"})
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_type == "EXTRACT_VALUE_ERROR" and incident.element_id == "notify"
