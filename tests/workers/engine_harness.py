"""A real engine process and the real worker app for the workers' end-to-end tests.

``start_engine`` runs ``xietong engine serve`` on free loopback ports and waits for its REST API;
``poll`` waits for a state with a
deadline instead of sleeping.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pyzeebe import ZeebeClient

from xietong.workers.app import open_channel
from xietong.workers.calendar import CHINA
from xietong.workers.case_store import CaseEvent, CaseStore, EventKind
from xietong.workers.settings import WorkerSettings

REPO = Path(__file__).resolve().parents[2]
XIETONG = Path(sys.executable).with_name("xietong")
MODEL = REPO / "bpmn" / "wuyi" / "wuyi_information_copying.bpmn"
DEADLINE_S = 60.0
START = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(what: str, probe: Callable[[], T | None], diagnostics: Callable[[], str] = lambda: "") -> T:
    """Calls ``probe`` until it returns something, failing after DEADLINE_S with what was awaited."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        found = probe()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{diagnostics()}")
        time.sleep(0.05)  # polling interval; the loop ends on the awaited state, not on time


@dataclass
class Engine:
    address: str
    rest: httpx.Client
    process: subprocess.Popen[bytes]
    log_file: Path
    ports: tuple[int, int]  # gRPC, REST

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")[-4000:]


@contextmanager
def start_engine(
    tmp_path: Path, tls: TLS | None = None, ports: tuple[int, int] | None = None
) -> Iterator[Engine]:
    """An engine process on free loopback ports (or ``ports``, to restart one where it was), its data
    in ``tmp_path/engine``; with ``tls``, TLS and a bearer token on both APIs."""
    grpc_port, rest_port = ports or (free_port(), free_port())
    log_file = tmp_path / "engine.log"
    secured = [] if tls is None else ["--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]
    tokens = {} if tls is None else {"XIETONG_GATEWAY_TOKENS": json.dumps([tls.token])}
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [
                str(XIETONG),
                "engine",
                "serve",
                "--address",
                f"127.0.0.1:{grpc_port}",
                "--rest-address",
                f"127.0.0.1:{rest_port}",
                "--data",
                str(tmp_path / "engine"),
                *secured,
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "XIETONG_LOG_LEVEL": "INFO", **tokens},
        )
    if tls is None:
        rest = httpx.Client(base_url=f"http://127.0.0.1:{rest_port}", timeout=30)
    else:
        rest = httpx.Client(
            base_url=f"https://127.0.0.1:{rest_port}",
            timeout=30,
            verify=ssl.create_default_context(cafile=str(tls.cert)),
            headers={"Authorization": f"Bearer {tls.token}"},
        )
    running = Engine(f"127.0.0.1:{grpc_port}", rest, process, log_file, (grpc_port, rest_port))

    def topology() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"engine exited with {process.returncode}:\n{running.log()}")
        try:
            return rest.get("/v2/topology").status_code == 200
        except httpx.TransportError:
            return False

    try:
        poll("the engine's REST API", topology, running.log)
        yield running
    finally:
        rest.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class TLS:
    cert: Path
    key: Path
    token: str

    @classmethod
    def self_signed(cls, directory: Path, token: str) -> TLS:
        """A certificate for 127.0.0.1 made with openssl (the tests skip without it)."""
        cert, key = directory / "cert.pem", directory / "key.pem"
        request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
        names = ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        files = ["-keyout", str(key), "-out", str(cert)]
        subprocess.run(["openssl", *request, *names, *files], check=True, capture_output=True)
        return cls(cert, key, token)


class EngineClock:
    """The workers' clock, moved together with the engine's pinned clock."""

    def __init__(self, engine: Engine, start: dt.datetime) -> None:
        self._engine = engine
        self.now = start
        response = engine.rest.put("/v2/clock", json={"timestamp": int(start.timestamp() * 1000)})
        assert response.status_code == 204, response.text

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta
        milliseconds = int(delta.total_seconds() * 1000)
        response = self._engine.rest.post("/v2/clock/add", json={"milliseconds": milliseconds})
        assert response.status_code == 204, response.text


