"""pyzeebe's log records as one readable structlog line: the gRPC status and reason, once per attempt."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from xietong.workers import pyzeebe_logging

RAW = (
    "Failed to activate jobs from the gateway. Exception: ZeebeGatewayUnavailableError(grpc_error="
    "AioRpcError(code=StatusCode.UNAVAILABLE, details=failed to connect to all addresses; last error: "
    "UNKNOWN: ipv4:127.0.0.1:1: Connection refused, debug_error_string=UNAVAILABLE:failed to connect "
    "(created_time: 1.0))). Retrying in 5 seconds..."
)


def test_the_error_repr_becomes_status_and_reason() -> None:
    assert pyzeebe_logging.readable(RAW) == (
        "Failed to activate jobs from the gateway. Exception: UNAVAILABLE: failed to connect to all "
        "addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: Connection refused. Retrying in 5 seconds..."
    )
    assert pyzeebe_logging.readable("Job 5 not found") == "Job 5 not found"


@pytest.fixture
def bridge() -> Iterator[None]:
    """The bridge installed for one test; the pyzeebe logger as it was afterwards."""
    root = logging.getLogger("pyzeebe")
    saved = (list(root.handlers), root.propagate, root.level)
    pyzeebe_logging.install("127.0.0.1:1")
    try:
        yield
    finally:
        root.handlers[:], root.propagate, root.level = saved[0], saved[1], saved[2]


def test_the_pollers_of_one_attempt_log_once(bridge: None) -> None:
    logger = logging.getLogger("pyzeebe.worker.job_poller")
    with structlog.testing.capture_logs() as events:
        for _ in range(11):  # one poller per task type, all failing on the same attempt
            logger.warning(
                "Failed to activate jobs from the gateway. Exception: %s. Retrying in 5 seconds...",
                "ZeebeGatewayUnavailableError(grpc_error=AioRpcError(code=StatusCode.UNAVAILABLE, "
                "details=down, debug_error_string=x))",
            )
        logger.error("Job %s not found", 7)
    assert [(e["log_level"], e["event"]) for e in events] == [
        ("warning", "Failed to activate jobs from the gateway. Exception: UNAVAILABLE: down. Retrying in 5 "
                    "seconds..."),
        ("error", "Job 7 not found"),
    ]
    assert events[0]["gateway"] == "127.0.0.1:1"
