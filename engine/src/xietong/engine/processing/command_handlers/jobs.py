"""Job commands: activate, complete, fail (retries, backoff, incident), throw error, update."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xietong.engine import commands as c
from xietong.engine.errors import FailedPrecondition, InvalidArgument, NotFound
from xietong.engine.intents import Intent, ValueType
from xietong.engine.processing.command_handlers.instances import _check_variables
from xietong.engine.state.entities import Job, JobState
from xietong.engine.time_limits import bounded_duration_ms

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


class JobHandler:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def _job(self, key: int, action: str, states: tuple[str, ...]) -> Job:
        job = self.p.state.jobs.get(key)
        if job is None:
            raise NotFound(f"Expected to {action} job with key '{key}', but no such job was found")
        if job.state not in states:
            raise FailedPrecondition(
                f"Expected to {action} job with key '{key}', but it is in state '{job.state}'"
            )
        return job

    def activate(self, cmd: c.ActivateJobs) -> tuple[c.ActivatedJob, ...]:
        p = self.p
        if not cmd.type:
            raise InvalidArgument("Expected to activate jobs of a non-empty type, but the type is empty")
        if cmd.max_jobs_to_activate < 1:
            raise InvalidArgument(
                f"Expected maxJobsToActivate to be >= 1, but was {cmd.max_jobs_to_activate}"
            )
        if cmd.timeout_ms < 1:
            raise InvalidArgument(f"Expected timeout to be >= 1, but was {cmd.timeout_ms}")
        bounded_duration_ms(cmd.timeout_ms, "timeout", 1)
        listed = p.state.activatable.get(cmd.type)
        if not listed:
            return ()
        tenants = set(cmd.tenant_ids) if cmd.tenant_ids else {c.DEFAULT_TENANT}
        picked: list[Job] = []
        for key in listed:
            job = p.state.jobs[key]
            if job.tenant_id in tenants:
                picked.append(job)
                if len(picked) >= cmd.max_jobs_to_activate:
                    break
        fetch = tuple(cmd.fetch_variables)
        activated = []
        for job in picked:
            del listed[job.key]
            activated.append(p.jobs.activate(job, cmd.worker, cmd.timeout_ms, fetch))
        return tuple(activated)

    def complete(self, cmd: c.CompleteJob) -> None:
        p = self.p
        job = self._job(cmd.job_key, "complete", ("ACTIVATABLE", "ACTIVATED"))
        variables = _check_variables(cmd.variables)
        ei = p.state.element_instances[job.ei_key]
        p.jobs.remove(job, Intent.COMPLETED)
        ei.ref_key = -1
        if variables:
            p.variables.deliver(ei, p.element(ei), dict(variables))
        p.later(p.flow.complete, ei)

    def fail(self, cmd: c.FailJob) -> None:
        p = self.p
        job = self._job(cmd.job_key, "fail", ("ACTIVATED",))
        variables = _check_variables(cmd.variables)
        if cmd.retry_backoff_ms > 0:
            bounded_duration_ms(cmd.retry_backoff_ms, "retryBackOff")
        job.retries = cmd.retries
        job.error_message = cmd.error_message
        job.worker = ""
        job.deadline_ms = 0
        job.state = JobState.FAILED
        p.state.touch(job)
        p.record(
            ValueType.JOB,
            Intent.FAILED,
            job.key,
            job.pi_key,
            {
                "type": job.type,
                "retries": cmd.retries,
                "errorMessage": cmd.error_message,
                "retryBackoff": cmd.retry_backoff_ms,
            },
        )
        if variables:
            p.variables.set_local(job.ei_key, job.pi_key, dict(variables))
        if cmd.retries > 0:
            if cmd.retry_backoff_ms > 0:
                job.backoff_ms = p.now_ms + cmd.retry_backoff_ms
                p.state.schedule(job.backoff_ms, "job_backoff", job.key)
            else:
                p.jobs.make_activatable(job)
        else:
            p.incidents.raise_for(
                p.state.element_instances[job.ei_key],
                "JOB_NO_RETRIES",
                cmd.error_message or "No more retries left.",
                job,
            )

    def throw_error(self, cmd: c.ThrowError) -> None:
        p = self.p
        job = self._job(cmd.job_key, "throw an error for", ("ACTIVATABLE", "ACTIVATED"))
        variables = _check_variables(cmd.variables)
        ei = p.state.element_instances[job.ei_key]
        p.record(
            ValueType.JOB,
            Intent.ERROR_THROWN,
            job.key,
            job.pi_key,
            {"type": job.type, "errorCode": cmd.error_code, "errorMessage": cmd.error_message},
        )
        p.state.unlist_activatable(job)
        job.state = JobState.ERROR_THROWN
        job.error_message = cmd.error_message
        p.state.touch(job)
        if p.events.find_catch(ei, "error", cmd.error_code) is not None:
            p.state.drop(job)
            ei.ref_key = -1
            p.events.throw(ei, "error", cmd.error_code, dict(variables))
            return
        message = p.events.uncaught_error_message(ei, cmd.error_code, cmd.error_message)
        p.incidents.raise_for(ei, "UNHANDLED_ERROR_EVENT", message, job)

    def update_retries(self, cmd: c.UpdateJobRetries) -> None:
        p = self.p
        job = self._job(cmd.job_key, "update", ("ACTIVATABLE", "ACTIVATED", "FAILED", "ERROR_THROWN"))
        if cmd.retries < 1:
            raise InvalidArgument(  # JobUpdateBehaviour (Zeebe)
                f"Expected to update retries for job with key '{cmd.job_key}' with a positive amount of "
                f"retries, but the amount given was '{cmd.retries}'"
            )
        job.retries = cmd.retries
        p.state.touch(job)
        p.record(ValueType.JOB, Intent.RETRIES_UPDATED, job.key, job.pi_key, {"retries": cmd.retries})

    def update_timeout(self, cmd: c.UpdateJobTimeout) -> None:
        p = self.p
        # JobUpdateBehaviour / JobCommandPreconditionValidator (Zeebe)
        job = self.p.state.jobs.get(cmd.job_key)
        if job is None:
            raise NotFound(f"Expected to update job with key '{cmd.job_key}', but no such job was found")
        if job.state != "ACTIVATED":
            raise FailedPrecondition(
                f"Expected to update the timeout of job with key '{cmd.job_key}', but it is not active"
            )
        if cmd.timeout_ms < 1:
            raise InvalidArgument(f"Expected timeout to be >= 1, but was {cmd.timeout_ms}")
        bounded_duration_ms(cmd.timeout_ms, "timeout", 1)
        job.deadline_ms = p.now_ms + cmd.timeout_ms
        p.state.touch(job)
        p.state.schedule(job.deadline_ms, "job_deadline", job.key)
        p.record(ValueType.JOB, Intent.TIMEOUT_UPDATED, job.key, job.pi_key, {"deadline": job.deadline_ms})
