"""Behaviours and messages where the engine must answer exactly as Zeebe 8.8 does.

Each expected text is copied from Zeebe's source or its engine tests (the file is named beside each
case, and in docs/engine.md); clients and operators match on these texts.
"""

from __future__ import annotations

import pytest

from xietong.engine.commands import (
    ActivateElement,
    CancelProcessInstance,
    CreateProcessInstance,
    Deploy,
    ModifyProcessInstance,
    ResolveIncident,
    ThrowError,
    UpdateJobTimeout,
)
from xietong.engine.errors import FailedPrecondition, InvalidArgument, NotFound
from xietong.engine.testing import (
    Harness,
    bpmn,
    call_activity,
    chain,
    flow,
    guarded,
    one_task,
    service_chain,
    service_task,
    start_end,
)

ERRORS = '<bpmn:error id="err_reject" errorCode="REJECTED"/><bpmn:error id="err_late" errorCode="LATE"/>'


def error_boundary(bid: str, attached: str, ref: str, outputs: str = "") -> str:
    extension = (
        f"<bpmn:extensionElements><zeebe:ioMapping>{outputs}</zeebe:ioMapping></bpmn:extensionElements>"
    )
    return (
        f'<bpmn:boundaryEvent id="{bid}" attachedToRef="{attached}">'
        + (extension if outputs else "")
        + f'<bpmn:errorEventDefinition errorRef="{ref}"/></bpmn:boundaryEvent>'
    )


def task_with_error_boundary(outputs: str = "") -> bytes:
    return bpmn(
        guarded(
            "t",
            service_task("t", "check"),
            "caught",
            error_boundary("caught", "t", "err_reject", outputs),
            "fix",
        ),
        extra=ERRORS,
    )


# --- ThrowError variables: local to the catching error event (gateway.proto, ThrowErrorRequest;
# BpmnVariableMappingBehavior excludes error boundary events from propagation) -------------------


def test_throw_error_variables_stay_on_the_catching_event(h: Harness) -> None:
    h.deploy(task_with_error_boundary())
    pi = h.start(variables={"caseId": "C-1"})
    (job,) = h.jobs("check")
    h.engine.execute(ThrowError(job.key, "REJECTED", "材料不全", {"reason": "missing"}))
    assert h.active_elements(pi) == ["fix"]
    assert h.variables(pi) == {"caseId": "C-1"}
    (fix,) = h.jobs("fix")
    assert "reason" not in fix.variables


def test_throw_error_variables_reach_the_process_through_output_mappings(h: Harness) -> None:
    h.deploy(task_with_error_boundary('<zeebe:output source="=reason" target="rejection"/>'))
    pi = h.start()
    (job,) = h.jobs("check")
    h.engine.execute(ThrowError(job.key, "REJECTED", "", {"reason": "missing", "other": 1}))
    assert h.variables(pi) == {"rejection": "missing"}


# --- ModifyProcessInstance (ProcessInstanceModificationModifyProcessor.java) ----------------------

TWO_TASKS = bpmn(service_chain("a", "b"))


def test_a_variable_instruction_with_an_empty_scope_id_sets_the_root_scope(h: Harness) -> None:
    h.deploy(TWO_TASKS)
    pi = h.start()
    (job,) = h.jobs("a")
    element_key = job.element_instance_key
    h.engine.execute(
        ModifyProcessInstance(
            pi,
            activate=(ActivateElement("b", variables=(("", {"due": "2027-02-17"}),)),),
            terminate=(element_key,),
        )
    )
    assert h.variables(pi) == {"due": "2027-02-17"}
    assert h.active_elements(pi) == ["b"]


