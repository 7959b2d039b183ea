"""A full disk at start, while running and at stop (issue 15, item 4 and 6): the engine says "full",
keeps everything it acknowledged, exits 0 on SIGTERM, and recovers once there is room again."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.test_storage_failure import fill, small_disk  # noqa: F401 (a fixture)
from xietong.engine.gateway.local_server import LocalServer, LocalServerError


def test_full_disk_running_stopping_starting_and_recovering(small_disk: Path, tmp_path: Path) -> None:  # noqa: F811
    server = LocalServer(data_dir=small_disk / "data", log_file=tmp_path / "engine.log")
    server.start()
    acknowledged: list[int] = []
    with grpc.insecure_channel(server.address) as channel:
        gateway = GatewayStub(channel)
        model = pb.Resource(name="full.bpmn", content=models.chain("full_disk", ["full-work"]))
        gateway.DeployResource(pb.DeployResourceRequest(resources=[model]), timeout=20)
        for _ in range(5):
            created = gateway.CreateProcessInstance(
                pb.CreateProcessInstanceRequest(bpmnProcessId="full_disk", version=-1), timeout=20
            )
            acknowledged.append(created.processInstanceKey)
        fill(small_disk)
        with pytest.raises(grpc.RpcError) as refused:
            gateway.CreateProcessInstance(
                pb.CreateProcessInstanceRequest(
                    bpmnProcessId="full_disk", variables='{"x": "' + "y" * 300_000 + '"}'
                ),
                timeout=20,
            )
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "database or disk is full; the disk holding" in refused.value.details()
        assert "is full (" in refused.value.details()
    # SIGTERM on a full disk: a clean exit, the final checkpoint's failure logged, no traceback
    assert server.stop() == 0
    assert "Traceback" not in server.log(tail=50_000)

    with pytest.raises(LocalServerError) as not_started:
        LocalServer(data_dir=small_disk / "data", log_file=tmp_path / "again.log").start()
    assert "is full (" in str(not_started.value)
    assert "not an engine database" not in str(not_started.value)

    (small_disk / "filler").unlink()  # room again: everything acknowledged is there
    with LocalServer(data_dir=small_disk / "data", log_file=tmp_path / "recovered.log") as recovered:
        for key in acknowledged:
            answer = recovered.rest.get(f"/v2/process-instances/{key}")
            assert answer.status_code == 200, answer.text
            assert answer.json()["state"] == "ACTIVE"
