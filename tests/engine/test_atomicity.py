"""A command either takes full effect or none: rejections change nothing, and even a processing bug
mid-command leaves no half-created instance behind while the rest of the batch commits."""

from __future__ import annotations

from typing import Any

import pytest

from xietong.engine.commands import CreateProcessInstance
from xietong.engine.errors import EngineError
from xietong.engine.processing.elements.tasks import JobWorkerTaskProcessor
from xietong.engine.testing import Harness, bpmn, chain, service_task

MODEL = bpmn(
    '<bpmn:startEvent id="s"/>' + service_task("a", "a") + '<bpmn:endEvent id="e"/>' + chain("s", "a", "e")
)


def test_a_bug_mid_command_discards_only_that_command(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h.deploy(MODEL)
    original = JobWorkerTaskProcessor.on_activate

    def flaky(self: JobWorkerTaskProcessor, ei: Any, element: Any) -> None:
        if self.p.variables.view(ei.key).get("explode"):
            raise RuntimeError("simulated bug")
        original(self, ei, element)

    monkeypatch.setattr(JobWorkerTaskProcessor, "on_activate", flaky)
    good = h.engine.submit(CreateProcessInstance(bpmn_process_id="p", variables={"n": 1}))
    bad = h.engine.submit(CreateProcessInstance(bpmn_process_id="p", variables={"explode": True}))
    after = h.engine.submit(CreateProcessInstance(bpmn_process_id="p", variables={"n": 2}))
    with pytest.raises(EngineError, match="simulated bug"):
        bad.result(timeout=10)
    keys = {good.result(timeout=10).process_instance_key, after.result(timeout=10).process_instance_key}
    instances = h.engine.queries.search_process_instances()
    assert {i.process_instance_key for i in instances} == keys
    assert len(h.jobs("a")) == 2


@pytest.mark.parametrize("bad", [{1, 2}, float("nan"), b"bytes", object()])
def test_variables_must_be_json_values(h: Harness, bad: object) -> None:
    from xietong.engine.commands import SetVariables
    from xietong.engine.errors import InvalidArgument

    h.deploy(MODEL)
    pi = h.start()
    with pytest.raises(InvalidArgument, match="JSON document"):
        h.engine.execute(SetVariables(pi, {"x": {"nested": [bad]}}))
    with pytest.raises(InvalidArgument, match="JSON document"):
        h.engine.execute(CreateProcessInstance(bpmn_process_id="p", variables={"x": bad}))
    assert h.variables(pi) == {}
    h.engine.execute(SetVariables(pi, {"ok": [1, 2.5, None, True, {"a": "b"}]}))
    assert h.variables(pi) == {"ok": [1, 2.5, None, True, {"a": "b"}]}


def test_a_model_looping_without_waiting_is_stopped_and_discarded(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xietong.engine.processing.processor import Processor

    looping = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:task id="again"/>'
        + chain("s", "g", "again")
        + '<bpmn:sequenceFlow id="back" sourceRef="again" targetRef="g"/>',
        process_id="loop",
    )
    h.deploy(looping)
    original = Processor.drain
    monkeypatch.setattr(Processor, "drain", lambda self, limit=2_000: original(self, limit))
    with pytest.raises(EngineError, match="without reaching a wait state"):
        h.engine.execute(CreateProcessInstance(bpmn_process_id="loop"))
    assert h.engine.queries.search_process_instances() == []
