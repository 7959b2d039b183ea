"""The engine process the gateway tests and benchmark talk to, on top of ``LocalServer``.

``start_gateway`` runs ``xietong engine serve`` on free loopback ports and returns once the gRPC
health service says SERVING (polled against a deadline); ``stop_gateway`` sends SIGTERM and
returns the exit code, which must be 0 for a clean shutdown.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx

from xietong.engine.gateway.local_server import LocalServer, free_port

REPO = Path(__file__).resolve().parents[2]
XIETONG = Path(sys.executable).with_name("xietong")

__all__ = ["REPO", "XIETONG", "RunningGateway", "free_port", "start_gateway", "stop_gateway"]


@dataclass
class RunningGateway:
    server: LocalServer

    @property
    def address(self) -> str:
        return self.server.address

    @property
    def rest_url(self) -> str:
        return self.server.rest_url

    @property
    def process(self) -> subprocess.Popen[bytes]:
        assert self.server.process is not None
        return self.server.process

    def log(self) -> str:
        return self.server.log(tail=200_000)

    def rest(self) -> httpx.Client:
        """A fresh REST client, to be closed by the caller (``with gateway.rest() as rest``)."""
        return httpx.Client(base_url=self.rest_url, timeout=30)


def start_gateway(
    tmp: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    credentials: grpc.ChannelCredentials | None = None,
) -> RunningGateway:
    server = LocalServer(
        data_dir=tmp / "data",
        log_file=tmp / "engine.log",
        extra_args=extra,
        env={"XIETONG_LOG_LEVEL": "INFO", **(env or {})},
    )
    try:
        server.start(credentials)
    except BaseException:
        server.stop()
        raise
    return RunningGateway(server)


def stop_gateway(gateway: RunningGateway) -> int:
    return gateway.server.stop()
