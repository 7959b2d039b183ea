"""Which user tasks and cases a caller may see; applied by the gateway, never only by a page.

A clerk sees the user tasks whose candidate groups include one of their groups (or that are
assigned to them) and the cases those tasks belong to; a supervisor sees every case and task of
their jurisdiction; admins and worker clients see everything. The caller of the running request
is kept in a context variable, so that ``page_of`` (and any search built on it) drops the rows
the caller may not see before paging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from xietong.engine.identity.principal import UNPROTECTED, Principal, jurisdiction_of_process

TaskRows = Callable[[], Iterable[Any]]  # every user task (views with pi key, groups, assignee)
InstanceRows = Callable[[], Iterable[Any]]  # every process instance (views with key and process id)


class Viewer:
    """One caller's view of the engine for one request; engine reads happen lazily, at most once."""

    def __init__(self, principal: Principal, tasks: TaskRows, instances: InstanceRows) -> None:
        self.principal = principal
        self._tasks_source = tasks
        self._instances_source = instances
        self._clerk_instances: set[int] | None = None
        self._process_of: dict[int, str] | None = None

    @property
    def sees_everything(self) -> bool:
        return self.principal.sees_everything

    def _own_task(self, groups: Iterable[str], assignee: str | None) -> bool:
        p = self.principal
        return (p.kind == "user" and assignee == p.name) or bool(p.groups.intersection(groups))

    def _in_jurisdiction(self, bpmn_process_id: str | None) -> bool:
        return (
            "supervisor" in self.principal.roles
            and bpmn_process_id is not None
            and jurisdiction_of_process(bpmn_process_id) in self.principal.jurisdictions
        )

    def task(self, groups: Iterable[str], assignee: str | None, bpmn_process_id: str | None) -> bool:
        """May the caller see (and, if their role allows, work on) this user task?"""
        if self.sees_everything:
            return True
        return self._own_task(groups, assignee) or self._in_jurisdiction(bpmn_process_id)

    def works_on(self, groups: Iterable[str], assignee: str | None) -> bool:
        """Claim, complete, assign: the task must be the clerk's own (candidate group or assignee)."""
        return self.principal.is_admin or self._own_task(groups, assignee)

    def instance(self, process_instance_key: int, bpmn_process_id: str | None = None) -> bool:
        if self.sees_everything:
            return True
        if bpmn_process_id is None:
            bpmn_process_id = self.process_of(process_instance_key)
        if self._in_jurisdiction(bpmn_process_id):
            return True
        return process_instance_key in self.clerk_instances()

    def definition(self, bpmn_process_id: str) -> bool:
        """Process definitions: those of the caller's jurisdictions (clerks need their diagrams too)."""
        return (
            self.sees_everything or jurisdiction_of_process(bpmn_process_id) in self.principal.jurisdictions
        )

    def clerk_instances(self) -> set[int]:
        if self._clerk_instances is None:
            self._clerk_instances = {
                t.process_instance_key
                for t in self._tasks_source()
                if self._own_task(t.candidate_groups, t.assignee)
            }
        return self._clerk_instances

    def process_of(self, process_instance_key: int) -> str | None:
        if self._process_of is None:
            self._process_of = {i.process_instance_key: i.bpmn_process_id for i in self._instances_source()}
        return self._process_of.get(process_instance_key)

    def row(self, row: dict[str, Any]) -> bool:
        """A search row as API v2 shows it (camelCase, keys as strings)."""
        if self.sees_everything:
            return True
        process_id = row.get("processDefinitionId") or row.get("bpmnProcessId")
        if "userTaskKey" in row:
            return self.task(row.get("candidateGroups") or (), row.get("assignee"), process_id)
        key = row.get("processInstanceKey")
        if key is not None and str(key).isdigit():
            return self.instance(int(key), process_id)
        if process_id is not None:
            return self.definition(str(process_id))
        return False


#: The caller of the running request or RPC; None outside one (and in unprotected mode: everything).
current_viewer: ContextVar[Viewer | None] = ContextVar("current_viewer", default=None)


def current_principal() -> Principal:
    viewer = current_viewer.get()
    return UNPROTECTED if viewer is None else viewer.principal


def visible_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows (API v2 shape) the current caller may see; everything in unprotected mode."""
    viewer = current_viewer.get()
    if viewer is None or viewer.sees_everything:
        return rows
    return [row for row in rows if viewer.row(row)]
