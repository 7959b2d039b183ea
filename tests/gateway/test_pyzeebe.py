"""pyzeebe, unmodified, against the engine process: client calls, a real ZeebeWorker, typed errors.

No ``from __future__ import annotations`` here: pyzeebe finds the ``job: Job`` parameter of a task
handler by comparing the evaluated annotation with its Job class.
"""

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe import Job, ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.errors import (
    BusinessError,
    InvalidJSONError,
    JobNotFoundError,
    MessageAlreadyExistsError,
    ProcessDefinitionNotFoundError,
    ProcessInvalidError,
)
from pyzeebe.grpc_internals.zeebe_adapter import ZeebeAdapter
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.engine_process import RunningGateway


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def with_client(
    gateway: RunningGateway, body: Callable[[ZeebeClient, grpc.aio.Channel], Awaitable[Any]]
) -> Any:
    async def main() -> Any:
        channel = create_insecure_channel(grpc_address=gateway.address)
        try:
            return await body(ZeebeClient(channel), channel)
        finally:
            await channel.close()

    return asyncio.run(main())


def test_deploy_then_run_process(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("deploy")
    resource = write(tmp_path, f"{pid}.bpmn", models.chain(pid, [f"{pid}-task"]))

    async def body(client: ZeebeClient, _: grpc.aio.Channel) -> None:
        first = await client.deploy_resource(resource)
        again = await client.deploy_resource(resource)
        created = await client.run_process(pid, variables={"caseId": "A-1"})
        process = first.deployments[0]
        assert process.bpmn_process_id == pid
        assert process.version == 1
        assert process.resource_name == f"{pid}.bpmn"
        assert process.tenant_id == "<default>"
        # unchanged content: Zeebe returns the existing version instead of a new one
        assert again.deployments[0].process_definition_key == process.process_definition_key
        assert created.process_definition_key == process.process_definition_key
        assert created.bpmn_process_id == pid and created.version == 1
        assert created.process_instance_key > 0

    with_client(gateway, body)


def test_run_process_with_result_returns_variables(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("result")
    resource = write(tmp_path, f"{pid}.bpmn", models.chain(pid, []))

    async def body(client: ZeebeClient, _: grpc.aio.Channel) -> None:
        await client.deploy_resource(resource)
        result = await client.run_process_with_result(pid, variables={"a": 1, "b": "二"}, timeout=10_000)
        assert result.variables == {"a": 1, "b": "二"}
        fetched = await client.run_process_with_result(
            pid, variables={"a": 1, "b": 2}, timeout=10_000, variables_to_fetch=["b"]
        )
        assert fetched.variables == {"b": 2}

    with_client(gateway, body)


def test_worker_completes_retries_and_throws_bpmn_errors(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("worker")
    resource = write(tmp_path, f"{pid}.bpmn", models.worker_flow(pid))
    attempts: dict[int, int] = {}

    async def body(client: ZeebeClient, channel: grpc.aio.Channel) -> None:
        await client.deploy_resource(resource)
        worker = ZeebeWorker(channel, name="test-worker", request_timeout=2_000)

        @worker.task(task_type="wf-complete")
        async def complete(caseId: str) -> dict[str, Any]:
            return {"completedBy": "wf-complete", "caseId": caseId}

        @worker.task(task_type="wf-retry")
        async def retry(job: Job) -> dict[str, Any]:
            attempts[job.process_instance_key] = attempts.get(job.process_instance_key, 0) + 1
            if attempts[job.process_instance_key] == 1:
                raise RuntimeError("transient failure")  # pyzeebe fails the job with retries - 1
            return {"retriesLeft": job.retries, "attempts": attempts[job.process_instance_key]}

        @worker.task(task_type="wf-check")
        async def check(reject: bool) -> dict[str, Any]:
            if reject:
                raise BusinessError("REJECTED")  # pyzeebe throws the BPMN error with this code
            return {"checked": True}

        @worker.task(task_type="wf-rejected")
        async def rejected() -> dict[str, Any]:
            return {"handledRejection": True}

        work = asyncio.create_task(worker.work())
        try:
            accepted, refused = await asyncio.gather(
                client.run_process_with_result(pid, {"caseId": "C-1", "reject": False}, timeout=30_000),
                client.run_process_with_result(pid, {"caseId": "C-2", "reject": True}, timeout=30_000),
            )
        finally:
            await worker.stop()
            await work
        assert accepted.variables["completedBy"] == "wf-complete"
        assert accepted.variables["attempts"] == 2
        assert accepted.variables["retriesLeft"] == 2  # failed once with 3 retries
        assert accepted.variables["checked"] is True
        assert "handledRejection" not in accepted.variables
        assert refused.variables["handledRejection"] is True
        assert "checked" not in refused.variables

    with_client(gateway, body)


def test_job_timeout_reactivates_after_clock_moves(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("timeout")
    job_type = f"{pid}-slow"
    resource = write(tmp_path, f"{pid}.bpmn", models.chain(pid, [job_type]))

    async def body(client: ZeebeClient, channel: grpc.aio.Channel) -> None:
        await client.deploy_resource(resource)
        await client.run_process(pid)
        stub = GatewayStub(channel)
        request = pb.ActivateJobsRequest(
            type=job_type, worker="w1", timeout=60_000, maxJobsToActivate=5, requestTimeout=10_000
        )
        first = [job async for response in stub.ActivateJobs(request, timeout=20) for job in response.jobs]
        assert len(first) == 1
        assert first[0].worker == "w1" and first[0].retries == 3
        # the job is activated: a second activation finds nothing
        quick = pb.ActivateJobsRequest(
            type=job_type, worker="w2", timeout=60_000, maxJobsToActivate=5, requestTimeout=-1
        )
        assert [job async for response in stub.ActivateJobs(quick, timeout=20) for job in response.jobs] == []
        # move the engine's clock past the job deadline: the job times out and can be activated again
        with gateway.rest() as rest:
            assert rest.post("/v2/clock/add", json={"milliseconds": 61_000}).status_code == 204
        request.worker = "w2"
        again = [job async for response in stub.ActivateJobs(request, timeout=20) for job in response.jobs]
        assert [job.key for job in again] == [first[0].key]
        assert again[0].worker == "w2"
        assert again[0].deadline > first[0].deadline
        await stub.CompleteJob(pb.CompleteJobRequest(jobKey=again[0].key, variables="{}"))

    with_client(gateway, body)


def test_long_poll_waits_and_wakes_when_a_job_appears(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("poll")
    job_type = f"{pid}-task"
    resource = write(tmp_path, f"{pid}.bpmn", models.chain(pid, [job_type]))

    async def body(client: ZeebeClient, channel: grpc.aio.Channel) -> None:
        await client.deploy_resource(resource)
        stub = GatewayStub(channel)

        async def activate(request_timeout: int) -> tuple[list[Any], float]:
            request = pb.ActivateJobsRequest(
                type=job_type, worker="w", timeout=30_000, maxJobsToActivate=1, requestTimeout=request_timeout
            )
            started = time.monotonic()
            jobs = [job async for response in stub.ActivateJobs(request, timeout=40) for job in response.jobs]
            return jobs, time.monotonic() - started

        jobs, waited = await activate(1_500)
        assert jobs == [] and waited >= 1.4, "an empty long poll must hold the request for requestTimeout"
        polling = asyncio.create_task(activate(30_000))
        created = await client.run_process(pid, {"n": 7})
        jobs, waited = await polling
        assert [job.processInstanceKey for job in jobs] == [created.process_instance_key]
        assert json.loads(jobs[0].variables) == {"n": 7}
        assert waited < 15, "the poll must be answered when the job is created, not at requestTimeout"

    with_client(gateway, body)


def test_publish_message_correlates_and_rejects_duplicate_ids(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    pid = unique("message")
    name = f"{pid}-approved"
    resource = write(tmp_path, f"{pid}.bpmn", models.message_flow(pid, name))

    async def body(client: ZeebeClient, _: grpc.aio.Channel) -> None:
        await client.deploy_resource(resource)
        waiting = asyncio.create_task(client.run_process_with_result(pid, {"caseId": "M-1"}, timeout=20_000))
        await client.publish_message(
            name, correlation_key="M-1", variables={"approved": True}, time_to_live_in_milliseconds=60_000
        )
        result = await waiting
        assert result.variables == {"caseId": "M-1", "approved": True}
        message_id = uuid.uuid4().hex
        published = await client.publish_message(
            name, "nobody", time_to_live_in_milliseconds=60_000, message_id=message_id
        )
        assert published.key > 0
        with pytest.raises(MessageAlreadyExistsError):
            await client.publish_message(
                name, "nobody", time_to_live_in_milliseconds=60_000, message_id=message_id
            )

    with_client(gateway, body)


def test_typed_errors(gateway: RunningGateway, tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.bpmn", b"<bpmn:definitions this is not xml")

    async def body(client: ZeebeClient, channel: grpc.aio.Channel) -> None:
        with pytest.raises(ProcessDefinitionNotFoundError):
            await client.run_process(unique("no-such-process"))
        with pytest.raises(InvalidJSONError):
            await client.run_process(unique("any"), variables={"x": float("nan")})  # NaN is not JSON
        with pytest.raises(ProcessInvalidError):
            await client.deploy_resource(broken)
        with pytest.raises(JobNotFoundError):
            await ZeebeAdapter(channel).complete_job(job_key=(1 << 51) + 987_654_321, variables={})

    with_client(gateway, body)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ("{not json", "Property 'variables' is invalid: Expected document to be valid JSON"),
        (
            "[1, 2]",
            "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'",
        ),
    ],
)
def test_malformed_variables_name_the_field(gateway: RunningGateway, variables: str, expected: str) -> None:
    with grpc.insecure_channel(gateway.address) as channel, pytest.raises(grpc.RpcError) as raised:
        GatewayStub(channel).CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="whatever", version=-1, variables=variables)
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert expected in raised.value.details()


def test_streaming_worker_receives_pushed_jobs(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("streamed")
    job_type = f"{pid}-task"
    resource = write(tmp_path, f"{pid}.bpmn", models.chain(pid, [job_type]))

    async def body(client: ZeebeClient, channel: grpc.aio.Channel) -> None:
        await client.deploy_resource(resource)
        # a long poll of 60 s: jobs can only arrive quickly through the stream or a wake-up
        worker = ZeebeWorker(
            channel, name="streamer", request_timeout=60_000, stream_enabled=True, stream_request_timeout=60
        )

        @worker.task(task_type=job_type)
        async def handle(n: int) -> dict[str, Any]:
            return {"squared": n * n}

        work = asyncio.create_task(worker.work())
        try:
            results = await asyncio.gather(
                *(client.run_process_with_result(pid, {"n": n}, timeout=20_000) for n in range(5))
            )
        finally:
            await worker.stop()
            work.cancel()
        assert sorted(result.variables["squared"] for result in results) == [0, 1, 4, 9, 16]

    with_client(gateway, body)


def test_worker_job_times_out_and_is_reactivated(gateway: RunningGateway, tmp_path: Path) -> None:
    """A stuck handler's job times out when the engine clock passes its deadline; the worker gets it again."""
    pid = unique("stuck")
    job_type = f"{pid}-slow"
    resource = write(tmp_path, f"{pid}.bpmn", models.chain(pid, [job_type]))
    seen: list[tuple[int, int]] = []

    def advance_clock() -> None:
        with gateway.rest() as rest:
            assert rest.post("/v2/clock/add", json={"milliseconds": 61_000}).status_code == 204

    async def body(client: ZeebeClient, channel: grpc.aio.Channel) -> None:
        await client.deploy_resource(resource)
        worker = ZeebeWorker(channel, name="stuck-worker", request_timeout=2_000)
        finished = asyncio.Event()

        @worker.task(task_type=job_type, timeout_ms=60_000)
        async def slow(job: Job) -> dict[str, Any]:
            seen.append((job.key, job.retries))
            if len(seen) == 1:
                await asyncio.to_thread(advance_clock)  # the job's 60 s run out while this handler hangs
                await finished.wait()  # returns only after the second attempt completed the instance
                return {"finishedBy": "first attempt"}  # too late: the job is gone (NOT_FOUND, logged)
            return {"finishedBy": "second attempt"}

        work = asyncio.create_task(worker.work())
        try:
            result = await client.run_process_with_result(pid, timeout=30_000)
        finally:
            finished.set()
            await worker.stop()
            await work
        assert result.variables == {"finishedBy": "second attempt"}

    with_client(gateway, body)
    assert len(seen) == 2
    assert seen[0][0] == seen[1][0], "the same job is activated again"
    assert seen[0][1] == seen[1][1] == 3, "a timeout does not use up a retry"
