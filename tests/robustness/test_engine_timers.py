"""Timer definitions an attacker (or a typo) can deploy: the engine must refuse them or raise an
incident, never answer INTERNAL or flood itself. Its own engine: a flood must not slow other modules."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as rpc

from tests.gateway.models import chain
from xietong.engine.gateway.local_server import LocalServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    root = tmp_path_factory.mktemp("robust-timers")
    running = LocalServer(root / "data", root / "engine.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


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
    assert ("- date.bpmn: start (line 4): invalid timeDate: '9999-99-99T00:00:00Z' is not an ISO 8601 "
            "date-time") in caught.value.details()


@pytest.mark.xfail(strict=True, reason="xietong/engine (timer scheduling of a boundary timeDuration): "
                   "P99999999Y deploys, then CreateProcessInstance answers INTERNAL 'year 100002025 is out "
                   "of range' (pyzeebe treats INTERNAL as a connection fault); refuse at deploy or raise an "
                   "incident on the boundary event")
def test_a_duration_past_the_calendar_is_not_an_internal_error(gateway: rpc.GatewayStub) -> None:
    model = timer("robust_huge", "timeDuration", "P99999999Y", boundary=True)
    try:
        deploy(gateway, "huge.bpmn", model)
    except grpc.RpcError as refused:
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        return
    gateway.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="robust_huge", version=-1),
                                  timeout=20)


@pytest.mark.xfail(strict=True, reason="xietong/engine deployment validation (timer start events): "
                   "timeCycle R/PT0S deploys and starts instances without pause (about 3000 a second here) "
                   "until the engine stops; refuse an unbounded cycle whose interval is zero")
def test_an_unbounded_zero_interval_cycle_is_refused(gateway: rpc.GatewayStub) -> None:
    # Last in the module: while this is wrong, it floods this module's engine until teardown.
    with pytest.raises(grpc.RpcError) as caught:
        deploy(gateway, "flood.bpmn", timer("robust_flood", "timeCycle", "R/PT0S", boundary=False))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "flood.bpmn" in caught.value.details() and "start" in caught.value.details()
