"""TLS and bearer tokens on a second engine process, started with both enabled."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyzeebe import ZeebeClient, create_secure_channel
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway.engine_process import RunningGateway, running_gateway, start_gateway

TOKEN = "s3cret-token-for-tests"
OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningGateway, bytes]]:
    if OPENSSL is None:
        pytest.skip("openssl not installed")
    tmp = tmp_path_factory.mktemp("secured")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    with running_gateway(
        tmp,
        "--tls-cert",
        str(cert),
        "--tls-key",
        str(key),
        env={"XIETONG_GATEWAY_TOKENS": json.dumps([TOKEN, "second-token"])},
        credentials=grpc.ssl_channel_credentials(cert.read_bytes()),
    ) as running:
        yield running, cert.read_bytes()


def topology(gateway: RunningGateway, ca: bytes, token: str | None) -> pb.TopologyResponse:
    with grpc.secure_channel(gateway.address, grpc.ssl_channel_credentials(ca)) as channel:
        metadata = [("authorization", f"Bearer {token}")] if token is not None else []
        return GatewayStub(channel).Topology(pb.TopologyRequest(), metadata=metadata, timeout=5)


def test_valid_token_over_tls_is_accepted(secured: tuple[RunningGateway, bytes]) -> None:
    gateway, ca = secured
    assert topology(gateway, ca, TOKEN).clusterSize == 1
    assert topology(gateway, ca, "second-token").clusterSize == 1


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_missing_or_wrong_token_is_unauthenticated(
    secured: tuple[RunningGateway, bytes], token: str | None
) -> None:
    gateway, ca = secured
    with pytest.raises(grpc.RpcError) as raised:
        topology(gateway, ca, token)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_streaming_rpc_is_guarded_too(secured: tuple[RunningGateway, bytes]) -> None:
    gateway, ca = secured
    with grpc.secure_channel(gateway.address, grpc.ssl_channel_credentials(ca)) as channel:
        request = pb.ActivateJobsRequest(
            type="x", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=-1
        )
        with pytest.raises(grpc.RpcError) as raised:
            list(GatewayStub(channel).ActivateJobs(request, timeout=5))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_health_needs_no_token_and_plaintext_is_refused(secured: tuple[RunningGateway, bytes]) -> None:
    gateway, ca = secured
    with grpc.secure_channel(gateway.address, grpc.ssl_channel_credentials(ca)) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    with grpc.insecure_channel(gateway.address) as channel, pytest.raises(grpc.RpcError) as raised:
        GatewayStub(channel).Topology(
            pb.TopologyRequest(), metadata=[("authorization", f"Bearer {TOKEN}")], timeout=5
        )
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_default_bind_is_loopback(tmp_path: Path) -> None:
    from xietong.engine.gateway.settings import GatewaySettings

    settings = GatewaySettings()
    assert settings.address.startswith("127.0.0.1:")
    assert settings.rest_address.startswith("127.0.0.1:")


def test_rest_is_served_over_tls_and_needs_the_token(
    secured: tuple[RunningGateway, bytes], tmp_path: Path
) -> None:
    gateway, ca = secured
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca)
    url = gateway.rest_url.replace("http://", "https://")
    context = ssl.create_default_context(cafile=str(ca_file))
    with httpx.Client(base_url=url, verify=context, timeout=10) as rest:
        refused = rest.get("/v2/topology")
        accepted = rest.get("/v2/topology", headers={"authorization": f"Bearer {TOKEN}"})
    assert refused.status_code == 401 and refused.json()["title"] == "Unauthorized"  # as Camunda 8.8
    assert accepted.status_code == 200 and accepted.json()["clusterSize"] == 1


def test_sigint_stops_the_engine_cleanly(tmp_path: Path) -> None:
    running = start_gateway(tmp_path)
    running.process.send_signal(signal.SIGINT)
    code = running.process.wait(timeout=30)
    assert code == 0, running.log()
    assert "gateway stopped" in running.log() and "engine stopped" in running.log()


def test_shutdown_answers_waiting_long_polls_at_once(tmp_path: Path) -> None:
    """A long poll must not hold SIGTERM up: it is answered (empty) as soon as shutdown begins."""
    running = start_gateway(tmp_path)
    try:
        with grpc.insecure_channel(running.address) as channel:
            request = pb.ActivateJobsRequest(
                type="idle", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=60_000
            )
            call = GatewayStub(channel).ActivateJobs(request, timeout=90)
            health = health_pb2_grpc.HealthStub(channel)
            # the poll is registered once the gateway has answered a later call on the same connection
            health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            running.process.send_signal(signal.SIGTERM)
            assert [response for response in call] == []
            code = running.process.wait(timeout=30)
    finally:
        if running.process.poll() is None:
            running.process.kill()
    assert code == 0, running.log()


def test_pyzeebe_connects_with_tls_and_token_as_documented(secured: tuple[RunningGateway, bytes]) -> None:
    gateway, ca = secured

    async def body() -> int:
        credentials = grpc.composite_channel_credentials(
            grpc.ssl_channel_credentials(ca), grpc.access_token_call_credentials(TOKEN)
        )
        channel = create_secure_channel(grpc_address=gateway.address, channel_credentials=credentials)
        try:
            return (await ZeebeClient(channel).topology()).cluster_size
        finally:
            await channel.close()

    assert asyncio.run(body()) == 1
