"""通报反馈 (xietong.notify): results fed back, decisions copied (抄告), situations reported."""

from __future__ import annotations

from typing import Any

from xietong.task_types import NOTIFY
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = NOTIFY


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    recipients = ctx.list_header("recipients")
    if not recipients:
        raise ctx.fail("task header 'recipients' names nobody")
    event = ctx.store.record(case_id, EventKind.NOTIFIED, ctx.source(), ctx.now, {"recipients": recipients})
    return {"notifiedAt": china_time(event.at)}
