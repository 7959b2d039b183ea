"""联合执法指令 (xietong.jointOrder): one joint-enforcement order to one collaborating department.

The model runs this task as a multi-instance over the collaborators, so each job carries its own
``collaborator``; the order id is stable across redeliveries of the same job.
"""

from __future__ import annotations

from typing import Any

from xietong.task_types import JOINT_ORDER
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext

TASK_TYPE = JOINT_ORDER


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    collaborator = ctx.string_variable("collaborator")
    lead = ctx.header("leadDepartment")
    event = ctx.store.record(
        case_id, EventKind.ORDER_SENT, ctx.source(), ctx.now, {"to": collaborator, "lead": lead}
    )
    return {"orderId": f"{case_id}-order-{event.id}"}
