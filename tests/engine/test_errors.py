"""BPMN errors: thrown by a job or an error end event, caught by the nearest matching boundary or
event sub-process, otherwise an incident."""

from __future__ import annotations

from xietong.engine.commands import ResolveIncident, ThrowError
from xietong.engine.testing import Harness, bpmn, chain, event_sub_process, guarded, one_task, service_task

ERRORS = '<bpmn:error id="err_reject" errorCode="REJECTED"/><bpmn:error id="err_any"/>'


def boundary(bid: str, attached: str, error_ref: str | None) -> str:
    ref = f' errorRef="{error_ref}"' if error_ref else ""
    return (
        f'<bpmn:boundaryEvent id="{bid}" attachedToRef="{attached}">'
        f"<bpmn:errorEventDefinition{ref}/></bpmn:boundaryEvent>"
    )


TASK_WITH_BOUNDARY = bpmn(
    guarded("t", service_task("t", "check"), "caught", boundary("caught", "t", "err_reject"), "fix"),
    extra=ERRORS,
)


def test_job_error_is_caught_by_boundary_its_variables_local(h: Harness) -> None:
    h.deploy(TASK_WITH_BOUNDARY)
    pi = h.start()
    (job,) = h.jobs("check")
    h.engine.execute(ThrowError(job.key, "REJECTED", "材料不全", {"reason": "missing"}))
    assert h.active_elements(pi) == ["fix"]
    # Zeebe: ThrowError's variables are local to the catching error event (test_zeebe_fidelity.py).
    assert h.variables(pi) == {}


def test_uncaught_job_error_is_an_incident_and_resolving_reactivates_the_job(h: Harness) -> None:
    h.deploy(TASK_WITH_BOUNDARY)
    pi = h.start()
    (job,) = h.jobs("check")
    h.engine.execute(ThrowError(job.key, "OTHER", "boom"))
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_type == "UNHANDLED_ERROR_EVENT" and "'OTHER'" in incident.error_message
    h.engine.execute(ResolveIncident(incident.incident_key))
    assert h.jobs("check")[0].key == job.key


NESTED = bpmn(
    guarded(
        "sub",
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
        + service_task("t", "work")
        + '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="err_reject"/></bpmn:endEvent>'
        + chain("ss", "t", "fail")
        + "</bpmn:subProcess>",
        "catch_all",
        boundary("catch_all", "sub", None),
        "handle",
    ),
    extra=ERRORS,
)


def test_error_end_event_caught_by_catch_all_boundary_on_sub_process(h: Harness) -> None:
    h.deploy(NESTED)
    pi = h.start()
    h.complete("work")
    assert h.active_elements(pi) == ["handle"]
    kinds = h.intents(pi, "PROCESS_INSTANCE")
    assert "PROCESS_INSTANCE:ELEMENT_TERMINATED:sub" in kinds


EVENT_SUB = bpmn(
    one_task("work")
    + event_sub_process("on_error", '<bpmn:errorEventDefinition errorRef="err_reject"/>', "report"),
    extra=ERRORS,
)


def test_error_caught_by_event_sub_process_interrupts_the_scope(h: Harness) -> None:
    h.deploy(EVENT_SUB)
    pi = h.start()
    (job,) = h.jobs("work")
    h.engine.execute(ThrowError(job.key, "REJECTED"))
    assert h.active_elements(pi) == ["on_error", "report"]
    h.complete("report")
    assert h.state(pi) == "COMPLETED"
