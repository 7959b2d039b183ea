"""Who a 督办 or 上报 after a step several departments do at once is about: only those whose part is open.

A step over the collaborators (a multi-instance) names them all in its ``department`` header; its one
deadline passing concerns only the departments that have not finished. The supervise (督办) and escalate
(上报) handlers both narrow their record here, asking the engine through ``ctx.open_parts`` (REST v2): the
record's ``department`` lists the open parts, in the step's order, and ``allDepartments`` the step's list.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import structlog

from xietong.workers.case_store import Source
from xietong.workers.handlers.job import JobContext

log = structlog.get_logger("xietong.workers")


def narrowed_to_open_parts(ctx: JobContext, detail: dict[str, Any], source: Source) -> Source:
    """Narrows ``detail["department"]`` (and the event's department, returned) to the open parts when it
    names several departments and the step is a multi-instance; leaves both as they are otherwise."""
    department = detail.get("department")
    open_departments = still_open(ctx, department)
    if open_departments is None:
        return source
    detail["department"] = ",".join(open_departments) or None
    detail["allDepartments"] = department
    return dataclasses.replace(source, department=detail["department"])


def still_open(ctx: JobContext, department: str | None) -> list[str] | None:
    """The departments whose part of the step is still open, when ``department`` names several (only a
    multi-instance step is asked about); None when nothing narrows the record."""
    if department is None or "," not in department:
        return None
    if ctx.open_parts is None:
        log.warning(
            "recorded for every department of the step: the REST API cannot be asked whose part is open",
            task_type=ctx.task_type,
            department=department,
        )
        return None
    step = ctx.optional_header("stepId") or ctx.element_id
    return ctx.open_parts.of(ctx.process_instance_key, ctx.process_definition_key, step)
