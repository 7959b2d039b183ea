"""Helpers for driving the engine in tests (this project's and other areas'): BPMN snippets and
shortcuts over the public API. Not used by the engine itself."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from xietong.engine.clock import Clock
from xietong.engine.commands import (
    ActivatedJob,
    ActivateJobs,
    CompleteJob,
    CreateProcessInstance,
    Deploy,
    DeploymentResult,
    ProcessInstanceCreated,
)
from xietong.engine.engine import Engine

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def pinned_clock(at: datetime = START) -> Clock:
    """A clock that stands at ``at`` until a test moves it: timers fire when the test says."""
    clock = Clock()
    clock.pin(at)
    return clock


HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://xietong.test">\n'
)


def bpmn(body: str, process_id: str = "p", extra: str = "") -> bytes:
    """A definitions document with one executable process (``body`` is its content)."""
    return (
        f'{HEADER}{extra}<bpmn:process id="{process_id}" isExecutable="true">\n{body}\n'
        f"</bpmn:process>\n</bpmn:definitions>\n"
    ).encode()


def service_task(task_id: str, job_type: str, extra: str = "", retries: int = 3) -> str:
    return (
        f'<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" retries="{retries}"/>{extra}'
        f"</bpmn:extensionElements></bpmn:serviceTask>"
    )


def call_activity(task_id: str, process_id: str, attributes: str = "") -> str:
    """A call activity starting ``process_id`` (a FEEL expression when it starts with ``=``);
    ``attributes`` go on its ``zeebe:calledElement`` (``bindingType="deployment"`` …)."""
    extra = f" {attributes}" if attributes else ""
    return (
        f'<bpmn:callActivity id="{task_id}"><bpmn:extensionElements>'
        f'<zeebe:calledElement processId="{process_id}"{extra}/></bpmn:extensionElements></bpmn:callActivity>'
    )


def flow(source: str, target: str, condition: str | None = None, flow_id: str | None = None) -> str:
    fid = flow_id or f"f_{source}_{target}"
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def chain(*ids: str) -> str:
    return "".join(flow(a, b) for a, b in itertools.pairwise(ids))


BLANK_START = '<bpmn:startEvent id="s"/>'


def service_chain(*task_ids: str) -> str:
    """start ``s`` -> one service task per id, in order, its job type the id -> end ``e``."""
    tasks = "".join(service_task(task_id, task_id) for task_id in task_ids)
    return f'{BLANK_START}{tasks}<bpmn:endEvent id="e"/>' + chain("s", *task_ids, "e")


def start_end(element_id: str, element: str, start: str = BLANK_START) -> str:
    """start ``s`` (``start``: a blank start event unless given) -> ``element`` (whose id is
    ``element_id``) -> end ``e``."""
    return f'{start}{element}<bpmn:endEvent id="e"/>' + chain("s", element_id, "e")


def guarded(element_id: str, element: str, event_id: str, boundary: str, handler: str | None = None) -> str:
    """start ``s`` -> ``element`` (whose id is ``element_id``) -> end ``e``; from ``boundary``, its
    boundary event ``event_id``, a service task ``handler`` (of job type ``handler``), if any, -> end
    ``e2``: a step with what happens when its timer, error, message or signal comes first."""
    handling = service_task(handler, handler) if handler else ""
    after = (handler,) if handler else ()
    ends = '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
    return (
        f"{BLANK_START}{element}{boundary}{handling}{ends}"
        + chain("s", element_id, "e")
        + chain(event_id, *after, "e2")
    )


def event_sub_process(sub_id: str, definition: str, handler: str, interrupting: bool = True) -> str:
    """An event sub-process ``sub_id``: start event ``es`` (its event ``definition``) -> service task
    ``handler`` (of job type ``handler``) -> end ``ee``."""
    flag = "" if interrupting else ' isInterrupting="false"'
    return (
        f'<bpmn:subProcess id="{sub_id}" triggeredByEvent="true">'
        f'<bpmn:startEvent id="es"{flag}>{definition}</bpmn:startEvent>'
        + service_task(handler, handler)
        + '<bpmn:endEvent id="ee"/>'
        + chain("es", handler, "ee")
        + "</bpmn:subProcess>"
    )


def one_task(job_type: str, extra: str = "", start: str = BLANK_START) -> str:
    """start ``s`` (``start``) -> service task ``t`` of ``job_type`` (``extra`` inside its extension
    elements) -> end ``e``: the smallest process with a job, which many tests need and then add to."""
    return start_end("t", service_task("t", job_type, extra), start)


class Harness:
    """Shortcuts over the public API for tests."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def deploy(self, content: bytes, name: str = "test.bpmn") -> int:
        result: DeploymentResult = self.engine.execute(Deploy(((name, content),)))
        return result.processes[0].process_definition_key

    def start(self, process_id: str = "p", variables: dict[str, Any] | None = None) -> int:
        command = CreateProcessInstance(bpmn_process_id=process_id, variables=variables or {})
        created: ProcessInstanceCreated = self.engine.execute(command)
        return created.process_instance_key

    def jobs(
        self, job_type: str, n: int = 10, timeout_ms: int = 60_000, fetch: tuple[str, ...] = ()
    ) -> tuple[ActivatedJob, ...]:
        jobs: tuple[ActivatedJob, ...] = self.engine.execute(
            ActivateJobs(job_type, "test-worker", timeout_ms, n, fetch)
        )
        return jobs

    def complete(self, job_type: str, variables: dict[str, Any] | None = None) -> int:
        jobs = self.jobs(job_type, 1)
        assert jobs, f"expected an activatable job of type {job_type}"
        self.engine.execute(CompleteJob(jobs[0].key, variables or {}))
        return jobs[0].key

    def state(self, pi_key: int) -> str:
        view = self.engine.queries.get_process_instance(pi_key)
        assert view is not None
        return view.state

    def active_elements(self, pi_key: int) -> list[str]:
        return [e.element_id for e in self.engine.queries.element_instances(pi_key) if e.type != "process"]

    def variables(self, pi_key: int) -> dict[str, Any]:
        return self.engine.queries.variables(pi_key)

    def intents(self, pi_key: int, value_type: str | None = None) -> list[str]:
        records = self.engine.queries.records(pi_key)
        return [
            f"{r.value_type}:{r.intent}:{r.value.get('elementId', '')}"
            for r in records
            if value_type is None or r.value_type == value_type
        ]
