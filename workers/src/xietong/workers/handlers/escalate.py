"""上报上级协调 (xietong.escalate): an overdue or unresolved case goes up a coordination level."""

from __future__ import annotations

from typing import Any

from xietong.task_types import ESCALATE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = ESCALATE


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    detail = {
        "to": ctx.header("to"),
        "department": ctx.descriptive_header("department"),
        "level": ctx.int_header("level"),
    }
    event = ctx.store.record(case_id, EventKind.ESCALATED, ctx.source(), ctx.now, detail)
    return {"escalatedAt": china_time(event.at)}
