"""Errors the engine raises for rejected commands.

Each class matches one gRPC status of Zeebe's gateway, so the gateway maps them one to one and
clients raise their typed errors (pyzeebe's ProcessDefinitionNotFoundError, JobNotFoundError, …).
The message is what Zeebe would say: it names the key, id or element that was wrong.
"""

from __future__ import annotations


class EngineError(Exception):
    """A command the engine rejected; nothing it would have changed was changed."""


class NotFound(EngineError):
    """The key or id names nothing (gRPC NOT_FOUND)."""


class InvalidArgument(EngineError):
    """The command itself is malformed: bad variables document, unknown element id (INVALID_ARGUMENT)."""


class FailedPrecondition(EngineError):
    """The target exists but is in the wrong state, e.g. completing a job that is not activated."""


class AlreadyExists(EngineError):
    """A message with the same id is still buffered (ALREADY_EXISTS)."""


class ResourceExhausted(EngineError):
    """Back-pressure: the command queue is full; clients retry later (RESOURCE_EXHAUSTED)."""


class Unavailable(EngineError):
    """The engine stopped processing after a storage failure, like an unhealthy partition (UNAVAILABLE)."""


class DeploymentRejected(InvalidArgument):
    """A deployment failed validation; ``problems`` lists each as 'resource: element id: rule'."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Expected to deploy new resources, but encountered the following errors:\n" +
                         "\n".join(f"- {p}" for p in problems))
