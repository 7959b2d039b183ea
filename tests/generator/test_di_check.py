"""DI layout checks on hand-made models: tidy ones pass, each defect is named with its element."""

from __future__ import annotations

from pathlib import Path

import pytest

from xietong.generator.di_check import di_problems, find_di_problems, find_layout_warnings

FIXTURES = Path(__file__).parent / "fixtures" / "lint"


def _xml(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _rules(xml: str) -> set[tuple[str, str]]:
    return {(p.element_id, p.rule) for p in di_problems(xml.encode("utf-8"))}


@pytest.mark.parametrize("name", ["valid-full.bpmn", "valid-minimal.bpmn", "valid-escalation.bpmn"])
def test_tidy_models_have_no_problems(name: str) -> None:
    """Includes boundary events on their hosts and children inside an expanded sub-process."""
    assert find_di_problems(_xml(name).encode("utf-8")) == []
    assert find_layout_warnings(_xml(name).encode("utf-8"), strict=True) == []


def test_missing_edge() -> None:
    xml = _xml("valid-full.bpmn")
    start = xml.index('<bpmndi:BPMNEdge id="Flow_end_di"')
    end = xml.index("</bpmndi:BPMNEdge>", start) + len("</bpmndi:BPMNEdge>")
    assert _rules(xml[:start] + xml[end:]) == {("Flow_end", "di-missing-edge")}


def test_missing_lane_shape() -> None:
    xml = _xml("valid-full.bpmn").replace('bpmnElement="Lane_dept"', 'bpmnElement="Lane_gone"')
    assert ("Lane_dept", "di-missing-shape") in _rules(xml)


def test_missing_boundary_event_shape() -> None:
    xml = _xml("valid-full.bpmn").replace('bpmnElement="Boundary_normal_timer"', 'bpmnElement="Nothing"')
    assert ("Boundary_normal_timer", "di-missing-shape") in _rules(xml)


def test_overlapping_flow_nodes() -> None:
    # the feedback catch event drawn on top of the join gateway
    xml = _xml("valid-full.bpmn").replace(
        '<dc:Bounds x="832" y="412" width="36" height="36" />',
        '<dc:Bounds x="740" y="412" width="36" height="36" />',
    )
    problems = di_problems(xml.encode("utf-8"))
    overlap = [p for p in problems if p.rule == "di-overlap"]
    assert [(p.element_id, "Gateway_join" in p.message) for p in overlap] == [("Catch_feedback", True)]


def test_boundary_event_off_its_host() -> None:
    xml = _xml("valid-full.bpmn").replace(
        '<dc:Bounds x="632" y="312" width="36" height="36" />',
        '<dc:Bounds x="632" y="250" width="36" height="36" />',
    )
    assert ("Boundary_urgent_timer", "di-boundary-off-host") in _rules(xml)


def test_boundary_event_may_overlap_its_host_only() -> None:
    timer_event = (
        '    <bpmn:boundaryEvent id="T" attachedToRef="Task_check"><bpmn:timerEventDefinition />'
        "</bpmn:boundaryEvent>\n"
    )
    timer_shape = (
        '<bpmndi:BPMNShape id="T_di" bpmnElement="T"><dc:Bounds x="322" y="102" width="36" height="36" />'
        "</bpmndi:BPMNShape>"
    )
    xml = (
        _xml("valid-minimal.bpmn")
        .replace('    <bpmn:endEvent id="End_done"', timer_event + '    <bpmn:endEvent id="End_done"')
        .replace("</bpmndi:BPMNPlane>", timer_shape + "</bpmndi:BPMNPlane>")
    )
    assert _rules(xml) == set()  # on the right border of Task_check (240..340), clear of the gateway
    moved = xml.replace('x="322" y="102" width="36"', 'x="380" y="102" width="36"')  # onto Gateway_ok
    problems = di_problems(moved.encode())
    assert ("T", "di-boundary-off-host") in {(p.element_id, p.rule) for p in problems}
    assert [(p.element_id, p.rule, "T " in p.message) for p in problems if p.rule == "di-overlap"] == [
        ("Gateway_ok", "di-overlap", True)
    ]


def test_node_outside_its_lane() -> None:
    xml = _xml("valid-full.bpmn").replace(
        '<dc:Bounds x="700" y="145" width="100" height="80" />',
        '<dc:Bounds x="950" y="320" width="100" height="80" />',
    )
    assert ("Task_remind", "di-outside-lane") in _rules(xml)


def test_child_outside_expanded_sub_process() -> None:
    xml = _xml("valid-escalation.bpmn").replace(
        '<dc:Bounds x="552" y="182" width="36" height="36" />',
        '<dc:Bounds x="552" y="482" width="36" height="36" />',
    )
    assert ("Sub_end", "di-outside-sub-process") in _rules(xml)


def test_edge_detached_from_source_and_target() -> None:
    xml = _xml("valid-minimal.bpmn").replace(
        '<di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" />',
        '<di:waypoint x="150" y="40" /><di:waypoint x="260" y="40" />',
    )
    problems = [p for p in di_problems(xml.encode()) if p.rule == "di-edge-detached"]
    assert [(p.element_id, p.message.split(" ")[0]) for p in problems] == [
        ("Flow_1", "starts"),
        ("Flow_1", "ends"),
    ]


def test_messages_name_element_and_rule() -> None:
    xml = _xml("valid-full.bpmn").replace('bpmnElement="Task_normal"', 'bpmnElement="X"')
    assert "Task_normal: <userTask> has no BPMNShape [di-missing-shape]" in find_di_problems(xml.encode())


def _warnings(xml: str) -> set[tuple[str, str]]:
    problems = di_problems(xml.encode("utf-8"), strict=True)
    return {(p.element_id, p.rule) for p in problems if p.severity == "warning"}


def test_edge_through_another_shape_is_a_warning() -> None:
    # Flow_no leaves the gateway downwards; routed instead straight right through Task_handle to End_rejected
    xml = _xml("valid-minimal.bpmn").replace(
        '<di:waypoint x="420" y="145" /><di:waypoint x="420" y="230" /><di:waypoint x="502" y="230" />',
        '<di:waypoint x="445" y="120" /><di:waypoint x="640" y="120" /><di:waypoint x="640" y="230" />'
        '<di:waypoint x="538" y="230" />',
    )
    assert find_di_problems(xml.encode()) == []
    # on its way it also runs on top of Flow_3 (y=120, from 600 to 640)
    assert _warnings(xml) == {("Flow_no", "di-edge-crosses-shape"), ("Flow_3", "di-edges-overlap")}
    assert "drawn through Task_handle" in find_layout_warnings(xml.encode())[0]


def test_diagonal_edge_is_a_warning() -> None:
    xml = _xml("valid-minimal.bpmn").replace(
        '<di:waypoint x="420" y="145" /><di:waypoint x="420" y="230" /><di:waypoint x="502" y="230" />',
        '<di:waypoint x="420" y="145" /><di:waypoint x="502" y="230" />',
    )
    assert _warnings(xml) == {("Flow_no", "di-edge-not-orthogonal")}


def test_flows_inside_a_sub_process_and_from_boundary_events_are_not_crossings() -> None:
    """valid-escalation routes flows inside its sub-process and out of boundary events: no warning."""
    assert _warnings(_xml("valid-escalation.bpmn")) == set()


def test_label_covering_a_shape_or_another_label_is_a_warning() -> None:
    xml = _xml("valid-full.bpmn")
    over_task = xml.replace(
        '<dc:Bounds x="174" y="210" width="48" height="14" />',
        '<dc:Bounds x="260" y="180" width="48" height="14" />',
    )
    # moved onto Task_register, where Flow_start also runs into it
    assert _warnings(over_task) == {
        ("StartEvent_1", "di-label-overlap"),
        ("Flow_start", "di-edge-crosses-label"),
    }
    over_label = xml.replace(
        '<dc:Bounds x="938" y="455" width="24" height="14" />',
        '<dc:Bounds x="860" y="458" width="24" height="14" />',
    )
    assert _warnings(over_label) == {("Catch_feedback", "di-label-overlap")}


def test_flow_through_a_label_is_a_warning() -> None:
    # the gateway's question moved onto the gateway's own outgoing flow to Task_urgent
    xml = _xml("valid-full.bpmn").replace(
        '<dc:Bounds x="420" y="130" width="60" height="14" />',
        '<dc:Bounds x="480" y="250" width="60" height="14" />',
    )
    assert _warnings(xml) == {("Flow_urgent", "di-edge-crosses-label")}
    [line] = find_layout_warnings(xml.encode(), strict=True)
    assert "drawn through the label of Gateway_urgent" in line
    assert find_layout_warnings(xml.encode()) == []  # opt-in for now


def test_unrelated_flows_on_top_of_each_other_are_a_warning() -> None:
    # Flow_normal re-routed up the x=500 line that Flow_urgent already uses, then over to Task_normal
    xml = _xml("valid-full.bpmn").replace(
        '<di:waypoint x="450" y="210" /><di:waypoint x="450" y="490" /><di:waypoint x="550" y="490" />',
        '<di:waypoint x="450" y="210" /><di:waypoint x="450" y="230" /><di:waypoint x="500" y="230" />'
        '<di:waypoint x="500" y="490" /><di:waypoint x="550" y="490" />',
    )
    # same source (the gateway's split): allowed
    assert _warnings(xml) == set()
    # an unrelated flow on that line is not: Flow_remind drawn down x=500 from the timer's level
    unrelated = _xml("valid-full.bpmn").replace(
        '<di:waypoint x="650" y="312" /><di:waypoint x="650" y="185" /><di:waypoint x="700" y="185" />',
        '<di:waypoint x="650" y="312" /><di:waypoint x="650" y="300" /><di:waypoint x="500" y="300" />'
        '<di:waypoint x="500" y="200" /><di:waypoint x="680" y="200" /><di:waypoint x="680" y="185" />'
        '<di:waypoint x="700" y="185" />',
    )
    assert _warnings(unrelated) == {("Flow_remind", "di-edges-overlap")}
    assert (
        "runs on top of Flow_urgent for 100 units" in find_layout_warnings(unrelated.encode(), strict=True)[0]
    )
    assert find_layout_warnings(unrelated.encode()) == find_layout_warnings(unrelated.encode(), strict=True)


def test_label_sticking_out_of_the_pool_is_a_warning() -> None:
    # the gateway's question moved above the pool's top border (y=60)
    xml = _xml("valid-full.bpmn").replace(
        '<dc:Bounds x="420" y="130" width="60" height="14" />',
        '<dc:Bounds x="420" y="50" width="60" height="14" />',
    )
    assert _warnings(xml) == {("Gateway_urgent", "di-label-outside-pool")}
