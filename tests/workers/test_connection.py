"""Reaching a gateway the way a Camunda 8 cluster with Identity asks: OAuth 2.0 client credentials.

A real token endpoint (HTTPS, on loopback) issues the token the engine is configured to accept;
``xietong deploy`` (the workers' connection code) must fetch it with the configured client id,
secret and audience and send it over TLS. Wrong credentials and half-given settings are one line.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.workers.engine_harness import START, TLS, EngineClock, deploy, events_of, poll
from tests.workers.test_supervision_of_parts import PARTS, at_the_step
from xietong.engine.gateway.local_server import LocalServer, free_port
from xietong.workers.app import WorkerApp
from xietong.workers.background import BackgroundWorkers
from xietong.workers.calendar import CHINA, DueDate
from xietong.workers.calendar_recheck import ProvisionalDeadline, open_mover
from xietong.workers.case_store import CaseStore, EventKind
from xietong.workers.oauth_token import BearerAuth, OAuthToken
from xietong.workers.open_parts import OpenPartsError, RestOpenParts
from xietong.workers.settings import WorkerSettings

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
    #: tokens to hand out before ACCESS_TOKEN (one the engine does not accept: revoked meanwhile)
    first: list[str] = field(default_factory=list)

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
        token = self.first.pop(0) if self.first else ACCESS_TOKEN
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 300})


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServer, TokenEndpoint, Path]]:
    tmp = tmp_path_factory.mktemp("oauth")
    tls = TLS.self_signed(tmp, token="")
    cert, key = tls.cert, tls.key
    endpoint = TokenEndpoint()
    port = free_port()
    endpoint.url = f"https://127.0.0.1:{port}/oauth/token"
    app = Starlette(routes=[Route("/oauth/token", endpoint.token, methods=["POST"])])
    # a refused token request's connection stays referenced by the traceback pyzeebe logs (pytest keeps
    # the record): the server does not wait for it when the module ends
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ssl_certfile=str(cert), ssl_keyfile=str(key), log_config=None,
        timeout_graceful_shutdown=1,
    )  # fmt: skip
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


def test_the_workers_rest_calls_carry_the_oauth_token_of_their_grpc_channel(
    setting: tuple[LocalServer, TokenEndpoint, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 督办 after a multi-instance step asks REST v2 whose parts are open; with client credentials the
    REST calls carry the token the gRPC channel fetched (one token request for both), so the 督办 names
    only the departments still working — the engine refuses REST calls without that token."""
    engine, endpoint, cert = setting
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # the token endpoint's certificate
    settings = WorkerSettings(
        zeebe_address=engine.address, zeebe_rest_address=engine.rest_url, zeebe_tls_ca=cert,
        zeebe_client_id=CLIENT_ID, zeebe_client_secret=SecretStr(CLIENT_SECRET),
        zeebe_authorization_server_url=endpoint.url, zeebe_token_audience=AUDIENCE,
    )  # fmt: skip
    model = tmp_path / "parts.bpmn"
    model.write_text(PARTS, encoding="utf-8")
    deploy(engine, model, settings)
    clock = EngineClock(engine, START)
    before = len(endpoint.requests)
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
        try:
            at_the_step(engine, "SY-OAUTH-1", "泗阳县应急管理局")
            clock.advance(dt.timedelta(hours=2))
            [supervised] = poll(
                "the 督办", lambda: events_of(store, "SY-OAUTH-1", EventKind.SUPERVISED), engine.log
            )
        finally:
            workers.stop()
    assert (
        supervised.detail["department"] == "泗阳县公安局,泗阳县商务局"
    )  # REST answered: the open parts only
    assert supervised.detail["allDepartments"] == "泗阳县公安局,泗阳县应急管理局,泗阳县商务局"
    (request,) = endpoint.requests[before:]  # one token, cached, for the gRPC channel and the REST calls
    assert request["client_id"] == CLIENT_ID and request["audience"] == AUDIENCE


def oauth_settings(
    engine: LocalServer, endpoint: TokenEndpoint, cert: Path, secret: str = CLIENT_SECRET
) -> WorkerSettings:
    """A worker of the engine over TLS that signs in with client credentials at ``endpoint``."""
    return WorkerSettings(
        zeebe_address=engine.address, zeebe_tls_ca=cert, zeebe_client_id=CLIENT_ID,
        zeebe_client_secret=SecretStr(secret), zeebe_authorization_server_url=endpoint.url,
    )  # fmt: skip


