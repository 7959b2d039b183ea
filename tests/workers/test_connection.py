"""Reaching a gateway the way a Camunda 8 cluster with Identity asks: OAuth 2.0 client credentials.

A real token endpoint (HTTPS, on loopback) issues the token the engine is configured to accept;
``xietong deploy`` (the workers' connection code) must fetch it with the configured client id,
secret and audience and send it over TLS. Wrong credentials and half-given settings are one line.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.workers.engine_harness import TLS
from xietong.engine.gateway.local_server import LocalServer, free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")

XIETONG = Path(sys.executable).with_name("xietong")
MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "siyang" / "siyang_joint_enforcement.bpmn"
CLIENT_ID, CLIENT_SECRET, AUDIENCE = "xietong-workers", "s3cret", "zeebe-api"
ACCESS_TOKEN = "token-issued-by-identity"


@dataclass
class TokenEndpoint:
    """An OAuth 2.0 token endpoint for the client-credentials grant (RFC 6749 §4.4)."""

    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)

    async def token(self, request: Request) -> JSONResponse:
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        self.requests.append({**form, "client_id": client_id or ""})
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 300})


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServer, TokenEndpoint, Path]]:
    tmp = tmp_path_factory.mktemp("oauth")
    tls = TLS.self_signed(tmp, token="")
    cert, key = tls.cert, tls.key
    endpoint = TokenEndpoint()
    port = free_port()
    endpoint.url = f"https://127.0.0.1:{port}/oauth/token"
    app = Starlette(routes=[Route("/oauth/token", endpoint.token, methods=["POST"])])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ssl_certfile=str(cert), ssl_keyfile=str(key), log_config=None
    )
    token_server = uvicorn.Server(config)
    thread = threading.Thread(target=token_server.run, daemon=True)
    thread.start()
    engine = LocalServer(
        data_dir=tmp / "data", log_file=tmp / "engine.log", tls_cert=cert, tls_key=key, token=ACCESS_TOKEN
    )
    try:
        with engine:
            yield engine, endpoint, cert
    finally:
        token_server.should_exit = True
        thread.join(timeout=30)


def deploy_with(engine: LocalServer, cert: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XIETONG_LOG_LEVEL": "WARNING",
        "XIETONG_ZEEBE_ADDRESS": engine.address,
        "XIETONG_ZEEBE_TLS_CA": str(cert),
        "REQUESTS_CA_BUNDLE": str(cert),  # the token endpoint's certificate, for the HTTPS token request
        **{f"XIETONG_ZEEBE_{name.upper()}": value for name, value in settings.items()},
    }
    return subprocess.run(
        [str(XIETONG), "deploy", str(MODEL)], capture_output=True, text=True, env=env, timeout=120
    )


def test_client_credentials_get_a_token_that_the_gateway_accepts(
    setting: tuple[LocalServer, TokenEndpoint, Path],
) -> None:
    engine, endpoint, cert = setting
    before = len(endpoint.requests)
    result = deploy_with(
        engine, cert, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        authorization_server_url=endpoint.url, token_audience=AUDIENCE,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"deployed 1 model to {engine.address}")
    (request,) = endpoint.requests[before:]  # one token for the whole run
    assert request["grant_type"] == "client_credentials"
    assert request["client_id"] == CLIENT_ID and request["audience"] == AUDIENCE


def test_a_wrong_secret_is_refused_without_deploying(
    setting: tuple[LocalServer, TokenEndpoint, Path],
) -> None:
    engine, endpoint, cert = setting
    result = deploy_with(
        engine, cert, client_id=CLIENT_ID, client_secret="wrong",
        authorization_server_url=endpoint.url, token_audience=AUDIENCE,
    )  # fmt: skip
    assert result.returncode == 1
    refusal = f"Error: {engine.address}: no access token (nothing was deployed): (invalid_client)\n"
    assert result.stderr == refusal
    assert "Traceback" not in result.stderr


def test_a_static_token_still_works(setting: tuple[LocalServer, TokenEndpoint, Path]) -> None:
    engine, _, cert = setting
    result = deploy_with(engine, cert, token=ACCESS_TOKEN)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"client_id": CLIENT_ID},
            "OAuth needs XIETONG_ZEEBE_CLIENT_SECRET, XIETONG_ZEEBE_AUTHORIZATION_SERVER_URL",
        ),
        (
            {"client_id": "a", "client_secret": "b", "authorization_server_url": "https://x/t", "token": "t"},
            "XIETONG_ZEEBE_TOKEN and OAuth client credentials exclude each other",
        ),
    ],
    ids=["half-given", "both-kinds"],
)
def test_incomplete_settings_are_one_line(tmp_path: Path, settings: dict[str, str], message: str) -> None:
    env = {**os.environ, **{f"XIETONG_ZEEBE_{k.upper()}": v for k, v in settings.items()}}
    result = subprocess.run(
        [str(XIETONG), "deploy", str(MODEL)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
