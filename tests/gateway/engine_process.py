"""The engine process the gateway tests and benchmark talk to, on top of ``LocalServer``.

``running_gateway`` runs ``xietong engine serve`` on free loopback ports for a block, once the gRPC
health service says SERVING (polled against a deadline), and then stops it with SIGTERM, which must
end it cleanly (exit 0). ``start_gateway`` and ``stop_gateway`` are the two halves, for a test that
stops the engine its own way.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx

from tests.support import serving
from xietong.engine.gateway.local_server import LocalServer, free_port

REPO = Path(__file__).resolve().parents[2]
XIETONG = Path(sys.executable).with_name("xietong")

__all__ = [
    "REPO",
    "XIETONG",
    "RunningGateway",
    "free_port",
    "gateway_server",
    "running_gateway",
    "start_gateway",
    "stop_gateway",
]


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


def gateway_server(tmp: Path, *extra: str, env: dict[str, str] | None = None) -> LocalServer:
    """The engine process (not started yet): data and log in ``tmp``, ``extra`` serve arguments."""
    return LocalServer(
        data_dir=tmp / "data",
        log_file=tmp / "engine.log",
        extra_args=extra,
        env={"XIETONG_LOG_LEVEL": "INFO", **(env or {})},
    )


@contextmanager
def running_gateway(
    tmp: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    credentials: grpc.ChannelCredentials | None = None,
) -> Iterator[RunningGateway]:
    """The gateway for the block; its shutdown on SIGTERM after the block must be clean (exit 0)."""
    with serving(gateway_server(tmp, *extra, env=env), clean_stop=True, credentials=credentials) as server:
        yield RunningGateway(server)


def start_gateway(
    tmp: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    credentials: grpc.ChannelCredentials | None = None,
) -> RunningGateway:
    server = gateway_server(tmp, *extra, env=env)
    try:
        server.start(credentials)
    except BaseException:
        server.stop()
        raise
    return RunningGateway(server)


def stop_gateway(gateway: RunningGateway) -> int:
    return gateway.server.stop()
