"""Variable scopes: input/output mappings, propagation to the nearest scope holding a name, local writes."""

from __future__ import annotations

from xietong.engine.commands import CompleteJob, SetVariables
from xietong.engine.testing import Harness, bpmn, chain, one_task, service_task

MAPPED = bpmn(
    one_task(
        "work",
        '<zeebe:ioMapping><zeebe:input source="=order.id" target="orderId"/>'
        '<zeebe:input source="=&quot;fixed&quot;" target="meta.kind"/>'
        '<zeebe:output source="=result * 2" target="doubled"/></zeebe:ioMapping>',
    )
)


def test_input_mappings_are_local_and_outputs_propagate(h: Harness) -> None:
    h.deploy(MAPPED)
    pi = h.start(variables={"order": {"id": "O-7"}})
    (job,) = h.jobs("work")
    assert job.variables["orderId"] == "O-7" and job.variables["meta"] == {"kind": "fixed"}
    h.engine.execute(CompleteJob(job.key, {"result": 21}))
    variables = h.variables(pi)
    assert variables == {"order": {"id": "O-7"}, "doubled": 42}


SUB = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub">'
    '<bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=1" target="inner"/></zeebe:ioMapping>'
    "</bpmn:extensionElements>"
    '<bpmn:startEvent id="ss"/>'
    + service_task("t", "work")
    + '<bpmn:endEvent id="se"/>'
    + chain("ss", "t", "se")
    + '</bpmn:subProcess><bpmn:endEvent id="e"/>'
    + chain("s", "sub", "e")
)


def test_job_variables_update_the_nearest_scope_with_the_name(h: Harness) -> None:
    h.deploy(SUB)
    pi = h.start(variables={"outer": 0})
    (job,) = h.jobs("work")
    h.engine.execute(CompleteJob(job.key, {"inner": 5, "outer": 9, "fresh": True}))
    assert h.variables(pi) == {"outer": 9, "fresh": True}


def test_set_variables_local_and_propagated(h: Harness) -> None:
    h.deploy(SUB)
    pi = h.start(variables={"outer": 0})
    (job,) = h.jobs("work")
    h.engine.execute(SetVariables(job.element_instance_key, {"outer": 1}))
    h.engine.execute(SetVariables(job.element_instance_key, {"mine": 2}, local=True))
    assert h.variables(pi) == {"outer": 1}
    assert h.engine.queries.variables(job.element_instance_key) == {"mine": 2}
    assert h.engine.queries.visible_variables(job.element_instance_key) == {"outer": 1, "inner": 1, "mine": 2}
