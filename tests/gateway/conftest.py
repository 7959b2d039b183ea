"""A real engine process per test session, reached only through its gRPC and REST ports."""

from __future__ import annotations

from tests.gateway.engine_process import running_gateway
from tests.support import running_fixture

gateway = running_fixture(running_gateway, scope="session")
