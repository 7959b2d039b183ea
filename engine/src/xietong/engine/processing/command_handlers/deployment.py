"""Deploy and delete process definitions; keep timer start events of the latest version armed."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from xietong.engine import commands as c
from xietong.engine.errors import DeploymentRejected, NotFound
from xietong.engine.expressions import ExpressionError
from xietong.engine.model import Process, parse_resource
from xietong.engine.state.entities import ProcessDefinition, Timer

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml")


class DeploymentHandler:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def deploy(self, cmd: c.Deploy) -> c.DeploymentResult:
        p = self.p
        if not cmd.resources:
            raise DeploymentRejected(["Expected to deploy at least one resource, but none given"])
        problems: list[str] = []
        parsed: list[tuple[str, bytes, Process]] = []
        for name, content in cmd.resources:
            if not isinstance(name, str) or not isinstance(content, bytes | bytearray):
                problems.append(
                    f"{name!r}: a resource is (name, bytes); got {type(content).__name__} content"
                )
                continue
            if not name.lower().endswith(BPMN_SUFFIXES):
                problems.append(
                    f"{name}: only BPMN resources (.bpmn) are supported; DMN decisions and forms are not"
                )
                continue
            processes, resource_problems = parse_resource(name, content)
            problems += resource_problems
            parsed += [(name, content, process) for process in processes]
        for name, _, process in parsed:  # FEEL timer start events must evaluate without variables
            for start in process.start_events("timer"):
                try:
                    p.events.timer_schedule(start, -1)
                except ExpressionError as err:
                    problems.append(f"{name}: {start.id}: timer start event: {err}")
        seen: dict[str, str] = {}
        for name, _, process in parsed:
            if process.id in seen:
                problems.append(f"{name}: {process.id}: duplicated process id (also in {seen[process.id]})")
            seen[process.id] = name
        if problems:
            raise DeploymentRejected(problems)
        deployment_key = p.keys.next()
        metadata = []
        for name, content, process in parsed:
            checksum = hashlib.sha256(content).hexdigest()
            latest = p.state.latest_definition(process.id, cmd.tenant_id)
            if latest is not None and latest.checksum == checksum and latest.resource_name == name:
                definition = latest
            else:
                versions = p.state.definitions_by_id.get((process.id, cmd.tenant_id), [])
                version = max((p.state.definitions[k].version for k in versions), default=0) + 1
                definition = ProcessDefinition(
                    key=p.keys.next(),
                    bpmn_process_id=process.id,
                    version=version,
                    resource_name=name,
                    checksum=checksum,
                    tenant_id=cmd.tenant_id,
                    deployment_key=deployment_key,
                    resource=content.decode("utf-8"),
                    deleted=False,
                    version_tag=process.version_tag,
                )
                p.state.add_definition(definition)
                p.models[definition.key] = process
                p.record(
                    "PROCESS",
                    "CREATED",
                    definition.key,
                    -1,
                    {"bpmnProcessId": process.id, "version": version, "resourceName": name},
                )
                self.arm_start_timers(process.id, cmd.tenant_id)
                p.instances.start_events_changed()
            metadata.append(
                c.ProcessMetadata(
                    definition.bpmn_process_id,
                    definition.version,
                    definition.key,
                    definition.resource_name,
                    definition.tenant_id,
                )
            )
        p.record(
            "DEPLOYMENT", "CREATED", deployment_key, -1, {"processes": [m.bpmn_process_id for m in metadata]}
        )
        return c.DeploymentResult(deployment_key, tuple(metadata), cmd.tenant_id)

    def arm_start_timers(self, bpmn_process_id: str, tenant_id: str) -> None:
        """Only the latest version's timer start events are armed (Zeebe)."""
        p = self.p
        versions = set(p.state.definitions_by_id.get((bpmn_process_id, tenant_id), []))
        for key in list(p.state.timers_by_ei.get(-1, ())):
            timer = p.state.timers[key]
            if timer.def_key in versions:
                p.state.remove_timer(timer)
                p.record("TIMER", "CANCELED", timer.key, -1, {"elementId": timer.element_id})
        latest = p.state.latest_definition(bpmn_process_id, tenant_id)
        if latest is None:
            return
        for start in p.model(latest.key).start_events("timer"):
            due_ms, repetitions, interval = self._start_timer_schedule(latest.key, start.id)
            timer = Timer(
                key=p.keys.next(),
                ei_key=-1,
                element_id=start.id,
                def_key=latest.key,
                pi_key=-1,
                due_ms=due_ms,
                repetitions=repetitions,
                interval=interval,
                tenant_id=tenant_id,
            )
            p.state.add_timer(timer)
            p.record("TIMER", "CREATED", timer.key, -1, {"elementId": start.id, "dueDate": due_ms})

    def _start_timer_schedule(self, def_key: int, element_id: str) -> tuple[int, int, str]:
        """Validated at deployment, so it evaluates here."""
        return self.p.events.timer_schedule(self.p.model(def_key).elements[element_id], -1)

    def delete_resource(self, cmd: c.DeleteResource) -> None:
        p = self.p
        definition = p.state.definitions.get(cmd.resource_key)
        if definition is None or definition.deleted:
            raise NotFound(f"Expected to delete resource but no resource found with key `{cmd.resource_key}`")
        definition.deleted = True
        p.state.touch(definition)
        p.record(
            "PROCESS",
            "DELETED",
            definition.key,
            -1,
            {"bpmnProcessId": definition.bpmn_process_id, "version": definition.version},
        )
        self.arm_start_timers(definition.bpmn_process_id, definition.tenant_id)
        p.instances.start_events_changed()
