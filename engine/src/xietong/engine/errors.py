"""Errors the engine raises for rejected commands.

Each class matches one gRPC status of Zeebe's gateway, so the gateway maps them one to one and
clients raise their typed errors (pyzeebe's ProcessDefinitionNotFoundError, JobNotFoundError, …).
The message is what Zeebe would say: it names the key, id or element that was wrong.
"""

from __future__ import annotations

from typing import ClassVar


class EngineError(Exception):
    """A command the engine rejected; nothing it would have changed was changed.

    ``rejection_type`` is Zeebe's ``RejectionType`` for the class and ``intent`` the rejected
    command's intent (``ASSIGN``, ``COMPLETE``, …; set by the command processor), which Zeebe's
    gateways put in front of the reason: see :func:`gateway_message`.
    """

    rejection_type: ClassVar[str] = "PROCESSING_ERROR"
    intent: str | None = None


class NotFound(EngineError):
    """The key or id names nothing (gRPC NOT_FOUND)."""

    rejection_type = "NOT_FOUND"


class InvalidArgument(EngineError):
    """The command itself is malformed: bad variables document, unknown element id (INVALID_ARGUMENT)."""

    rejection_type = "INVALID_ARGUMENT"


class FailedPrecondition(EngineError):
    """The target exists but is in the wrong state, e.g. completing a job that is not activated
    (Zeebe's INVALID_STATE: gRPC FAILED_PRECONDITION, REST 409 titled INVALID_STATE)."""

    rejection_type = "INVALID_STATE"


class AlreadyExists(EngineError):
    """A message with the same id is still buffered (ALREADY_EXISTS)."""

    rejection_type = "ALREADY_EXISTS"


class ResourceExhausted(EngineError):
    """Back-pressure: the command queue is full; clients retry later (RESOURCE_EXHAUSTED)."""


class Unavailable(EngineError):
    """The engine stopped processing after a storage failure, like an unhealthy partition (UNAVAILABLE)."""


class DeploymentRejected(InvalidArgument):
    """A deployment failed validation; ``problems`` holds each resource's failure as Zeebe words and
    lays it out (``'a.bpmn': - Element: t`` …, see ``model.validation_report``), joined as
    Zeebe's ``DeploymentTransformer`` joins them."""

    def __init__(self, problems: list[str], *, alone: bool = False) -> None:
        """``alone``: the one problem is the whole message (an empty deployment, as Zeebe says it)."""
        self.problems = problems
        super().__init__(
            problems[0]
            if alone
            else "Expected to deploy new resources, but encountered the following errors:"
            + "".join(f"\n{problem}" for problem in problems)
        )


def gateway_message(error: EngineError) -> str:
    """What Zeebe 8.8's gateways answer for a rejected command, gRPC status message and REST problem
    detail alike (``GrpcErrorMapper`` / the service layer's ``ErrorMapper``):
    ``Command 'ASSIGN' rejected with code 'NOT_FOUND': Expected to assign user task …``.
    Errors that are not the engine's rejection of a command (no intent) keep their own text."""
    if error.intent is None or error.rejection_type == "PROCESSING_ERROR":
        return str(error)
    return f"Command '{error.intent}' rejected with code '{error.rejection_type}': {error}"
