"""Back-pressure: an engine process whose gateway admits no commands in flight refuses them all.

A limit of 0 makes "the queue is full" deterministic; clients must see RESOURCE_EXHAUSTED (pyzeebe:
ZeebeBackPressureError, after which its workers back off) and REST 503, while health stays SERVING.
"""

from __future__ import annotations

import asyncio
from functools import partial

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.errors import ZeebeBackPressureError

from tests.gateway.engine_process import RunningGateway, running_gateway
from tests.support import running_fixture

saturated = running_fixture(
    partial(running_gateway, env={"XIETONG_GATEWAY_MAX_INFLIGHT_COMMANDS": "0"}), scope="module"
)


def test_commands_are_refused_with_resource_exhausted(saturated: RunningGateway) -> None:
    async def body() -> None:
        channel = create_insecure_channel(grpc_address=saturated.address)
        try:
            with pytest.raises(ZeebeBackPressureError):
                await ZeebeClient(channel).run_process("anything")
        finally:
            await channel.close()

    asyncio.run(body())
    with saturated.rest() as rest:
        refused = rest.post("/v2/messages/publication", json={"name": "m", "correlationKey": "k"})
    assert refused.status_code == 503
    assert refused.json()["title"] == "RESOURCE_EXHAUSTED"
    with grpc.insecure_channel(saturated.address) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