def test_modification_rejections_are_zeebes(h: Harness) -> None:
    h.deploy(TWO_TASKS)
    pi = h.start()
    with pytest.raises(NotFound) as unknown_instance:
        h.engine.execute(ModifyProcessInstance(123456789, activate=(ActivateElement("b"),)))
    assert str(unknown_instance.value) == (
        "Expected to modify process instance but no process instance found with key '123456789'"
    )
    with pytest.raises(InvalidArgument) as unknown_element:
        h.engine.execute(ModifyProcessInstance(pi, activate=(ActivateElement("nope"),)))
    assert str(unknown_element.value) == (
        "Expected to modify instance of process 'p' but it contains one or more activate instructions "
        "with an element that could not be found: 'nope'"
    )
    with pytest.raises(InvalidArgument) as unknown_instance_key:
        h.engine.execute(ModifyProcessInstance(pi, terminate=(42,)))
    assert str(unknown_instance_key.value) == (
        "Expected to modify instance of process 'p' but it contains one or more terminate instructions "
        "with an element instance that could not be found: '42'"
    )
    with pytest.raises(InvalidArgument) as unknown_scope:
        h.engine.execute(ModifyProcessInstance(pi, activate=(ActivateElement("b", variables=(("zz", {}),)),)))
    assert str(unknown_scope.value) == (
        "Expected to modify instance of process 'p' but it contains one or more variable instructions "
        "with a scope element id that could not be found: 'zz'"
    )
    with pytest.raises(InvalidArgument) as start_event:
        h.engine.execute(ModifyProcessInstance(pi, activate=(ActivateElement("s"),)))
    assert str(start_event.value).startswith(
        "Expected to modify instance of process 'p' but it contains one or more activate instructions "
        "for elements that are unsupported: 's'. The activation of elements with type 'START_EVENT' is "
        "not supported. Supported element types are: [PROCESS, SUB_PROCESS, EVENT_SUB_PROCESS,"
    )


# --- ResolveIncident (ResolveIncidentProcessor.java) ---------------------------------------------


def test_resolving_a_resolved_incident_is_not_found(h: Harness) -> None:
    h.deploy(task_with_error_boundary())
    pi = h.start()
    (job,) = h.jobs("check")
    h.engine.execute(ThrowError(job.key, "OTHER", ""))
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    h.engine.execute(ResolveIncident(incident.incident_key))
    with pytest.raises(NotFound) as again:
        h.engine.execute(ResolveIncident(incident.incident_key))
    assert str(again.value) == (
        f"Expected to resolve incident with key '{incident.incident_key}', but no such incident was found"
    )


# --- uncaught errors (BpmnEventPublicationBehavior.java; JobThrowErrorTest) ----------------------


def test_an_uncaught_error_lists_the_error_events_in_scope(h: Harness) -> None:
    h.deploy(task_with_error_boundary())
    pi = h.start()
    (job,) = h.jobs("check")
    h.engine.execute(ThrowError(job.key, "OTHER", "boom"))
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_message == (
        "Expected to throw an error event with the code 'OTHER' with message 'boom', but it was not caught. "
        "Available error events are [REJECTED]"
    )


def test_an_uncaught_error_without_catch_events_says_so(h: Harness) -> None:
    h.deploy(TWO_TASKS)
    pi = h.start()
    (job,) = h.jobs("a")
    h.engine.execute(ThrowError(job.key, "err", ""))
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_message == (
        "Expected to throw an error event with the code 'err', but it was not caught. "
        "No error events are available in the scope."
    )


# --- multi-instance input collection (MultiInstanceActivityTest: 'ARRAY', but was 'STRING') -------


def test_a_multi_instance_collection_of_the_wrong_type_names_the_feel_type(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:serviceTask id="t"><bpmn:extensionElements>'
            '<zeebe:taskDefinition type="x"/></bpmn:extensionElements>'
            "<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
            '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/>'
            "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>"
            '<bpmn:endEvent id="e"/>' + chain("s", "t", "e")
        )
    )
    pi = h.start(variables={"items": "not a list"})
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_type == "EXTRACT_VALUE_ERROR"
    assert (
        incident.error_message == "Expected result of the expression 'items' to be 'ARRAY', but was 'STRING'."
    )


# --- cancelling a child instance (ProcessInstanceCancelProcessor.java) ----------------------------


def test_cancelling_a_child_instance_names_the_root(h: Harness) -> None:
    child = bpmn(one_task("child-work"), process_id="child")
    parent = bpmn(start_end("call", call_activity("call", "child")), process_id="parent")
    h.engine.execute(Deploy((("child.bpmn", child), ("parent.bpmn", parent))))
    pi = h.start("parent")
    (job,) = h.jobs("child-work")
    with pytest.raises(FailedPrecondition) as caught:
        h.engine.execute(CancelProcessInstance(job.process_instance_key))
    assert str(caught.value) == (
        f"Expected to cancel a process instance with key '{job.process_instance_key}', but it is created "
        f"by a parent process instance. Cancel the root process instance '{pi}' instead."
    )


