"""End-to-end figures through gRPC: an engine process, pyzeebe workers in other processes.

Prints, for the 10-service-task process, completed instances per second with 1 and with 10
worker processes, and the job activation latency (job created -> worker holds it, p50/p99) with
long polling, with job streaming, and with 10 workers. Goal: >= 150 instances/s on 2 cores.

    .venv/bin/python benchmarks/gateway_bench.py [--instances 300] [--samples 100]

Latency is measured as the time from sending CreateProcessInstance (whose response comes after
the job exists) to the worker's handler starting, on the same machine clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyzeebe import ZeebeWorker, create_insecure_channel  # noqa: E402
from pyzeebe.proto import gateway_pb2 as pb  # noqa: E402
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub  # noqa: E402

from tests.gateway import models  # noqa: E402
from tests.gateway.engine_process import start_gateway, stop_gateway  # noqa: E402

TEN_TYPES = [f"bench-step-{i}" for i in range(1, 11)]
LATENCY_TYPE = "bench-latency"


# --- worker process -----------------------------------------------------------------------------


async def run_worker(address: str, job_types: list[str], stream: bool) -> None:
    channel = create_insecure_channel(grpc_address=address)
    worker = ZeebeWorker(channel, name=f"bench-{os.getpid()}", stream_enabled=stream)
    for job_type in job_types:
        if job_type == LATENCY_TYPE:

            @worker.task(task_type=job_type, max_jobs_to_activate=32, max_running_jobs=256)
            async def latency() -> dict[str, float]:
                return {"receivedAt": time.time()}
        else:

            @worker.task(task_type=job_type, max_jobs_to_activate=32, max_running_jobs=256)
            async def step() -> dict[str, int]:
                return {}

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(worker.stop()))
    await worker.work()
    await channel.close()


def spawn_workers(
    address: str, count: int, job_types: list[str], stream: bool
) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, __file__, "worker", "--address", address, "--types", ",".join(job_types)]
    if stream:
        command.append("--stream")
    return [subprocess.Popen(command, stdout=subprocess.DEVNULL) for _ in range(count)]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


# --- driver -------------------------------------------------------------------------------------


async def throughput(address: str, pid: str, instances: int, concurrency: int) -> float:
    channel = create_insecure_channel(grpc_address=address)
    stub = GatewayStub(channel)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            request = pb.CreateProcessInstanceWithResultRequest(
                request=pb.CreateProcessInstanceRequest(
                    bpmnProcessId=pid, version=-1, variables=json.dumps({"i": i})
                ),
                requestTimeout=120_000,
            )
            await stub.CreateProcessInstanceWithResult(request, timeout=130)

    await one(-1)  # warm-up: connections, caches
    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(instances)))
    elapsed = time.perf_counter() - started
    await channel.close()
    return instances / elapsed


async def latencies(address: str, pid: str, samples: int) -> list[float]:
    channel = create_insecure_channel(grpc_address=address)
    stub = GatewayStub(channel)
    measured = []
    for i in range(samples + 3):
        sent = time.time()
        request = pb.CreateProcessInstanceWithResultRequest(
            request=pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1), requestTimeout=60_000
        )
        response = await stub.CreateProcessInstanceWithResult(request, timeout=70)
        if i >= 3:  # the first instances warm the worker's streams and polls
            measured.append((json.loads(response.variables)["receivedAt"] - sent) * 1000)
    await channel.close()
    return measured


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def deploy(address: str, pid: str, content: bytes) -> None:
    import grpc

    with grpc.insecure_channel(address) as channel:
        GatewayStub(channel).DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name=f"{pid}.bpmn", content=content)])
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="mode")
    worker = sub.add_parser("worker")
    worker.add_argument("--address", required=True)
    worker.add_argument("--types", required=True)
    worker.add_argument("--stream", action="store_true")
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--address", help="use an engine (or a Zeebe cluster) already listening here")
    parser.add_argument("--only", choices=["throughput", "latency"], help="run one part only")
    args = parser.parse_args()
    if args.mode == "worker":
        asyncio.run(run_worker(args.address, args.types.split(","), args.stream))
        return

    if args.address:
        measure(args.address, args)
        return
    with tempfile.TemporaryDirectory(prefix="xietong-bench-") as tmp:
        gateway = start_gateway(Path(tmp), env={"XIETONG_LOG_LEVEL": "WARNING"})
        try:
            measure(gateway.address, args)
        finally:
            code = stop_gateway(gateway)
            if code != 0:
                print(gateway.log()[-4000:], file=sys.stderr)


def measure(address: str, args: argparse.Namespace) -> None:
    deploy(address, "bench-ten", models.chain("bench-ten", TEN_TYPES))
    deploy(address, "bench-one", models.chain("bench-one", [LATENCY_TYPE]))
    print(
        f"gateway_bench: engine at {address}; {args.instances} instances of a 10-service-task process, "
        f"{args.concurrency} in flight; load average {os.getloadavg()[0]:.1f}"
    )
    if args.only in (None, "throughput"):
        for count, stream in ((1, False), (1, True), (10, False), (10, True)):
            workers = spawn_workers(address, count, TEN_TYPES, stream=stream)
            try:
                rate = asyncio.run(throughput(address, "bench-ten", args.instances, args.concurrency))
            finally:
                stop_workers(workers)
            mode = "streaming" if stream else "polling"
            print(
                f"  throughput, {count:2d} worker process(es), {mode:9s}: {rate:7.1f} instances/s "
                f"({rate * 10:7.1f} jobs/s)"
            )
    if args.only in (None, "latency"):
        for label, count, stream in (
            ("polling", 1, False),
            ("streaming", 1, True),
            ("polling, 10 workers", 10, False),
        ):
            workers = spawn_workers(address, count, [LATENCY_TYPE], stream=stream)
            try:
                values = asyncio.run(latencies(address, "bench-one", args.samples))
            finally:
                stop_workers(workers)
            print(
                f"  activation latency, {label:20s}: p50 {percentile(values, 0.5):6.1f} ms  "
                f"p99 {percentile(values, 0.99):6.1f} ms  mean {statistics.fmean(values):6.1f} ms "
                f"(n={len(values)})"
            )


if __name__ == "__main__":
    main()
