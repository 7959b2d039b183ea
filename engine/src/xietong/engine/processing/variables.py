"""Zeebe's variable scopes: lookup through the scope chain, local writes, propagation, io mappings.

Propagation (``merge``): each variable goes to the nearest scope, starting at the given one, that
already has it; otherwise to the process instance's root scope. This is Zeebe's ``mergeDocument``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xietong.engine.expressions import ScopeVariables
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model.elements import Mapping

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


class VariableBehavior:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def chain_keys(self, scope_key: int) -> list[int]:
        """Scope keys from ``scope_key`` up to the process instance root (not into a parent process)."""
        table = self.p.state.element_instances
        keys = []
        key = scope_key
        while key != -1:
            keys.append(key)
            ei = table.get(key)
            if ei is None:
                break
            key = ei.scope_key
        return keys

    def view(self, scope_key: int) -> ScopeVariables:
        variables = self.p.state.variables
        return ScopeVariables([variables[k] for k in self.chain_keys(scope_key) if k in variables])

    def visible(self, scope_key: int, names: tuple[str, ...] = ()) -> dict[str, Any]:
        merged = self.view(scope_key).merged()
        if names:
            return {n: merged[n] for n in names if n in merged}
        return merged

    def local(self, scope_key: int) -> dict[str, Any]:
        return self.p.state.variables.get(scope_key, {})

    def set_local(self, scope_key: int, pi_key: int, values: dict[str, Any]) -> None:
        state, p = self.p.state, self.p
        for name, value in values.items():
            created = state.set_variable(scope_key, name, value)
            p.record(
                ValueType.VARIABLE,
                Intent.CREATED if created else Intent.UPDATED,
                scope_key,
                pi_key,
                {"name": name, "value": value, "scopeKey": scope_key},
            )

    def merge(self, scope_key: int, pi_key: int, values: dict[str, Any]) -> None:
        if not values:
            return
        variables = self.p.state.variables
        chain = self.chain_keys(scope_key)
        root = chain[-1]
        for name, value in values.items():
            target = root
            for key in chain:
                scope = variables.get(key)
                if scope is not None and name in scope:
                    target = key
                    break
            self.set_local(target, pi_key, {name: value})

    def deliver(self, ei: Any, element: Any, values: dict[str, Any]) -> None:
        """Variables a task completes with (job, user task, script, called process): with output
        mappings they become locals the mappings read; without, they propagate from the element."""
        if element.outputs:
            self.set_local(ei.key, ei.pi_key, values)
        else:
            self.merge(ei.key, ei.pi_key, values)

    def evaluate_mappings(self, mappings: list[Mapping], scope_key: int) -> dict[str, Any]:
        """Evaluate mappings in a scope; a dotted target ('a.b') builds nested contexts like Zeebe."""
        view = self.view(scope_key)
        result: dict[str, Any] = {}
        now = self.p.now
        for mapping in mappings:
            value = mapping.source.evaluate_json(view, now)
            path = mapping.target.split(".")
            if len(path) == 1:
                result[path[0]] = value
                continue
            head = path[0]
            base = result.get(head, view.get(head))
            container = dict(base) if isinstance(base, dict) else {}
            result[head] = container
            for part in path[1:-1]:
                nested = container.get(part)
                nested = dict(nested) if isinstance(nested, dict) else {}
                container[part] = nested
                container = nested
            container[path[-1]] = value
        return result

    def apply_inputs(self, mappings: list[Mapping], scope_key: int, pi_key: int) -> None:
        """Input mappings: evaluated in the parent chain, set as locals of the element (may raise)."""
        if not mappings:
            return
        values = self.evaluate_mappings(mappings, scope_key)
        self.set_local(scope_key, pi_key, values)

    def apply_outputs(
        self, mappings: list[Mapping], scope_key: int, flow_scope_key: int, pi_key: int
    ) -> None:
        values = self.evaluate_mappings(mappings, scope_key)
        self.merge(flow_scope_key, pi_key, values)
