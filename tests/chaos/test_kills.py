"""Chaos: SIGKILL the engine at random moments under a gRPC workload of several clients, and SIGKILL a
worker that holds jobs. What the engine acknowledged must survive; every instance must complete once
workers drain; no job whose completion was acknowledged may be handed out again.

Short in CI (3 engine kills); ``XIETONG_CHAOS_KILLS=20`` (or more) for the long run. The figures are
printed (kills, instances, lost, duplicates) so a long run can be read without a debugger.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway.models import chain
from xietong.engine.gateway.local_server import LocalServer

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("XIETONG_CHAOS_KILLS", "3"))
CLIENTS = 3
WORKERS = 2
PROCESS_ID = "chaos"
JOB_TYPE = "chaos-step"
JOB_TIMEOUT_MS = 60_000
DRAIN_DEADLINE_S = 120


@dataclass
class Ledger:
    """What the engine acknowledged to its clients, and anything it handed out that it should not have."""

    created: set[int] = field(default_factory=set)
    completed_jobs: set[int] = field(default_factory=set)
    redelivered: list[int] = field(default_factory=list)
    acks: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def ack(self, bucket: set[int], key: int) -> None:
        with self.changed:
            bucket.add(key)
            self.acks += 1
            self.changed.notify_all()

    def wait_for_acks(self, count: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.acks >= count, timeout)


def creator(address: str, ledger: Ledger, stop: threading.Event) -> None:
    with grpc.insecure_channel(address) as channel:
        stub = GatewayStub(channel)
        while not stop.is_set():
            try:
                # wait_for_ready: while the engine is down the call waits for it to come back, no polling
                response = stub.CreateProcessInstance(
                    pb.CreateProcessInstanceRequest(bpmnProcessId=PROCESS_ID, version=-1, variables="{}"),
                    timeout=10,
                    wait_for_ready=True,
                )
            except grpc.RpcError:
                continue  # not acknowledged: the engine may or may not have it, the test claims nothing
            ledger.ack(ledger.created, response.processInstanceKey)


def worker(address: str, ledger: Ledger, stop: threading.Event) -> None:
    with grpc.insecure_channel(address) as channel:
        stub = GatewayStub(channel)
        while not stop.is_set():
            request = pb.ActivateJobsRequest(
                type=JOB_TYPE, worker="chaos", timeout=JOB_TIMEOUT_MS, maxJobsToActivate=20,
                requestTimeout=500,
            )
            try:
                for response in stub.ActivateJobs(request, timeout=10, wait_for_ready=True):
                    for job in response.jobs:
                        with ledger.changed:
                            if job.key in ledger.completed_jobs:
                                ledger.redelivered.append(job.key)
                        try:
                            stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key), timeout=10)
                        except grpc.RpcError:
                            continue  # not acknowledged (engine killed, or a lost ack: NOT_FOUND later)
                        ledger.ack(ledger.completed_jobs, job.key)
            except grpc.RpcError:
                continue


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[LocalServer]:
    server = LocalServer(data_dir=tmp_path / "data", log_file=tmp_path / "engine.log",
                         env={"XIETONG_LOG_LEVEL": "WARNING"})
    server.start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            GatewayStub(channel).DeployResource(
                pb.DeployResourceRequest(
                    resources=[pb.Resource(name="chaos.bpmn", content=chain(PROCESS_ID, [JOB_TYPE] * 3))]
                ),
                timeout=30,
            )
        yield server
    finally:
        server.stop()


def instance_states(server: LocalServer, keys: set[int]) -> dict[int, str]:
    """Each acknowledged instance's state as the REST API reports it ("MISSING" when it does not)."""
    states = {}
    for key in sorted(keys):
        answer = server.rest.get(f"/v2/process-instances/{key}")
        states[key] = answer.json()["state"] if answer.status_code == 200 else "MISSING"
    return states


