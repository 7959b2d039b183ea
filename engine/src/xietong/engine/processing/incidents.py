"""Incidents: a problem an operator must fix; resolving one retries what failed.

An element incident remembers nothing but the element instance: its state (ACTIVATING or
COMPLETING) says which step to retry. A job incident makes the job activatable again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xietong.engine import commands as c
from xietong.engine.intents import Intent, ValueType
from xietong.engine.state.entities import ElementInstance, Incident, IncidentState, Job

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


class IncidentBehavior:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def raise_for(self, ei: ElementInstance, error_type: str, message: str, job: Job | None = None) -> None:
        p = self.p
        summary = p.state.instances.get(ei.pi_key)
        incident = Incident(
            key=p.keys.next(),
            error_type=error_type,
            error_message=message,
            state=IncidentState.ACTIVE,
            ei_key=ei.key,
            pi_key=ei.pi_key,
            job_key=job.key if job else -1,
            element_id=ei.element_id,
            bpmn_process_id=summary.bpmn_process_id if summary else "",
            def_key=ei.def_key,
            created_ms=p.now_ms,
            tenant_id=summary.tenant_id if summary else c.DEFAULT_TENANT,
        )
        p.state.add_incident(incident)
        p.record(
            ValueType.INCIDENT,
            Intent.CREATED,
            incident.key,
            ei.pi_key,
            {
                "errorType": error_type,
                "errorMessage": message,
                "elementId": ei.element_id,
                "elementInstanceKey": ei.key,
                "jobKey": incident.job_key,
            },
        )

    def resolve_all(self, ei: ElementInstance) -> None:
        """An element that leaves (terminated) takes its incidents with it."""
        p = self.p
        for key in list(p.state.incidents_by_ei.get(ei.key, ())):
            self._mark_resolved(p.state.incidents[key])

    def _mark_resolved(self, incident: Incident) -> None:
        self.p.state.resolve_incident(incident)
        self.p.record(
            ValueType.INCIDENT,
            Intent.RESOLVED,
            incident.key,
            incident.pi_key,
            {"elementId": incident.element_id},
        )

    def resolve(self, incident: Incident) -> None:
        """Resolved by a client: its job becomes activatable again, or its element continues."""
        p = self.p
        self._mark_resolved(incident)
        if incident.job_key != -1:
            job = p.state.jobs.get(incident.job_key)
            if job is None:
                return
            if job.state == "ERROR_THROWN" or job.retries > 0:
                p.jobs.make_activatable(job)
            else:
                self.raise_for(
                    p.state.element_instances[job.ei_key],
                    "JOB_NO_RETRIES",
                    job.error_message or "No more retries left.",
                    job,
                )
            return
        ei = p.state.element_instances.get(incident.ei_key)
        if ei is None:
            return
        if ei.state == "ACTIVATING":
            p.later(p.flow.activate, ei)
        elif ei.state == "COMPLETING":
            p.later(p.flow.complete, ei)
