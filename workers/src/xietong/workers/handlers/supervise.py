"""督办 (xietong.supervise): a passed deadline is recorded as a 督办 of the acting department.

The step it watches goes on (the boundary timer is non-interrupting); the record names who urged
(``supervisor``), whom (``department``) and at which level, for the supervisors' case view.
"""

from __future__ import annotations

from typing import Any

from xietong.task_types import SUPERVISE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = SUPERVISE


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    detail = {
        "supervisor": ctx.descriptive_header("supervisor"),
        "department": ctx.descriptive_header("department"),
        "level": ctx.int_header("level"),
    }
    event = ctx.store.record(case_id, EventKind.SUPERVISED, ctx.source(), ctx.now, detail)
    return {"supervisedAt": china_time(event.at)}
