"""移送 (xietong.transfer): the case and its evidence go to the competent department."""

from __future__ import annotations

from typing import Any

from xietong.task_types import TRANSFER
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext

TASK_TYPE = TRANSFER


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    to = ctx.header("toDepartment")
    event = ctx.store.record(case_id, EventKind.TRANSFERRED, ctx.source(), ctx.now, {"to": to})
    return {"transferId": f"{case_id}-transfer-{event.id}"}
