"""Engine errors as gRPC statuses, with the codes Zeebe's gateway uses.

Clients branch on the code (pyzeebe raises JobNotFoundError on NOT_FOUND, ProcessInvalidError on
INVALID_ARGUMENT, backs off on RESOURCE_EXHAUSTED); a code they do not expect crashes their worker
loop, so every failure here goes through this one table.
"""

from __future__ import annotations

import grpc

from xietong.engine import errors

_CODES: tuple[tuple[type[errors.EngineError], grpc.StatusCode], ...] = (
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),  # DeploymentRejected too
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (errors.ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE),
)


def status_for(error: errors.EngineError) -> grpc.StatusCode:
    for error_type, code in _CODES:
        if isinstance(error, error_type):
            return code
    return grpc.StatusCode.INTERNAL


# HTTP statuses for the same errors in the REST API (Camunda's v2 API uses the same mapping).
HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.INTERNAL: 500,
}
