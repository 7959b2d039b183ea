"""Protocol details real clients depend on, checked with grpcio and pyzeebe's generated stubs."""

from __future__ import annotations

import asyncio
import json
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.errors import DecisionNotFoundError
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.engine_process import RunningGateway


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def deploy(stub: GatewayStub, pid: str, content: bytes) -> pb.DeployResourceResponse:
    return stub.DeployResource(
        pb.DeployResourceRequest(resources=[pb.Resource(name=f"{pid}.bpmn", content=content)])
    )


def test_health_and_topology(gateway: RunningGateway) -> None:
    with grpc.insecure_channel(gateway.address) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="gateway_protocol.Gateway"), timeout=5
        )
        topology = GatewayStub(channel).Topology(pb.TopologyRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert (topology.clusterSize, topology.partitionsCount, topology.replicationFactor) == (1, 1, 1)
    [broker] = topology.brokers
    assert f"{broker.host}:{broker.port}" == gateway.address
    assert [(p.partitionId, p.role, p.health) for p in broker.partitions] == [
        (1, pb.Partition.LEADER, pb.Partition.HEALTHY)
    ]
    assert topology.gatewayVersion == broker.version == "8.8.0"


def test_gzip_and_empty_authorization_header_are_accepted(gateway: RunningGateway) -> None:
    with grpc.insecure_channel(gateway.address, compression=grpc.Compression.Gzip) as channel:
        topology = GatewayStub(channel).Topology(
            pb.TopologyRequest(), metadata=[("authorization", "")], timeout=5
        )
    assert topology.clusterSize == 1


def test_deploy_resource_sets_metadata_oneof(gateway: RunningGateway) -> None:
    pid = unique("oneof")
    with grpc.insecure_channel(gateway.address) as channel:
        response = deploy(GatewayStub(channel), pid, models.chain(pid, []))
    assert [d.WhichOneof("Metadata") for d in response.deployments] == ["process"]
    assert response.deployments[0].process.bpmnProcessId == pid
    assert response.tenantId == "<default>"


@pytest.mark.slow
def test_frequent_keepalive_pings_do_not_close_the_connection(gateway: RunningGateway) -> None:
    """grpc-core's defaults answer pings more often than every 5 min with GOAWAY too_many_pings.

    Measured here: against a server with default options this call fails after about 5 s with
    UNAVAILABLE "Too many pings"; the 8 s long poll therefore proves the relaxed policy.
    """
    options = [
        ("grpc.keepalive_time_ms", 200),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ]
    with grpc.insecure_channel(gateway.address, options=options) as channel:
        request = pb.ActivateJobsRequest(
            type=unique("nobody"), worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=8_000
        )
        responses = list(GatewayStub(channel).ActivateJobs(request, timeout=20))
        topology = GatewayStub(channel).Topology(pb.TopologyRequest(), timeout=5)
    assert responses == [] or all(not r.jobs for r in responses)
    assert topology.clusterSize == 1


def test_oversized_request_is_refused(gateway: RunningGateway) -> None:
    huge = json.dumps({"blob": "x" * (5 * 1024 * 1024)})
    unlimited = [("grpc.max_send_message_length", -1)]
    with grpc.insecure_channel(gateway.address, options=unlimited) as ch, pytest.raises(grpc.RpcError) as err:
        GatewayStub(ch).CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="any", version=-1, variables=huge), timeout=10
        )
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_other_tenants_are_refused_as_with_multi_tenancy_disabled(gateway: RunningGateway) -> None:
    with grpc.insecure_channel(gateway.address) as channel, pytest.raises(grpc.RpcError) as err:
        GatewayStub(channel).CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="any", version=-1, tenantId="tenant-b"), timeout=5
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "multi-tenancy is disabled" in err.value.details()


def test_absent_features_answer_without_crashing_clients(gateway: RunningGateway) -> None:
    async def body() -> None:
        channel = create_insecure_channel(grpc_address=gateway.address)
        try:
            with pytest.raises(DecisionNotFoundError):
                await ZeebeClient(channel).evaluate_decision(
                    decision_key=None, decision_id="no-such-decision"
                )
        finally:
            await channel.close()

    asyncio.run(body())
    with grpc.insecure_channel(gateway.address) as channel, pytest.raises(grpc.RpcError) as err:
        GatewayStub(channel).MigrateProcessInstance(
            pb.MigrateProcessInstanceRequest(processInstanceKey=(1 << 51) + 999_999_999), timeout=5
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_job_stream_pushes_jobs_as_they_are_created(gateway: RunningGateway) -> None:
    pid = unique("stream")
    job_type = f"{pid}-task"
    with grpc.insecure_channel(gateway.address) as channel:
        stub = GatewayStub(channel)
        deploy(stub, pid, models.chain(pid, [job_type]))
        stream = stub.StreamActivatedJobs(
            pb.StreamActivatedJobsRequest(type=job_type, worker="streamer", timeout=30_000), timeout=30
        )
        keys = [
            stub.CreateProcessInstance(
                pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1, variables=json.dumps({"i": i}))
            ).processInstanceKey
            for i in range(3)
        ]
        received = [next(stream) for _ in keys]
        stream.cancel()
        for job in received:
            stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key))
    assert sorted(job.processInstanceKey for job in received) == sorted(keys)
    assert {job.worker for job in received} == {"streamer"}


