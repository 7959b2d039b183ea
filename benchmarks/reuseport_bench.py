"""Would several gateway processes on one port (SO_REUSEPORT) in front of the one engine process pay
on this machine? (issue 17, item 5)

    .venv/bin/python benchmarks/reuseport_bench.py [--seconds 8] [--rounds 3]

Measures grpc-python's ceiling, not the gateway: unary calls/s served by

- ``1 process``: one grpc.aio server process with an empty handler (today's shape: one GIL);
- ``2 processes``: two such processes sharing the port through SO_REUSEPORT;
- ``2 processes + hop``: the same two, each call also making a round trip over a Unix socket to one
  back-end process (the "engine"), the cheapest local channel a split gateway would need;

driven by two client processes, rounds interleaved, with calls per CPU-second of all server-side
processes (what the split costs) next to calls per wall second (what it gains, if a core is free).
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
from pathlib import Path
from typing import Any

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- processes ----------------------------------------------------------------------------------


async def backend(path: str) -> None:
    """The stand-in engine: answers each 4-byte-framed request with an empty frame."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = struct.unpack("!I", await reader.readexactly(4))[0]
                await reader.readexactly(size)
                writer.write(struct.pack("!I", 0))
        except (asyncio.IncompleteReadError, ConnectionResetError):
            writer.close()

    server = await asyncio.start_unix_server(serve, path)
    async with server:
        await server.serve_forever()


async def gateway(port: int, hop: str | None) -> None:
    link: list[Any] = []
    lock = asyncio.Lock()

    async def topology(request: bytes, context: Any) -> bytes:
        if hop is not None:
            if not link:
                link.extend(await asyncio.open_unix_connection(hop))
            reader, writer = link
            async with lock:  # one request in flight on the link at a time (a pipelined link would do better)
                writer.write(struct.pack("!I", len(request)) + request)
                size = struct.unpack("!I", await reader.readexactly(4))[0]
                await reader.readexactly(size)
        return b""

    handler = grpc.method_handlers_generic_handler(
        "gateway_protocol.Gateway", {"Topology": grpc.unary_unary_rpc_method_handler(topology)}
    )
    server = grpc.aio.server(options=[("grpc.so_reuseport", 1)])
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def client(address: str, seconds: float, concurrency: int, out: str) -> None:
    channel = grpc.aio.insecure_channel(address)
    stub = GatewayStub(channel)
    calls = 0
    end = time.monotonic() + seconds

    async def loop() -> None:
        nonlocal calls
        while time.monotonic() < end:
            await stub.Topology(pb.TopologyRequest(), timeout=30)
            calls += 1

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    await channel.close()
    Path(out).write_text(str(calls))


# --- driver -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def run(shape: str, seconds: float) -> tuple[float, float]:
    """(calls per wall second, calls per server-side CPU-second) for one shape."""
    me = [sys.executable, __file__]
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        servers: list[subprocess.Popen[bytes]] = []
        hop = None
        if shape == "2 processes + hop":
            hop = str(Path(tmp) / "engine.sock")
            servers.append(subprocess.Popen([*me, "backend", hop]))
            while not Path(hop).exists():
                time.sleep(0.02)
        count = 1 if shape == "1 process" else 2
        for _ in range(count):
            servers.append(subprocess.Popen([*me, "gateway", str(port), *([hop] if hop else [])]))
        try:
            _wait_port(port)
            time.sleep(0.5)  # both gateways listening
            before = sum(cpu_seconds(s.pid) for s in servers)
            outs = [str(Path(tmp) / f"calls-{i}") for i in range(2)]
            clients = [
                subprocess.Popen([*me, "client", f"127.0.0.1:{port}", str(seconds), out]) for out in outs
            ]
            for c in clients:
                c.wait()
            used = sum(cpu_seconds(s.pid) for s in servers) - before
            calls = sum(int(Path(out).read_text()) for out in outs)
        finally:
            for s in servers:
                s.kill()
                s.wait()
    return calls / seconds, calls / used


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "backend":
        asyncio.run(backend(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "gateway":
        asyncio.run(gateway(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        asyncio.run(client(sys.argv[2], float(sys.argv[3]), 32, sys.argv[4]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shapes = ("1 process", "2 processes", "2 processes + hop")
    results: dict[str, list[tuple[float, float]]] = {shape: [] for shape in shapes}
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the machine is shared)")
    for _ in range(args.rounds):
        for shape in shapes:
            results[shape].append(run(shape, args.seconds))
    for shape in shapes:
        wall = [r[0] for r in results[shape]]
        cpu = [r[1] for r in results[shape]]
        print(
            f"{shape:18s}: calls/s min {min(wall):6.0f} median {statistics.median(wall):6.0f} "
            f"max {max(wall):6.0f}; per server CPU-second median {statistics.median(cpu):6.0f}"
        )


if __name__ == "__main__":
    main()
