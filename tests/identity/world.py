"""A small protected world for the identity tests: people of two jurisdictions, a worker client,
and a running engine with a case that has a clerk's task, a case with an incident, and a job.

Everything is made the way an operator would: people with the identity store (what `xietong users`
writes), models deployed and cases started over gRPC as the admin, and the engine as a separate
``xietong engine serve`` process reached only through its ports.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway.engine_process import gateway_server
from tests.gateway.models import flow, process, service_task, user_task_flow
from tests.support import serving
from xietong.engine.gateway.local_server import LocalServer
from xietong.engine.identity.store import IdentityStore

PASSWORD = "correct horse battery"
WRONG = "not-the-password"


@dataclass(frozen=True)
class Caller:
    """One of the eight kinds of caller of the issue's matrix."""

    name: str
    role: str | None  # None: not authenticated
    login: str | None = None
    password: str = PASSWORD
    token: str | None = None

    def rest_headers(self) -> dict[str, str]:
        if self.token is not None:
            return {"authorization": f"Bearer {self.token}"}
        if self.login is None:
            return {}
        raw = f"{self.login}:{self.password}".encode()
        return {"authorization": "Basic " + base64.b64encode(raw).decode()}

    def grpc_metadata(self) -> list[tuple[str, str]]:
        header = self.rest_headers().get("authorization")
        return [("authorization", header)] if header else []


PEOPLE = {
    # login: (role, groups)
    "clerk_own": ("clerk", ["siyang.justice"]),
    "clerk_other": ("clerk", ["siyang.market_regulation"]),
    "supervisor": ("supervisor", ["siyang.command_centre"]),
    "supervisor_other": ("supervisor", ["wuyi.command_centre"]),
    "admin": ("admin", []),
}


def callers(worker_token: str) -> list[Caller]:
    return [
        Caller("no credentials", None),
        Caller("wrong password", None, login="clerk_own", password=WRONG),
        Caller("clerk of the task's department", "clerk", login="clerk_own"),
        Caller("clerk of another department", "clerk", login="clerk_other"),
        Caller("supervisor of another jurisdiction", "supervisor", login="supervisor_other"),
        Caller("supervisor", "supervisor", login="supervisor"),
        Caller("admin", "admin", login="admin"),
        Caller("worker client", "worker", token=worker_token),
    ]


def broken_flow(pid: str) -> bytes:
    """start -> a gateway whose only condition cannot be evaluated: an incident at once."""
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:exclusiveGateway id="decide"/>',
        '<bpmn:endEvent id="end"/>',
        flow("f1", "start", "decide"),
        '<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">=x &gt; 1</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>",
    ]
    return process(pid, body)


def job_flow(pid: str, job_type: str) -> bytes:
    body = [
        '<bpmn:startEvent id="start"/>',
        service_task("work", job_type),
        '<bpmn:endEvent id="end"/>',
        flow("f1", "start", "work"),
        flow("f2", "work", "end"),
    ]
    return process(pid, body)


@dataclass
class World:
    server: LocalServer
    worker_token: str
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def callers(self) -> list[Caller]:
        return callers(self.worker_token)

    def caller(self, name: str) -> Caller:
        return next(c for c in self.callers if c.name == name)

    def rest(self, caller: Caller) -> httpx.Client:
        return httpx.Client(base_url=self.server.rest_url, timeout=30, headers=caller.rest_headers())

    def stub(self, channel: grpc.Channel) -> GatewayStub:
        return GatewayStub(channel)


def populate(data_dir: Path) -> str:
    """People and a worker client, as `xietong users add` / `add-client` would store them."""
    store = IdentityStore(data_dir)
    try:
        for login, (role, groups) in PEOPLE.items():
            store.add_user(login, PASSWORD, name=login, roles=[role], groups=groups)
        return store.add_client("matrix-worker", "worker")
    finally:
        store.close()


@contextmanager
def running_world(tmp: Path, env: dict[str, str] | None = None) -> Iterator[World]:
    """The world for the block, its engine (with ``env``) stopped after it whatever happened."""
    token = populate(tmp / "data")
    with serving(gateway_server(tmp, env=env)) as server:
        yield furnish(World(server, token))


def furnish(world: World) -> World:
    """The cases the tests read, made as the admin: a clerk's task, an incident and a job."""
    admin = world.caller("admin")
    with grpc.insecure_channel(world.server.address) as channel:
        stub = GatewayStub(channel)
        meta = admin.grpc_metadata()
        stub.DeployResource(
            pb.DeployResourceRequest(
                resources=[
                    pb.Resource(name="a.bpmn", content=user_task_flow("siyang_matrix", "siyang.justice")),
                    pb.Resource(name="b.bpmn", content=broken_flow("siyang_broken")),
                    pb.Resource(name="c.bpmn", content=job_flow("siyang_jobs", "matrix-job")),
                ]
            ),
            metadata=meta,
            timeout=30,
        )
        created = stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(
                bpmnProcessId="siyang_matrix", version=-1, variables=json.dumps({"caseId": "M-1"})
            ),
            metadata=meta,
            timeout=30,
        )
        world.keys["instance"] = str(created.processInstanceKey)
        world.keys["definition"] = str(created.processDefinitionKey)
        broken = stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="siyang_broken", version=-1),
            metadata=meta,
            timeout=30,
        )
        world.keys["broken_instance"] = str(broken.processInstanceKey)
        stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="siyang_jobs", version=-1),
            metadata=meta,
            timeout=30,
        )
    with world.rest(admin) as rest:
        world.keys["task"] = _first(
            rest,
            "/v2/user-tasks/search",
            {"filter": {"processInstanceKey": world.keys["instance"]}},
            "userTaskKey",
        )
        world.keys["incident"] = _first(
            rest, "/v2/incidents/search", {"filter": {"processInstanceKey": world.keys["broken_instance"]}},
            "incidentKey",
        )  # fmt: skip
        world.keys["job"] = _first(rest, "/v2/jobs/search", {"filter": {"type": "matrix-job"}}, "jobKey")
        world.keys["variable"] = _first(
            rest,
            "/v2/variables/search",
            {"filter": {"processInstanceKey": world.keys["instance"]}},
            "variableKey",
        )
    return world


def _first(rest: httpx.Client, path: str, body: dict[str, Any], field_name: str) -> str:
    """The first row's key; the engine has it as soon as the command that made it is acknowledged,
    but a job or incident may come one step later, so the search is retried against a deadline."""
    deadline = time.monotonic() + 30
    while True:
        response = rest.post(path, json=body)
        response.raise_for_status()
        items = response.json()["items"]
        if items:
            return str(items[0][field_name])
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} {body}: nothing found")
        time.sleep(0.05)  # polling interval; the loop ends on the row or the deadline
