"""研判 (xietong.triage): records where a reported problem goes.

Where a problem goes is a person's judgement, so this worker never makes it up. The decision
arrives in the variable the ``resultVariable`` header names (``triageResult`` for models written
before that header existed), set by the user task or form before this step or by the starter. It
is checked against the outcome codes of the ``options`` header, recorded, and returned under the
same name for the gateway after the step. Without a decision the job fails with a message saying
so, and the engine shows an incident.
"""

from __future__ import annotations

import re
from typing import Any

from xietong.task_types import TRIAGE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext

TASK_TYPE = TRIAGE
DEFAULT_RESULT_VARIABLE = "triageResult"
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    options = ctx.list_header("options")
    result_variable = ctx.headers.get("resultVariable") or DEFAULT_RESULT_VARIABLE
    if not _VARIABLE_NAME.fullmatch(result_variable):
        raise ctx.fail(f"task header 'resultVariable' must be a variable name, got {result_variable!r}")
    decision = ctx.variables.get(result_variable)
    if decision is None:
        raise ctx.fail(
            f"研判 needs a person's decision and none was given: set the variable {result_variable!r} "
            f"(one of {', '.join(options)}) in a user task before this step or when starting the case"
        )
    if decision not in options:
        raise ctx.fail(
            f"{result_variable} {decision!r} is not one of the header options {', '.join(options)}"
        )
    detail = {"result": decision, "options": options, "variable": result_variable}
    ctx.store.record(case_id, EventKind.TRIAGED, ctx.source(), ctx.now, detail)
    return {result_variable: decision}
