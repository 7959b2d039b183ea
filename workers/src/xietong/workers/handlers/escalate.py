"""上报上级协调 (xietong.escalate): an overdue or unresolved case goes up a coordination level.

After a step several departments do at once, the record names only those whose part is still open
(``open_departments``, as the 督办 does), and ``allDepartments`` the step's list.
"""

from __future__ import annotations

from typing import Any

from xietong.task_types import ESCALATE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time
from xietong.workers.handlers.open_departments import narrowed_to_open_parts

TASK_TYPE = ESCALATE


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    detail: dict[str, Any] = {
        "to": ctx.header("to"),
        "department": ctx.descriptive_header("department"),
        "level": ctx.int_header("level"),
    }
    source = narrowed_to_open_parts(ctx, detail, ctx.source())
    event = ctx.store.record(case_id, EventKind.ESCALATED, source, ctx.now, detail)
    return {"escalatedAt": china_time(event.at)}
