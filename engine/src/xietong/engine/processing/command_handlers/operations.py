"""Operator commands: set variables on a scope, resolve an incident."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xietong.engine import commands as c
from xietong.engine.errors import NotFound
from xietong.engine.intents import Intent, ValueType
from xietong.engine.processing.command_handlers.instances import _check_variables

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


class OperationHandler:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def set_variables(self, cmd: c.SetVariables) -> int:
        p = self.p
        ei = p.state.element_instances.get(cmd.element_instance_key)
        if ei is None:
            raise NotFound(
                f"Expected to update variables for element with key '{cmd.element_instance_key}', "
                "but no such element was found"
            )
        variables = _check_variables(cmd.variables)
        key = p.keys.next()
        if cmd.local:
            p.variables.set_local(ei.key, ei.pi_key, dict(variables))
        else:
            p.variables.merge(ei.key, ei.pi_key, dict(variables))
        p.record(
            ValueType.VARIABLE_DOCUMENT,
            Intent.UPDATED,
            key,
            ei.pi_key,
            {"scopeKey": ei.key, "local": cmd.local},
        )
        return key

    def resolve_incident(self, cmd: c.ResolveIncident) -> None:
        p = self.p
        incident = p.state.incidents.get(cmd.incident_key)
        # ResolveIncidentProcessor (Zeebe): a resolved incident is gone from its state, so resolving it
        # again is NOT_FOUND with the same words as an unknown key.
        if incident is None or incident.state != "ACTIVE":
            raise NotFound(
                f"Expected to resolve incident with key '{cmd.incident_key}', but no such incident was found"
            )
        p.incidents.resolve(incident)
