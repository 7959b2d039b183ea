"""The issue's matrix: every REST v2 endpoint and every gRPC RPC × the eight kinds of caller.

One table drives it: the rule each endpoint has in ``xietong.engine.identity.rules`` (who may call,
and what the call's key names). The expected answer of each caller follows from their role and
from what the world lets them see (a clerk of siyang.justice sees the task and its case, not the
case with the incident; a supervisor of wuyi sees nothing of siyang). A route or RPC without a
rule fails here: the routes are those of the running app, the RPCs those of gateway.proto.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb

from tests.identity.world import Caller, World, running_world
from tests.support import running_fixture
from xietong.engine.identity.rules import ADMIN, GRPC_RULES, REST_RULES, Rule, Scope

pytestmark = pytest.mark.slow

REFUSED_REST = {401, 403, 429}
REFUSED_GRPC = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}

#: What each caller sees of the world, per scope target (admins and workers see everything).
SEES: dict[str, set[str]] = {
    "clerk of the task's department": {"task", "instance", "definition", "variable"},
    "clerk of another department": {"definition"},
    "supervisor": {"task", "instance", "definition", "variable", "incident", "job"},
    "supervisor of another jurisdiction": set(),
}
TARGET = {
    Scope.TASK: "task",
    Scope.INSTANCE: "instance",
    Scope.ELEMENT_INSTANCE: "instance",
    Scope.INCIDENT: "incident",
    Scope.JOB: "job",
    Scope.DEFINITION: "definition",
    Scope.RESULT: "variable",
}


def expected_admitted(caller: Caller, rule: Rule) -> bool:
    if rule.public:  # status and license: Camunda asks no credentials
        return True
    if caller.role is None:
        return False
    if caller.role != ADMIN and caller.role not in rule.roles:
        return False
    if caller.role in (ADMIN, "worker") or rule.scope in (Scope.NONE, Scope.ROWS):
        return True
    return TARGET[rule.scope] in SEES[caller.name]


world = running_fixture(
    partial(
        running_world,
        env={
            "XIETONG_IDENTITY_MAX_FAILURES_PER_LOGIN": "100000",
            "XIETONG_IDENTITY_MAX_FAILURES_PER_ADDRESS": "100000",
        },
    ),
    scope="module",
)


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the REST app serves, built as `engine serve` builds it."""
    from xietong.engine import Engine
    from xietong.engine.gateway.rest import RestApi
    from xietong.engine.gateway.service import EngineClient

    async def build() -> list[tuple[str, str]]:
        with tempfile.TemporaryDirectory() as data:
            engine = Engine(Path(data)).start()
            try:
                app = RestApi(EngineClient(engine, 10), lambda: {}).app()
                return sorted(
                    (method, route.path) for route in app.routes for method in route.methods - {"HEAD"}
                )
            finally:
                engine.close()

    return asyncio.run(build())


ROUTES = app_routes()
RPCS = [method.name for method in pb.DESCRIPTOR.services_by_name["Gateway"].methods]


def test_every_route_and_rpc_has_a_rule() -> None:
    missing = [f"{method} {path}" for method, path in ROUTES if (method, path) not in REST_RULES]
    missing += [f"gRPC {name}" for name in RPCS if name not in GRPC_RULES]
    assert not missing, (
        "no authorization rule for: " + ", ".join(missing) + " — add one to REST_RULES/GRPC_RULES in "
        "engine/src/xietong/engine/identity/rules.py (see /work/reports/identity-api.md)"
    )
    stale = sorted(set(REST_RULES) - set(ROUTES))
    assert not stale, f"rules for routes that do not exist: {stale}"


#: Path parameters that are not keys of the world's objects, and bodies worth sending. Targets that
#: would destroy the world (the people themselves, their groups) are people and groups that do not exist.
PATH_VALUES = {"username": "nobody", "groupId": "no.such", "roleId": "clerk"}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v2/process-instances"): {"processDefinitionId": "siyang_matrix"},
    ("POST", "/v2/user-tasks/{key}/assignment"): {"assignee": "clerk_own"},
    ("POST", "/v2/audit-logs/search"): {"filter": {"processInstanceKey": "1"}},
}


def rest_path(world: World, method: str, path: str, rule: Rule) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PATH_VALUES:
            return PATH_VALUES[name]
        target = TARGET.get(rule.scope)
        return world.keys[target] if target else "1"

    return re.sub(r"\{(\w+)\}", value, path)


