"""The engine's names: every BPMN flow node the parser accepts has an element processor, and the
StrEnums for states and record intents store and read back as the plain strings already on disk."""

from __future__ import annotations

from xietong import bpmn_vocabulary
from xietong.engine.engine import Engine
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model.parser import FLOW_NODES, UNSUPPORTED
from xietong.engine.state.entities import Job, JobState
from xietong.engine.testing import Harness, bpmn, one_task


def test_every_accepted_flow_node_has_an_element_processor(engine: Engine) -> None:
    processors = engine._processor.elements if engine._processor else {}
    assert processors, "the engine should have started its processor"
    assert FLOW_NODES, "the parser accepts some flow nodes"
    missing = sorted(kind for kind in FLOW_NODES if kind not in processors)
    assert missing == [], f"flow nodes the parser accepts but no processor runs: {missing}"
    # what BPMN defines is either run or refused with a reason, never silently ignored
    assert not bpmn_vocabulary.FLOW_NODES - FLOW_NODES - set(UNSUPPORTED)


def test_a_state_enum_is_stored_as_its_string_and_read_back_equal() -> None:
    job = Job(
        key=1, type="t", state=JobState.ACTIVATED, retries=3, ei_key=2, pi_key=3, def_key=4,
        element_id="e", bpmn_process_id="p", version=1, headers={}, tenant_id="<default>",
    )
    row = job.to_row()
    assert '"ACTIVATED"' in row  # the same text a row written before the enums holds
    loaded = Job.from_row(row)
    assert loaded.state == JobState.ACTIVATED
    assert loaded.state == "ACTIVATED"


def test_records_carry_zeebe_value_types_and_intents(h: Harness) -> None:
    h.deploy(bpmn(one_task("work")))
    pi = h.start()
    records = {(r.value_type, r.intent) for r in h.engine.queries.records(pi)}
    assert (ValueType.PROCESS_INSTANCE, Intent.ELEMENT_ACTIVATED) in records
    assert (ValueType.JOB, Intent.CREATED) in records
    assert ("PROCESS_INSTANCE", "SEQUENCE_FLOW_TAKEN") in records  # equal to the plain strings
