"""派单交办 (xietong.dispatch): the case is assigned to the department in ``toDepartment``."""

from __future__ import annotations

from typing import Any

from xietong.task_types import DISPATCH
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = DISPATCH


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    to = ctx.header("toDepartment")
    event = ctx.store.record(case_id, EventKind.DISPATCHED, ctx.source(), ctx.now, {"to": to})
    return {"assignedAt": china_time(event.at)}
