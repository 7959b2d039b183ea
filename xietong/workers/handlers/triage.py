"""研判 (xietong.triage): records where a reported problem goes.

Where a problem goes is a person's judgement, so this worker never makes it up: the decision
arrives in the variable ``triageResult`` (set by the user task or form before this step, or by the
starter) and is checked against the outcomes the ``options`` header allows. Without a decision the
job fails with a message saying so, and the engine shows an incident.
"""

from __future__ import annotations

from typing import Any

from xietong.task_types import TRIAGE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext

TASK_TYPE = TRIAGE
FETCH = ("caseId", "triageResult", "report")


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    options = ctx.list_header("options")
    decision = ctx.variables.get("triageResult")
    if decision is None:
        raise ctx.fail(
            "研判 needs a person's decision and none was given: set the variable 'triageResult' "
            f"(one of {', '.join(options)}) in a user task before this step or when starting the case"
        )
    if decision not in options:
        raise ctx.fail(f"triageResult {decision!r} is not one of the header options {', '.join(options)}")
    ctx.store.record(
        case_id, EventKind.TRIAGED, ctx.source(), ctx.now, {"result": decision, "options": options}
    )
    return {"triageResult": decision}