def ordered(world: World, rule: Rule) -> list[Caller]:
    """Those expected to be refused first, so that an admitted call that changes the world (a completion)
    comes after every refusal has been checked against the unchanged world."""
    return sorted(world.callers, key=lambda caller: expected_admitted(caller, rule))


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_rest_matrix(world: World, method: str, path: str) -> None:
    rule = REST_RULES.get((method, path))
    assert rule is not None, f"{method} {path} has no rule"
    url = rest_path(world, method, path, rule)
    body = BODIES.get((method, path), {} if method in ("POST", "PUT", "PATCH") else None)
    wrong = []
    for caller in ordered(world, rule):
        with world.rest(caller) as rest:
            response = rest.request(method, url, json=body)
        admitted = response.status_code not in REFUSED_REST
        if admitted != expected_admitted(caller, rule):
            wrong.append(f"{caller.name}: {response.status_code} {response.text[:200]}")
        if not admitted:
            problem = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert problem["status"] == response.status_code and problem["instance"] == url
            if response.status_code == 403:
                assert problem["title"] == "FORBIDDEN"
                assert problem["detail"] == rule.forbidden_message()
            elif caller.login is None and caller.token is None:
                assert problem["detail"] == "Full authentication is required to access this resource"
            else:
                assert problem["title"] == "Unauthorized" and problem["detail"] == "Bad credentials"
    assert not wrong, f"{method} {url}:\n" + "\n".join(wrong)


def grpc_request(world: World, name: str) -> Any:
    keys = {k: int(v) for k, v in world.keys.items()}
    requests = {
        "ActivateJobs": pb.ActivateJobsRequest(
            type="matrix-nothing", worker="m", timeout=1000, maxJobsToActivate=1, requestTimeout=1
        ),
        "StreamActivatedJobs": pb.StreamActivatedJobsRequest(type="matrix-nothing", worker="m", timeout=1000),
        "CancelProcessInstance": pb.CancelProcessInstanceRequest(processInstanceKey=1),
        "CompleteJob": pb.CompleteJobRequest(jobKey=1),
        "CreateProcessInstance": pb.CreateProcessInstanceRequest(bpmnProcessId="siyang_matrix", version=-1),
        "CreateProcessInstanceWithResult": pb.CreateProcessInstanceWithResultRequest(
            request=pb.CreateProcessInstanceRequest(bpmnProcessId="no_such_process", version=-1)
        ),
        "EvaluateDecision": pb.EvaluateDecisionRequest(decisionId="no_such_decision"),
        "DeployProcess": pb.DeployProcessRequest(),
        "DeployResource": pb.DeployResourceRequest(),
        "FailJob": pb.FailJobRequest(jobKey=1),
        "ThrowError": pb.ThrowErrorRequest(jobKey=1, errorCode="x"),
        "PublishMessage": pb.PublishMessageRequest(name="matrix", correlationKey="k"),
        "ResolveIncident": pb.ResolveIncidentRequest(incidentKey=keys["incident"]),
        "SetVariables": pb.SetVariablesRequest(
            elementInstanceKey=keys["instance"], variables=json.dumps({"x": 1})
        ),
        "Topology": pb.TopologyRequest(),
        "UpdateJobRetries": pb.UpdateJobRetriesRequest(jobKey=keys["job"], retries=3),
        "ModifyProcessInstance": pb.ModifyProcessInstanceRequest(processInstanceKey=1),
        "MigrateProcessInstance": pb.MigrateProcessInstanceRequest(processInstanceKey=1),
        "UpdateJobTimeout": pb.UpdateJobTimeoutRequest(jobKey=1, timeout=1000),
        "DeleteResource": pb.DeleteResourceRequest(resourceKey=1),
        "BroadcastSignal": pb.BroadcastSignalRequest(signalName="matrix"),
    }
    return requests[name]


@pytest.mark.parametrize("name", RPCS)
def test_grpc_matrix(world: World, name: str) -> None:
    rule = GRPC_RULES.get(name)
    assert rule is not None, f"gRPC {name} has no rule"
    request = grpc_request(world, name)
    wrong = []
    with grpc.insecure_channel(world.server.address) as channel:
        call = getattr(world.stub(channel), name)
        for caller in ordered(world, rule):
            code = grpc.StatusCode.OK
            details = ""
            try:
                # a job stream never ends: an admitted caller's is cut short; a refusal comes at once
                # (argon2id takes a while on a loaded machine, hence the long deadline otherwise)
                streaming = name == "StreamActivatedJobs" and expected_admitted(caller, rule)
                answer = call(request, metadata=caller.grpc_metadata(), timeout=3 if streaming else 60)
                if name in ("ActivateJobs", "StreamActivatedJobs"):
                    list(answer)
            except grpc.RpcError as error:
                code, details = error.code(), error.details() or ""
            admitted = code not in REFUSED_GRPC
            if admitted != expected_admitted(caller, rule):
                wrong.append(f"{caller.name}: {code.name} {details[:200]}")
            if code is grpc.StatusCode.PERMISSION_DENIED:
                assert details == rule.forbidden_message()
            if code is grpc.StatusCode.UNAUTHENTICATED and caller.login is None and caller.token is None:
                assert (
                    details == "Expected bearer token at header with key [authorization], but found nothing"
                )
    assert not wrong, f"gRPC {name}:\n" + "\n".join(wrong)
