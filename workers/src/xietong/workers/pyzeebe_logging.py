"""pyzeebe's own log lines, made readable and structured.

pyzeebe logs through the standard library: every poller (one per task type) writes the whole repr
of a gRPC error — ``ZeebeGatewayUnavailableError(grpc_error=<AioRpcError … debug_error_string …>)``
— every five seconds while the gateway is away, through logging's last-resort handler. Here those
records become structlog events with the status and the reason only, and the same failure from the
pollers of one attempt is written once.
"""

from __future__ import annotations

import logging
import re
import time

import structlog

log = structlog.get_logger("pyzeebe")

# pyzeebe's errors print as Error(grpc_error=AioRpcError(code=StatusCode.X, details=…, debug_error_string=…))
_RPC_ERROR = re.compile(
    r"\w+\(grpc_error=AioRpcError\(code=StatusCode\.(?P<status>\w+), details=(?P<details>.*?), "
    r"debug_error_string=.*?\)\)(?=\.|\s|$)",
    re.S,
)
REPEAT_WINDOW_S = 4.0  # the pollers of one attempt fail within this window; pyzeebe retries every 5 s


def readable(message: str) -> str:
    """A gRPC error's repr inside a message replaced by ``STATUS: details``."""
    return _RPC_ERROR.sub(lambda match: f"{match['status']}: {match['details']}", message)


class PyzeebeLogBridge(logging.Handler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address
        self._last: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = readable(record.getMessage())
        except Exception:  # a malformed record must not break the worker
            self.handleError(record)
            return
        now = time.monotonic()
        if now - self._last.get(message, -REPEAT_WINDOW_S) < REPEAT_WINDOW_S:
            return
        self._last = {key: at for key, at in self._last.items() if now - at < REPEAT_WINDOW_S}
        self._last[message] = now
        level = logging.getLevelName(record.levelno).lower()
        getattr(log, level if level in ("debug", "info", "warning", "error", "critical") else "warning")(
            message, gateway=self.address
        )


def install(address: str) -> PyzeebeLogBridge:
    """Routes the ``pyzeebe`` logger through the bridge (and not also through the root logger)."""
    logger = logging.getLogger("pyzeebe")
    for handler in [h for h in logger.handlers if isinstance(h, PyzeebeLogBridge)]:
        logger.removeHandler(handler)
    bridge = PyzeebeLogBridge(address)
    logger.addHandler(bridge)
    logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return bridge
