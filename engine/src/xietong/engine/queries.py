"""Read-only views for the gateway's REST API and ``inspect``; run on the processing thread.

Views are frozen dataclasses with snake_case fields; ``as_rest()`` gives the camelCase shape of
Camunda's REST API v2 (userTaskKey, elementId, candidateGroups, …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from xietong.engine.state import history
from xietong.engine.state.history import FinishedInstance
from xietong.engine.state.store import Store, read_records

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

QueryRunner = Callable[[Callable[["Processor"], Any]], Any]
"""Runs a read on the engine thread and returns its result (``Engine.query``)."""
_T = TypeVar("_T")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _View:
    def as_rest(self) -> dict[str, Any]:
        return {_camel(f.name): getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class UserTaskView(_View):
    user_task_key: int
    element_id: str
    name: str
    assignee: str | None
    candidate_groups: tuple[str, ...]
    candidate_users: tuple[str, ...]
    due_date: str | None
    follow_up_date: str | None
    state: str
    process_instance_key: int
    process_definition_key: int
    bpmn_process_id: str
    process_definition_version: int
    element_instance_key: int
    form_key: int | None  # the linked Camunda form (zeebe:formDefinition formId), by its key
    external_form_reference: str | None  # zeebe:formDefinition externalReference
    priority: int
    creation_date: str | None
    completion_date: str | None
    tenant_id: str


@dataclass(frozen=True)
class FormView(_View):
    """A deployed form as ``GET /v2/user-tasks/{key}/form`` answers it (8.8's FormResult)."""

    tenant_id: str
    form_id: str
    schema: str  # the form-js JSON as deployed
    version: int
    form_key: int


@dataclass(frozen=True)
class IncidentView(_View):
    incident_key: int
    error_type: str
    error_message: str
    state: str
    element_id: str
    element_instance_key: int
    process_instance_key: int
    process_definition_key: int
    bpmn_process_id: str
    job_key: int | None
    creation_time: str | None
    tenant_id: str


@dataclass(frozen=True)
class ProcessInstanceView(_View):
    process_instance_key: int
    bpmn_process_id: str
    process_definition_version: int
    process_definition_key: int
    state: str
    start_date: str | None
    end_date: str | None
    parent_process_instance_key: int | None
    parent_element_instance_key: int | None
    has_incident: bool
    tenant_id: str


@dataclass(frozen=True)
class ElementInstanceView(_View):
    element_instance_key: int
    element_id: str
    element_name: str
    type: str
    state: str
    flow_scope_key: int
    process_instance_key: int
    incident: bool


@dataclass(frozen=True)
class ProcessDefinitionView(_View):
    process_definition_key: int
    bpmn_process_id: str
    version: int
    resource_name: str
    version_tag: str
    tenant_id: str


@dataclass(frozen=True)
class RecordView(_View):
    position: int
    key: int
    value_type: str
    intent: str
    timestamp: str | None
    value: dict[str, Any]


class Queries:
    """Read-only views of engine state, built on a query runner rather than on the engine itself so
    that the engine can own its queries without the two importing each other."""

    def __init__(self, run: QueryRunner, store: Callable[[], Store | None]) -> None:
        self._run_query = run
        self._store = store

    def _run(self, fn: Callable[[Processor], _T]) -> _T:
        return cast("_T", self._run_query(fn))

    # -- the history of finished instances (see state/history.py) ------------------------------
    def finished_instance(self, p: Processor, pi_key: int) -> FinishedInstance | None:
        """A finished instance kept in the history (None: running, unknown or past the retention)."""
        entry = p.state.retired.get(pi_key)
        if entry is None:
            store = self._store()
            entry = history.get(store.db, pi_key) if store is not None else None
        return entry

    def finished_instances(
        self, p: Processor, state: str | None = None, bpmn_process_id: str | None = None
    ) -> list[FinishedInstance]:
        """Every finished instance still kept (committed, plus those retired in the running batch)."""
        if state == "ACTIVE":
            return []
        store = self._store()
        found = history.search(store.db, state, bpmn_process_id) if store is not None else []
        pending = [
            e
            for e in p.state.retired.values()
            if (state is None or e.summary.state == state)
            and (bpmn_process_id is None or e.summary.bpmn_process_id == bpmn_process_id)
        ]
        if pending:
            known = {e.summary.key for e in found}
            found += [e for e in pending if e.summary.key not in known]
        return found

    def _finished_for(self, p: Processor, pi_key: int | None) -> list[FinishedInstance]:
        if pi_key is None:
            return self.finished_instances(p)
        entry = self.finished_instance(p, pi_key)
        return [entry] if entry is not None else []

    # -- user tasks ----------------------------------------------------------------------------
    @staticmethod
    def _user_task(t: Any) -> UserTaskView:
        return UserTaskView(
            t.key,
            t.element_id,
            t.name,
            t.assignee,
            tuple(t.candidate_groups),
            tuple(t.candidate_users),
            t.due_date,
            t.follow_up_date,
            t.state,
            t.pi_key,
            t.def_key,
            t.bpmn_process_id,
            t.version,
            t.ei_key,
            t.form_key if isinstance(t.form_key, int) else None,  # older rows: a string
            t.external_form_reference,
            t.priority,
            _iso(t.created_ms),
            _iso(t.completed_ms),
            t.tenant_id,
        )

    def search_user_tasks(
        self,
        state: str | None = None,
        candidate_group: str | None = None,
        assignee: str | None = None,
        process_instance_key: int | None = None,
    ) -> list[UserTaskView]:
        def read(p: Processor) -> list[UserTaskView]:
            tasks: list[Any] = list(p.state.user_tasks.values())
            if state != "CREATED":  # a finished instance's tasks are in the history
                tasks += [t for e in self._finished_for(p, process_instance_key) for t in e.user_tasks]
            return [
                self._user_task(t)
                for t in tasks
                if (state is None or t.state == state)
                and (candidate_group is None or candidate_group in t.candidate_groups)
                and (assignee is None or t.assignee == assignee)
                and (process_instance_key is None or t.pi_key == process_instance_key)
            ]

        return self._run(read)

    def get_user_task(self, key: int) -> UserTaskView | None:
        def read(p: Processor) -> UserTaskView | None:
            task = p.state.user_tasks.get(key) or self.finished_user_task(p, key)
            return self._user_task(task) if task is not None else None

        return self._run(read)

    def get_user_task_form(self, key: int) -> tuple[bool, int | None, FormView | None]:
        """(the task exists, the key of its linked form, that form if it is still deployed)."""

        def read(p: Processor) -> tuple[bool, int | None, FormView | None]:
            task = p.state.user_tasks.get(key) or self.finished_user_task(p, key)
            if task is None:
                return False, None, None
            form_key = task.form_key if isinstance(task.form_key, int) else None
            form = p.state.form(form_key) if form_key is not None else None
            if form is None:
                return True, form_key, None
            view = FormView(form.tenant_id, form.form_id, form.resource, form.version, form.key)
            return True, form_key, view

        return self._run(read)

    def finished_user_task(self, p: Processor, key: int) -> Any:
        """A task of a finished instance: found through the history (a user task key names no instance)."""
        store = self._store()
        candidates = list(p.state.retired.values())
        if store is not None:
            row = store.db.execute(
                "SELECT value FROM history WHERE value LIKE ? LIMIT 1", (f"%[{key},%",)
            ).fetchone()
            if row is not None:
                candidates.append(FinishedInstance.from_value(row[0]))
        for entry in candidates:
            for task in entry.user_tasks:
                if task.key == key:
                    return task
        return None

    # -- incidents -----------------------------------------------------------------------------
    def search_incidents(
        self, process_instance_key: int | None = None, state: str | None = None
    ) -> list[IncidentView]:
        def read(p: Processor) -> list[IncidentView]:
            return [
                IncidentView(
                    i.key,
                    i.error_type,
                    i.error_message,
                    i.state,
                    i.element_id,
                    i.ei_key,
                    i.pi_key,
                    i.def_key,
                    i.bpmn_process_id,
                    i.job_key if i.job_key != -1 else None,
                    _iso(i.created_ms),
                    i.tenant_id,
                )
                for i in [
                    *p.state.incidents.values(),
                    *(
                        i
                        for e in (self._finished_for(p, process_instance_key) if state != "ACTIVE" else ())
                        for i in e.incidents
                    ),
                ]
                if (process_instance_key is None or i.pi_key == process_instance_key)
                and (state is None or i.state == state)
            ]

        return self._run(read)

    # -- process instances ---------------------------------------------------------------------
    @staticmethod
    def _with_incident(p: Processor) -> set[int]:
        incidents = p.state.incidents
        return {incidents[k].pi_key for keys in p.state.incidents_by_ei.values() for k in keys}

    @staticmethod
    def _instance(p: Processor, s: Any, with_incident: set[int]) -> ProcessInstanceView:
        has_incident = s.state == "ACTIVE" and s.key in with_incident
        return ProcessInstanceView(
            s.key,
            s.bpmn_process_id,
            s.version,
            s.def_key,
            s.state,
            _iso(s.start_ms),
            _iso(s.end_ms),
            s.parent_pi_key if s.parent_pi_key != -1 else None,
            s.parent_ei_key if s.parent_ei_key != -1 else None,
            has_incident,
            s.tenant_id,
        )

    def search_process_instances(
        self, state: str | None = None, bpmn_process_id: str | None = None
    ) -> list[ProcessInstanceView]:
        def read(p: Processor) -> list[ProcessInstanceView]:
            with_incident = self._with_incident(p)
            running = [
                self._instance(p, s, with_incident)
                for s in p.state.instances.values()
                if (state is None or s.state == state)
                and (bpmn_process_id is None or s.bpmn_process_id == bpmn_process_id)
            ]
            finished = [
                self._instance(p, e.summary, with_incident)
                for e in self.finished_instances(p, state, bpmn_process_id)
            ]
            return sorted(running + finished, key=lambda v: v.process_instance_key)

        return self._run(read)

    def get_process_instance(self, key: int) -> ProcessInstanceView | None:
        def read(p: Processor) -> ProcessInstanceView | None:
            summary = p.state.instances.get(key)
            if summary is None:
                finished = self.finished_instance(p, key)
                summary = finished.summary if finished is not None else None
            return self._instance(p, summary, self._with_incident(p)) if summary is not None else None

        return self._run(read)

    def element_instances(self, process_instance_key: int) -> list[ElementInstanceView]:
        """The active elements of an instance (what a supervisor sees as 'where is the case')."""

        def read(p: Processor) -> list[ElementInstanceView]:
            result = []
            for ei in sorted(p.state.element_instances.values(), key=lambda e: e.key):
                if ei.pi_key != process_instance_key:
                    continue
                element = p.element(ei)
                result.append(
                    ElementInstanceView(
                        ei.key,
                        ei.element_id,
                        element.name,
                        ei.kind,
                        ei.state,
                        ei.scope_key,
                        ei.pi_key,
                        bool(p.state.incidents_by_ei.get(ei.key)),
                    )
                )
            return result

        return self._run(read)

    # -- process definitions ------------------------------------------------------------------
    def search_process_definitions(self, bpmn_process_id: str | None = None) -> list[ProcessDefinitionView]:
        """Deployed (not deleted) process versions, oldest first."""

        def read(p: Processor) -> list[ProcessDefinitionView]:
            return [
                ProcessDefinitionView(
                    d.key, d.bpmn_process_id, d.version, d.resource_name, d.version_tag, d.tenant_id
                )
                for d in sorted(p.state.definitions.values(), key=lambda d: d.key)
                if not d.deleted and (bpmn_process_id is None or d.bpmn_process_id == bpmn_process_id)
            ]

        return self._run(read)

    def process_definition_xml(self, key: int) -> str | None:
        """The BPMN XML a process version was deployed from (None if unknown)."""

        def read(p: Processor) -> str | None:
            definition = p.state.definitions.get(key)
            return definition.resource if definition is not None else None

        return self._run(read)

    # -- variables and records -----------------------------------------------------------------
    def variables(self, scope_key: int) -> dict[str, Any]:
        """Variables stored in exactly that scope (a process instance key gives the root scope)."""
        return self._run(lambda p: dict(self._scope_variables(p, scope_key)))

    def _scope_variables(self, p: Processor, scope_key: int) -> dict[str, Any]:
        scope = p.state.variables.get(scope_key)
        if scope is None and scope_key not in p.state.element_instances:
            finished = self.finished_instance(p, scope_key)  # a finished instance's root variables
            scope = finished.variables if finished is not None else None
        return scope or {}

    def visible_variables(self, scope_key: int) -> dict[str, Any]:
        def read(p: Processor) -> dict[str, Any]:
            if scope_key not in p.state.element_instances:
                return dict(self._scope_variables(p, scope_key))
            return p.variables.visible(scope_key)

        return self._run(read)

    def jobs(self, process_instance_key: int | None = None, state: str | None = None) -> list[dict[str, Any]]:
        def read(p: Processor) -> list[dict[str, Any]]:
            return [
                j.as_dict()
                for j in p.state.jobs.values()
                if (process_instance_key is None or j.pi_key == process_instance_key)
                and (state is None or j.state == state)
            ]

        return self._run(read)

    def records(self, process_instance_key: int) -> list[RecordView]:
        """The committed record log of one instance, oldest first (read from the store)."""

        def read(p: Processor) -> list[RecordView]:
            store = self._store()
            assert store is not None
            return [
                RecordView(pos, key, vt, intent, _iso(ts), value)
                for pos, key, vt, intent, ts, value in read_records(store.db, process_instance_key)
            ]

        return self._run(read)
