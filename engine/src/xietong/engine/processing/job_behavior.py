"""Jobs of service-like tasks: creation on entering a task, activation by type, cancellation.

A job is listed in the per-type activatable index only while it may be handed out, so
``ActivateJobs`` never scans; deadlines and retry backoffs go into the due queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xietong.engine.commands import ActivatedJob
from xietong.engine.expressions import ExpressionError
from xietong.engine.intents import Intent, ValueType
from xietong.engine.state.entities import ElementInstance, Job, JobState

if TYPE_CHECKING:
    from xietong.engine.model import Element
    from xietong.engine.processing.processor import Processor

USER_TASK_JOB_TYPE = "io.camunda.zeebe:userTask"


class JobBehavior:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def create(self, ei: ElementInstance, element: Element) -> None:
        """Raises ExpressionError when the job type or retries cannot be evaluated (-> incident)."""
        p = self.p
        headers: dict[str, str] = {}
        if element.job is None:  # a job-based user task without a task definition
            job_type, retries = USER_TASK_JOB_TYPE, 3
        else:
            job_type, retries_value = element.job.type.static, element.job.retries.static
            if job_type is None or retries_value is None:  # FEEL: evaluate in the task's scope
                view = p.variables.view(ei.key)
                job_type = element.job.type.evaluate_json(view, p.now)
                retries_value = element.job.retries.evaluate_json(view, p.now)
            headers = dict(element.job.headers)
            if not isinstance(job_type, str) or not job_type:
                raise ExpressionError(f"expected the job type to be a non-empty string, but was {job_type!r}")
            try:
                retries = int(retries_value)
            except (TypeError, ValueError) as err:
                raise ExpressionError(
                    f"expected job retries to be a number, but was {retries_value!r}"
                ) from err
        summary = p.state.instances[ei.pi_key]
        job = Job(
            key=p.keys.next(),
            type=job_type,
            state=JobState.ACTIVATABLE,
            retries=retries,
            ei_key=ei.key,
            pi_key=ei.pi_key,
            def_key=ei.def_key,
            element_id=ei.element_id,
            bpmn_process_id=summary.bpmn_process_id,
            version=summary.version,
            headers=headers,
            tenant_id=summary.tenant_id,
        )
        p.state.put(job)
        p.state.activatable[job_type][job.key] = None
        ei.ref_key = job.key
        p.record(
            ValueType.JOB,
            Intent.CREATED,
            job.key,
            ei.pi_key,
            {"type": job_type, "retries": retries, "elementId": ei.element_id, "elementInstanceKey": ei.key},
        )
        p.notify_types.add(job_type)

    def job_of(self, ei: ElementInstance) -> Job | None:
        return self.p.state.jobs.get(ei.ref_key) if ei.ref_key != -1 else None

    def cancel(self, ei: ElementInstance) -> None:
        job = self.job_of(ei)
        if job is None:
            return
        self.p.state.unlist_activatable(job)
        self.p.state.drop(job)
        self.p.record(
            ValueType.JOB,
            Intent.CANCELED,
            job.key,
            job.pi_key,
            {"type": job.type, "elementId": job.element_id},
        )

    def remove(self, job: Job, intent: Intent, extra: dict[str, Any] | None = None) -> None:
        self.p.state.unlist_activatable(job)
        self.p.state.drop(job)
        self.p.record(
            ValueType.JOB,
            intent,
            job.key,
            job.pi_key,
            {"type": job.type, "elementId": job.element_id, **(extra or {})},
        )

    def activate(self, job: Job, worker: str, timeout_ms: int, fetch: tuple[str, ...]) -> ActivatedJob:
        p = self.p
        job.state = JobState.ACTIVATED
        job.worker = worker
        job.deadline_ms = p.now_ms + timeout_ms
        p.state.touch(job)
        p.state.schedule(job.deadline_ms, "job_deadline", job.key)
        p.record(
            ValueType.JOB,
            Intent.ACTIVATED,
            job.key,
            job.pi_key,
            {"type": job.type, "worker": worker, "deadline": job.deadline_ms},
        )
        return ActivatedJob(
            key=job.key,
            type=job.type,
            process_instance_key=job.pi_key,
            bpmn_process_id=job.bpmn_process_id,
            process_definition_version=job.version,
            process_definition_key=job.def_key,
            element_id=job.element_id,
            element_instance_key=job.ei_key,
            custom_headers=dict(job.headers),
            worker=worker,
            retries=job.retries,
            deadline_ms=job.deadline_ms,
            variables=p.variables.visible(job.ei_key, fetch),
            tenant_id=job.tenant_id,
        )

    def make_activatable(self, job: Job) -> None:
        self.p.state.make_activatable(job)
        self.p.notify_types.add(job.type)
