"""The world the browser tests run in: a protected ``xietong engine serve`` (TLS, people, a worker
client) with the web pages mounted next to /v2, the project's workers running against it, the 泗阳
joint-enforcement model deployed, and an admin's REST client to set cases up and check what happened.

Everything is made the way an operator would: people with the identity store (what ``xietong users``
writes), the model deployed over gRPC, cases started and moved over REST, the clock pinned over REST.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
import httpx
from pydantic import SecretStr
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.workers.engine_harness import TLS
from tests.workers.engine_harness import poll as poll_for
from xietong.engine.gateway.local_server import LocalServer
from xietong.engine.identity.store import IdentityStore
from xietong.workers.app import WorkerApp
from xietong.workers.background import BackgroundWorkers
from xietong.workers.case_store import CaseStore
from xietong.workers.settings import WorkerSettings

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "bpmn" / "siyang" / "siyang_joint_enforcement.bpmn"
FORMS = MODEL.parent / "forms"  # the forms the model links (zeebe:formDefinition formId), if any
PROCESS_ID = "siyang_joint_enforcement"
PASSWORD = "correct horse battery"
#: A Tuesday morning in China time, far from holidays: one working day later is Wednesday.
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PEOPLE = {
    # login: (role, groups, display name)
    "admin": ("admin", [], "管理员"),
    "sy_justice": ("clerk", ["siyang.justice"], "王法审（司法局）"),
    "sy_justice2": ("clerk", ["siyang.justice"], "李法审（司法局）"),
    "sy_centre": ("clerk", ["siyang.command_centre"], "赵调度（指挥中心）"),
    "sy_supervisor": ("supervisor", ["siyang.command_centre"], "钱督办（指挥中心）"),
    "sy_united": ("clerk", ["siyang.united_front"], "孙统战（统战部）"),  # lead of joint item 21
}
#: Department names as the model may still name them, and the group ids identity requires.
GROUP_IDS = {
    "泗阳县司法局": "siyang.justice",
    "泗阳县综合指挥调度中心": "siyang.command_centre",
    "泗阳县政府领导（县主要领导、分管县领导）": "siyang.leaders",
}
#: What each step decides when a test moves a case on over REST (as the demo's clerks do).
DECISIONS: dict[str, dict[str, Any]] = {
    "initial_review": {"outcome": "eligible"},
    "legal_review": {"outcome": "passed"},
    "submit_for_approval": {"outcome": "approved"},
}

T = TypeVar("T")


def poll(what: str, probe: Callable[[], T | None], diagnostics: Callable[[], str] = lambda: "") -> T:
    """The harness's poll, waiting for something truthy (an empty search answer keeps waiting)."""
    return poll_for(what, lambda: probe() or None, diagnostics)


def model_with_group_ids() -> bytes:
    """The 泗阳 model, its candidate groups as identity group ids (a no-op once bpmn/ uses ids)."""
    text = MODEL.read_text(encoding="utf-8")
    for name, group in GROUP_IDS.items():
        text = text.replace(f'candidateGroups="{name}"', f'candidateGroups="{group}"')
    return text.encode()


