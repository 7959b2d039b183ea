"""In-memory engine state with dirty tracking, plus the derived indexes processing needs.

The entities are the source of truth while the engine runs; ``flush`` hands the changed rows to the
store after each batch. Indexes (children per scope, activatable jobs per type, subscriptions per
message name, the timer queue) are rebuilt from the entities on load, never persisted separately.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from typing import Any

from xietong.engine.state.entities import (
    ENTITY_KINDS,
    ElementInstance,
    Entity,
    Form,
    Incident,
    IncidentState,
    Job,
    JobState,
    Message,
    ProcessDefinition,
    ProcessInstanceSummary,
    Subscription,
    Timer,
    UserTask,
    decode_json,
    encode_json,
)
from xietong.engine.state.history import HISTORY, FinishedInstance

VARIABLES = "var"


class State:
    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Any]] = {kind: {} for kind in ENTITY_KINDS}
        self.tables[VARIABLES] = {}
        self._dirty: set[tuple[str, int]] = set()
        self._fresh: set[tuple[str, int]] = set()  # created since the last flush: never written yet
        # derived indexes
        self.children: dict[int, set[int]] = defaultdict(set)
        self.activatable: dict[str, dict[int, None]] = defaultdict(dict)  # job type -> ordered job keys
        self.subs_by_name: dict[tuple[str, str, str, str], dict[int, None]] = defaultdict(dict)
        self.subs_by_ei: dict[int, set[int]] = defaultdict(set)
        self.timers_by_ei: dict[int, set[int]] = defaultdict(set)
        self.messages_by_name: dict[tuple[str, str, str], dict[int, None]] = defaultdict(dict)
        self.messages_by_id: dict[tuple[str, str, str, str], int] = {}
        self.definitions_by_id: dict[tuple[str, str], list[int]] = defaultdict(list)  # -> keys by version
        self.forms_by_id: dict[tuple[str, str], list[int]] = defaultdict(list)  # (formId, tenant) -> keys
        self.incidents_by_ei: dict[int, set[int]] = defaultdict(set)
        # active instances started by a message with a correlation key: (bpmnProcessId, key, tenant) -> count
        self.message_started: dict[tuple[str, str, str], int] = defaultdict(int)
        self.due: list[tuple[int, int, str, int]] = []  # (due_ms, seq, what, key) — lazily invalidated
        self._due_seq = 0
        # retention: what belongs to an instance leaves with it (see ``state/history.py``)
        self.user_tasks_by_pi: dict[int, list[int]] = defaultdict(list)
        self.incidents_by_pi: dict[int, list[int]] = defaultdict(list)
        self.finished: list[int] = []  # ended in this command: moved to the history at the next flush
        self.retired: dict[int, FinishedInstance] = {}  # moved to the history, not yet committed

    # -- generic access ------------------------------------------------------------------------
    def put(self, entity: Entity) -> None:
        """Store a new entity (use ``touch`` after changing an existing one)."""
        table = self.tables[entity.KIND]
        ident = (entity.KIND, entity.key)
        if entity.key not in table:
            if ident not in self._dirty:
                self._fresh.add(ident)
            if entity.KIND == "ut":
                self.user_tasks_by_pi[entity.pi_key].append(entity.key)  # type: ignore[attr-defined]
        table[entity.key] = entity
        self._dirty.add(ident)

    def touch(self, entity: Entity) -> None:
        self._dirty.add((entity.KIND, entity.key))

    def drop(self, entity: Entity) -> None:
        self.tables[entity.KIND].pop(entity.key, None)
        self._forget((entity.KIND, entity.key))

    def _forget(self, ident: tuple[str, int]) -> None:
        """A removed row: delete it, unless it was created in this batch and never written."""
        if ident in self._fresh:
            self._fresh.discard(ident)
            self._dirty.discard(ident)
        else:
            self._dirty.add(ident)

    def flush(self, into: dict[tuple[str, int], str | None]) -> None:
        """Move the changed rows into ``into``: JSON text to write, None to delete (last change wins);
        instances that ended leave the runtime rows for one history row (``(HISTORY, key)``)."""
        if self.finished:
            self._retire(into)
        tables = self.tables
        for ident in self._dirty:
            kind, key = ident
            obj = tables[kind].get(key)
            if obj is None:
                into[ident] = None
            elif kind == VARIABLES:
                into[ident] = encode_json(obj)
            else:
                into[ident] = obj.to_row()
        self._dirty.clear()
        self._fresh.clear()

    # -- retention -----------------------------------------------------------------------------
    def finish(self, pi_key: int) -> None:
        """The instance ended: at the end of the command it leaves the runtime state for the history."""
        self.finished.append(pi_key)

    def _retire(self, into: dict[tuple[str, int], Any]) -> None:
        tables = self.tables
        for pi_key in self.finished:
            summary = tables["pi"].pop(pi_key, None)
            if summary is None:
                continue
            self._forget(("pi", pi_key))
            variables = tables[VARIABLES].pop(pi_key, None)
            if variables is not None:
                self._forget((VARIABLES, pi_key))
            tasks = [tables["ut"].pop(k) for k in self.user_tasks_by_pi.pop(pi_key, ()) if k in tables["ut"]]
            for task in tasks:
                self._forget(("ut", task.key))
            incidents = [
                tables["inc"].pop(k) for k in self.incidents_by_pi.pop(pi_key, ()) if k in tables["inc"]
            ]
            for incident in incidents:
                self._forget(("inc", incident.key))
                owned = self.incidents_by_ei.get(incident.ei_key)
                if owned is not None:
                    owned.discard(incident.key)
                    if not owned:
                        del self.incidents_by_ei[incident.ei_key]
            entry = FinishedInstance(summary, variables or {}, tasks, incidents)
            self.retired[pi_key] = entry
            into[(HISTORY, pi_key)] = entry.to_row()
        self.finished.clear()

    def history_committed(self) -> None:
        """The batch is committed: finished instances are read from the history table from now on."""
        self.retired.clear()

    def load(self, rows: Any) -> None:
        for kind, key, value in rows:
            if kind == HISTORY:
                continue
            if kind == VARIABLES:
                self.tables[VARIABLES][key] = decode_json(value)
            else:
                entity = ENTITY_KINDS[kind].from_row(value)
                self.tables[kind][key] = entity
        for ei in self.element_instances.values():
            if ei.scope_key != -1:
                self.children[ei.scope_key].add(ei.key)
        for job in self.jobs.values():
            if job.state == "ACTIVATABLE":
                self.activatable[job.type][job.key] = None
            elif job.state == "ACTIVATED":
                self.schedule(job.deadline_ms, "job_deadline", job.key)
            elif job.state == "FAILED" and job.backoff_ms:
                self.schedule(job.backoff_ms, "job_backoff", job.key)
        for sub in self.subscriptions.values():
            self._index_subscription(sub)
        for timer in self.timers.values():
            self.timers_by_ei[timer.ei_key].add(timer.key)
            self.schedule(timer.due_ms, "timer", timer.key)
        for msg in self.messages.values():
            self._index_message(msg)
        for definition in sorted(self.definitions.values(), key=lambda d: d.version):
            self.definitions_by_id[(definition.bpmn_process_id, definition.tenant_id)].append(definition.key)
        for form in sorted(self.forms.values(), key=lambda f: f.version):
            self.forms_by_id[(form.form_id, form.tenant_id)].append(form.key)
        for summary in self.instances.values():
            if summary.state == "ACTIVE" and summary.correlation_key:
                self.message_started[
                    (summary.bpmn_process_id, summary.correlation_key, summary.tenant_id)
                ] += 1
        for task in self.user_tasks.values():
            self.user_tasks_by_pi[task.pi_key].append(task.key)
        for summary in self.instances.values():
            if summary.state != "ACTIVE":  # finished under an engine without retention: retire now
                self.finished.append(summary.key)
        for incident in self.incidents.values():
            self.incidents_by_pi[incident.pi_key].append(incident.key)
            if incident.state == "ACTIVE":
                self.incidents_by_ei[incident.ei_key].add(incident.key)

    # -- typed tables --------------------------------------------------------------------------
    @property
    def definitions(self) -> dict[int, ProcessDefinition]:
        return self.tables["def"]

    @property
    def element_instances(self) -> dict[int, ElementInstance]:
        return self.tables["ei"]

    @property
    def instances(self) -> dict[int, ProcessInstanceSummary]:
        return self.tables["pi"]

    @property
    def jobs(self) -> dict[int, Job]:
        return self.tables["job"]

    @property
    def incidents(self) -> dict[int, Incident]:
        return self.tables["inc"]

    @property
    def timers(self) -> dict[int, Timer]:
        return self.tables["timer"]

    @property
    def subscriptions(self) -> dict[int, Subscription]:
        return self.tables["sub"]

    @property
    def messages(self) -> dict[int, Message]:
        return self.tables["msg"]

    @property
    def user_tasks(self) -> dict[int, UserTask]:
        return self.tables["ut"]

    @property
    def forms(self) -> dict[int, Form]:
        return self.tables["form"]

    @property
    def variables(self) -> dict[int, dict[str, Any]]:
        return self.tables[VARIABLES]

    # -- element instances ---------------------------------------------------------------------
    def add_element_instance(self, ei: ElementInstance) -> None:
        self.put(ei)
        if ei.scope_key != -1:
            self.children[ei.scope_key].add(ei.key)

    def remove_element_instance(self, ei: ElementInstance) -> None:
        self.drop(ei)
        if ei.scope_key != -1:
            siblings = self.children.get(ei.scope_key)
            if siblings is not None:
                siblings.discard(ei.key)
                if not siblings:
                    del self.children[ei.scope_key]
        self.children.pop(ei.key, None)
        if ei.key in self.variables and ei.kind != "process":  # an instance's variables stay readable
            del self.variables[ei.key]
            self._forget((VARIABLES, ei.key))

    def child_instances(self, key: int) -> list[ElementInstance]:
        table = self.element_instances
        return [table[k] for k in sorted(self.children.get(key, ()))]

    # -- variables -----------------------------------------------------------------------------
    def scope_vars(self, scope_key: int, create: bool = False) -> dict[str, Any] | None:
        scope = self.variables.get(scope_key)
        if scope is None and create:
            scope = {}
            self.variables[scope_key] = scope
        return scope

    def set_variable(self, scope_key: int, name: str, value: Any) -> bool:
        """Returns True when the variable was created, False when updated."""
        scope = self.variables.get(scope_key)
        if scope is None:
            scope = self.variables[scope_key] = {}
            if (VARIABLES, scope_key) not in self._dirty:
                self._fresh.add((VARIABLES, scope_key))
        created = name not in scope
        scope[name] = value
        self._dirty.add((VARIABLES, scope_key))
        return created

    # -- jobs ----------------------------------------------------------------------------------
    def make_activatable(self, job: Job) -> None:
        job.state = JobState.ACTIVATABLE
        self.activatable[job.type][job.key] = None
        self.touch(job)

    def unlist_activatable(self, job: Job) -> None:
        listed = self.activatable.get(job.type)
        if listed is not None:
            listed.pop(job.key, None)

    # -- subscriptions, messages ---------------------------------------------------------------
    def _index_subscription(self, sub: Subscription) -> None:
        self.subs_by_name[(sub.type, sub.name, sub.correlation_key, sub.tenant_id)][sub.key] = None
        self.subs_by_ei[sub.ei_key].add(sub.key)

    def add_subscription(self, sub: Subscription) -> None:
        self.put(sub)
        self._index_subscription(sub)

    def remove_subscription(self, sub: Subscription) -> None:
        self.drop(sub)
        index = (sub.type, sub.name, sub.correlation_key, sub.tenant_id)
        listed = self.subs_by_name.get(index)
        if listed is not None:
            listed.pop(sub.key, None)
            if not listed:
                del self.subs_by_name[index]
        owned = self.subs_by_ei.get(sub.ei_key)
        if owned is not None:
            owned.discard(sub.key)
            if not owned:
                del self.subs_by_ei[sub.ei_key]

    def _index_message(self, msg: Message) -> None:
        self.messages_by_name[(msg.name, msg.correlation_key, msg.tenant_id)][msg.key] = None
        if msg.message_id:
            self.messages_by_id[(msg.name, msg.correlation_key, msg.message_id, msg.tenant_id)] = msg.key
        self.schedule(msg.deadline_ms, "message_ttl", msg.key)

    def add_message(self, msg: Message) -> None:
        self.put(msg)
        self._index_message(msg)

    def remove_message(self, msg: Message) -> None:
        self.drop(msg)
        listed = self.messages_by_name.get((msg.name, msg.correlation_key, msg.tenant_id))
        if listed is not None:
            listed.pop(msg.key, None)
        if msg.message_id:
            self.messages_by_id.pop((msg.name, msg.correlation_key, msg.message_id, msg.tenant_id), None)

    # -- timers --------------------------------------------------------------------------------
    def add_timer(self, timer: Timer) -> None:
        self.put(timer)
        self.timers_by_ei[timer.ei_key].add(timer.key)
        self.schedule(timer.due_ms, "timer", timer.key)

    def remove_timer(self, timer: Timer) -> None:
        self.drop(timer)
        owned = self.timers_by_ei.get(timer.ei_key)
        if owned is not None:
            owned.discard(timer.key)
            if not owned:
                del self.timers_by_ei[timer.ei_key]

    def schedule(self, due_ms: int, what: str, key: int) -> None:
        self._due_seq += 1
        heapq.heappush(self.due, (due_ms, self._due_seq, what, key))

    def next_due_ms(self) -> int | None:
        return self.due[0][0] if self.due else None

    def pop_due(self, now_ms: int) -> list[tuple[int, str, int]]:
        due: list[tuple[int, str, int]] = []
        while self.due and self.due[0][0] <= now_ms:
            due_ms, _, what, key = heapq.heappop(self.due)
            due.append((due_ms, what, key))
        return due

    # -- incidents -----------------------------------------------------------------------------
    def add_incident(self, incident: Incident) -> None:
        self.put(incident)
        self.incidents_by_ei[incident.ei_key].add(incident.key)
        self.incidents_by_pi[incident.pi_key].append(incident.key)

    def resolve_incident(self, incident: Incident) -> None:
        incident.state = IncidentState.RESOLVED
        self.touch(incident)
        owned = self.incidents_by_ei.get(incident.ei_key)
        if owned is not None:
            owned.discard(incident.key)
            if not owned:
                del self.incidents_by_ei[incident.ei_key]

    # -- definitions ---------------------------------------------------------------------------
    def add_definition(self, definition: ProcessDefinition) -> None:
        self.put(definition)
        self.definitions_by_id[(definition.bpmn_process_id, definition.tenant_id)].append(definition.key)

    def latest_definition(self, bpmn_process_id: str, tenant_id: str) -> ProcessDefinition | None:
        for key in reversed(self.definitions_by_id.get((bpmn_process_id, tenant_id), ())):
            definition = self.definitions[key]
            if not definition.deleted:
                return definition
        return None

    # -- forms ---------------------------------------------------------------------------------
    def add_form(self, form: Form) -> None:
        self.put(form)
        self.forms_by_id[(form.form_id, form.tenant_id)].append(form.key)

    def form_versions(self, form_id: str, tenant_id: str, *, deleted: bool = False) -> list[Form]:
        """Every deployed version of a form, oldest first; with ``deleted``, the deleted ones too."""
        versions = [self.forms[k] for k in self.forms_by_id.get((form_id, tenant_id), ())]
        return versions if deleted else [f for f in versions if not f.deleted]

    def form(self, key: int) -> Form | None:
        """The deployed form version with this key (not a deleted one)."""
        form = self.forms.get(key)
        return None if form is None or form.deleted else form

    def latest_form(self, form_id: str, tenant_id: str) -> Form | None:
        versions = self.form_versions(form_id, tenant_id)
        return versions[-1] if versions else None
