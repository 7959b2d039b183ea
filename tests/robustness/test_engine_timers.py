"""Timer definitions an attacker (or a typo) can deploy: the engine must refuse them or raise an
incident, never answer INTERNAL or flood itself. Its own engine: a flood must not slow other modules."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as rpc

from tests.gateway.models import chain
from tests.support import engine_server, running_fixture
from xietong.engine.gateway.local_server import LocalServer

server = running_fixture(engine_server, scope="module")


@pytest.fixture(scope="module")
def gateway(server: LocalServer) -> Iterator[rpc.GatewayStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield rpc.GatewayStub(channel)


def timer(pid: str, kind: str, value: str, boundary: bool) -> bytes:
    definition = (f'<bpmn:timerEventDefinition id="td"><bpmn:{kind}>{value}</bpmn:{kind}>'
                  "</bpmn:timerEventDefinition>")
    model = chain(pid, ["robust.timer"])
    if boundary:
        return model.replace(b"</bpmn:process>", f'<bpmn:boundaryEvent id="b" attachedToRef="task1">'
                             f"{definition}</bpmn:boundaryEvent></bpmn:process>".encode())
    return model.replace(b'<bpmn:startEvent id="start"/>',
                         f'<bpmn:startEvent id="start">{definition}</bpmn:startEvent>'.encode())


def deploy(gateway: rpc.GatewayStub, name: str, model: bytes) -> None:
    request = pb.DeployResourceRequest(resources=[pb.Resource(name=name, content=model)])
    gateway.DeployResource(request, timeout=20)


def test_an_invalid_date_is_refused_naming_the_element(gateway: rpc.GatewayStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        deploy(gateway, "date.bpmn", timer("robust_date", "timeDate", "9999-99-99T00:00:00Z", boundary=False))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ("'date.bpmn': - Element: start\n    - ERROR: Invalid timer date expression "
            "('9999-99-99T00:00:00Z' is not an ISO 8601 date-time") in caught.value.details()


def test_a_duration_past_the_calendar_is_refused_at_deploy(gateway: rpc.GatewayStub) -> None:
    model = timer("robust_huge", "timeDuration", "P99999999Y", boundary=True)
    with pytest.raises(grpc.RpcError) as caught:
        deploy(gateway, "huge.bpmn", model)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'huge.bpmn': - Element: b\n" in caught.value.details()
    assert "Invalid timer duration expression (counted from " in caught.value.details()
    assert "it ends after the year 9999" in caught.value.details()


def test_a_computed_duration_past_the_calendar_is_an_incident(server: LocalServer,
                                                              gateway: rpc.GatewayStub) -> None:
    """Known only when the instance runs: an incident on the element, never INTERNAL (a connection fault
    to pyzeebe)."""
    deploy(gateway, "computed.bpmn", timer("robust_computed", "timeDuration", "=wait", boundary=True))
    created = gateway.CreateProcessInstance(pb.CreateProcessInstanceRequest(
        bpmnProcessId="robust_computed", version=-1, variables='{"wait": "P99999999Y"}'), timeout=20)
    incidents = server.rest.post("/v2/incidents/search", json={
        "filter": {"processInstanceKey": str(created.processInstanceKey)}}).json()["items"]
    assert [(i["elementId"], i["errorType"]) for i in incidents] == [("task1", "EXTRACT_VALUE_ERROR")]
    assert "ends after the year 9999" in incidents[0]["errorMessage"]


def test_an_unbounded_zero_interval_cycle_is_refused(gateway: rpc.GatewayStub) -> None:
    # Last in the module: while this is wrong, it floods this module's engine until teardown.
    with pytest.raises(grpc.RpcError) as caught:
        deploy(gateway, "flood.bpmn", timer("robust_flood", "timeCycle", "R/PT0S", boundary=False))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "flood.bpmn" in caught.value.details() and "start" in caught.value.details()