# --- exclusive gateway without a true condition (ExclusiveGatewayProcessor.java) -----------------


def test_a_gateway_without_a_true_condition(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="e1"/>'
            + flow("s", "g")
            + flow("g", "e1", "=x > 1")
        )
    )
    pi = h.start(variables={"x": 0})
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_type == "CONDITION_ERROR"
    assert (
        incident.error_message
        == "Expected at least one condition to evaluate to true, or to have a default flow"
    )


# --- job timeout updates (JobUpdateBehaviour.java / JobUpdateTimeoutTest) -------------------------


def test_timeout_updates_of_unknown_and_inactive_jobs(h: Harness) -> None:
    h.deploy(TWO_TASKS)
    h.start()
    with pytest.raises(NotFound) as unknown:
        h.engine.execute(UpdateJobTimeout(987654321, 60_000))
    assert str(unknown.value) == "Expected to update job with key '987654321', but no such job was found"
    job_key = h.engine.query(lambda p: next(iter(p.state.jobs)))  # created, never activated
    with pytest.raises(FailedPrecondition) as inactive:
        h.engine.execute(UpdateJobTimeout(job_key, 60_000))
    assert (
        str(inactive.value)
        == f"Expected to update the timeout of job with key '{job_key}', but it is not active"
    )


def test_retry_updates_of_unknown_jobs_and_non_positive_retries(h: Harness) -> None:
    from xietong.engine.commands import UpdateJobRetries

    h.deploy(TWO_TASKS)
    h.start()
    with pytest.raises(NotFound) as unknown:
        h.engine.execute(UpdateJobRetries(987654321, 3))
    assert str(unknown.value) == "Expected to update job with key '987654321', but no such job was found"
    job_key = h.engine.query(lambda p: next(iter(p.state.jobs)))
    with pytest.raises(InvalidArgument) as zero:
        h.engine.execute(UpdateJobRetries(job_key, 0))
    assert str(zero.value) == (
        f"Expected to update retries for job with key '{job_key}' with a positive amount of retries, "
        "but the amount given was '0'"
    )


# --- start instructions (ProcessInstanceCreationHelper.java; CreateProcessInstanceTest) -----------


def test_a_start_instruction_naming_an_unknown_element(h: Harness) -> None:
    h.deploy(TWO_TASKS)
    with pytest.raises(InvalidArgument) as caught:
        h.engine.execute(CreateProcessInstance(bpmn_process_id="p", start_instructions=("unknown-element",)))
    assert str(caught.value) == (
        "Expected to create instance of process with start instructions but no element found with id "
        "'unknown-element'."
    )


# --- what the gateways put in front of a rejection (GrpcErrorMapper; the service layer's ErrorMapper):
# "Command '<intent>' rejected with code '<rejection type>': <reason>" ------------------------------


def test_rejections_carry_zeebes_intent_and_rejection_type(h: Harness) -> None:
    from xietong.engine.commands import AssignUserTask, CompleteUserTask
    from xietong.engine.errors import EngineError, gateway_message

    def refused(command: object) -> EngineError:
        with pytest.raises(EngineError) as caught:
            h.engine.execute(command)
        return caught.value

    assert gateway_message(refused(CompleteUserTask(42))) == (
        "Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete user task with key '42', "
        "but no such user task was found"
    )
    assert gateway_message(refused(AssignUserTask(42, "wang", allow_override=False))).startswith(
        "Command 'CLAIM' rejected with code 'NOT_FOUND': Expected to claim user task with key '42'"
    )
    assert gateway_message(refused(CreateProcessInstance(bpmn_process_id="nope", await_result=True))) == (
        "Command 'CREATE_WITH_AWAITING_RESULT' rejected with code 'NOT_FOUND': Expected to find process "
        "definition with process ID 'nope', but none found"
    )
    assert gateway_message(refused(Deploy(()))) == (
        "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy at least one resource, "
        "but none given"
    )
    h.deploy(TWO_TASKS)
    pi = h.start()
    h.engine.execute(CancelProcessInstance(pi))
    assert gateway_message(refused(CancelProcessInstance(pi))).startswith(
        "Command 'CANCEL' rejected with code 'NOT_FOUND': Expected to cancel a process instance with key "
    )
