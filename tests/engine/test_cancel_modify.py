"""Cancel and modify process instances."""

from __future__ import annotations

import pytest

from xietong.engine.commands import ActivateElement, CancelProcessInstance, CompleteJob, ModifyProcessInstance
from xietong.engine.errors import InvalidArgument, NotFound
from xietong.engine.testing import Harness, bpmn, service_chain

TWO = bpmn(service_chain("a", "b"))


def test_cancel_terminates_everything(h: Harness) -> None:
    h.deploy(TWO)
    pi = h.start()
    h.engine.execute(CancelProcessInstance(pi))
    assert h.state(pi) == "TERMINATED" and h.jobs("a") == ()
    with pytest.raises(NotFound):
        h.engine.execute(CancelProcessInstance(pi))


def test_modify_moves_the_token(h: Harness) -> None:
    h.deploy(TWO)
    pi = h.start()
    (job,) = h.jobs("a")
    h.engine.execute(
        ModifyProcessInstance(
            pi,
            activate=(ActivateElement("b", variables=(("b", {"x": 1}),)),),
            terminate=(job.element_instance_key,),
        )
    )
    assert h.active_elements(pi) == ["b"]
    (b,) = h.jobs("b", fetch=("x",))
    assert b.variables == {"x": 1}
    h.engine.execute(CompleteJob(b.key))
    assert h.state(pi) == "COMPLETED"


def test_terminating_the_last_element_ends_the_instance(h: Harness) -> None:
    h.deploy(TWO)
    pi = h.start()
    (job,) = h.jobs("a")
    h.engine.execute(ModifyProcessInstance(pi, terminate=(job.element_instance_key,)))
    assert h.state(pi) == "TERMINATED"


def test_modify_rejects_unknown_elements(h: Harness) -> None:
    h.deploy(TWO)
    pi = h.start()
    with pytest.raises(InvalidArgument, match="'nope'"):
        h.engine.execute(ModifyProcessInstance(pi, activate=(ActivateElement("nope"),)))
    assert h.active_elements(pi) == ["a"]


def test_start_instructions_begin_at_the_given_elements(h: Harness) -> None:
    from xietong.engine.commands import CreateProcessInstance

    h.deploy(TWO)
    created = h.engine.execute(CreateProcessInstance(bpmn_process_id="p", start_instructions=("b",)))
    assert h.active_elements(created.process_instance_key) == ["b"]
    assert h.jobs("a") == ()
    with pytest.raises(InvalidArgument, match="'ghost'"):
        h.engine.execute(CreateProcessInstance(bpmn_process_id="p", start_instructions=("ghost",)))
