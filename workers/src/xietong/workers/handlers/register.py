"""受理登记 (xietong.register): opens the case, giving it an id unless the starter brought one."""

from __future__ import annotations

from typing import Any

from xietong.task_types import REGISTER
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = REGISTER


def handle(ctx: JobContext) -> dict[str, Any]:
    given = ctx.optional_string_variable("caseId")
    source = ctx.source()
    case, event = ctx.store.register(
        given, source.mechanism_id or ctx.bpmn_process_id, source, ctx.now, {"idGiven": given is not None}
    )
    return {"caseId": case.case_id, "registeredAt": china_time(event.at)}
