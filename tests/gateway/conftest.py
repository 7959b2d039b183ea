"""A real engine process per test session, reached only through its gRPC and REST ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.engine_process import RunningGateway, start_gateway, stop_gateway


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    running = start_gateway(tmp_path_factory.mktemp("gateway"))
    try:
        yield running
    finally:
        code = stop_gateway(running)
    assert code == 0, f"engine did not shut down cleanly on SIGTERM (exit {code}):\n{running.log()}"
