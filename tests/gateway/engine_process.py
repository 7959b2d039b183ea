"""Starting and stopping a real engine process for tests and benchmarks.

``start_gateway`` runs ``xietong engine serve`` on free loopback ports; ``wait_healthy`` polls the gRPC
health service against a deadline; ``stop_gateway`` sends SIGTERM and returns the exit code.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
XIETONG = Path(sys.executable).with_name("xietong")
STARTUP_DEADLINE_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningGateway:
    address: str
    rest_url: str
    data_dir: Path
    log_file: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def rest(self) -> httpx.Client:
        return httpx.Client(base_url=self.rest_url, timeout=30)


def wait_healthy(
    gateway: RunningGateway,
    credentials: grpc.ChannelCredentials | None = None,
    host_override: str | None = None,
) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    options = [("grpc.ssl_target_name_override", host_override)] if host_override else []
    while True:
        if gateway.process.poll() is not None:
            raise RuntimeError(f"engine exited with {gateway.process.returncode}:\n{gateway.log()}")
        if credentials is None:
            channel = grpc.insecure_channel(gateway.address)
        else:
            channel = grpc.secure_channel(gateway.address, credentials, options=options)
        with channel:
            try:
                response = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service="gateway_protocol.Gateway"), timeout=1
                )
                if response.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"engine not healthy after {STARTUP_DEADLINE_S} s:\n{gateway.log()}")
        time.sleep(0.1)  # polling interval, not synchronisation: the loop ends on health, not on time


def start_gateway(tmp: Path, *extra: str, env: dict[str, str] | None = None) -> RunningGateway:
    grpc_port, rest_port = free_port(), free_port()
    data_dir = tmp / "data"
    log_file = tmp / "engine.log"
    command = [
        str(XIETONG),
        "engine",
        "serve",
        "--address",
        f"127.0.0.1:{grpc_port}",
        "--rest-address",
        f"127.0.0.1:{rest_port}",
        "--data",
        str(data_dir),
        *extra,
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=log_file.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "XIETONG_LOG_LEVEL": "INFO", **(env or {})},
    )
    return RunningGateway(
        f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{rest_port}", data_dir, log_file, process
    )


def stop_gateway(gateway: RunningGateway) -> int:
    if gateway.process.poll() is None:
        gateway.process.send_signal(signal.SIGTERM)
        try:
            gateway.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gateway.process.kill()
            gateway.process.wait()
    return gateway.process.returncode
