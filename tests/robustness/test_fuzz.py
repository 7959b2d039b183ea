"""Fuzzing every gRPC RPC and every REST v2 endpoint of a real engine (issue 15, item 7).

Inputs: raw bytes and hostile field values for each RPC (huge and negative keys, deep and invalid JSON
variables, XML bombs and external entities in BPMN, zero and negative timeouts, lone surrogates);
bad JSON, wrong types, deep nesting, huge bodies, wrong methods and path tricks for each REST route
(read from the gateway's own route tables, so new endpoints are fuzzed too). After every input: no
UNKNOWN status and no 5xx, an answer within the deadline; at the end: the engine is healthy, its
memory bounded, no file content leaked, and a normal case still completes.

Short in CI (a few hundred inputs per protocol); ``XIETONG_FUZZ_LONG=1`` runs >= 5,000 per protocol.
The figures are printed (``-s`` shows them).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway.models import chain
from tests.support import engine_server
from xietong.engine.gateway.local_server import HEALTH_SERVICE, LocalServer

LONG = os.environ.get("XIETONG_FUZZ_LONG") == "1"
pytestmark = pytest.mark.timeout(1800 if LONG else 300)
INPUTS = 5_000 if LONG else 300
SEED = int(os.environ.get("XIETONG_FUZZ_SEED", "1515"))
GATEWAY_SRC = Path(__file__).resolve().parents[2] / "engine" / "src" / "xietong" / "engine" / "gateway"
SECRET = Path("/etc/passwd")
MEMORY_GROWTH_LIMIT_KB = 400_000

XXE = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<bpmn:process id="xxe" isExecutable="true" name="&x;"><bpmn:startEvent id="s"/></bpmn:process>'
    "</bpmn:definitions>"
)
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + ']><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<bpmn:process id="bomb" isExecutable="true" name="&i;"/></bpmn:definitions>'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    read_timeout = {"XIETONG_GATEWAY_READ_TIMEOUT_S": "2"}
    with engine_server(tmp_path_factory.mktemp("fuzz"), clean_stop=True, env=read_timeout) as running:
        yield running
    assert "Traceback" not in running.log(tail=200_000)


def rss_kb(server: LocalServer) -> int:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+)", status)
    return int(found.group(1)) if found else 0


def hostile_json(rng: random.Random) -> str:
    choices: list[Callable[[], str]] = [
        lambda: "[" * rng.randint(100, 5000) + "]" * rng.randint(0, 10),
        lambda: '{"a":' * rng.randint(50, 3000) + "1" + "}" * rng.randint(0, 3000),
        lambda: '{"x": "\\ud800"}',
        lambda: '{"\\udfff": 1}',
        lambda: "{" + ",".join(f'"k{i}": {i}' for i in range(rng.randint(0, 2000))) + "}",
        lambda: '{"n": ' + "9" * rng.randint(1, 6000) + "}",
        lambda: '{"x": NaN, "y": Infinity}',
        lambda: "not json at all",
        lambda: "[1, 2, 3]",
        lambda: '"a string"',
        lambda: json.dumps({"big": "字" * rng.randint(0, 300_000)}),
        lambda: '{"a": 1',
        lambda: "",
        lambda: rng.randbytes(rng.randint(1, 200)).decode("latin-1"),
    ]
    return rng.choice(choices)()


def hostile_int(rng: random.Random) -> int:
    return rng.choice(
        [0, -1, 1, 2**63 - 1, -(2**63), 2**31, 2251799813685249, rng.randint(-(2**63), 2**63 - 1)]
    )


def hostile_text(rng: random.Random) -> str:
    return rng.choice(
        ["", " ", "x" * rng.randint(1, 70_000), "../../etc/passwd", "<>&'\"", "名称", "\u0000", "a\nb"]
    )


def hostile_bpmn(rng: random.Random) -> bytes:
    return rng.choice(
        [
            XXE.encode(),
            BOMB.encode(),
            rng.randbytes(rng.randint(0, 5000)),
            b"<bpmn:definitions/>",
            chain("fuzz_ok", ["fuzz.work"]).replace(b"fuzz.work", rng.randbytes(8).hex().encode()),
            b'<?xml version="1.0" encoding="UTF-16"?><x/>',
            b"\xff\xfe" + "<x/>".encode("utf-16-le"),
        ]
    )


def fill(message: Any, rng: random.Random, depth: int = 0) -> Any:
    """Hostile values for every field of a request message, by field type and name."""
    for field in message.DESCRIPTOR.fields:
        if rng.random() < 0.2:
            continue
        name = field.name
        repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
        if field.message_type is not None:
            if depth > 2:
                continue
            container = getattr(message, name)
            if repeated:
                for _ in range(rng.randint(0, 3)):
                    fill(container.add(), rng, depth + 1)
            else:
                fill(container, rng, depth + 1)
            continue
        if field.type == field.TYPE_BYTES:
            value: Any = hostile_bpmn(rng)
        elif field.type == field.TYPE_STRING:
            value = hostile_json(rng) if "variables" in name.lower() or name == "value" else hostile_text(rng)
        elif field.type == field.TYPE_BOOL:
            value = rng.random() < 0.5
        elif field.type in (field.TYPE_INT64, field.TYPE_SINT64, field.TYPE_SFIXED64):
            value = hostile_int(rng)
        elif field.type in (field.TYPE_INT32, field.TYPE_SINT32, field.TYPE_SFIXED32, field.TYPE_ENUM):
            value = rng.choice([0, -1, 1, 2**31 - 1, -(2**31)])
        else:
            continue
        try:
            if repeated:
                getattr(message, name).extend([value] * rng.randint(0, 3))
            else:
                setattr(message, name, value)
        except (TypeError, ValueError):
            continue
    return message


def normal_case_completes(server: LocalServer) -> None:
    with grpc.insecure_channel(server.address) as channel:
        gateway = GatewayStub(channel)
        model = chain("fuzz_after", ["fuzz.after"])
        gateway.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="after.bpmn", content=model)])
        )
        key = gateway.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="fuzz_after", version=-1, variables='{"ok": true}')
        ).processInstanceKey
        request = pb.ActivateJobsRequest(type="fuzz.after", worker="w", timeout=60_000, maxJobsToActivate=1)
        jobs = [job for response in gateway.ActivateJobs(request, timeout=10) for job in response.jobs]
        assert jobs, "the normal case's job was not activated"
        gateway.CompleteJob(pb.CompleteJobRequest(jobKey=jobs[0].key), timeout=10)
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=HEALTH_SERVICE), timeout=5
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert server.rest.get(f"/v2/process-instances/{key}").json()["state"] == "COMPLETED"


def test_fuzz_every_grpc_rpc(server: LocalServer) -> None:
    rng = random.Random(SEED)
    methods = pb.DESCRIPTOR.services_by_name["Gateway"].methods
    codes: Counter[str] = Counter()
    before = rss_kb(server)
    secret = SECRET.read_text(errors="replace").splitlines()[0] if SECRET.exists() else "root:x:0:0"
    with grpc.insecure_channel(
        server.address, options=[("grpc.max_send_message_length", 64 * 1024 * 1024)]
    ) as ch:
        for index in range(INPUTS):
            method = methods[index % len(methods)]
            path = f"/gateway_protocol.Gateway/{method.name}"
            raw = rng.random() < 0.25
            request_class = getattr(pb, method.input_type.name)
            response_class = getattr(pb, method.output_type.name)
            payload = (
                rng.randbytes(rng.randint(0, 300)) if raw else fill(request_class(), rng).SerializeToString()
            )
            streaming = method.server_streaming
            call = (ch.unary_stream if streaming else ch.unary_unary)(
                path, request_serializer=lambda b: b, response_deserializer=response_class.FromString
            )
            try:
                answer = call(payload, timeout=2 if streaming else 10)
                text = str(list(answer) if streaming else answer)
                codes["OK"] += 1
            except grpc.RpcError as error:
                code = error.code()
                # a job stream stays open by design until the client's deadline; nothing else may hang
                hung = code == grpc.StatusCode.DEADLINE_EXCEEDED and not streaming
                assert code != grpc.StatusCode.UNKNOWN and not hung, (
                    f"{method.name} input {index}: {code} {error.details()}"
                )
                codes[code.name] += 1
                text = error.details() or ""
                # INTERNAL only for bytes that are no protobuf message at all (as grpc-java answers them)
                assert code != grpc.StatusCode.INTERNAL or (
                    raw and "Invalid protobuf byte sequence" in text
                ), f"{method.name} input {index}: INTERNAL {text}"
            assert secret not in text, f"{method.name} leaked a file's content"
    growth = rss_kb(server) - before
    print(f"\ngRPC fuzz: {INPUTS} inputs over {len(methods)} RPCs (seed {SEED}), statuses {dict(codes)}, "
          f"memory growth {growth} kB")  # fmt: skip
    assert growth < MEMORY_GROWTH_LIMIT_KB
    normal_case_completes(server)


def rest_routes() -> list[tuple[str, str]]:
    """Every (path, method) the gateway's REST modules declare."""
    found = set()
    for source in GATEWAY_SRC.glob("rest*.py"):
        for path, method in re.findall(r'\(\s*"(/v2/[^"]*)"\s*,\s*"([A-Z]+)"', source.read_text()):
            found.add((path, method))
    return sorted(found)