def deploy(engine: Engine, model: Path, settings: WorkerSettings | None = None) -> None:
    async def run() -> None:
        channel = open_channel(settings or WorkerSettings(zeebe_address=engine.address))
        try:
            await ZeebeClient(channel).deploy_resource(str(model))
        finally:
            await channel.close()

    asyncio.run(run())


def publish(engine: Engine, name: str, variables: dict[str, Any]) -> None:
    response = engine.rest.post("/v2/messages/publication", json={"name": name, "variables": variables})
    assert response.status_code == 200, response.text


def open_user_task(engine: Engine, element_id: str) -> dict[str, Any] | None:
    items = engine.rest.post("/v2/user-tasks/search", json={"filter": {"state": "CREATED"}}).json()["items"]
    return next((task for task in items if task["elementId"] == element_id), None)


def events_of(store: CaseStore, case_id: str, kind: EventKind) -> list[CaseEvent] | None:
    found = [event for event in store.events(case_id) if event.kind is kind]
    return found or None


def complete_user_task(
    engine: Engine, element_id: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Waits for an open user task of ``element_id`` and completes it as a person would."""
    task = poll(f"user task {element_id}", lambda: open_user_task(engine, element_id), engine.log)
    response = engine.rest.post(
        f"/v2/user-tasks/{task['userTaskKey']}/completion", json={"variables": variables or {}}
    )
    assert response.status_code == 204, response.text
    return task


CHAIN_PROCESS_ID = "service_chain"
HEADERS = {"mechanismId": CHAIN_PROCESS_ID, "stepId": "s", "department": "县综合指挥调度中心"}

# A hand-written model of service tasks only, for load: register -> deadline -> dispatch -> notify ->
# archive, five jobs per case and no people in the loop.
CHAIN = [
    ("register", "xietong.register", {}),
    ("deadline", "xietong.deadline", {"dueVariable": "due_s"}),
    ("dispatch", "xietong.dispatch", {"toDepartment": "县公安局"}),
    ("notify", "xietong.notify", {"recipients": "县司法局,申请人"}),
    ("archive", "xietong.archive", {}),
]


def chain_model() -> str:
    tasks, flows = [], []
    previous = "start"
    for element, task_type, extra in CHAIN:
        headers = "".join(
            f'<zeebe:header key="{k}" value="{v}"/>'
            for k, v in {**HEADERS, "stepId": element, **extra}.items()
        )
        inputs = (
            "<zeebe:ioMapping>"
            '<zeebe:input source="={amount: 3, unit: &quot;workingDays&quot;}" target="limit"/>'
            "</zeebe:ioMapping>"
            if task_type == "xietong.deadline"
            else ""
        )
        tasks.append(
            f'<bpmn:serviceTask id="{element}"><bpmn:extensionElements>'
            f'<zeebe:taskDefinition type="{task_type}" retries="3"/>{inputs}'
            f"<zeebe:taskHeaders>{headers}</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>"
        )
        flows.append(f'<bpmn:sequenceFlow id="f_{element}" sourceRef="{previous}" targetRef="{element}"/>')
        previous = element
    flows.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">'
        f'<bpmn:process id="{CHAIN_PROCESS_ID}" isExecutable="true"><bpmn:startEvent id="start"/>'
        + "".join(tasks)
        + '<bpmn:endEvent id="end"/>'
        + "".join(flows)
        + "</bpmn:process></bpmn:definitions>"
    )


_BPMN = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
}


def task_headers(model: Path, element_id: str, variables: dict[str, Any]) -> dict[str, str | None]:
    """A service task's descriptive headers as the workers record them (``=name`` looked up in
    ``variables``; unknown, None, when it is not there or the header holds another expression), read
    from the model so the tests follow the generator's wording instead of repeating it."""
    from lxml import etree

    task = etree.parse(str(model)).find(f".//bpmn:serviceTask[@id='{element_id}']", _BPMN)
    assert task is not None, f"{model.name} has no service task {element_id}"
    headers = {h.get("key"): h.get("value") for h in task.iterfind(".//zeebe:header", _BPMN)}
    return {k: variables.get(v[1:].strip()) if v.startswith("=") else v for k, v in headers.items()}


def task_type_count(model: Path, task_type: str) -> int:
    from lxml import etree

    tree = etree.parse(str(model))
    return sum(1 for d in tree.iterfind(".//zeebe:taskDefinition", _BPMN) if d.get("type") == task_type)
