"""督办 (xietong.supervise): a passed deadline is recorded as a 督办 of the acting department.

The step it watches goes on (the boundary timer is non-interrupting); the record names who urged
(``supervisor``), whom (``department``) and at which level, for the supervisors' case view.

A step several departments do at once (a multi-instance over the collaborators) names them all in
``department``; its one deadline passing urges only those whose part is still open
(``open_departments``): the record's ``department`` lists them, and ``allDepartments`` the step's list.
"""

from __future__ import annotations

from typing import Any

from xietong.task_types import SUPERVISE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time
from xietong.workers.handlers.open_departments import narrowed_to_open_parts

TASK_TYPE = SUPERVISE


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    detail: dict[str, Any] = {
        "supervisor": ctx.descriptive_header("supervisor"),
        "department": ctx.descriptive_header("department"),
        "level": ctx.int_header("level"),
    }
    source = narrowed_to_open_parts(ctx, detail, ctx.source())
    event = ctx.store.record(case_id, EventKind.SUPERVISED, source, ctx.now, detail)
    return {"supervisedAt": china_time(event.at)}