def hostile_body(rng: random.Random) -> tuple[bytes, str]:
    options: list[Callable[[], tuple[bytes, str]]] = [
        lambda: (hostile_json(rng).encode("utf-8", "surrogatepass"), "application/json"),
        lambda: (b"{" * rng.randint(1000, 20000), "application/json"),
        lambda: (json.dumps({"filter": {"state": rng.choice([1, [], {}, None, "X"])},
                             "page": {"limit": -1}}).encode(), "application/json"),
        lambda: (json.dumps({"sort": [{"field": "\ud800"}]}, ensure_ascii=True).encode(), "application/json"),
        lambda: (b"x" * rng.randint(5 * 1024 * 1024, 6 * 1024 * 1024), "application/json"),
        lambda: (rng.randbytes(rng.randint(0, 500)), rng.choice(["text/plain", "application/xml", ""])),
        lambda: (json.dumps({k: hostile_int(rng) for k in ("timeToLive", "milliseconds")}).encode(),
                 "application/json"),
        lambda: (json.dumps({"name": hostile_text(rng), "correlationKey": 5, "variables": "[]"}).encode(),
                 "application/json"),
        lambda: (b"", "application/json"),
    ]  # fmt: skip
    return rng.choice(options)()


def hostile_path(rng: random.Random, template: str) -> str:
    key = rng.choice(
        ["1", "0", "-1", "①", "²", "9" * 30, "%2e%2e", "..", "%00", "abc", "2251799813685249", "%ud800"]
    )
    path = re.sub(r"\{[^}]+\}", key, template)
    return rng.choice(
        [path, path + "/", path + "/../../../etc/passwd", path.replace("/v2/", "/v2//"), path + "?x=%ff"]
    )