def test_engine_sigkill_under_load_loses_nothing_acknowledged(engine: LocalServer) -> None:
    ledger, stop_creating, stop_working = Ledger(), threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=creator, args=(engine.address, ledger, stop_creating), daemon=True)
        for _ in range(CLIENTS)
    ] + [
        threading.Thread(target=worker, args=(engine.address, ledger, stop_working), daemon=True)
        for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    chance = random.Random(os.environ.get("XIETONG_CHAOS_SEED", "0"))
    try:
        for _ in range(KILLS):
            target = ledger.acks + chance.randint(30, 300)  # a random point mid-load
            assert ledger.wait_for_acks(target, timeout=120), "the workload stalled before a kill"
            assert engine.process is not None
            engine.process.send_signal(signal.SIGKILL)
            engine.process.wait(timeout=30)
            engine.start()  # same ports, same data: the clients reconnect by themselves
        assert ledger.wait_for_acks(ledger.acks + 50, timeout=120), "no progress after the last restart"
    finally:
        stop_creating.set()
    # Jobs whose activation answer was lost in a kill stay activated until their timeout: move the
    # engine's clock past it so they come back to the workers, then let the workers drain.
    assert engine.rest.post("/v2/clock/add", json={"milliseconds": JOB_TIMEOUT_MS + 1_000}).status_code == 204
    deadline = time.monotonic() + DRAIN_DEADLINE_S
    states = instance_states(engine, ledger.created)
    while any(s == "ACTIVE" for s in states.values()) and time.monotonic() < deadline:
        ledger.wait_for_acks(ledger.acks + 1, timeout=2)  # the workers' progress paces the re-check
        states = instance_states(engine, {k for k, s in states.items() if s == "ACTIVE"}) | {
            k: s for k, s in states.items() if s != "ACTIVE"
        }
    stop_working.set()
    lost = sorted(k for k, s in states.items() if s == "MISSING")
    unfinished = sorted(k for k, s in states.items() if s not in ("COMPLETED", "MISSING"))
    print(
        f"\nchaos: {KILLS} engine kills, {len(ledger.created)} acknowledged instances, "
        f"{len(ledger.completed_jobs)} acknowledged job completions, lost {len(lost)}, "
        f"unfinished {len(unfinished)}, re-delivered completed jobs {len(ledger.redelivered)}"
    )
    assert ledger.created, "no instance was acknowledged: the workload never ran"
    assert lost == [], "acknowledged instances are gone after a kill"
    assert ledger.redelivered == [], "a job whose completion was acknowledged was activated again"
    assert unfinished == [], f"instances did not complete once workers drained:\n{engine.log()[-3000:]}"


HOLDER = """
import sys
import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

stub = GatewayStub(grpc.insecure_channel(sys.argv[1]))
request = pb.ActivateJobsRequest(type=sys.argv[2], worker="holder", timeout=300000, maxJobsToActivate=100,
                                 requestTimeout=5000)
for response in stub.ActivateJobs(request, timeout=30):
    print(" ".join(str(job.key) for job in response.jobs), flush=True)
    break
sys.stdin.read()  # holds the jobs until it is killed
"""


def test_a_killed_worker_jobs_come_back_after_their_timeout(engine: LocalServer) -> None:
    with grpc.insecure_channel(engine.address) as channel:
        stub = GatewayStub(channel)
        created = {
            stub.CreateProcessInstance(
                pb.CreateProcessInstanceRequest(bpmnProcessId=PROCESS_ID, version=-1), timeout=10
            ).processInstanceKey
            for _ in range(5)
        }
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, engine.address, JOB_TYPE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert holder.stdout is not None
        held = {int(key) for key in holder.stdout.readline().split()}
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert len(held) == 5
        again = pb.ActivateJobsRequest(type=JOB_TYPE, worker="w", timeout=60_000, maxJobsToActivate=100,
                                       requestTimeout=200)
        early = [job.key for r in stub.ActivateJobs(again, timeout=10) for job in r.jobs]
        assert early == [], "jobs held by a (dead) worker came back before their timeout"
        assert engine.rest.post("/v2/clock/add", json={"milliseconds": 300_001}).status_code == 204
        returned = {job.key for r in stub.ActivateJobs(again, timeout=10) for job in r.jobs}
        assert returned == held
        pending = list(returned)
        while pending:  # three steps per instance: complete whatever is activatable until none is left
            for key in pending:
                stub.CompleteJob(pb.CompleteJobRequest(jobKey=key), timeout=10)
            pending = [job.key for r in stub.ActivateJobs(again, timeout=10) for job in r.jobs]
    assert set(instance_states(engine, created).values()) == {"COMPLETED"}
