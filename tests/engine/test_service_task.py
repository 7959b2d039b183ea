"""Service tasks and the job lifecycle: create, activate, complete with variables, fail, retry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from xietong.engine.commands import (
    ActivateJobs,
    CompleteJob,
    CreateProcessInstance,
    Deploy,
    FailJob,
    ResolveIncident,
    UpdateJobRetries,
    UpdateJobTimeout,
)
from xietong.engine.errors import FailedPrecondition, InvalidArgument, NotFound
from xietong.engine.testing import Harness, bpmn, one_task

ONE_TASK = bpmn(one_task("work"))


def test_start_task_end_completes_with_job_variables(h: Harness) -> None:
    h.deploy(ONE_TASK)
    pi = h.start(variables={"case": "A-1"})
    assert h.active_elements(pi) == ["t"]
    (job,) = h.jobs("work", fetch=("case",))
    assert job.variables == {"case": "A-1"}
    assert job.element_id == "t" and job.process_instance_key == pi and job.retries == 3
    assert job.key >> 51 == 1
    h.engine.execute(CompleteJob(job.key, {"result": 42}))
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"case": "A-1", "result": 42}
    assert h.intents(pi, "PROCESS_INSTANCE")[-1] == "PROCESS_INSTANCE:ELEMENT_COMPLETED:p"


def test_await_result_resolves_when_instance_completes(h: Harness) -> None:
    h.deploy(ONE_TASK)
    future = h.engine.submit(
        CreateProcessInstance(bpmn_process_id="p", await_result=True, fetch_variables=("out",))
    )
    (job,) = h.jobs("work")
    assert not future.done()
    h.engine.execute(CompleteJob(job.key, {"out": "x", "other": 1}))
    result = future.result(timeout=10)
    assert result.variables == {"out": "x"}
    assert result.process_instance_key == job.process_instance_key


def test_activated_job_is_not_handed_out_twice_until_timeout(h: Harness) -> None:
    h.deploy(ONE_TASK)
    h.start()
    (job,) = h.jobs("work", timeout_ms=5_000)
    assert h.jobs("work") == ()
    h.engine.clock.add(timedelta(seconds=4))
    assert h.jobs("work") == ()
    h.engine.clock.add(timedelta(seconds=2))
    (again,) = h.jobs("work")
    assert again.key == job.key


def test_update_timeout_extends_the_deadline(h: Harness) -> None:
    h.deploy(ONE_TASK)
    h.start()
    (job,) = h.jobs("work", timeout_ms=1_000)
    h.engine.execute(UpdateJobTimeout(job.key, 60_000))
    h.engine.clock.add(timedelta(seconds=30))
    assert h.jobs("work") == ()


def test_fail_with_retries_and_backoff_then_incident_and_resolve(h: Harness) -> None:
    h.deploy(ONE_TASK)
    pi = h.start()
    (job,) = h.jobs("work")
    h.engine.execute(FailJob(job.key, retries=1, error_message="busy", retry_backoff_ms=10_000))
    assert h.jobs("work") == ()
    h.engine.clock.add(timedelta(seconds=10))
    (job,) = h.jobs("work")
    assert job.retries == 1
    h.engine.execute(FailJob(job.key, retries=0, error_message="broken"))
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi, state="ACTIVE")
    assert incident.error_type == "JOB_NO_RETRIES" and incident.error_message == "broken"
    assert h.engine.queries.get_process_instance(pi).has_incident
    h.engine.execute(UpdateJobRetries(job.key, 2))
    h.engine.execute(ResolveIncident(incident.incident_key))
    (job,) = h.jobs("work")
    assert job.retries == 2
    h.engine.execute(CompleteJob(job.key))
    assert h.state(pi) == "COMPLETED"


def test_rejections_name_the_key(h: Harness) -> None:
    h.deploy(ONE_TASK)
    h.start()
    with pytest.raises(NotFound, match="12345"):
        h.engine.execute(CompleteJob(12345))
    (job,) = h.jobs("work")
    h.engine.execute(FailJob(job.key, retries=0))
    with pytest.raises(FailedPrecondition, match="FAILED"):
        h.engine.execute(CompleteJob(job.key))
    with pytest.raises(InvalidArgument):
        h.engine.execute(ActivateJobs("work", "w", 1000, 0))
    with pytest.raises(NotFound):
        h.engine.execute(CreateProcessInstance(bpmn_process_id="nope"))


def test_job_type_and_headers_from_model(h: Harness) -> None:
    body = one_task(
        "=kind + &quot;-work&quot;",
        '<zeebe:taskHeaders><zeebe:header key="dept" value="城管局"/></zeebe:taskHeaders>',
    )
    h.deploy(bpmn(body))
    h.start(variables={"kind": "review"})
    (job,) = h.jobs("review-work")
    assert job.custom_headers == {"dept": "城管局"}


def test_jobs_are_activated_only_for_the_requested_tenants(h: Harness) -> None:
    h.engine.execute(Deploy((("a.bpmn", ONE_TASK),), tenant_id="county-a"))
    h.engine.execute(CreateProcessInstance(bpmn_process_id="p", tenant_id="county-a"))
    assert h.engine.execute(ActivateJobs("work", "w", 1000, 10)) == ()
    (job,) = h.engine.execute(ActivateJobs("work", "w", 1000, 10, tenant_ids=("county-a",)))
    assert job.tenant_id == "county-a"
    with pytest.raises(NotFound):
        h.engine.execute(CreateProcessInstance(bpmn_process_id="p"))  # not deployed for <default>


def test_await_result_fails_when_the_instance_is_cancelled(h: Harness) -> None:
    from xietong.engine.commands import CancelProcessInstance

    h.deploy(ONE_TASK)
    future = h.engine.submit(CreateProcessInstance(bpmn_process_id="p", await_result=True))
    (job,) = h.jobs("work")
    h.engine.execute(CancelProcessInstance(job.process_instance_key))
    with pytest.raises(FailedPrecondition, match="terminated"):
        future.result(timeout=10)