def test_fuzz_every_rest_endpoint(server: LocalServer) -> None:
    rng = random.Random(SEED + 1)
    routes = rest_routes()
    assert len(routes) >= 15
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    statuses: Counter[int] = Counter()
    before = rss_kb(server)
    with httpx.Client(base_url=server.rest_url, timeout=15) as client:
        for index in range(INPUTS):
            template, method = routes[index % len(routes)]
            if rng.random() < 0.15:
                method = rng.choice(methods)
            body, content_type = hostile_body(rng)
            headers = {"content-type": content_type} if content_type else {}
            try:
                answer = client.request(method, hostile_path(rng, template), content=body, headers=headers)
            except httpx.RemoteProtocolError:
                statuses[0] += 1  # the server closed a connection it would not read (a huge body)
                continue
            statuses[answer.status_code] += 1
            assert answer.status_code < 500, (
                f"{method} {template} input {index}: {answer.status_code} {answer.text[:300]}"
            )
            assert "root:x:0:0" not in answer.text
            under_api = answer.request.url.path.startswith("/v2")  # "/v2/x/../../etc" leaves the API
            if answer.status_code >= 400 and answer.content and under_api:
                assert answer.headers.get("content-type", "").startswith("application/problem+json"), (
                    f"{method} {template}: {answer.status_code} {answer.headers.get('content-type')}"
                )
    growth = rss_kb(server) - before
    print(f"\nREST fuzz: {INPUTS} inputs over {len(routes)} routes (seed {SEED + 1}), "
          f"statuses {dict(statuses)}, memory growth {growth} kB")  # fmt: skip
    assert growth < MEMORY_GROWTH_LIMIT_KB
    normal_case_completes(server)