class WorkerClock:
    """The workers' "now", moved together with the engine's pinned clock."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class World:
    server: LocalServer
    cert: Path
    store_url: str
    workers: BackgroundWorkers
    clock: WorkerClock
    admin: httpx.Client
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.rest_url

    def store(self) -> CaseStore:
        return CaseStore(self.store_url)

    # -- REST as the admin ---------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.admin.request(method, path, json=body)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def start_case(self, case_id: str, item_number: int = 1) -> str:
        created = self.call("POST", "/v2/process-instances", {
            "processDefinitionId": PROCESS_ID,
            "variables": {"caseId": case_id, "entry": "application", "itemNumber": item_number,
                          "applicant": "siyang.market_regulation"},
        })  # fmt: skip
        return str(created["processInstanceKey"])

    def open_tasks(self, instance: str) -> list[dict[str, Any]]:
        body = {"filter": {"state": "CREATED", "processInstanceKey": instance}}
        return self.call("POST", "/v2/user-tasks/search", body)["items"]

    def wait_task(self, instance: str, element_id: str) -> dict[str, Any]:
        return poll(
            f"user task {element_id} of {instance}",
            lambda: next((t for t in self.open_tasks(instance) if t["elementId"] == element_id), None),
            lambda: self.server.log(20_000),
        )

    def complete(self, task: dict[str, Any], variables: dict[str, Any] | None = None) -> None:
        self.call("POST", f"/v2/user-tasks/{task['userTaskKey']}/completion", {"variables": variables or {}})

    def move_to(self, instance: str, element_id: str) -> dict[str, Any]:
        """Completes user tasks as their clerks would until ``element_id`` is open."""

        def step() -> dict[str, Any] | None:
            tasks = self.open_tasks(instance)
            target = next((t for t in tasks if t["elementId"] == element_id), None)
            if target is not None:
                return target
            for task in tasks:
                self.complete(task, DECISIONS.get(task["elementId"], {}))
            return None

        return poll(f"{element_id} of {instance}", step, lambda: self.server.log(20_000))

    def drive_to_end(self, instance: str) -> None:
        def step() -> bool:
            if self.call("GET", f"/v2/process-instances/{instance}")["state"] == "COMPLETED":
                return True
            for task in self.open_tasks(instance):
                self.complete(task, DECISIONS.get(task["elementId"], {}))
            return False

        poll(f"{instance} to complete", step, lambda: self.server.log(20_000))

    def advance(self, delta: dt.timedelta) -> None:
        self.call("POST", "/v2/clock/add", {"milliseconds": int(delta.total_seconds() * 1000)})
        self.clock.now += delta

    def stop(self) -> int:
        self.workers.stop()
        self.admin.close()
        return self.server.stop()


def basic(login: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def build_world(tmp: Path) -> World:
    tls = TLS.self_signed(tmp, token="")
    cert, key = tls.cert, tls.key
    data = tmp / "engine"
    identity = IdentityStore(data)
    try:
        for login, (role, groups, name) in PEOPLE.items():
            identity.add_user(login, PASSWORD, name=name, roles=[role], groups=groups)
        token = identity.add_client("web-test-workers", "worker")
    finally:
        identity.close()
    store_url = f"sqlite:///{tmp / 'cases.db'}"
    CaseStore(store_url).close()  # the store exists before the pages look for it
    server = LocalServer(
        data_dir=data,
        log_file=tmp / "engine.log",
        tls_cert=cert,
        tls_key=key,
        env={"XIETONG_LOG_LEVEL": "INFO", "XIETONG_WEB_CASE_STORE_URL": store_url},
    )
    server.start()
    admin = httpx.Client(
        base_url=server.rest_url, timeout=30, verify=ssl.create_default_context(cafile=str(cert)),
        headers={"authorization": basic("admin")},
    )
    response = admin.put("/v2/clock", json={"timestamp": int(START.timestamp() * 1000)})
    assert response.status_code == 204, response.text
    resources = [pb.Resource(name=MODEL.name, content=model_with_group_ids())]
    resources += [pb.Resource(name=f.name, content=f.read_bytes()) for f in sorted(FORMS.glob("*.form"))]
    with grpc.secure_channel(server.address, grpc.ssl_channel_credentials(cert.read_bytes())) as channel:
        GatewayStub(channel).DeployResource(
            pb.DeployResourceRequest(resources=resources),
            metadata=[("authorization", basic("admin"))],
            timeout=30,
        )
    clock = WorkerClock(START)
    settings = WorkerSettings(
        zeebe_address=server.address,
        zeebe_rest_address=server.rest_url,  # a 督办 of several departments asks whose part is open
        zeebe_tls_ca=cert,
        zeebe_token=SecretStr(token),
    )
    store = CaseStore(store_url)
    workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
    return World(server, cert, store_url, workers, clock, admin)


def task_keys_on(html: str) -> set[str]:
    return set(re.findall(r'data-task="(\d+)"', html))



