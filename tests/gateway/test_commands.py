"""The remaining gateway.proto commands, through pyzeebe's generated stubs against the engine process."""

from __future__ import annotations

import json
import uuid
from typing import Any

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.engine_process import RunningGateway


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def stub(gateway: RunningGateway) -> Any:
    with grpc.insecure_channel(gateway.address) as channel:
        yield GatewayStub(channel)


def deploy(stub: GatewayStub, pid: str, content: bytes) -> pb.ProcessMetadata:
    response = stub.DeployResource(
        pb.DeployResourceRequest(resources=[pb.Resource(name=f"{pid}.bpmn", content=content)])
    )
    return response.deployments[0].process


def activate(
    stub: GatewayStub, job_type: str, request_timeout: int = 10_000, timeout: int = 60_000
) -> list[Any]:
    request = pb.ActivateJobsRequest(
        type=job_type, worker="w", timeout=timeout, maxJobsToActivate=10, requestTimeout=request_timeout
    )
    return [job for response in stub.ActivateJobs(request, timeout=30) for job in response.jobs]


def advance_clock(gateway: RunningGateway, milliseconds: int) -> None:
    with gateway.rest() as rest:
        assert rest.post("/v2/clock/add", json={"milliseconds": milliseconds}).status_code == 204


def test_fail_job_with_backoff_waits_for_the_clock(gateway: RunningGateway, stub: GatewayStub) -> None:
    pid = unique("backoff")
    job_type = f"{pid}-task"
    deploy(stub, pid, models.chain(pid, [job_type]))
    stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1))
    [job] = activate(stub, job_type)
    stub.FailJob(
        pb.FailJobRequest(
            jobKey=job.key, retries=2, errorMessage="later", retryBackOff=600_000, variables='{"attempt": 1}'
        )
    )
    assert activate(stub, job_type, request_timeout=-1) == [], "the job must wait out its backoff"
    advance_clock(gateway, 601_000)
    [again] = activate(stub, job_type)
    assert again.key == job.key and again.retries == 2
    assert json.loads(again.variables)["attempt"] == 1
    stub.CompleteJob(pb.CompleteJobRequest(jobKey=again.key))


def test_update_job_timeout_and_retries(gateway: RunningGateway, stub: GatewayStub) -> None:
    pid = unique("job-update")
    job_type = f"{pid}-task"
    deploy(stub, pid, models.chain(pid, [job_type]))
    stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1))
    [job] = activate(stub, job_type, timeout=60_000)
    stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=job.key, timeout=3_600_000))
    advance_clock(gateway, 120_000)  # past the original deadline, not the new one
    assert activate(stub, job_type, request_timeout=-1) == []
    stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=5))
    stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key))
    with pytest.raises(grpc.RpcError) as err:
        stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=0))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_create_by_key_with_start_instructions(stub: GatewayStub) -> None:
    pid = unique("start-at")
    first, second = f"{pid}-first", f"{pid}-second"
    process = deploy(stub, pid, models.chain(pid, [first, second]))
    created = stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(
            processDefinitionKey=process.processDefinitionKey,
            startInstructions=[pb.ProcessInstanceCreationStartInstruction(elementId="task2")],
        )
    )
    assert created.bpmnProcessId == pid and created.version == 1
    assert activate(stub, first, request_timeout=-1) == []
    [job] = activate(stub, second)
    assert job.processInstanceKey == created.processInstanceKey
    stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key))


def test_with_result_times_out_with_deadline_exceeded(stub: GatewayStub) -> None:
    pid = unique("never")
    deploy(stub, pid, models.message_flow(pid, f"{pid}-never-published"))
    with pytest.raises(grpc.RpcError) as err:
        stub.CreateProcessInstanceWithResult(
            pb.CreateProcessInstanceWithResultRequest(
                request=pb.CreateProcessInstanceRequest(
                    bpmnProcessId=pid, version=-1, variables='{"caseId": "x"}'
                ),
                requestTimeout=500,
            ),
            timeout=20,
        )
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_modify_process_instance_moves_the_token(stub: GatewayStub) -> None:
    pid = unique("modify")
    first, second = f"{pid}-first", f"{pid}-second"
    deploy(stub, pid, models.chain(pid, [first, second]))
    created = stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1))
    [job] = activate(stub, first)
    stub.ModifyProcessInstance(
        pb.ModifyProcessInstanceRequest(
            processInstanceKey=created.processInstanceKey,
            activateInstructions=[pb.ModifyProcessInstanceRequest.ActivateInstruction(elementId="task2")],
            terminateInstructions=[
                pb.ModifyProcessInstanceRequest.TerminateInstruction(
                    elementInstanceKey=job.elementInstanceKey
                )
            ],
        )
    )
    with pytest.raises(grpc.RpcError) as err:
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key))  # its element was terminated
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    [moved] = activate(stub, second)
    assert moved.processInstanceKey == created.processInstanceKey
    stub.CompleteJob(pb.CompleteJobRequest(jobKey=moved.key))


def test_delete_resource_then_create_by_key_is_not_found(stub: GatewayStub) -> None:
    pid = unique("delete")
    process = deploy(stub, pid, models.chain(pid, []))
    stub.DeleteResource(pb.DeleteResourceRequest(resourceKey=process.processDefinitionKey))
    with pytest.raises(grpc.RpcError) as err:
        stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(processDefinitionKey=process.processDefinitionKey)
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
