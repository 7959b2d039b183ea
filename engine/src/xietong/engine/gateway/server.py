"""The running gateway: gRPC (Zeebe's protocol + health) and REST (API v2) over one engine.

Channel options are chosen for the clients measured in DESIGN.md: clients ping every 45 s, which
grpc-core answers with GOAWAY ``too_many_pings`` unless pings without data are allowed; message
size limits bound what one request can make the engine hold in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import structlog
import uvicorn
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from xietong.engine.gateway.http_apps import with_http_apps
from xietong.engine.gateway.http_edge import BodyReadTimeout, PlainErrorsAsProblems, ProblemH11Protocol
from xietong.engine.gateway.job_signals import JobSignals
from xietong.engine.gateway.method_handlers import GATEWAY_SERVICE, add_gateway_service
from xietong.engine.gateway.rest import RestApi
from xietong.engine.gateway.service import EngineClient, GatewayService, topology
from xietong.engine.gateway.settings import GatewaySettings
from xietong.engine.identity.authentication import Authenticator
from xietong.engine.identity.grpc_guard import IdentityInterceptor
from xietong.engine.identity.guard import Guard
from xietong.engine.identity.store import IdentityStore

log = structlog.get_logger("xietong.gateway")


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"address {address!r}: expected host:port, e.g. 127.0.0.1:26500")
    return host.strip("[]"), int(port)


def channel_options(settings: GatewaySettings) -> list[tuple[str, Any]]:
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        # accept client keepalive pings (every 45 s in the Zeebe clients), also on idle connections
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
        ("grpc.http2.max_ping_strikes", 0),
        # our own keepalive finds dead clients holding long polls or job streams
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_timeout_ms", 20_000),
        ("grpc.so_reuseport", 0),
        ("grpc.optimization_target", settings.optimization_target),
    ]


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound here rather than by uvicorn, which exits the process on a bind error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class GatewayStartError(Exception):
    """The gateway could not start; the message says which address or file to fix."""


def server_credentials(cert: Path, key: Path) -> grpc.ServerCredentials:
    """The pair checked before binding: grpc would only say "Failed to bind" for a bad one."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as error:
        raise GatewayStartError(
            f"--tls-cert {cert} / --tls-key {key}: not a PEM certificate and its private key "
            f"({error.reason or error})"
        ) from None
    except OSError as error:
        raise GatewayStartError(f"--tls-cert {cert} / --tls-key {key}: {error.strerror}") from None
    return grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: the gateway owns SIGTERM/SIGINT and stops both servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Gateway:
    def __init__(self, engine: Any, settings: GatewaySettings) -> None:
        self.engine = engine
        self.settings = settings
        self._grpc: grpc.aio.Server | None = None
        self._health = HealthServicer()
        self._rest: _EmbeddedUvicorn | None = None
        self._rest_task: asyncio.Task[None] | None = None
        self._signals: JobSignals | None = None
        self._store: IdentityStore | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        signals = self._signals = JobSignals(loop)
        self.engine.add_job_listener(signals.notify)
        self.engine.add_failure_listener(
            lambda error: loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._not_serving(error)))
        )
        self.engine.watchdog.add_listener(
            lambda problem: loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._stalled(problem)))
        )
        client = EngineClient(self.engine, self.settings.max_inflight_commands)
        host, port = split_address(self.settings.address)

        # people and clients live in the engine's database; XIETONG_GATEWAY_TOKENS act as admin clients
        store = IdentityStore(self.engine.data_dir)
        self._store = store
        guard = Guard(self.engine, Authenticator(store, self.settings.tokens))
        server = grpc.aio.server(
            interceptors=[IdentityInterceptor(guard)], options=channel_options(self.settings)
        )
        add_gateway_service(GatewayService(client, signals, self.settings, host, port), server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        try:
            if self.settings.tls_cert and self.settings.tls_key:
                credentials = server_credentials(self.settings.tls_cert, self.settings.tls_key)
                server.add_secure_port(self.settings.address, credentials)
            else:
                server.add_insecure_port(self.settings.address)
        except RuntimeError as error:  # grpc says only "Failed to bind"; say what to check
            raise GatewayStartError(
                f"cannot listen on {self.settings.address} (gRPC): the port is in use or the host is not "
                f"an address of this machine ({error})"
            ) from None
        await server.start()
        self._grpc = server

        if self.settings.rest_address:
            rest_host, rest_port = split_address(self.settings.rest_address)
            app: Any = RestApi(
                client,
                lambda: rest_topology(host, port, self.settings.version, self.engine.healthy),
                self.settings.tokens,
                self.settings.request_timeout_ms,
                self.settings.max_message_bytes,
                guard,
                signals=signals,
                long_polling_timeout_ms=self.settings.long_polling_timeout_ms,
            ).app()
            app = with_http_apps(app)  # the web pages, where installed, next to /v2
            app = BodyReadTimeout(PlainErrorsAsProblems(app), self.settings.read_timeout_s)
            tls = self.settings.tls_cert
            config = uvicorn.Config(
                app,
                host=rest_host,
                port=rest_port,
                log_config=None,
                access_log=False,
                lifespan="off",
                http=ProblemH11Protocol.with_read_timeout(self.settings.read_timeout_s),
                ssl_certfile=str(tls) if tls else None,
                ssl_keyfile=str(self.settings.tls_key) if tls else None,
            )
            self._rest = _EmbeddedUvicorn(config)
            try:
                rest_socket = listening_socket(rest_host, rest_port)
            except OSError as error:
                await server.stop(None)
                raise GatewayStartError(
                    f"cannot listen on {self.settings.rest_address} (REST): {error}"
                ) from None
            self._rest_task = asyncio.create_task(self._rest.serve(sockets=[rest_socket]))
            while not self._rest.started:
                if self._rest_task.done():
                    await server.stop(None)
                    raise GatewayStartError(
                        f"REST API on {self.settings.rest_address} stopped while starting"
                    )
                await asyncio.sleep(0.01)  # uvicorn reports readiness only through this flag

        for service in ("", GATEWAY_SERVICE.full_name):
            await self._health.set(service, health_pb2.HealthCheckResponse.SERVING)
        log.info(
            "gateway serving",
            grpc=self.settings.address,
            rest=self.settings.rest_address or None,
            tls=bool(self.settings.tls_cert),
            auth="identity" if guard.protected else "none",
        )
        if not guard.protected:
            log.warning(
                "the API is unprotected: no people, clients or tokens are configured, so every call is "
                "accepted (as Camunda's unprotectedApi: true); add people with `xietong users add`"
            )

    async def _not_serving(self, error: BaseException) -> None:
        """After a storage failure the engine acknowledges nothing more: health says so, as an unhealthy
        Zeebe partition would, and the process stays up so that operators can see why."""
        log.error("engine stopped after a storage failure: health is NOT_SERVING", error=str(error))
        for service in ("", GATEWAY_SERVICE.full_name):
            await self._health.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)

    async def _stalled(self, problem: str | None) -> None:
        """While one batch holds the engine thread past the watchdog's bound nothing else is served:
        health says so, and recovers when the thread is free (unless the engine has failed)."""
        serving = problem is None and self.engine.failure is None
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for service in ("", GATEWAY_SERVICE.full_name):
            await self._health.set(service, status)

    async def stop(self, grace_s: float = 5.0) -> None:
        """Refuse new calls, let running ones finish within ``grace_s``, then stop REST."""
        await self._health.enter_graceful_shutdown()
        if self._signals is not None:
            self.engine.remove_job_listener(self._signals.notify)
            self._signals.close()
        if self._grpc is not None:
            await self._grpc.stop(grace_s)
        if self._rest is not None and self._rest_task is not None:
            self._rest.should_exit = True
            await self._rest_task
        if self._store is not None:
            self._store.close()
        log.info("gateway stopped")


def rest_topology(host: str, port: int, version: str, healthy: bool = True) -> dict[str, Any]:
    """Topology as API v2 shows it (lower-case role and health)."""
    grpc_topology = topology(host, port, version, healthy)
    broker = grpc_topology.brokers[0]
    return {
        "brokers": [
            {
                "nodeId": broker.nodeId,
                "host": broker.host,
                "port": broker.port,
                "partitions": [
                    {"partitionId": 1, "role": "leader", "health": "healthy" if healthy else "unhealthy"}
                ],
                "version": broker.version,
            }
        ],
        "clusterSize": 1,
        "partitionsCount": 1,
        "replicationFactor": 1,
        "gatewayVersion": version,
    }
