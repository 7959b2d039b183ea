"""Incidents on elements: a failing mapping stops the element where it failed; resolving retries that step."""

from __future__ import annotations

import pytest

from xietong.engine.commands import CompleteJob, ResolveIncident, SetVariables
from xietong.engine.errors import NotFound
from xietong.engine.testing import Harness, bpmn, one_task

DAY = 'source="=assert(date(when), date(when) != null)" target="day"'

OUTPUT_FAILS = bpmn(one_task("work", f"<zeebe:ioMapping><zeebe:output {DAY}/></zeebe:ioMapping>"))

INPUT_FAILS = bpmn(one_task("work", f"<zeebe:ioMapping><zeebe:input {DAY}/></zeebe:ioMapping>"))


def test_failing_output_mapping_is_retried_after_resolution(h: Harness) -> None:
    h.deploy(OUTPUT_FAILS)
    pi = h.start()
    (job,) = h.jobs("work")
    h.engine.execute(CompleteJob(job.key, {"when": "not a date"}))
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi, state="ACTIVE")
    assert incident.error_type == "IO_MAPPING_ERROR" and incident.element_id == "t"
    # the job's variables are locals of the task (it has output mappings): fix them there
    h.engine.execute(SetVariables(job.element_instance_key, {"when": "2025-03-03"}, local=True))
    h.engine.execute(ResolveIncident(incident.incident_key))
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["day"] == "2025-03-03"
    with pytest.raises(NotFound, match="but no such incident was found"):  # Zeebe: resolved = gone
        h.engine.execute(ResolveIncident(incident.incident_key))
    with pytest.raises(NotFound):
        h.engine.execute(ResolveIncident(1))


def test_failing_input_mapping_creates_no_job_until_resolved(h: Harness) -> None:
    h.deploy(INPUT_FAILS)
    pi = h.start(variables={"when": 5})
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert h.jobs("work") == ()
    h.engine.execute(SetVariables(pi, {"when": "2025-03-04"}))
    h.engine.execute(ResolveIncident(incident.incident_key))
    (job,) = h.jobs("work", fetch=("day",))
    assert job.variables == {"day": "2025-03-04"}
