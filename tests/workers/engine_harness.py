"""A real engine process and the real worker app for the workers' end-to-end tests.

``start_engine`` runs ``xietong engine serve`` on free loopback ports and waits for its REST API;
``poll`` waits for a state with a
deadline instead of sleeping.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pyzeebe import ZeebeClient

from tests.support import serving
from xietong.engine.gateway.local_server import LocalServer, PinnedClock
from xietong.generator.forms import model_resources
from xietong.workers.calendar import CHINA
from xietong.workers.case_store import CaseEvent, CaseStore, EventKind
from xietong.workers.connection import open_channel
from xietong.workers.settings import WorkerSettings

REPO = Path(__file__).resolve().parents[2]
XIETONG = Path(sys.executable).with_name("xietong")
MODEL = REPO / "bpmn" / "wuyi" / "wuyi_information_copying.bpmn"
DEADLINE_S = 60.0
START = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)
T = TypeVar("T")


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


#: The engine child process (``xietong engine serve``) the end-to-end tests talk to.
Engine = LocalServer
#: The workers' clock, moved together with the engine's pinned clock.
EngineClock = PinnedClock


@contextmanager
def start_engine(
    tmp_path: Path, tls: TLS | None = None, ports: tuple[int, int] | None = None
) -> Iterator[LocalServer]:
    """An engine process on free loopback ports (or ``ports``, to restart one where it was), its data
    in ``tmp_path/engine``; with ``tls``, TLS and a bearer token on both APIs."""
    server = LocalServer(
        tmp_path / "engine",
        tmp_path / "engine.log",
        env={"XIETONG_LOG_LEVEL": "INFO"},
        tls_cert=None if tls is None else tls.cert,
        tls_key=None if tls is None else tls.key,
        token=None if tls is None else tls.token,
    )
    if ports is not None:
        server.grpc_port, server.rest_port = ports
    with serving(server):
        yield server


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


def deploy(engine: Engine, model: Path, settings: WorkerSettings | None = None) -> None:
    """The model with the forms it links from forms/ beside it (generated models bind them by deployment)."""
    forms = [model.parent / name for name, _ in model_resources(model)[1:]]

    async def run() -> None:
        channel = open_channel(settings or WorkerSettings(zeebe_address=engine.address))
        try:
            await ZeebeClient(channel).deploy_resource(str(model), *(str(form) for form in forms))
        finally:
            await channel.close()

    asyncio.run(run())


def publish(engine: Engine, name: str, variables: dict[str, Any]) -> None:
    response = engine.rest.post("/v2/messages/publication", json={"name": name, "variables": variables})
    assert response.status_code == 200, response.text


def approval_made(engine: Engine, variables: dict[str, Any], *, urgent: bool = False) -> None:
    """武义 信息抄告 as the model has it: an approval is made (its clock starts), then the authority
    decides whether the matter is urgent (2 hours then, else 10 working days)."""
    publish(engine, "administrative_approval_made", variables)
    decision = {"approvalUrgency": "urgent" if urgent else "normal"}
    complete_user_task(engine, "assess_approval_urgency", decision)


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
    """A service task's descriptive headers as the workers record them, read from the model so the
    tests follow the generator's wording instead of repeating it.

    As in Zeebe, the task's input mappings are evaluated first, in order, into its local scope; a
    header ``=name`` then stands for that variable (a list of names joined with commas; None when
    there is no value)."""
    from lxml import etree

    from xietong.feel import evaluate

    task = etree.parse(str(model)).find(f".//bpmn:serviceTask[@id='{element_id}']", _BPMN)
    assert task is not None, f"{model.name} has no service task {element_id}"
    scope = dict(variables)
    for mapping in task.iterfind(".//zeebe:input", _BPMN):
        source = mapping.get("source")
        scope[mapping.get("target")] = evaluate(source[1:], scope) if source.startswith("=") else source
    headers = {h.get("key"): h.get("value") for h in task.iterfind(".//zeebe:header", _BPMN)}
    return {key: _resolved(value, scope) for key, value in headers.items()}


def output_of(model: Path, target: str, variables: dict[str, Any]) -> Any:
    """What the model's output mapping to ``target`` gives for ``variables`` (e.g. 泗阳's ``jointItem``
    from ``itemNumber``), so a test derives expected values from the model rather than copying them."""
    from lxml import etree

    from xietong.feel import evaluate

    mapping = etree.parse(str(model)).find(f".//zeebe:output[@target='{target}']", _BPMN)
    assert mapping is not None, f"{model.name} has no output mapping to {target}"
    return evaluate(mapping.get("source")[1:], variables)


def _resolved(header: str, scope: dict[str, Any]) -> str | None:
    if not header.startswith("="):
        return header
    value = scope.get(header[1:].strip())
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return None if value is None else str(value)


def task_type_count(model: Path, task_type: str) -> int:
    from lxml import etree

    tree = etree.parse(str(model))
    return sum(1 for d in tree.iterfind(".//zeebe:taskDefinition", _BPMN) if d.get("type") == task_type)
