"""Reads for a case console (what Camunda's Operate shows), on the processing thread.

Active element instances, variables and jobs come from the engine's state; what already happened
(completed and terminated elements, sequence flows taken) comes from the instance's record log, the
same records ``engine inspect`` prints. Rows are dicts in REST API v2's shape so the REST layer only
filters, sorts and pages them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from xietong.engine.start_form import start_form_id
from xietong.engine.state.store import read_records

if TYPE_CHECKING:
    from xietong.engine.engine import Engine
    from xietong.engine.processing.processor import Processor

Row = dict[str, Any]
_T = TypeVar("_T")

# BPMN element kinds as API v2 names element instance types
_TYPES = {
    "process": "PROCESS",
    "subProcess": "SUB_PROCESS",
    "adHocSubProcess": "AD_HOC_SUB_PROCESS",
    "startEvent": "START_EVENT",
    "intermediateCatchEvent": "INTERMEDIATE_CATCH_EVENT",
    "intermediateThrowEvent": "INTERMEDIATE_THROW_EVENT",
    "boundaryEvent": "BOUNDARY_EVENT",
    "endEvent": "END_EVENT",
    "serviceTask": "SERVICE_TASK",
    "receiveTask": "RECEIVE_TASK",
    "userTask": "USER_TASK",
    "manualTask": "MANUAL_TASK",
    "task": "TASK",
    "exclusiveGateway": "EXCLUSIVE_GATEWAY",
    "inclusiveGateway": "INCLUSIVE_GATEWAY",
    "parallelGateway": "PARALLEL_GATEWAY",
    "eventBasedGateway": "EVENT_BASED_GATEWAY",
    "multiInstanceBody": "MULTI_INSTANCE_BODY",
    "callActivity": "CALL_ACTIVITY",
    "businessRuleTask": "BUSINESS_RULE_TASK",
    "scriptTask": "SCRIPT_TASK",
    "sendTask": "SEND_TASK",
}
_ENDED = {"ELEMENT_COMPLETED": "COMPLETED", "ELEMENT_TERMINATED": "TERMINATED"}
_JOB_STATES = {
    "ACTIVATABLE": "CREATED",
    "ACTIVATED": "CREATED",
    "FAILED": "FAILED",
    "ERROR_THROWN": "ERROR_THROWN",
}


def _iso_ms(ms: int | None) -> str | None:
    """As the engine's views write times (``queries._iso``): milliseconds and ``Z``."""
    return iso(ms)


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def element_type(kind: str, triggered_by_event: bool = False) -> str:
    if kind == "subProcess" and triggered_by_event:
        return "EVENT_SUB_PROCESS"
    return _TYPES.get(kind, "UNKNOWN")


