"""Exclusive (conditions, default, incident when nothing matches), parallel and inclusive gateways."""

from __future__ import annotations

from xietong.engine.commands import ResolveIncident, SetVariables
from xietong.engine.testing import Harness, bpmn, chain, flow, service_task

EXCLUSIVE = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="to_low"/>'
    + service_task("high", "high")
    + service_task("low", "low")
    + '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
    + flow("s", "g")
    + flow("g", "high", "= amount &gt; 100")
    + flow("g", "low", flow_id="to_low")
    + chain("high", "e1")
    + chain("low", "e2")
)

NO_DEFAULT = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/>'
    + service_task("high", "high")
    + '<bpmn:endEvent id="e"/>'
    + flow("s", "g")
    + flow("g", "high", "= amount &gt; 100")
    + chain("high", "e")
)


def test_exclusive_takes_first_true_condition_else_default(h: Harness) -> None:
    h.deploy(EXCLUSIVE)
    big = h.start(variables={"amount": 500})
    small = h.start(variables={"amount": 5})
    assert h.active_elements(big) == ["high"]
    assert h.active_elements(small) == ["low"]


def test_exclusive_without_match_raises_incident_resolved_after_fixing_variables(h: Harness) -> None:
    h.deploy(NO_DEFAULT)
    pi = h.start(variables={"amount": 1})
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_type == "CONDITION_ERROR" and incident.element_id == "g"
    h.engine.execute(SetVariables(pi, {"amount": 1000}))
    h.engine.execute(ResolveIncident(incident.incident_key))
    assert h.active_elements(pi) == ["high"]


PARALLEL = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>'
    + service_task("a", "a")
    + service_task("b", "b")
    + service_task("after", "after")
    + '<bpmn:endEvent id="e"/>'
    + flow("s", "fork")
    + flow("fork", "a")
    + flow("fork", "b")
    + flow("a", "join")
    + flow("b", "join")
    + chain("join", "after", "e")
)


def test_parallel_fork_and_join(h: Harness) -> None:
    h.deploy(PARALLEL)
    pi = h.start()
    assert sorted(h.active_elements(pi)) == ["a", "b"]
    h.complete("a", {"x": 1})
    assert h.active_elements(pi) == ["b"]
    assert h.jobs("after") == ()
    h.complete("b", {"y": 2})
    assert h.active_elements(pi) == ["after"]
    h.complete("after")
    assert h.state(pi) == "COMPLETED" and h.variables(pi) == {"x": 1, "y": 2}


INCLUSIVE = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:inclusiveGateway id="fork" default="to_c"/>'
    '<bpmn:inclusiveGateway id="join"/>'
    + service_task("a", "a")
    + service_task("b", "b")
    + service_task("c", "c")
    + '<bpmn:endEvent id="e"/>'
    + flow("s", "fork")
    + flow("fork", "a", "= wantA")
    + flow("fork", "b", "= wantB")
    + flow("fork", "c", flow_id="to_c")
    + flow("a", "join")
    + flow("b", "join")
    + flow("c", "join")
    + chain("join", "e")
)


def test_inclusive_forks_every_true_branch_and_joins_them(h: Harness) -> None:
    h.deploy(INCLUSIVE)
    both = h.start(variables={"wantA": True, "wantB": True})
    assert sorted(h.active_elements(both)) == ["a", "b"]
    h.complete("a")
    assert h.state(both) == "ACTIVE"
    h.complete("b")
    assert h.state(both) == "COMPLETED"
    one = h.start(variables={"wantA": True, "wantB": False})
    assert h.active_elements(one) == ["a"]
    h.complete("a")
    assert h.state(one) == "COMPLETED"
    neither = h.start(variables={"wantA": False, "wantB": False})
    assert h.active_elements(neither) == ["c"]


def test_a_null_condition_is_an_incident_like_zeebe(h: Harness) -> None:
    h.deploy(EXCLUSIVE)
    pi = h.start()  # no 'amount': the condition evaluates to null
    (incident,) = h.engine.queries.search_incidents(process_instance_key=pi)
    assert incident.error_type == "EXTRACT_VALUE_ERROR"
    assert "Expected result of the expression 'amount > 100' to be 'BOOLEAN', but was 'NULL'." in (
        incident.error_message
    )
