"""督办 (xietong.supervise): a passed deadline is recorded as a 督办 of the acting department.

The step it watches goes on (the boundary timer is non-interrupting); the record names who urged
(``supervisor``), whom (``department``) and at which level, for the supervisors' case view.

A step several departments do at once (a multi-instance over the collaborators) names them all in
``department``; its one deadline passing urges only those whose part is still open. The engine is asked
which those are (``open_parts``, REST v2): the record's ``department`` lists them, and
``allDepartments`` the step's full list.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import structlog

from xietong.task_types import SUPERVISE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = SUPERVISE
log = structlog.get_logger("xietong.workers")


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    department = ctx.descriptive_header("department")
    detail: dict[str, Any] = {
        "supervisor": ctx.descriptive_header("supervisor"),
        "department": department,
        "level": ctx.int_header("level"),
    }
    source = ctx.source()
    open_departments = _still_open(ctx, department)
    if open_departments is not None:
        detail["department"] = ",".join(open_departments) or None
        detail["allDepartments"] = department
        source = dataclasses.replace(source, department=detail["department"])
    event = ctx.store.record(case_id, EventKind.SUPERVISED, source, ctx.now, detail)
    return {"supervisedAt": china_time(event.at)}


def _still_open(ctx: JobContext, department: str | None) -> list[str] | None:
    """The departments whose part of the step is still open, when ``department`` names several (only a
    multi-instance step is asked about); None when nothing narrows the 督办."""
    if department is None or "," not in department:
        return None
    if ctx.open_parts is None:
        log.warning(
            "督办 to every department of the step: the REST API cannot be asked whose part is open",
            department=department,
        )
        return None
    step = ctx.optional_header("stepId") or ctx.element_id
    return ctx.open_parts.of(ctx.process_instance_key, ctx.process_definition_key, step)
