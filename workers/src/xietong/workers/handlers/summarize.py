"""汇总 (xietong.summarize): the departments' results collected into one summary.

``results`` is usually the output collection of a multi-instance step; an instance whose person
gave no result leaves ``null`` there, which the summary counts as missing instead of hiding.
"""

from __future__ import annotations

from typing import Any

from xietong.task_types import SUMMARIZE
from xietong.workers.case_store import EventKind
from xietong.workers.handlers.job import JobContext, china_time

TASK_TYPE = SUMMARIZE


def handle(ctx: JobContext) -> dict[str, Any]:
    case_id = ctx.case_id
    results = ctx.variables.get("results")
    if results is None:
        results = []
    if not isinstance(results, list):
        raise ctx.fail(f"variable 'results' must be a list, got {type(results).__name__}")
    given = [result for result in results if result is not None]
    summary = {
        "caseId": case_id,
        "expected": len(results),
        "received": len(given),
        "missing": len(results) - len(given),
        "results": given,
        "summarizedAt": china_time(ctx.now),
    }
    ctx.store.record(
        case_id,
        EventKind.SUMMARIZED,
        ctx.source(),
        ctx.now,
        {key: summary[key] for key in ("expected", "received", "missing")},
    )
    return {"summary": summary}
