"""One handler module per task type of ``xietong/task_types.py``; ``HANDLERS`` maps each type to
its module's ``handle``."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from xietong.task_types import TASK_TYPES
from xietong.workers.handlers import (
    archive,
    deadline,
    dispatch,
    escalate,
    joint_order,
    notify,
    register,
    summarize,
    supervise,
    transfer,
    triage,
)
from xietong.workers.handlers.job import Handler, JobContext, JobInputError


@dataclass(frozen=True)
class Registration:
    task_type: str
    handle: Handler


def _registration(module: ModuleType) -> Registration:
    return Registration(module.TASK_TYPE, module.handle)


HANDLERS: dict[str, Registration] = {
    r.task_type: r
    for r in map(
        _registration,
        (
            register,
            deadline,
            triage,
            dispatch,
            joint_order,
            transfer,
            notify,
            supervise,
            escalate,
            summarize,
            archive,
        ),
    )
}


def unhandled_task_types() -> list[str]:
    """Catalog types no handler serves: a model using one would wait forever for a worker."""
    return sorted(set(TASK_TYPES) - set(HANDLERS))


__all__ = ["HANDLERS", "JobContext", "JobInputError", "Registration", "unhandled_task_types"]
