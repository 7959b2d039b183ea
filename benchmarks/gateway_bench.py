"""End-to-end figures through gRPC: an engine process, pyzeebe workers in other processes.

Prints, for the 10-service-task process, completed instances per second with 1 and with 10
worker processes, and the job activation latency (job created -> worker holds it, p50/p99) with
long polling, with job streaming, and with 10 workers. Goal: >= 150 instances/s on 2 cores.

    .venv/bin/python benchmarks/gateway_bench.py [--instances 300] [--samples 100]

Latency is measured as the time from sending CreateProcessInstance (whose response comes after
the job exists) to the worker's handler starting, on the same machine clock.

Also (issue 17): the idle round trip of a 10-task instance (one instance at a time, one worker,
polling and streaming, p50/p99), and how many gRPC calls the engine process serves per CPU-second
against what grpc-python serves per CPU-second with an empty handler, measured in the same run
(``--only ratio``; the worker counts its calls with a client interceptor).
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
from typing import Any

import grpc

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


class CallCounter(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    """Counts the worker's gRPC calls (activations, completions, streams) for the calls-per-CPU figure."""

    def __init__(self) -> None:
        self.calls = 0

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self.calls += 1
        return await continuation(details, request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        self.calls += 1
        return await continuation(details, request)


async def run_worker(address: str, job_types: list[str], stream: bool, count_file: str | None = None) -> None:
    counter = CallCounter()
    if count_file:
        channel = grpc.aio.insecure_channel(address, interceptors=[counter])
    else:
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
    if count_file:
        Path(count_file).write_text(str(counter.calls))


def spawn_workers(
    address: str, count: int, job_types: list[str], stream: bool, count_file: str | None = None
) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, __file__, "worker", "--address", address, "--types", ",".join(job_types)]
    if stream:
        command.append("--stream")
    if count_file:
        command += ["--count-file", count_file]
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