def test_signal_broadcast_and_set_variables(gateway: RunningGateway) -> None:
    pid = unique("vars")
    job_type = f"{pid}-task"
    with grpc.insecure_channel(gateway.address) as channel:
        stub = GatewayStub(channel)
        deploy(stub, pid, models.chain(pid, [job_type]))
        created = stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1))
        stub.SetVariables(
            pb.SetVariablesRequest(
                elementInstanceKey=created.processInstanceKey, variables='{"status": "reviewed"}'
            )
        )
        request = pb.ActivateJobsRequest(
            type=job_type, worker="w", timeout=30_000, maxJobsToActivate=1, requestTimeout=10_000
        )
        [job] = [job for response in stub.ActivateJobs(request, timeout=20) for job in response.jobs]
        signal = stub.BroadcastSignal(pb.BroadcastSignalRequest(signalName=unique("nobody-listens")))
        stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key))
    assert json.loads(job.variables) == {"status": "reviewed"}
    assert signal.key > 0 and signal.tenantId == "<default>"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"type": " ", "timeout": 1000, "maxJobsToActivate": 1}, "'type'"),
        ({"type": "t", "timeout": 0, "maxJobsToActivate": 1}, "'timeout'"),
        ({"type": "t", "timeout": 1000, "maxJobsToActivate": 0}, "'maxJobsToActivate'"),
    ],
)
def test_invalid_activation_requests_name_the_field(
    gateway: RunningGateway, fields: dict, named: str
) -> None:
    with grpc.insecure_channel(gateway.address) as channel, pytest.raises(grpc.RpcError) as err:
        list(GatewayStub(channel).ActivateJobs(pb.ActivateJobsRequest(worker="w", **fields), timeout=5))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert named in err.value.details()


def test_large_job_batches_are_split_over_several_responses(gateway: RunningGateway) -> None:
    pid = unique("big")
    job_type = f"{pid}-task"
    blob = json.dumps({"blob": "x" * 1_500_000})  # three jobs exceed half the 4 MiB message limit
    with grpc.insecure_channel(gateway.address) as channel:
        stub = GatewayStub(channel)
        deploy(stub, pid, models.chain(pid, [job_type]))
        for _ in range(3):
            stub.CreateProcessInstance(
                pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1, variables=blob)
            )
        request = pb.ActivateJobsRequest(
            type=job_type, worker="w", timeout=60_000, maxJobsToActivate=3, requestTimeout=-1
        )
        responses = list(stub.ActivateJobs(request, timeout=30))
        for response in responses:
            for job in response.jobs:
                stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key))
    assert sum(len(response.jobs) for response in responses) == 3
    assert len(responses) >= 2


def test_migrating_an_existing_instance_names_the_missing_feature(gateway: RunningGateway) -> None:
    pid = unique("migrate")
    with grpc.insecure_channel(gateway.address) as channel:
        stub = GatewayStub(channel)
        deploy(stub, pid, models.message_flow(pid, f"{pid}-m"))
        created = stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1, variables='{"caseId": "m"}')
        )
        with pytest.raises(grpc.RpcError) as err:
            stub.MigrateProcessInstance(
                pb.MigrateProcessInstanceRequest(processInstanceKey=created.processInstanceKey), timeout=5
            )
        stub.CancelProcessInstance(
            pb.CancelProcessInstanceRequest(processInstanceKey=created.processInstanceKey)
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "does not support process instance migration" in err.value.details()


def test_a_lone_job_stream_gets_every_job_of_a_burst(gateway: RunningGateway) -> None:
    """No poller helps here: a wake-up lost between activation and push would strand a job."""
    pid = unique("burst")
    job_type = f"{pid}-task"
    with grpc.insecure_channel(gateway.address) as channel:
        stub = GatewayStub(channel)
        deploy(stub, pid, models.chain(pid, [job_type]))
        stream = stub.StreamActivatedJobs(
            pb.StreamActivatedJobsRequest(type=job_type, worker="lone", timeout=60_000), timeout=30
        )
        pending = [
            stub.CreateProcessInstance.future(pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1))
            for _ in range(25)
        ]
        keys = sorted(call.result().processInstanceKey for call in pending)
        received = []
        for job in stream:
            received.append(job.processInstanceKey)
            stub.CompleteJob.future(pb.CompleteJobRequest(jobKey=job.key))
            if len(received) == len(keys):
                break
        stream.cancel()
    assert sorted(received) == keys
