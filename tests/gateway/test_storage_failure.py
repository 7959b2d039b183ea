"""A full disk under a running engine: commands are refused UNAVAILABLE and health turns NOT_SERVING.

The engine's data lives on a small tmpfs that the test fills, so SQLite's commit really fails with
"database or disk is full". Needs root (mount); skipped elsewhere.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from xietong.engine.gateway.local_server import HEALTH_SERVICE, LocalServer


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    command = ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)]
    mounted = subprocess.run(command, capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> None:
    """Writes until the filesystem refuses: nothing is left for the engine's next commit."""
    with (disk / "filler").open("wb", buffering=0) as filler:
        block = b"\0" * 65536
        try:
            while True:
                filler.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        try:
            while True:
                filler.write(b"\0")
        except OSError as error:
            assert error.errno == errno.ENOSPC


def test_a_full_disk_stops_the_engine_visibly(small_disk: Path, tmp_path: Path) -> None:
    with LocalServer(data_dir=small_disk / "data", log_file=tmp_path / "engine.log") as server:
        with grpc.insecure_channel(server.address) as channel:
            gateway = GatewayStub(channel)
            model = pb.Resource(name="full.bpmn", content=models.chain("full_disk", ["full-work"]))
            gateway.DeployResource(pb.DeployResourceRequest(resources=[model]))
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(service=HEALTH_SERVICE), timeout=60)
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING

            fill(small_disk)
            big = json.dumps({"evidence": "x" * 200_000})
            with pytest.raises(grpc.RpcError) as refused:
                gateway.CreateProcessInstance(
                    pb.CreateProcessInstanceRequest(bpmnProcessId="full_disk", version=-1, variables=big)
                )
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "the engine stopped after a storage failure: database or disk is full" in (
                refused.value.details()
            )

            # health follows at once (a stream, not a poll), and the topology says which partition
            assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
            watch.cancel()
            partition = gateway.Topology(pb.TopologyRequest()).brokers[0].partitions[0]
            assert partition.health == pb.Partition.UNHEALTHY
            rest = server.rest.get("/v2/topology").json()
            assert rest["brokers"][0]["partitions"][0]["health"] == "unhealthy"

            # later commands are refused the same way; the process stays up for operators to look at
            with pytest.raises(grpc.RpcError) as later:
                gateway.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="full_disk"))
            assert later.value.code() == grpc.StatusCode.UNAVAILABLE
        assert server.process is not None and server.process.poll() is None
    assert "engine stopped after a storage failure" in server.log(tail=20_000)