async def round_trips(address: str, pid: str, samples: int) -> list[float]:
    """One instance at a time, start to end (CreateProcessInstanceWithResult), in ms: an idle engine."""
    channel = create_insecure_channel(grpc_address=address)
    stub = GatewayStub(channel)
    measured = []
    for i in range(samples + 3):
        sent = time.perf_counter()
        request = pb.CreateProcessInstanceWithResultRequest(
            request=pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1), requestTimeout=60_000
        )
        await stub.CreateProcessInstanceWithResult(request, timeout=70)
        if i >= 3:
            measured.append((time.perf_counter() - sent) * 1000)
        await asyncio.sleep(0.02)  # idle between instances, as a county's engine mostly is
    await channel.close()
    return measured


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc), what other load on the machine does not distort."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _serve_empty(port: int) -> None:
    """A grpc.aio server whose Topology handler does nothing: grpc-python's own cost per call."""

    async def topology(request: bytes, context: Any) -> bytes:
        return b""

    handler = grpc.method_handlers_generic_handler(
        "gateway_protocol.Gateway", {"Topology": grpc.unary_unary_rpc_method_handler(topology)}
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def _call_topology(address: str, calls: int, concurrency: int) -> None:
    channel = create_insecure_channel(grpc_address=address)
    stub = GatewayStub(channel)
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await stub.Topology(pb.TopologyRequest(), timeout=30)

    await one()
    await asyncio.gather(*(one() for _ in range(calls)))
    await channel.close()


def empty_handler_rate(calls: int, concurrency: int) -> float:
    """Calls per CPU-second of a grpc.aio server process with an empty handler."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "empty", "--port", str(port)])
    try:
        for _ in range(100):  # until it listens
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        asyncio.run(_call_topology(f"127.0.0.1:{port}", 200, concurrency))  # warm-up
        before = cpu_seconds(server.pid)
        asyncio.run(_call_topology(f"127.0.0.1:{port}", calls, concurrency))
        used = cpu_seconds(server.pid) - before
    finally:
        server.kill()
        server.wait()
    return calls / used


def calls_per_cpu(
    address: str, engine_pid: int, instances: int, concurrency: int
) -> tuple[float, float, float]:
    """(instances/s, gRPC calls per engine CPU-second, calls per instance) with one polling worker."""
    with tempfile.TemporaryDirectory() as tmp:
        count_file = str(Path(tmp) / "calls")
        workers = spawn_workers(address, 1, TEN_TYPES, stream=False, count_file=count_file)
        try:
            asyncio.run(throughput(address, "bench-ten", 50, concurrency))  # warm-up
            before = cpu_seconds(engine_pid)
            rate = asyncio.run(throughput(address, "bench-ten", instances, concurrency))
            used = cpu_seconds(engine_pid) - before
        finally:
            stop_workers(workers)
        worker_calls = int(Path(count_file).read_text())
    driver_calls = instances + 51 + 1 + 1  # both runs' creations and warm-ups
    calls = worker_calls + driver_calls
    total_instances = instances + 51 + 1
    per_instance = calls / total_instances
    return rate, per_instance * instances / used, per_instance


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
    worker.add_argument("--count-file")
    empty = sub.add_parser("empty")
    empty.add_argument("--port", type=int, required=True)
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--address", help="use an engine (or a Zeebe cluster) already listening here")
    parser.add_argument(
        "--only", choices=["throughput", "latency", "roundtrip", "ratio"], help="run one part only"
    )
    args = parser.parse_args()
    if args.mode == "worker":
        asyncio.run(run_worker(args.address, args.types.split(","), args.stream, args.count_file))
        return
    if args.mode == "empty":
        asyncio.run(_serve_empty(args.port))
        return

    if args.address:
        measure(args.address, args)
        return
    with tempfile.TemporaryDirectory(prefix="xietong-bench-") as tmp:
        gateway = start_gateway(Path(tmp), env={"XIETONG_LOG_LEVEL": "WARNING"})
        try:
            measure(gateway.address, args, gateway.process.pid)
        finally:
            code = stop_gateway(gateway)
            if code != 0:
                print(gateway.log()[-4000:], file=sys.stderr)


def measure(address: str, args: argparse.Namespace, engine_pid: int | None = None) -> None:
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
                before = cpu_seconds(engine_pid) if engine_pid else 0.0
                rate = asyncio.run(throughput(address, "bench-ten", args.instances, args.concurrency))
                used = cpu_seconds(engine_pid) - before if engine_pid else 0.0
            finally:
                stop_workers(workers)
            mode = "streaming" if stream else "polling"
            per_cpu = f", {args.instances / used:6.1f} per engine CPU-second" if used else ""
            print(
                f"  throughput, {count:2d} worker process(es), {mode:9s}: {rate:7.1f} instances/s "
                f"({rate * 10:7.1f} jobs/s{per_cpu})"
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

    if args.only in (None, "roundtrip"):
        for label, stream in (("polling", False), ("streaming", True)):
            workers = spawn_workers(address, 1, TEN_TYPES, stream=stream)
            try:
                values = asyncio.run(round_trips(address, "bench-ten", args.samples))
            finally:
                stop_workers(workers)
            print(
                f"  idle 10-task round trip, 1 worker, {label:9s}: p50 {percentile(values, 0.5):6.1f} ms  "
                f"p99 {percentile(values, 0.99):6.1f} ms (n={len(values)}, one instance at a time)"
            )
    if args.only in (None, "ratio") and engine_pid is not None:
        rate, per_cpu, per_instance = calls_per_cpu(address, engine_pid, args.instances, args.concurrency)
        empty_rate = empty_handler_rate(3_000, args.concurrency)
        print(
            f"  gRPC calls per CPU-second: engine process {per_cpu:7.0f} "
            f"({per_instance:.1f} calls per instance, 1 polling worker, {rate:.1f} instances/s), "
            f"empty grpc.aio handler {empty_rate:7.0f}; "
            f"ratio {per_cpu / empty_rate:.2f}"
        )


if __name__ == "__main__":
    main()