def test_a_refused_token_is_renewed_once_for_rest(
    setting: tuple[LocalServer, TokenEndpoint, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token the API refuses (401: revoked before it expired) is fetched again, and the call retried."""
    engine, endpoint, cert = setting
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    settings = oauth_settings(engine, endpoint, cert)
    endpoint.first = ["revoked-token"]
    before = len(endpoint.requests)
    token = OAuthToken(settings)
    verify = ssl.create_default_context(cafile=str(cert))
    try:
        with httpx.Client(base_url=engine.rest_url, auth=BearerAuth(token), verify=verify) as rest:
            answer = rest.post("/v2/process-instances/search", json={})
            assert answer.status_code == 200, answer.text
            assert rest.post("/v2/process-instances/search", json={}).status_code == 200
    finally:
        token.close()
    assert len(endpoint.requests[before:]) == 2  # the refused token, its renewal; then the cached one


def test_no_token_is_one_line_naming_the_settings(
    setting: tuple[LocalServer, TokenEndpoint, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, endpoint, cert = setting
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    settings = oauth_settings(engine, endpoint, cert, secret="wrong")
    parts = RestOpenParts(engine.rest_url, verify=str(cert), auth=BearerAuth(token := OAuthToken(settings)))
    try:
        parts.of(1, 1, "documents")
    except OpenPartsError as error:
        message = str(error)
    else:
        raise AssertionError("no OpenPartsError")
    finally:
        parts.close()
        token.close()
    assert message.startswith(f"REST API at {engine.rest_url}: no access token from {endpoint.url} ")
    assert "XIETONG_ZEEBE_CLIENT_ID" in message and "invalid_client" in message


RECHECK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="recheck_oauth" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="step" name="移送案件">
      <bpmn:extensionElements><zeebe:userTask/>
        <zeebe:assignmentDefinition candidateGroups="siyang.justice"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="overdue" cancelActivity="false" attachedToRef="step">
      <bpmn:timerEventDefinition><bpmn:timeDate>=due_step</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="late"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step"/>
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="overdue" targetRef="late"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_calendar_recheck_moves_a_timer_with_client_credentials(
    setting: tuple[LocalServer, TokenEndpoint, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``calendar recheck --apply`` reaches gRPC and REST as the workers do: with OAuth client credentials,
    one token for both (it used to refuse client credentials)."""
    engine, endpoint, cert = setting
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    settings = WorkerSettings(
        zeebe_address=engine.address, zeebe_tls_ca=cert, zeebe_client_id=CLIENT_ID,
        zeebe_client_secret=SecretStr(CLIENT_SECRET), zeebe_authorization_server_url=endpoint.url,
        zeebe_token_audience=AUDIENCE,
    )  # fmt: skip
    model = tmp_path / "recheck.bpmn"
    model.write_text(RECHECK, encoding="utf-8")
    deploy(engine, model, settings)
    provisional = "2027-02-10T23:59:59+08:00"
    body = {"processDefinitionId": "recheck_oauth", "variables": {"due_step": provisional}}
    started = engine.rest.post("/v2/process-instances", json=body)
    assert started.status_code == 200, started.text
    instance = int(started.json()["processInstanceKey"])

    def open_task() -> dict[str, Any] | None:
        filters = {"filter": {"processInstanceKey": str(instance), "state": "CREATED"}}
        items = engine.rest.post("/v2/user-tasks/search", json=filters).json()["items"]
        return items[0] if items else None

    before_task = poll("the step's task", open_task)
    exact = dt.datetime(2027, 2, 18, 23, 59, 59, tzinfo=CHINA)
    deadline = ProvisionalDeadline(
        case_id="SY-RECHECK-1", process_instance_key=instance, step_id="step", due_variable="due_step",
        recorded_due=provisional, started_at="2027-02-03T10:00:00+08:00", limit={}, now=DueDate(exact),
    )  # fmt: skip
    before = len(endpoint.requests)
    mover = open_mover(settings, engine.rest_url)
    try:
        move = mover.move(deadline)
    finally:
        mover.close()
    assert move.outcome == "timer moved"
    after_task = poll("the step's task again", lambda: (t := open_task()) and t != before_task and t)
    assert after_task["userTaskKey"] != before_task["userTaskKey"]
    filters = {"filter": {"processInstanceKey": str(instance), "name": "due_step"}}
    [due] = engine.rest.post("/v2/variables/search", json=filters).json()["items"]
    assert json.loads(due["value"]) == "2027-02-18T23:59:59+08:00"
    (request,) = endpoint.requests[before:]  # one token for the gRPC modification and the REST search
    assert request["audience"] == AUDIENCE
