"""结案归档 (xietong.archive): the case is closed and leaves the supervisors' list of open cases."""

from __future__ import annotations

from typing import Any

from xietong.task_types import ARCHIVE
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = ARCHIVE


def handle(ctx: JobContext) -> dict[str, Any]:
    case, _ = ctx.store.archive(ctx.case_id, ctx.source(), ctx.now, {})
    assert case.closed_at is not None
    return {"archivedAt": china_time(case.closed_at)}
