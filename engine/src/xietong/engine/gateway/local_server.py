"""The embedded engine as a child process, reached only through its gRPC and REST ports.

The demo, the tests and the benchmarks all need "an engine like a cluster, but here": this starts
``xietong engine serve`` on free loopback ports, waits until the gRPC health service says SERVING
(or the child dies, which is reported with its log), and stops it with SIGTERM as an operator would.
Nothing here reaches into the engine's process; clients talk to it as they would to Zeebe.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

STARTUP_DEADLINE_S = 60.0
STOP_DEADLINE_S = 30.0
HEALTH_SERVICE = "gateway_protocol.Gateway"


class LocalServerError(RuntimeError):
    """The child engine did not come up (or went away); the message carries the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalServer:
    """A running ``xietong engine serve`` child; use as a context manager or call start()/stop()."""

    data_dir: Path
    log_file: Path
    extra_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    grpc_port: int = field(default_factory=free_port)
    rest_port: int = field(default_factory=free_port)
    #: With a (self-signed) certificate and key both APIs use TLS; clients trust the certificate.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: With a token the gateway accepts only ``Authorization: Bearer <token>``; the REST client sends it.
    token: str | None = None
    process: subprocess.Popen[bytes] | None = None
    _rest: httpx.Client | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def rest_url(self) -> str:
        scheme = "http" if self.tls_cert is None else "https"
        return f"{scheme}://127.0.0.1:{self.rest_port}"

    @property
    def rest(self) -> httpx.Client:
        """A REST client for the Orchestration Cluster API v2 of this engine."""
        if self._rest is None:
            verify: ssl.SSLContext | bool = True
            if self.tls_cert is not None:
                verify = ssl.create_default_context(cafile=str(self.tls_cert))
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            self._rest = httpx.Client(base_url=self.rest_url, timeout=30, verify=verify, headers=headers)
        return self._rest

    def channel_credentials(self) -> grpc.ChannelCredentials | None:
        """What a gRPC client needs to reach this server (None: plaintext)."""
        if self.tls_cert is None:
            return None
        return grpc.ssl_channel_credentials(self.tls_cert.read_bytes())

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-tail:]
        except FileNotFoundError:
            return ""

    def start(
        self, credentials: grpc.ChannelCredentials | None = None, host_override: str | None = None
    ) -> None:
        """Starts the child and waits until healthy; ``credentials`` for a TLS set up via extra_args."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("LocalServer: give both tls_cert and tls_key, or neither")
        secured = (
            []
            if self.tls_cert is None
            else ["--tls-cert", str(self.tls_cert), "--tls-key", str(self.tls_key)]
        )
        tokens = {} if self.token is None else {"XIETONG_GATEWAY_TOKENS": json.dumps([self.token])}
        command = [
            sys.executable, "-m", "xietong", "engine", "serve",
            "--address", self.address,
            "--rest-address", f"127.0.0.1:{self.rest_port}",
            "--data", str(self.data_dir),
            *secured,
            *self.extra_args,
        ]  # fmt: skip
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **tokens, **self.env},
            )
        self.wait_healthy(credentials or self.channel_credentials(), host_override)

    def wait_healthy(
        self, credentials: grpc.ChannelCredentials | None = None, host_override: str | None = None
    ) -> None:
        """Polls the gRPC health service until SERVING; the loop ends on health or a deadline."""
        assert self.process is not None, "start() first"
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        options = [("grpc.ssl_target_name_override", host_override)] if host_override else []
        while True:
            if self.process.poll() is not None:
                raise LocalServerError(f"engine exited with {self.process.returncode}:\n{self.log()}")
            channel = (
                grpc.insecure_channel(self.address)
                if credentials is None
                else grpc.secure_channel(self.address, credentials, options=options)
            )
            with channel:
                try:
                    response = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(service=HEALTH_SERVICE), timeout=1
                    )
                    if response.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
            if time.monotonic() > deadline:
                raise LocalServerError(f"engine not healthy after {STARTUP_DEADLINE_S} s:\n{self.log()}")
            time.sleep(0.1)  # polling interval between health probes

    def stop(self) -> int:
        """SIGTERM, then the exit code (0 on a clean shutdown); kills after a deadline."""
        if self._rest is not None:
            self._rest.close()
            self._rest = None
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class PinnedClock:
    """The engine's clock pinned over REST, mirrored locally for clients that need "now" too.

    On a live system workers and engine both read real time; when a test or the demo pins the
    engine's clock, the workers must see the same time or their due dates drift from the timers.
    """

    def __init__(self, server: LocalServer, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("PinnedClock needs an aware datetime")
        self._server = server
        self.now = start
        response = server.rest.put("/v2/clock", json={"timestamp": int(start.timestamp() * 1000)})
        if response.status_code != 204:
            raise LocalServerError(f"PUT /v2/clock answered {response.status_code}: {response.text}")

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        response = self._server.rest.post(
            "/v2/clock/add", json={"milliseconds": int(delta.total_seconds() * 1000)}
        )
        if response.status_code != 204:
            raise LocalServerError(f"POST /v2/clock/add answered {response.status_code}: {response.text}")
        self.now += delta
