"""The supervisors' board: each open case with the steps it waits at, their due times, its incidents.

Two sources, joined by process instance key: the engine (its open process instances, open user
tasks and active incidents, read through the REST API, as Operate would show them) and the case
store (the cases, the due times the deadline worker computed in working days, and the 督办 already
sent). The engine owns where a case is; the case store owns what it is and by when it should have
moved. Every open root instance is a row, whether or not a worker has recorded it yet: a case whose
first step ran into an incident before any worker saw it is exactly the one a supervisor must see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xietong.console.orchestration_api import OrchestrationApi
from xietong.workers.case_store import Case, CaseEvent, CaseStatus, CaseStore, CaseSummary

DUE_SOON = dt.timedelta(hours=24)
MAX_OPEN_CASES = 100_000


@dataclass(frozen=True)
class WaitingStep:
    element_id: str
    name: str
    departments: tuple[str, ...]  # the assignee, else the candidate groups (departments, in our models)
    since: dt.datetime | None
    due: dt.datetime | None
    provisional: bool = False  # the due date was counted before its year's holiday notice was entered


@dataclass(frozen=True)
class Incident:
    element_id: str
    error_type: str
    message: str


@dataclass(frozen=True)
class BoardRow:
    summary: CaseSummary
    waiting: tuple[WaitingStep, ...]
    incidents: tuple[Incident, ...]
    recorded: bool = True  # False: an engine instance no worker has recorded in the case store yet

    @property
    def case_id(self) -> str:
        return self.summary.case.case_id

    def earliest_due(self) -> dt.datetime | None:
        return min((step.due for step in self.waiting if step.due is not None), default=None)

    def state(self, now: dt.datetime) -> str:
        """What a supervisor acts on first: stuck, then late, then soon late."""
        if self.incidents:
            return "incident"
        due = self.earliest_due()
        if due is not None and due < now:
            return "overdue"
        if due is not None and due - now <= DUE_SOON:
            return "due-soon"
        if not self.waiting:
            return "with-workers"  # no user task open: a service task, timer or message is next
        return "on-time"


STATE_ORDER = ("incident", "overdue", "due-soon", "on-time", "with-workers")
#: The states as supervisors name them (the web board's words); the ids stay what ``--state`` takes.
STATE_NAMES = {
    "incident": "故障", "overdue": "逾期", "due-soon": "临期", "on-time": "按期", "with-workers": "自动办理",
}  # fmt: skip


def _parse_time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _key(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def due_times(events: Iterable[CaseEvent]) -> dict[str, dt.datetime]:
    """The latest due time the deadline worker set for each step (a step run again gets a new one)."""
    due: dict[str, dt.datetime] = {}
    for event in events:
        if event.kind == "deadline_set" and event.step_id:
            parsed = _parse_time(event.detail.get("due"))
            if parsed is not None:
                due[event.step_id] = parsed
    return due


def provisional_steps(events: Iterable[CaseEvent]) -> set[str]:
    """Steps whose latest due time was counted provisionally (no holiday notice for its year yet)."""
    latest: dict[str, bool] = {}
    for event in events:
        if event.kind == "deadline_set" and event.step_id:
            latest[event.step_id] = bool(event.detail.get("provisional"))
    return {step for step, provisional in latest.items() if provisional}


def unrecorded_keys(
    instances: Iterable[Mapping[str, Any]], summaries: Sequence[CaseSummary], known: set[int] | None = None
) -> list[int]:
    """Open root instances of the engine that no case in the store names (``known``: every instance
    a case of any status names)."""
    known = (known or set()) | {
        s.case.process_instance_key for s in summaries if s.case.process_instance_key is not None
    }
    return [
        key
        for instance in instances
        if (key := _key(instance.get("processInstanceKey"))) is not None
        and key not in known
        and _key(instance.get("parentProcessInstanceKey")) is None
    ]


def unrecorded_cases(
    instances: Iterable[Mapping[str, Any]],
    summaries: Sequence[CaseSummary],
    known: set[int] | None = None,
    case_ids: Mapping[int, str] | None = None,
) -> list[CaseSummary]:
    """Rows of their own for the instances no case names, by the instance's ``caseId`` variable
    (``case_ids``) where it has one, else ``PI-<key>``."""
    case_ids = case_ids or {}
    by_key = {_key(instance.get("processInstanceKey")): instance for instance in instances}
    rows = []
    for key in unrecorded_keys(by_key.values(), summaries, known):
        instance = by_key[key]
        process = str(instance.get("processDefinitionId") or instance.get("bpmnProcessId") or "")
        opened = _parse_time(instance.get("startDate")) or dt.datetime.fromtimestamp(0, dt.UTC)
        case = Case(case_ids.get(key, f"PI-{key}"), process, CaseStatus.OPEN, opened, None, key, process)
        rows.append(CaseSummary(case, 0, 0, 0, None, None))
    return rows


def build_board(
    summaries: Sequence[CaseSummary],
    events: Mapping[str, Sequence[CaseEvent]],
    user_tasks: Iterable[Mapping[str, Any]],
    incidents: Iterable[Mapping[str, Any]],
    now: dt.datetime,
    instances: Iterable[Mapping[str, Any]] = (),
    known: set[int] | None = None,
    case_ids: Mapping[int, str] | None = None,
) -> list[BoardRow]:
    """One row per open case, and per open engine instance no case names; most urgent first
    (incidents, overdue, due soon, …; then by due time). A call activity's child instance counts
    toward its root: its incidents show on the root's row."""
    instances = list(instances)
    parents = {
        key: parent
        for instance in instances
        if (key := _key(instance.get("processInstanceKey"))) is not None
        and (parent := _key(instance.get("parentProcessInstanceKey"))) is not None
    }

    def root_of(key: int) -> int:
        seen = 0
        while key in parents and seen < 100:
            key, seen = parents[key], seen + 1
        return key

    recorded = len(summaries)
    summaries = [*summaries, *unrecorded_cases(instances, summaries, known, case_ids)]
    tasks_by_instance: dict[int, list[Mapping[str, Any]]] = {}
    for task in user_tasks:
        key = _key(task.get("processInstanceKey"))
        if key is not None:
            tasks_by_instance.setdefault(key, []).append(task)
    incidents_by_instance: dict[int, list[Incident]] = {}
    for incident in incidents:
        key = _key(incident.get("processInstanceKey"))
        if key is not None:
            key = root_of(key)
            incidents_by_instance.setdefault(key, []).append(
                Incident(
                    element_id=str(incident.get("elementId", "")),
                    error_type=str(incident.get("errorType", "")),
                    message=str(incident.get("errorMessage", "")),
                )
            )
    rows = []
    for index, summary in enumerate(summaries):
        instance = summary.case.process_instance_key
        due = due_times(events.get(summary.case.case_id, ()))
        provisional = provisional_steps(events.get(summary.case.case_id, ()))
        waiting = tuple(
            sorted(
                (
                    WaitingStep(
                        element_id=str(task.get("elementId", "")),
                        name=str(task.get("name") or task.get("elementId", "")),
                        departments=(task["assignee"],)
                        if task.get("assignee")
                        else tuple(task.get("candidateGroups") or ()),
                        since=_parse_time(task.get("creationDate")),
                        due=_parse_time(task.get("dueDate")) or due.get(str(task.get("elementId", ""))),
                        provisional=not task.get("dueDate") and str(task.get("elementId", "")) in provisional,
                    )
                    for task in (tasks_by_instance.get(instance, []) if instance is not None else [])
                ),
                key=lambda step: (step.due or dt.datetime.max.replace(tzinfo=dt.UTC), step.departments),
            )
        )
        found = tuple(incidents_by_instance.get(instance, ())) if instance is not None else ()
        rows.append(BoardRow(summary, waiting, found, recorded=index < recorded))
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(
        rows,
        key=lambda row: (STATE_ORDER.index(row.state(now)), row.earliest_due() or never, row.case_id),
    )