def variable_key(scope_key: int, name: str) -> int:
    """Variables have no key of their own here: a stable 63-bit one from (scope, name)."""
    digest = hashlib.blake2b(f"{scope_key}\x00{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ((1 << 63) - 1)


def variable_row(name: str, value: Any, scope_key: int, pi_key: int, tenant_id: str) -> Row:
    return {
        "name": name,
        "value": json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        "tenantId": tenant_id,
        "variableKey": str(variable_key(scope_key, name)),
        "scopeKey": str(scope_key),
        "processInstanceKey": str(pi_key),
        "isTruncated": False,
    }


class OperateQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._times: dict[int, str] = {}  # epoch ms -> ISO text: an instance's start never changes
        self._start_forms: dict[int, bool] = {}  # definition key -> links a start form (never changes)

    def _time(self, ms: int | None) -> str | None:
        """``iso`` remembered: the board formats 10,000 start times per page view otherwise."""
        if ms is None:
            return None
        text = self._times.get(ms)
        if text is None:
            if len(self._times) >= 200_000:
                self._times.clear()
            text = self._times[ms] = iso(ms)  # type: ignore[assignment]
        return text

    def _run(self, fn: Callable[[Processor], _T]) -> _T:
        return self._engine.query(fn)

    def _summary(self, p: Processor, pi_key: int | None) -> Any:
        """A running instance's summary, or a finished one's from the history (retention, issue 17)."""
        if pi_key is None:
            return None
        summary = p.state.instances.get(pi_key)
        if summary is None:
            finished = self._engine.queries.finished_instance(p, pi_key)
            summary = finished.summary if finished is not None else None
        return summary

    def _finished_variables(self, p: Processor, pi_key: int) -> dict[str, Any]:
        finished = self._engine.queries.finished_instance(p, pi_key)
        return finished.variables if finished is not None else {}

    def _records(self, pi_key: int) -> list[tuple[int, int, str, str, int, Any]]:
        store = getattr(self._engine, "_store", None)
        if store is None:
            return []
        return read_records(store.db, pi_key)

    # -- process definitions ------------------------------------------------------------------
    def process_definitions(self) -> list[Row]:
        def read(p: Processor) -> list[Row]:
            latest: dict[tuple[str, str], int] = {}
            definitions = [d for d in p.state.definitions.values() if not d.deleted]
            for d in definitions:
                ident = (d.bpmn_process_id, d.tenant_id)
                latest[ident] = max(latest.get(ident, 0), d.version)
            rows = []
            for d in sorted(definitions, key=lambda d: d.key):
                rows.append(
                    {
                        "name": p.model(d.key).name or None,
                        "resourceName": d.resource_name,
                        "version": d.version,
                        "versionTag": d.version_tag or None,
                        "processDefinitionId": d.bpmn_process_id,
                        "tenantId": d.tenant_id,
                        "processDefinitionKey": str(d.key),
                        "hasStartForm": self._has_start_form(d),
                        "isLatestVersion": latest[(d.bpmn_process_id, d.tenant_id)] == d.version,
                    }
                )
            return rows

        return self._run(read)

    def _has_start_form(self, definition: Any) -> bool:
        """Read from the deployed XML once per version (a definition never changes)."""
        known = self._start_forms.get(definition.key)
        if known is None:
            known = start_form_id(definition.resource, definition.bpmn_process_id) is not None
            self._start_forms[definition.key] = known
        return known

    def process_names(self) -> dict[int, str]:
        def read(p: Processor) -> dict[int, str]:
            return {d.key: p.model(d.key).name for d in p.state.definitions.values()}

        return self._run(read)

    def definition_statistics(self, def_key: int, instance_keys: set[int] | None) -> list[Row] | None:
        """Per element: active instances (without incident) and with an incident, of the open
        instances of that version (``instance_keys`` narrows them). None if no such version."""

        def read(p: Processor) -> list[Row] | None:
            if def_key not in p.state.definitions:
                return None
            active: Counter[str] = Counter()
            incidents: Counter[str] = Counter()
            for ei in p.state.element_instances.values():
                if ei.def_key != def_key or ei.kind == "process":
                    continue
                if instance_keys is not None and ei.pi_key not in instance_keys:
                    continue
                if p.state.incidents_by_ei.get(ei.key):
                    incidents[ei.element_id] += 1
                else:
                    active[ei.element_id] += 1
            return [
                {
                    "elementId": e,
                    "active": active[e],
                    "canceled": 0,
                    "incidents": incidents[e],
                    "completed": 0,
                }
                for e in sorted(set(active) | set(incidents))
            ]

        return self._run(read)

    # -- element instances ---------------------------------------------------------------------
    def element_instances(self, pi_key: int) -> list[Row] | None:
        """Every element instance of one process instance, ended or active, in start order."""

        def read(p: Processor) -> list[Row] | None:
            summary = self._summary(p, pi_key)
            if summary is None:
                return None
            return self._history(p, summary, self._records(pi_key))

        return self._run(read)

    def active_element_instances(self, pi_keys: Iterable[int] | None = None) -> list[Row]:
        """Active element instances, of the given instances or of all, with their start from the log."""

        def read(p: Processor) -> list[Row]:
            wanted = None if pi_keys is None else set(pi_keys)
            rows: list[Row] = []
            started: dict[int, dict[int, int]] = {}
            for ei in sorted(p.state.element_instances.values(), key=lambda e: e.key):
                if wanted is not None and ei.pi_key not in wanted:
                    continue
                if ei.pi_key not in started:
                    started[ei.pi_key] = {
                        key: ts
                        for _, key, value_type, intent, ts, _ in self._records(ei.pi_key)
                        if value_type == "PROCESS_INSTANCE" and intent == "ELEMENT_ACTIVATED"
                    }
                rows.append(self._active_row(p, ei, started[ei.pi_key].get(ei.key)))
            return rows

        return self._run(read)

    def element_instance(self, key: int) -> Row | None:
        def read(p: Processor) -> Row | None:
            ei = p.state.element_instances.get(key)
            if ei is not None:
                for row in self._history(p, p.state.instances[ei.pi_key], self._records(ei.pi_key)):
                    if row["elementInstanceKey"] == str(key):
                        return row
                return self._active_row(p, ei, None)
            pi_key = self._instance_of_ended_element(key)
            summary = self._summary(p, pi_key)
            if summary is None:
                return None
            for row in self._history(p, summary, self._records(summary.key)):
                if row["elementInstanceKey"] == str(key):
                    return row
            return None

        return self._run(read)

    def _instance_of_ended_element(self, key: int) -> int | None:
        store = getattr(self._engine, "_store", None)
        if store is None:
            return None
        db: sqlite3.Connection = store.db
        needle = f",{key},"
        for pi_key, chunk in db.execute(
            "SELECT process_instance_key, records FROM records WHERE instr(records, ?) > 0", (needle,)
        ):
            for record in json.loads(chunk):
                if (
                    record[1] == key
                    and record[2] == "PROCESS_INSTANCE"
                    and record[3] != "SEQUENCE_FLOW_TAKEN"
                ):
                    return int(pi_key)
        return None

    def _active_row(self, p: Processor, ei: Any, started_ms: int | None) -> Row:
        element = p.element(ei)
        summary = p.state.instances[ei.pi_key]
        incidents = sorted(p.state.incidents_by_ei.get(ei.key) or ())
        row: Row = {
            "processDefinitionId": summary.bpmn_process_id,
            "startDate": iso(started_ms if started_ms is not None else summary.start_ms),
            "elementId": ei.element_id,
            "elementName": element.name or ei.element_id,
            "type": element_type(ei.kind, bool(getattr(element, "triggered_by_event", False))),
            "state": "ACTIVE",
            "hasIncident": bool(incidents),
            "tenantId": summary.tenant_id,
            "elementInstanceKey": str(ei.key),
            "processInstanceKey": str(ei.pi_key),
            "processDefinitionKey": str(ei.def_key),
            "flowScopeKey": str(ei.scope_key) if ei.scope_key != -1 else None,
        }
        if incidents:
            row["incidentKey"] = str(incidents[0])
        return row

    def _history(
        self, p: Processor, summary: Any, records: list[tuple[int, int, str, str, int, Any]]
    ) -> list[Row]:
        rows: dict[int, Row] = {}
        for _, key, value_type, intent, ts, value in records:
            if value_type != "PROCESS_INSTANCE":
                continue
            if intent == "ELEMENT_ACTIVATED" and key not in rows:
                def_key = value.get("processDefinitionKey", summary.def_key)
                element = p.model(def_key).elements.get(value.get("elementId"))
                scope = value.get("flowScopeKey", -1)
                rows[key] = {
                    "processDefinitionId": summary.bpmn_process_id,
                    "startDate": iso(ts),
                    "elementId": value.get("elementId"),
                    "elementName": (element.name if element is not None else "") or value.get("elementId"),
                    "type": element_type(
                        value.get("bpmnElementType", ""),
                        bool(getattr(element, "triggered_by_event", False)),
                    ),
                    "state": "ACTIVE",
                    "hasIncident": False,
                    "tenantId": summary.tenant_id,
                    "elementInstanceKey": str(key),
                    "processInstanceKey": str(summary.key),
                    "processDefinitionKey": str(def_key),
                    "flowScopeKey": str(scope) if scope != -1 else None,
                }
            elif intent in _ENDED and key in rows:
                rows[key]["state"] = _ENDED[intent]
                rows[key]["endDate"] = iso(ts)
        for ei in p.state.element_instances.values():
            if ei.pi_key != summary.key:
                continue
            row = rows.get(ei.key)
            if row is None:  # activated before the log was kept: still show it
                row = rows[ei.key] = self._active_row(p, ei, None)
            incidents = sorted(p.state.incidents_by_ei.get(ei.key) or ())
            row["hasIncident"] = bool(incidents)
            if incidents:
                row["incidentKey"] = str(incidents[0])
        # an element still open in the log but no longer in the state ended with its instance
        for key, row in rows.items():
            if row["state"] == "ACTIVE" and key not in p.state.element_instances:
                row["state"] = "TERMINATED" if summary.state == "TERMINATED" else "COMPLETED"
                row["endDate"] = iso(summary.end_ms)
        return sorted(rows.values(), key=lambda r: int(r["elementInstanceKey"]))

    def instance_statistics(self, pi_key: int) -> list[Row] | None:
        rows = self.element_instances(pi_key)
        if rows is None:
            return None
        counts: dict[str, Counter[str]] = {}
        for row in rows:
            if row["type"] == "PROCESS":
                continue
            count = counts.setdefault(row["elementId"], Counter())
            if row["state"] == "ACTIVE":
                count["incidents" if row["hasIncident"] else "active"] += 1
            elif row["state"] == "COMPLETED":
                count["completed"] += 1
            else:
                count["canceled"] += 1
        return [
            {
                "elementId": element_id,
                "active": c["active"],
                "canceled": c["canceled"],
                "incidents": c["incidents"],
                "completed": c["completed"],
            }
            for element_id, c in counts.items()
        ]

    def sequence_flows(self, pi_key: int) -> list[Row] | None:
        def read(p: Processor) -> list[Row] | None:
            summary = self._summary(p, pi_key)
            if summary is None:
                return None
            seen: dict[str, Row] = {}
            for _, _, value_type, intent, _, value in self._records(pi_key):
                if value_type == "PROCESS_INSTANCE" and intent == "SEQUENCE_FLOW_TAKEN":
                    flow = value.get("elementId")
                    if flow and flow not in seen:
                        seen[flow] = {
                            "sequenceFlowId": flow,
                            "processInstanceKey": str(pi_key),
                            "processDefinitionKey": str(summary.def_key),
                            "processDefinitionId": summary.bpmn_process_id,
                            "elementId": flow,
                            "tenantId": summary.tenant_id,
                        }
            return list(seen.values())

        return self._run(read)

    # -- variables ----------------------------------------------------------------------------
    def variables(self, pi_keys: set[int] | None = None, scope_keys: set[int] | None = None) -> list[Row]:
        """Variables of open scopes (an ended instance keeps its root scope)."""

        def read(p: Processor) -> list[Row]:
            rows = []
            for scope_key, values in p.state.variables.items():
                if scope_keys is not None and scope_key not in scope_keys:
                    continue
                pi_key, tenant = self._scope_owner(p, scope_key)
                if pi_key is None or (pi_keys is not None and pi_key not in pi_keys):
                    continue
                for name, value in values.items():
                    rows.append(variable_row(name, value, scope_key, pi_key, tenant))
            # finished instances named by key: their root variables are in the history
            for key in (pi_keys or set()) | (scope_keys or set()):
                if key in p.state.instances or key in p.state.element_instances:
                    continue
                if (pi_keys is not None and key not in pi_keys) or (
                    scope_keys is not None and key not in scope_keys
                ):
                    continue
                summary = self._summary(p, key)
                if summary is not None:
                    for name, value in self._finished_variables(p, key).items():
                        rows.append(variable_row(name, value, key, key, summary.tenant_id))
            return rows

        return self._run(read)

    def variable(self, key: int) -> Row | None:
        def read(p: Processor) -> Row | None:
            for scope_key, values in p.state.variables.items():
                for name, value in values.items():
                    if variable_key(scope_key, name) == key:
                        pi_key, tenant = self._scope_owner(p, scope_key)
                        if pi_key is not None:
                            return variable_row(name, value, scope_key, pi_key, tenant)
            return None

        return self._run(read)

    @staticmethod
    def _scope_owner(p: Processor, scope_key: int) -> tuple[int | None, str]:
        summary = p.state.instances.get(scope_key)
        if summary is not None:
            return summary.key, summary.tenant_id
        ei = p.state.element_instances.get(scope_key)
        if ei is None:
            return None, ""
        return ei.pi_key, p.state.instances[ei.pi_key].tenant_id

    def root_variables(self, pi_keys: Iterable[int]) -> dict[int, dict[str, Any]]:
        def read(p: Processor) -> dict[int, dict[str, Any]]:
            return {
                key: dict(p.state.variables.get(key) or self._finished_variables(p, key)) for key in pi_keys
            }

        return self._run(read)

    def user_task_variables(self, user_task_key: int) -> list[Row] | None:
        """What the task sees: its element's scope and every scope above it, nearest first wins."""

        def read(p: Processor) -> list[Row] | None:
            task = p.state.user_tasks.get(user_task_key)
            if task is None:
                task = self._engine.queries.finished_user_task(p, user_task_key)
                if task is None:
                    return None
                return [
                    variable_row(name, value, task.pi_key, task.pi_key, task.tenant_id)
                    for name, value in self._finished_variables(p, task.pi_key).items()
                ]
            tenant = task.tenant_id
            rows: dict[str, Row] = {}
            scope = task.ei_key
            chain = []
            while scope != -1:
                chain.append(scope)
                ei = p.state.element_instances.get(scope)
                scope = ei.scope_key if ei is not None else -1
            if task.pi_key not in chain:
                chain.append(task.pi_key)
            for scope_key in chain:
                for name, value in p.state.variables.get(scope_key, {}).items():
                    rows.setdefault(name, variable_row(name, value, scope_key, task.pi_key, tenant))
            return list(rows.values())

        return self._run(read)

    # -- the hot searches of the task list and the board: rows built straight from the state ---
    def open_user_task_rows(
        self,
        groups: set[str] | None,
        assignee: str | None,
        pi_key: int | None,
        variables_test: Callable[[dict[str, Any]], bool] | None,
    ) -> list[Row]:
        """Open (CREATED) user tasks narrowed by group, assignee, instance and the instance's
        variables, without building a view per task: a task list for one department among 20,000
        open tasks reads each task once."""

        def read(p: Processor) -> list[Row]:
            names: dict[int, str] = {}
            variables = p.state.variables
            rows = []
            for t in p.state.user_tasks.values():
                if t.state != "CREATED":
                    continue
                if pi_key is not None and t.pi_key != pi_key:
                    continue
                if assignee is not None and t.assignee != assignee:
                    continue
                if groups is not None and groups.isdisjoint(t.candidate_groups):
                    continue
                if variables_test is not None and not variables_test(variables.get(t.pi_key) or {}):
                    continue
                if t.def_key not in names:
                    names[t.def_key] = p.model(t.def_key).name
                rows.append(
                    {
                        "userTaskKey": str(t.key),
                        "elementId": t.element_id,
                        "name": t.name,
                        "assignee": t.assignee,
                        "candidateGroups": list(t.candidate_groups),
                        "candidateUsers": list(t.candidate_users),
                        "dueDate": t.due_date,
                        "followUpDate": t.follow_up_date,
                        "state": t.state,
                        "processInstanceKey": str(t.pi_key),
                        "processDefinitionKey": str(t.def_key),
                        "processDefinitionVersion": t.version,
                        "elementInstanceKey": str(t.ei_key),
                        "formKey": str(t.form_key) if isinstance(t.form_key, int) else None,
                        "externalFormReference": getattr(t, "external_form_reference", None),
                        "priority": t.priority,
                        "creationDate": self._time(t.created_ms),
                        "completionDate": _iso_ms(t.completed_ms),
                        "tenantId": t.tenant_id,
                        "processDefinitionId": t.bpmn_process_id,
                        "processName": names[t.def_key] or None,
                    }
                )
            return rows

        return self._run(read)

    def running_instance_rows(self, bpmn_process_id: str | None, keys: set[int] | None) -> list[Row]:
        """Running process instances as API v2 rows (the board's first page sorts all of them)."""

        def read(p: Processor) -> list[Row]:
            incidents = p.state.incidents
            with_incident = {incidents[k].pi_key for ks in p.state.incidents_by_ei.values() for k in ks}
            names: dict[int, str] = {}
            rows = []
            for s in p.state.instances.values():
                if s.state != "ACTIVE":
                    continue
                if bpmn_process_id is not None and s.bpmn_process_id != bpmn_process_id:
                    continue
                if keys is not None and s.key not in keys:
                    continue
                if s.def_key not in names:
                    names[s.def_key] = p.model(s.def_key).name or s.bpmn_process_id
                rows.append(
                    {
                        "processInstanceKey": str(s.key),
                        "processDefinitionVersion": s.version,
                        "processDefinitionKey": str(s.def_key),
                        "state": s.state,
                        "startDate": self._time(s.start_ms),
                        "endDate": None,
                        "parentProcessInstanceKey": str(s.parent_pi_key) if s.parent_pi_key != -1 else None,
                        "parentElementInstanceKey": str(s.parent_ei_key) if s.parent_ei_key != -1 else None,
                        "hasIncident": s.key in with_incident,
                        "tenantId": s.tenant_id,
                        "processDefinitionId": s.bpmn_process_id,
                        "processDefinitionName": names[s.def_key],
                    }
                )
            return rows

        return self._run(read)

    # -- jobs and instances ---------------------------------------------------------------------
    def jobs(self) -> list[Row]:
        def read(p: Processor) -> list[Row]:
            rows = []
            for j in p.state.jobs.values():
                state = _JOB_STATES.get(j.state, j.state)
                rows.append(
                    {
                        "customHeaders": dict(j.headers),
                        "deadline": iso(j.deadline_ms) if j.state == "ACTIVATED" and j.deadline_ms else None,
                        "elementId": j.element_id,
                        "elementInstanceKey": str(j.ei_key),
                        "errorMessage": j.error_message or None,
                        "hasFailedWithRetriesLeft": j.state == "FAILED" and j.retries > 0,
                        "jobKey": str(j.key),
                        "kind": "BPMN_ELEMENT",
                        "listenerEventType": "UNSPECIFIED",
                        "processDefinitionId": j.bpmn_process_id,
                        "processDefinitionKey": str(j.def_key),
                        "processInstanceKey": str(j.pi_key),
                        "retries": j.retries,
                        "state": state,
                        "tenantId": j.tenant_id,
                        "type": j.type,
                        "worker": j.worker,
                    }
                )
            return rows

        return self._run(read)

    def descendants(self, pi_key: int) -> set[int] | None:
        """An instance and every instance it called, transitively (None if unknown)."""

        def read(p: Processor) -> set[int] | None:
            if pi_key not in p.state.instances:  # finished: its called instances have finished too
                return {pi_key} if self._summary(p, pi_key) is not None else None
            children: dict[int, list[int]] = {}
            for s in p.state.instances.values():
                if s.parent_pi_key != -1:
                    children.setdefault(s.parent_pi_key, []).append(s.key)
            found, todo = {pi_key}, [pi_key]
            while todo:
                for child in children.get(todo.pop(), ()):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
            return found

        return self._run(read)
