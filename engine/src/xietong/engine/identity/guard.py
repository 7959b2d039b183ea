"""Enforcement: each REST route and gRPC call is authenticated, then checked against its rule.

Both layers share one :class:`Guard`: it authenticates (a password in a thread: argon2id is CPU work), checks
the role, builds the caller's :class:`Viewer` and checks the object the call names (a task, case,
incident, element instance or job) before the handler runs. Refusals are worded as Camunda 8.8's.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog

from xietong.engine.identity.authentication import Authenticator, Refusal
from xietong.engine.identity.principal import Principal
from xietong.engine.identity.rules import SUPERVISOR, Rule, Scope
from xietong.engine.identity.visibility import Viewer

if TYPE_CHECKING:
    from xietong.engine.engine import Engine

log = structlog.get_logger("xietong.identity")


class Denied(Exception):
    """The caller may not make this call; ``status`` 401, 403 or 429."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Guard:
    def __init__(self, engine: Engine, authenticator: Authenticator) -> None:
        self.engine = engine
        self.authenticator = authenticator

    @property
    def protected(self) -> bool:
        return self.authenticator.protected

    async def authenticate(self, authorization: str | None, address: str) -> Principal:
        if self.authenticator.costly(authorization):
            outcome = await asyncio.to_thread(self.authenticator.authenticate, authorization, address)
        else:  # a bearer token or none: a thread hand-off would cost more than the check
            outcome = self.authenticator.authenticate(authorization, address)
        if isinstance(outcome, Refusal):
            log.info("authentication refused", address=address, reason=outcome.message)
            raise Denied(429 if outcome.throttled else 401, outcome.message)
        return outcome

    def viewer(self, principal: Principal) -> Viewer:
        queries = self.engine.queries
        return Viewer(principal, queries.search_user_tasks, queries.search_process_instances)

    async def admit(self, rule: Rule, principal: Principal, key: Any = None) -> Viewer:
        """Role, then the named object; returns the caller's viewer for the handler's searches."""
        if not principal.has_any(rule.roles):
            raise Denied(403, rule.forbidden_message())
        viewer = self.viewer(principal)
        if rule.scope in (Scope.NONE, Scope.ROWS, Scope.RESULT) or viewer.sees_everything or key is None:
            return viewer
        try:
            number = int(key)
        except (TypeError, ValueError):
            return viewer  # the handler refuses a malformed key with Camunda's own message
        if not 0 <= number < 2**63:
            return viewer  # no object has such a key (and SQLite cannot look it up): the handler's 400
        allowed = await asyncio.to_thread(self._sees, rule, viewer, number)
        if not allowed:
            raise Denied(403, rule.forbidden_message())
        return viewer

    def _sees(self, rule: Rule, viewer: Viewer, key: int) -> bool:
        """True when the object is visible or does not exist (the handler then answers 404)."""
        if rule.scope is Scope.TASK:
            task = self.engine.queries.get_user_task(key)
            if task is None:
                return True
            if SUPERVISOR in rule.roles:
                return viewer.task(task.candidate_groups, task.assignee, task.bpmn_process_id)
            return viewer.works_on(task.candidate_groups, task.assignee)
        if rule.scope is Scope.DEFINITION:
            found = [
                d for d in self.engine.queries.search_process_definitions() if d.process_definition_key == key
            ]
            return not found or viewer.definition(found[0].bpmn_process_id)
        instance_key = self._instance_of(rule.scope, key)
        return instance_key is None or viewer.instance(instance_key)

    def _instance_of(self, scope: Scope, key: int) -> int | None:
        def read(p: Any) -> int | None:
            state = p.state
            if scope is Scope.INSTANCE:
                return key if key in state.instances else None
            if scope is Scope.INCIDENT:
                incident = state.incidents.get(key)
                return incident.pi_key if incident is not None else None
            if scope is Scope.JOB:
                job = state.jobs.get(key)
                return job.pi_key if job is not None else None
            if scope is Scope.ELEMENT_INSTANCE:
                if key in state.instances:
                    return key
                element = state.element_instances.get(key)
                return element.pi_key if element is not None else None
            return None

        found = self.engine.query(read)
        if found is not None:
            return found
        # an ended case has left the runtime state for the history: read it through the query layer
        queries = self.engine.queries
        if scope in (Scope.INSTANCE, Scope.ELEMENT_INSTANCE):
            instance = queries.get_process_instance(key)
            return instance.process_instance_key if instance is not None else None
        if scope is Scope.INCIDENT:
            incidents = [i for i in queries.search_incidents() if i.incident_key == key]
            return incidents[0].process_instance_key if incidents else None
        return None