def read_board(store: CaseStore, api: OrchestrationApi) -> tuple[list[BoardRow], dt.datetime]:
    """The board now, and the engine's "now" it was judged against."""
    summaries = store.summaries(status=CaseStatus.OPEN, limit=MAX_OPEN_CASES)
    events = {summary.case.case_id: store.events(summary.case.case_id) for summary in summaries}
    now = api.now()
    known = {
        case.process_instance_key for case in store.cases(limit=MAX_OPEN_CASES) if case.process_instance_key
    }
    instances = api.open_process_instances()
    case_ids = api.case_ids(unrecorded_keys(instances, summaries, known))
    board = build_board(
        summaries, events, api.open_user_tasks(), api.active_incidents(), now, instances, known, case_ids
    )
    return board, now


#: Camunda 8.8's states of a finished process instance, as supervisors name them.
ENDED = {"COMPLETED": "已办结", "TERMINATED": "已撤销"}


@dataclass(frozen=True)
class FinishedRow:
    """A finished case: how it ended (已办结 or 已撤销), when, and how often it was urged on the way."""

    case_id: str
    mechanism_id: str
    process_instance_key: int
    state: str  # COMPLETED or TERMINATED
    started: dt.datetime | None
    ended: dt.datetime | None
    supervised: int
    escalated: int
    recorded: bool  # False: no worker recorded the case in the case store


def finished_rows(
    instances: Iterable[Mapping[str, Any]],
    summaries: Sequence[CaseSummary],
    case_ids: Mapping[int, str] | None = None,
) -> list[FinishedRow]:
    """Finished root instances in the order given, joined to the case store by instance key, else by the
    instance's ``caseId`` (``case_ids``); ``PI-<key>`` names an instance that has neither."""
    case_ids = case_ids or {}
    by_key = {s.case.process_instance_key: s for s in summaries if s.case.process_instance_key is not None}
    by_id = {s.case.case_id: s for s in summaries}
    rows = []
    for instance in instances:
        key = _key(instance.get("processInstanceKey"))
        if key is None or _key(instance.get("parentProcessInstanceKey")) is not None:
            continue
        summary = by_key.get(key) or by_id.get(case_ids.get(key, ""))
        process = str(instance.get("processDefinitionId") or "")
        rows.append(
            FinishedRow(
                case_id=summary.case.case_id if summary else case_ids.get(key, f"PI-{key}"),
                mechanism_id=summary.case.mechanism_id if summary else process,
                process_instance_key=key,
                state=str(instance.get("state") or ""),
                started=_parse_time(instance.get("startDate")),
                ended=_parse_time(instance.get("endDate")),
                supervised=summary.supervised if summary else 0,
                escalated=summary.escalated if summary else 0,
                recorded=summary is not None,
            )
        )
    return rows


def read_finished(store: CaseStore, api: OrchestrationApi, limit: int) -> list[FinishedRow]:
    """The ``limit`` latest finished cases, newest end first."""
    instances = api.finished_process_instances(limit)
    case_ids = api.case_ids(k for i in instances if (k := _key(i.get("processInstanceKey"))) is not None)
    return finished_rows(instances, store.summaries(limit=MAX_OPEN_CASES), case_ids)
