"""计算办理时限 (xietong.deadline): a time limit becomes a due date-time on China's calendar.

The due date goes into the variable the ``dueVariable`` header names; the step's boundary timer
(``timeDate = due_…``) then fires at that instant. The count starts at ``startedAt`` if the model
gives one, else when the job runs. Beside it, ``<dueVariable>Provisional`` says whether the date
was counted on a year whose State Council notice is not entered yet (statutory holidays only; see
``xietong.workers.calendar``); ``xietong calendar recheck`` corrects such dates once it is.
"""

from __future__ import annotations

import re
from typing import Any

from xietong.task_types import DEADLINE
from xietong.workers.calendar import TimeLimit
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = DEADLINE
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def handle(ctx: JobContext) -> dict[str, Any]:
    due_variable = ctx.header("dueVariable")
    if not _VARIABLE_NAME.fullmatch(due_variable):
        raise ctx.fail(f"task header 'dueVariable' must be a variable name, got {due_variable!r}")
    if ctx.variables.get("limit") is None:
        raise ctx.fail("variable 'limit' is missing: map {amount, unit} into the job")
    try:
        limit = TimeLimit.parse(ctx.variables["limit"], field="variable 'limit'")
    except ValueError as error:
        raise ctx.fail(str(error)) from None
    started = ctx.date_time_variable("startedAt") or ctx.now
    counted = ctx.calendar.due_date(started, limit)
    due = counted.at
    case_id = ctx.variables.get("caseId")
    if isinstance(case_id, str) and case_id.strip():
        ctx.store.record(
            case_id.strip(),
            EventKind.DEADLINE_SET,
            ctx.source(),
            ctx.now,
            {
                "dueVariable": due_variable,
                "due": china_time(due),
                "startedAt": china_time(started),
                "limit": {"amount": limit.amount, "unit": limit.unit.value},
                "provisional": counted.provisional,
                "provisionalYears": list(counted.provisional_years),
            },
        )
    return {due_variable: china_time(due), f"{due_variable}Provisional": counted.provisional}
