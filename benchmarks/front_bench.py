"""Would a gRPC front outside Python pay? (issue 17, item 5; measurement prototype, not product code)

    .venv/bin/python benchmarks/front_bench.py [--calls 5000] [--rounds 3] [--clients 1] [--stream]

grpc.aio's own work (~0.33 ms CPU a unary call here) shares the engine process's interpreter lock
with the engine, which caps the engine at ~0.78 of an empty grpc.aio handler's calls per CPU-second.
This measures the alternative: a Node 20 ``@grpc/grpc-js`` front (benchmarks/front/server.js) that
never decodes protobuf and forwards each call's method, ``authorization`` and raw bytes over one Unix
socket (length-prefixed frames, many per write) to a Python asyncio back end, which decodes the request
with pyzeebe's generated classes, answers an empty TopologyResponse and encodes it. Unary ``Topology``
calls from grpc.aio client processes, rounds interleaved, against:

- ``grpc.aio``: an empty grpc.aio handler in one process (today's floor, as gateway_bench.py's);
- ``front``: Node front + Python back end; printed twice, per CPU-second of (b) the Python back end
  alone — what the engine process would have left for its own work — and (c) Node + back end together;
- ``front, task/call``: the same with each call run as an asyncio task in the back end (as the
  engine's handlers are coroutines), so the cost of that shape is visible too;
- ``grpc-js``: the Node server answering by itself (grpc-js's own floor, no back end).

``--stream`` adds a server-streaming pass (StreamActivatedJobs shape: one request, ``--messages``
ActivatedJob messages pushed by the server, each encoded as it is sent) through grpc.aio and through
the front, in messages/s and messages per CPU-second.

CPU is user + system time of the server-side processes from /proc (all threads), which the other load
on this shared machine distorts less than calls per wall second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from pyzeebe import create_insecure_channel
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

HERE = Path(__file__).resolve().parent
SERVER_JS = HERE / "front" / "server.js"
ACCEPTED_TOKEN = "Bearer bench"  # the back end refuses any other non-empty authorization (a sanity check)

# frame kinds (see server.js)
CALL, CANCEL = 0, 1
MESSAGE, STATUS, UNARY_MESSAGE = 0, 1, 2
UNAUTHENTICATED, UNIMPLEMENTED = 16, 12


def cpu_seconds(pid: int) -> float:
    """CPU time of a process's live threads so far, in nanoseconds' precision (/proc/PID/task/*/schedstat).

    /proc/PID/stat counts in 10 ms ticks, too coarse for the back end (5,000 calls cost it ~0.1 s);
    the servers' threads live as long as they do, so no thread's time is lost between two readings.
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended just now
    return total / 1e9


def tick_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, ended threads included, in 10 ms ticks (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def activated_job(i: int) -> bytes:
    """One pushed job, encoded as the engine would for each job it streams."""
    encoded: bytes = pb.ActivatedJob(
        key=2251799813685249 + i,
        type="bench-step-1",
        processInstanceKey=2251799813685000,
        bpmnProcessId="bench-ten",
        processDefinitionVersion=1,
        processDefinitionKey=2251799813684000,
        elementId="step-1",
        elementInstanceKey=2251799813685100 + i,
        customHeaders="{}",
        worker="bench",
        retries=3,
        deadline=1_764_000_000_000,
        variables='{"i": 1}',
        tenantId="<default>",
    ).SerializeToString()
    return encoded


# --- the Python back end behind the front --------------------------------------------------------


class BackendProtocol(asyncio.Protocol):
    """Reads the front's frames, answers each call; answers of one loop turn share one write."""

    def __init__(self, messages: int, tasks: bool) -> None:
        self.messages = messages
        self.tasks = tasks
        self.buffer = bytearray()
        self.out: list[bytes] = []
        self.flush_scheduled = False
        self.cancelled: set[int] = set()
        self.transport: asyncio.Transport | None = None
        self.unary: dict[str, Callable[[bytes, str], bytes]] = {"Topology": self.topology}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        offset = 0
        end = len(buffer)
        while end - offset >= 4:
            (size,) = struct.unpack_from("!I", buffer, offset)
            if end - offset - 4 < size:
                break
            self.frame(bytes(buffer[offset + 4 : offset + 4 + size]))
            offset += 4 + size
        del buffer[:offset]

    def frame(self, frame: bytes) -> None:
        call_id, kind = struct.unpack_from("!IB", frame)
        if kind == CANCEL:
            self.cancelled.add(call_id)
            return
        method_length = frame[5]
        method = frame[6 : 6 + method_length].decode("latin-1")
        (auth_length,) = struct.unpack_from("!H", frame, 6 + method_length)
        auth_end = 8 + method_length + auth_length
        authorization = frame[8 + method_length : auth_end].decode()
        payload = frame[auth_end:]
        if self.tasks:
            asyncio.get_running_loop().create_task(self.call_async(call_id, method, authorization, payload))
        else:
            self.call(call_id, method, authorization, payload)

    async def call_async(self, call_id: int, method: str, authorization: str, payload: bytes) -> None:
        self.call(call_id, method, authorization, payload)

    def call(self, call_id: int, method: str, authorization: str, payload: bytes) -> None:
        if authorization and authorization != ACCEPTED_TOKEN:
            self.status(call_id, UNAUTHENTICATED, "Expected a valid token, but the token was rejected")
            return
        if method == "StreamActivatedJobs":
            request = pb.StreamActivatedJobsRequest.FromString(payload)
            for i in range(self.messages):
                self.send(call_id, MESSAGE, activated_job(i))
            del request
            self.status(call_id, 0, "")
            return
        handler = self.unary.get(method)
        if handler is None:
            self.status(call_id, UNIMPLEMENTED, f"Method not found: gateway_protocol.Gateway/{method}")
            return
        self.send(call_id, UNARY_MESSAGE, handler(payload, authorization))

    def topology(self, payload: bytes, authorization: str) -> bytes:
        pb.TopologyRequest.FromString(payload)
        encoded: bytes = pb.TopologyResponse().SerializeToString()
        return encoded

    def status(self, call_id: int, code: int, details: str) -> None:
        self.send(call_id, STATUS, struct.pack("!I", code) + details.encode())

    def send(self, call_id: int, kind: int, body: bytes) -> None:
        self.out.append(struct.pack("!IIB", 5 + len(body), call_id, kind))
        self.out.append(body)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self.flush_scheduled = False
        out, self.out = self.out, []
        assert self.transport is not None
        self.transport.write(b"".join(out))


async def serve_backend(path: str, messages: int, tasks: bool) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_unix_server(lambda: BackendProtocol(messages, tasks), path)
    async with server:
        await server.serve_forever()


# --- today's floor: an empty grpc.aio handler ----------------------------------------------------


async def serve_empty(port: int, messages: int) -> None:
    """grpc.aio with an empty Topology handler (bytes in, bytes out) and a job-pushing stream."""

    async def topology(request: bytes, context: Any) -> bytes:
        return b""

    async def stream_jobs(request: bytes, context: Any) -> AsyncIterator[bytes]:
        pb.StreamActivatedJobsRequest.FromString(request)
        for i in range(messages):
            yield activated_job(i)

    handler = grpc.method_handlers_generic_handler(
        "gateway_protocol.Gateway",
        {
            "Topology": grpc.unary_unary_rpc_method_handler(topology),
            "StreamActivatedJobs": grpc.unary_stream_rpc_method_handler(stream_jobs),
        },
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


# --- client processes ----------------------------------------------------------------------------


async def run_client(address: str, calls: int, concurrency: int, stream: bool) -> None:
    """Warm up, say ready, wait for the go line on stdin, make the calls, print how many messages."""
    channel = create_insecure_channel(grpc_address=address)
    stub = GatewayStub(channel)
    semaphore = asyncio.Semaphore(concurrency)
    received = 0

    async def one() -> None:
        nonlocal received
        async with semaphore:
            if stream:
                request = pb.StreamActivatedJobsRequest(type="bench-step-1", worker="bench", timeout=60_000)
                async for _ in stub.StreamActivatedJobs(request, timeout=60):
                    received += 1
            else:
                await stub.Topology(pb.TopologyRequest(), timeout=30)
                received += 1

    await asyncio.gather(*(one() for _ in range(max(20, calls // 5))))  # warm-up (and V8's JIT)
    received = 0
    print("ready", flush=True)
    sys.stdin.readline()
    await asyncio.gather(*(one() for _ in range(calls)))
    await channel.close()
    print(received, flush=True)


# --- driver --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, servers: list[subprocess.Popen[bytes]]) -> None:
    for _ in range(400):
        if any(s.poll() is not None for s in servers):
            raise RuntimeError("a server process exited before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.025)
    raise RuntimeError(f"nothing listens on {port}")


@dataclass
class Servers:
    """The server-side processes of one shape: the Python one(s) and Node, if any."""

    port: int
    python: subprocess.Popen[bytes] | None = None
    node: subprocess.Popen[bytes] | None = None
    all: list[subprocess.Popen[bytes]] = field(default_factory=list)


def start(shape: str, tmp: Path, messages: int) -> Servers:
    me = [sys.executable, __file__]
    servers = Servers(port=_free_port())
    if shape == "grpc.aio":
        servers.python = subprocess.Popen(
            [*me, "empty", "--port", str(servers.port), "--messages", str(messages)]
        )
    elif shape == "grpc-js":
        servers.node = subprocess.Popen(
            ["node", str(SERVER_JS), "--port", str(servers.port), "--empty"], stdout=subprocess.DEVNULL
        )
    else:
        path = str(tmp / f"engine-{servers.port}.sock")
        tasks = ["--tasks"] if shape == "front, task/call" else []
        servers.python = subprocess.Popen(
            [*me, "backend", "--socket", path, "--messages", str(messages), *tasks]
        )
        for _ in range(400):
            if Path(path).exists():
                break
            time.sleep(0.025)
        servers.node = subprocess.Popen(
            ["node", str(SERVER_JS), "--port", str(servers.port), "--socket", path], stdout=subprocess.DEVNULL
        )
    servers.all = [p for p in (servers.python, servers.node) if p is not None]
    _wait_port(servers.port, servers.all)
    return servers


def stop(servers: Servers) -> None:
    for process in servers.all:
        process.kill()
        process.wait()


@dataclass
class Result:
    """One shape in one round: messages per wall second and CPU-seconds of each server process."""

    messages: int
    seconds: float
    python_cpu: float
    node_cpu: float
    tick_cpu: float  # all server processes, by /proc/PID/stat: a cross-check of the two above
    latencies: list[float] = field(default_factory=list)  # ms, one call at a time


def drive(port: int, servers: Servers, calls: int, clients: int, concurrency: int, stream: bool) -> Result:
    command = [sys.executable, __file__, "client", "--address", f"127.0.0.1:{port}"]
    command += ["--calls", str(calls // clients), "--concurrency", str(concurrency)]
    if stream:
        command.append("--stream")
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(clients)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a client failed during its warm-up")
        python_before = cpu_seconds(servers.python.pid) if servers.python else 0.0
        node_before = cpu_seconds(servers.node.pid) if servers.node else 0.0
        ticks_before = sum(tick_cpu_seconds(p.pid) for p in servers.all)
        started = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        messages = 0
        for proc in procs:
            assert proc.stdout is not None
            messages += int(proc.stdout.readline())
        seconds = time.perf_counter() - started
        python_cpu = cpu_seconds(servers.python.pid) - python_before if servers.python else 0.0
        node_cpu = cpu_seconds(servers.node.pid) - node_before if servers.node else 0.0
        tick_cpu = sum(tick_cpu_seconds(p.pid) for p in servers.all) - ticks_before
    finally:
        for proc in procs:
            proc.wait()
    return Result(messages, seconds, python_cpu, node_cpu, tick_cpu)


def latencies(port: int, samples: int) -> list[float]:
    """Milliseconds of one Topology call at a time (an idle gateway): what the front's hop adds."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = GatewayStub(channel)
        measured = []
        for i in range(samples + 50):
            started = time.perf_counter()
            stub.Topology(pb.TopologyRequest(), timeout=10)
            if i >= 50:
                measured.append((time.perf_counter() - started) * 1000)
    return measured


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def check_front(port: int, messages: int) -> None:
    """The front answers as a gateway would: a response, the back end's statuses, a stream's messages."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = GatewayStub(channel)
        stub.Topology(pb.TopologyRequest(), metadata=[("authorization", ACCEPTED_TOKEN)], timeout=10)
        refused: list[tuple[Callable[[], object], str]] = [
            (
                lambda: stub.Topology(pb.TopologyRequest(), metadata=[("authorization", "Bearer no")]),
                "UNAUTHENTICATED",
            ),
            (lambda: stub.CompleteJob(pb.CompleteJobRequest(jobKey=1)), "UNIMPLEMENTED"),
        ]
        for call, code in refused:
            try:
                call()
            except grpc.RpcError as error:
                if error.code().name != code:
                    raise RuntimeError(
                        f"front answered {error.code()} {error.details()}, expected {code}"
                    ) from None
            else:
                raise RuntimeError(f"front answered without the back end's {code}")
        jobs = list(stub.StreamActivatedJobs(pb.StreamActivatedJobsRequest(type="bench-step-1"), timeout=10))
        if len(jobs) != messages or jobs[-1].key != 2251799813685249 + messages - 1:
            raise RuntimeError(f"front streamed {len(jobs)} jobs, expected {messages}")


def summary(label: str, rates: list[float], per_cpu: list[float], unit: str) -> str:
    return (
        f"  {label:34s} {unit}/s min {min(rates):6.0f} median {statistics.median(rates):6.0f} "
        f"max {max(rates):6.0f}; per CPU-second min {min(per_cpu):6.0f} "
        f"median {statistics.median(per_cpu):6.0f} max {max(per_cpu):6.0f}"
    )


def measure(args: argparse.Namespace, stream: bool) -> None:
    shapes = ["grpc.aio", "front"] if stream else ["grpc.aio", "front", "front, task/call", "grpc-js"]
    calls = args.stream_calls if stream else args.calls
    concurrency = args.stream_concurrency if stream else args.concurrency
    results: dict[str, list[Result]] = {shape: [] for shape in shapes}
    with tempfile.TemporaryDirectory(prefix="xietong-front-") as tmp:
        for _ in range(args.rounds):
            for shape in shapes:
                servers = start(shape, Path(tmp), args.messages)
                try:
                    if shape == "front" and not stream:
                        check_front(servers.port, args.messages)
                    result = drive(servers.port, servers, calls, args.clients, concurrency, stream)
                    if not stream and args.latency_samples:
                        result.latencies = latencies(servers.port, args.latency_samples)
                    results[shape].append(result)
                finally:
                    stop(servers)
    unit = "messages" if stream else "calls"
    title = (
        f"server streaming: {calls} StreamActivatedJobs calls of {args.messages} messages, "
        f"{concurrency} in flight"
        if stream
        else f"unary Topology: {calls} calls, {concurrency} in flight"
    )
    print(f"{title}, {args.clients} client process(es), {args.rounds} rounds interleaved")
    rows: list[tuple[str, str, Callable[[Result], float]]] = [
        ("grpc.aio", "(a) empty grpc.aio server", lambda r: r.python_cpu),
        ("front", "(b) front: Python back end alone", lambda r: r.python_cpu),
        ("front", "(c) front: Node + back end", lambda r: r.python_cpu + r.node_cpu),
        ("front", "    front: Node alone", lambda r: r.node_cpu),
        ("front, task/call", "(b') task/call: back end alone", lambda r: r.python_cpu),
        ("front, task/call", "(c') task/call: Node + back end", lambda r: r.python_cpu + r.node_cpu),
        ("grpc-js", "(d) grpc-js answering itself", lambda r: r.node_cpu),
    ]
    for shape, label, cpu in rows:
        if shape not in results:
            continue
        runs = results[shape]
        print(
            summary(label, [r.messages / r.seconds for r in runs], [r.messages / cpu(r) for r in runs], unit)
        )
    if not stream and args.latency_samples:
        print(f"one call at a time ({args.latency_samples} calls a round, rounds pooled):")
        for shape in shapes:
            values = [v for r in results[shape] for v in r.latencies]
            print(
                f"  {shape:34s} p50 {percentile(values, 0.5):5.2f} ms  p99 {percentile(values, 0.99):5.2f} ms"
            )
    drift = max(
        abs(r.tick_cpu - (r.python_cpu + r.node_cpu)) / r.tick_cpu for runs in results.values() for r in runs
    )
    print(f"  (server CPU by schedstat and by /proc/PID/stat ticks differ by at most {drift:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="mode")
    backend = sub.add_parser("backend")
    backend.add_argument("--socket", required=True)
    backend.add_argument("--messages", type=int, required=True)
    backend.add_argument("--tasks", action="store_true")
    empty = sub.add_parser("empty")
    empty.add_argument("--port", type=int, required=True)
    empty.add_argument("--messages", type=int, required=True)
    client = sub.add_parser("client")
    client.add_argument("--address", required=True)
    client.add_argument("--calls", type=int, required=True)
    client.add_argument("--concurrency", type=int, required=True)
    client.add_argument("--stream", action="store_true")
    parser.add_argument("--calls", type=int, default=5000, help="unary calls per shape and round")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight per client")
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-samples", type=int, default=300, help="0: no one-at-a-time calls")
    parser.add_argument("--stream", action="store_true", help="also the server-streaming pass")
    parser.add_argument("--stream-calls", type=int, default=200)
    parser.add_argument("--stream-concurrency", type=int, default=8)
    parser.add_argument("--messages", type=int, default=100, help="messages per streaming call")
    args = parser.parse_args()
    if args.mode == "backend":
        asyncio.run(serve_backend(args.socket, args.messages, args.tasks))
    elif args.mode == "empty":
        asyncio.run(serve_empty(args.port, args.messages))
    elif args.mode == "client":
        asyncio.run(run_client(args.address, args.calls, args.concurrency, args.stream))
    else:
        print(f"front_bench: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
        measure(args, stream=False)
        if args.stream:
            measure(args, stream=True)
        print(f"front_bench: load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
