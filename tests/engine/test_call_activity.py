"""Call activities: the child instance gets the parent's variables, its variables come back on completion,
cancelling the parent cancels the child, an unknown process is an incident."""

from __future__ import annotations

import pytest

from xietong.engine.commands import CancelProcessInstance, CompleteJob, Deploy, ResolveIncident, ThrowError
from xietong.engine.errors import DeploymentRejected
from xietong.engine.testing import (
    Harness,
    bpmn,
    call_activity,
    guarded,
    one_task,
    start_end,
)

CHILD = bpmn(one_task("child-work"), process_id="child")
PARENT = bpmn(start_end("call", call_activity("call", "=childId")), process_id="parent")


def test_variables_flow_into_the_child_and_back(h: Harness) -> None:
    h.engine.execute(Deploy((("child.bpmn", CHILD), ("parent.bpmn", PARENT))))
    pi = h.start("parent", {"childId": "child", "caseId": "C-1"})
    (job,) = h.jobs("child-work", fetch=("caseId",))
    assert job.variables == {"caseId": "C-1"} and job.bpmn_process_id == "child"
    child = h.engine.queries.get_process_instance(job.process_instance_key)
    assert child.parent_process_instance_key == pi
    h.engine.execute(CompleteJob(job.key, {"verdict": "done"}))
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["verdict"] == "done"


def test_cancelling_the_parent_terminates_the_child(h: Harness) -> None:
    h.engine.execute(Deploy((("child.bpmn", CHILD), ("parent.bpmn", PARENT))))
    pi = h.start("parent", {"childId": "child"})
    (job,) = h.jobs("child-work")
    h.engine.execute(CancelProcessInstance(pi))
    assert h.state(job.process_instance_key) == "TERMINATED"


def test_unknown_called_process_is_an_incident_until_deployed(h: Harness) -> None:
    h.deploy(PARENT, name="parent.bpmn")
    pi = h.start("parent", {"childId": "child"})
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_type == "CALLED_ELEMENT_ERROR" and "'child'" in incident.error_message
    h.deploy(CHILD, name="child.bpmn")
    h.engine.execute(ResolveIncident(incident.incident_key))
    assert len(h.jobs("child-work")) == 1


def test_error_in_the_child_is_caught_by_a_boundary_on_the_call_activity(h: Harness) -> None:
    parent = bpmn(
        guarded(
            "call",
            call_activity("call", "child"),
            "failed",
            '<bpmn:boundaryEvent id="failed" attachedToRef="call"><bpmn:errorEventDefinition/>'
            "</bpmn:boundaryEvent>",
        ),
        process_id="parent",
    )
    h.engine.execute(Deploy((("child.bpmn", CHILD), ("parent.bpmn", parent))))
    pi = h.start("parent")
    (job,) = h.jobs("child-work")
    h.engine.execute(ThrowError(job.key, "ANY"))
    assert h.state(pi) == "COMPLETED"
    assert h.state(job.process_instance_key) == "TERMINATED"


def test_deployment_binding_calls_the_version_deployed_with_the_caller(h: Harness) -> None:
    parent = bpmn(
        start_end("call", call_activity("call", "child", 'bindingType="deployment"')), process_id="parent"
    )
    first = h.engine.execute(Deploy((("child.bpmn", CHILD), ("parent.bpmn", parent))))
    newer_child = bpmn(
        one_task("child-work", start='<bpmn:startEvent id="s" name="v2"/>'),
        process_id="child",
    )
    h.engine.execute(Deploy((("child.bpmn", newer_child),)))
    h.start("parent")
    (job,) = h.jobs("child-work")
    child_v1 = next(p for p in first.processes if p.bpmn_process_id == "child")
    assert (
        job.process_definition_key == child_v1.process_definition_key and job.process_definition_version == 1
    )


def test_deployment_binding_without_the_called_process_in_the_deployment_is_refused(h: Harness) -> None:
    """Zeebe's ZeebeCalledElementDeploymentBindingValidator (through BpmnDeploymentBindingValidator):
    checked on the process's own flow elements, a process id given as an expression left to run time."""
    bound = bpmn(
        start_end("call", call_activity("call", "child", 'bindingType="deployment"')), process_id="parent"
    )
    h.engine.execute(Deploy((("child.bpmn", CHILD),)))
    with pytest.raises(DeploymentRejected) as refused:
        h.engine.execute(Deploy((("parent.bpmn", bound),)))
    assert refused.value.problems == [
        "'parent.bpmn': - Element: call > extensionElements > calledElement\n"
        "    - ERROR: Expected to find process with id 'child' in current deployment, but not found.\n"
    ]
    h.engine.execute(Deploy((("child.bpmn", CHILD), ("parent.bpmn", bound))))  # together: accepted
    by_expression = bpmn(
        start_end("call", call_activity("call", "=childId", 'bindingType="deployment"')), process_id="dynamic"
    )
    h.engine.execute(Deploy((("dynamic.bpmn", by_expression),)))
