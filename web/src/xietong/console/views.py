"""The board as people read it (text, times in Asia/Shanghai, departments by name) and as tools read it
(JSON). ``names`` maps a group id (``siyang.justice``) to its department's name (泗阳县司法局), as the web
pages read them from the catalog; an id without a name is shown as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from xietong.console.board import ENDED, STATE_NAMES, STATE_ORDER, BoardRow, FinishedRow
from xietong.web.vocabulary import INCIDENT_TYPES
from xietong.workers.calendar import CHINA


def _short(at: dt.datetime | None) -> str:
    return at.astimezone(CHINA).strftime("%m-%d %H:%M") if at else "—"


def _lateness(due: dt.datetime, now: dt.datetime) -> str:
    late = now - due
    if late.total_seconds() <= 0:
        return ""
    hours = int(late.total_seconds() // 3600)
    return f"（已逾期 {hours // 24} 天 {hours % 24} 小时）" if hours >= 24 else f"（已逾期 {hours} 小时）"


def _named(departments: Iterable[str], names: Mapping[str, str] | None) -> list[str]:
    return [(names or {}).get(department, department) for department in departments]


def _state(state: str) -> str:
    """``逾期 overdue``: the state as supervisors say it, then its id (what ``--state`` takes)."""
    return f"{STATE_NAMES.get(state, state)} {state}"


def render_text(rows: list[BoardRow], now: dt.datetime, names: Mapping[str, str] | None = None) -> list[str]:
    counts = {state: sum(row.state(now) == state for row in rows) for state in STATE_ORDER}
    shown = "、".join(f"{STATE_NAMES[state]} {count}" for state, count in counts.items() if count)
    lines = [
        f"在办案件（{now.astimezone(CHINA):%Y-%m-%d %H:%M} 北京时间，引擎时钟）：共 {len(rows)} 件"
        f"{' — ' + shown if shown else ''}"
    ]
    for row in rows:
        case = row.summary.case
        urged = f"  督办 ×{row.summary.supervised}" if row.summary.supervised else ""
        escalated = f"  升级 ×{row.summary.escalated}" if row.summary.escalated else ""
        unrecorded = "" if row.recorded else "  （未登记：案件库中无此案件，尚无工作程序记录）"
        lines.append(
            f"{case.case_id}  [{_state(row.state(now))}]  {case.mechanism_id}  开始 {_short(case.opened_at)}"
            f"{urged}{escalated}{unrecorded}"
        )
        # the instances of one multi-instance step (one per collaborating department) share a line
        grouped: dict[tuple[str, str, dt.datetime | None, bool], list[str]] = {}
        for step in row.waiting:
            key = (step.element_id, step.name, step.due, step.provisional)
            grouped.setdefault(key, []).extend(step.departments)
        for (_, name, due_at, provisional), departments in grouped.items():
            due = f"时限 {_short(due_at)}{_lateness(due_at, now)}" if due_at else "无时限"
            due += "（暂定：该年放假安排未录入）" if provisional else ""
            lines.append(f"    等待「{name}」  {'、'.join(_named(departments, names)) or '—'}  {due}")
        for incident in row.incidents:
            message = " ".join(incident.message.split())  # Zeebe's warnings come on lines of their own
            kind = f"{INCIDENT_TYPES[incident.error_type]} " if incident.error_type in INCIDENT_TYPES else ""
            lines.append(f"    故障于 {incident.element_id}：{kind}{incident.error_type}：{message}")
        if not row.waiting and not row.incidents:
            lines.append("    无人工待办：由自动环节、定时器或消息推进")
    return lines


def as_json(rows: list[BoardRow], now: dt.datetime, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    def time(at: dt.datetime | None) -> str | None:
        return at.isoformat() if at else None

    return {
        "now": time(now),
        "cases": [
            {
                "caseId": row.case_id,
                "state": row.state(now),
                "stateName": STATE_NAMES.get(row.state(now), row.state(now)),
                "mechanismId": row.summary.case.mechanism_id,
                "processInstanceKey": row.summary.case.process_instance_key,
                "recorded": row.recorded,
                "openedAt": time(row.summary.case.opened_at),
                "supervised": row.summary.supervised,
                "escalated": row.summary.escalated,
                "waiting": [
                    {
                        "elementId": step.element_id,
                        "name": step.name,
                        "departments": list(step.departments),
                        "departmentNames": _named(step.departments, names),
                        "since": time(step.since),
                        "due": time(step.due),
                        "dueProvisional": step.provisional,
                    }
                    for step in row.waiting
                ],
                "incidents": [
                    {"elementId": i.element_id, "errorType": i.error_type, "message": i.message}
                    for i in row.incidents
                ],
            }
            for row in rows
        ],
    }


def render_finished_text(rows: list[FinishedRow], limit: int) -> list[str]:
    """已结束: each finished case with how (已办结 / 已撤销) and when it ended, newest first."""
    lines = [f"已结束案件（最近结束的在前，至多 {limit} 件）：共 {len(rows)} 件"]
    for row in rows:
        how = f"{ENDED.get(row.state, row.state)} {row.state.lower()}"
        urged = f"  督办 ×{row.supervised}" if row.supervised else ""
        escalated = f"  升级 ×{row.escalated}" if row.escalated else ""
        unrecorded = "" if row.recorded else "  （未登记：案件库中无此案件）"
        lines.append(
            f"{row.case_id}  [{how}]  {row.mechanism_id}  开始 {_short(row.started)}  "
            f"结束 {_short(row.ended)}{urged}{escalated}{unrecorded}"
        )
    return lines


def finished_as_json(rows: list[FinishedRow]) -> dict[str, Any]:
    return {
        "finished": [
            {
                "caseId": row.case_id,
                "state": row.state,
                "stateName": ENDED.get(row.state, row.state),
                "mechanismId": row.mechanism_id,
                "processInstanceKey": row.process_instance_key,
                "recorded": row.recorded,
                "openedAt": row.started.isoformat() if row.started else None,
                "endedAt": row.ended.isoformat() if row.ended else None,
                "supervised": row.supervised,
                "escalated": row.escalated,
            }
            for row in rows
        ]
    }
