"""The lxml writer: Zeebe 8.8 flavour, determinism, DI for everything, and spec validation errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from xietong.generator.di_check import find_di_problems
from xietong.generator.spec import Flow, NodeKind, ProcessSpec
from xietong.generator.writer import write_bpmn

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "modeler": "http://camunda.org/schema/modeler/1.0",
}


def _tree(spec: ProcessSpec) -> etree._Element:
    return etree.fromstring(write_bpmn(spec))


def one(root: etree._Element, xpath: str) -> etree._Element:
    [el] = root.xpath(xpath, namespaces=NS)
    return el


def test_output_is_deterministic(spec_factory: Callable[[], ProcessSpec]) -> None:
    assert write_bpmn(spec_factory()) == write_bpmn(spec_factory())


def test_definitions_declare_camunda_8_8(rich_spec: ProcessSpec) -> None:
    root = _tree(rich_spec)
    assert root.get(f"{{{NS['modeler']}}}executionPlatform") == "Camunda Cloud"
    assert root.get(f"{{{NS['modeler']}}}executionPlatformVersion") == "8.8.0"
    assert one(root, "//bpmn:participant").get("processRef") == "Process_sample"


def test_service_task_has_type_headers_and_inputs(rich_spec: ProcessSpec) -> None:
    task = one(_tree(rich_spec), "//bpmn:serviceTask[@id='Triage']")
    assert one(task, ".//zeebe:taskDefinition").get("type") == "xietong.triage"
    headers = {h.get("key"): h.get("value") for h in task.xpath(".//zeebe:header", namespaces=NS)}
    assert headers["mechanismId"] == "sample" and headers["department"] == "发改局"
    assert one(task, ".//zeebe:input").attrib == {"source": "=caseId", "target": "caseId"}


def test_user_task_is_a_camunda_user_task_with_candidate_groups(rich_spec: ProcessSpec) -> None:
    task = one(_tree(rich_spec), "//bpmn:userTask[@id='Local']")
    assert task.xpath("./bpmn:extensionElements/zeebe:userTask", namespaces=NS)
    assert one(task, ".//zeebe:assignmentDefinition").get("candidateGroups") == "镇（街道、区）"
    assert one(task, ".//zeebe:formDefinition").get("externalReference") == "xietong:task:Local"


def test_conditions_are_feel_with_leading_equals(rich_spec: ProcessSpec) -> None:
    conditions = _tree(rich_spec).xpath("//bpmn:conditionExpression/text()", namespaces=NS)
    assert conditions == ['=outcome = "local"', '=outcome = "report"']


def test_boundary_timer_is_non_interrupting_date(rich_spec: ProcessSpec) -> None:
    timer = one(_tree(rich_spec), "//bpmn:boundaryEvent[@id='S_timer']")
    assert timer.get("cancelActivity") == "false" and timer.get("attachedToRef") == "S_work"
    assert one(timer, ".//bpmn:timeDate").text == "=orderDue"


def test_escalation_thrown_inside_is_caught_on_the_sub_process(rich_spec: ProcessSpec) -> None:
    root = _tree(rich_spec)
    throw = one(root, "//bpmn:subProcess[@id='Sub']/bpmn:intermediateThrowEvent")
    assert one(throw, "./bpmn:escalationEventDefinition").get("escalationRef") == "Esc_overdue"
    catch = one(root, "//bpmn:boundaryEvent[@attachedToRef='Sub']")
    assert one(catch, "./bpmn:escalationEventDefinition").get("escalationRef") == "Esc_overdue"
    assert one(root, "//bpmn:escalation").get("escalationCode") == "overdue"


def test_message_and_multi_instance(rich_spec: ProcessSpec) -> None:
    root = _tree(rich_spec)
    subscription = one(root, "//bpmn:message/bpmn:extensionElements/zeebe:subscription")
    assert subscription.get("correlationKey") == "=caseId"
    loop = one(root, "//bpmn:userTask[@id='Joint']//zeebe:loopCharacteristics")
    assert loop.get("inputCollection") == "=collaborators" and loop.get("inputElement") == "collaborator"


def test_documentation_quotes_the_source_with_line(rich_spec: ProcessSpec) -> None:
    doc = one(_tree(rich_spec), "//bpmn:startEvent[@id='Start']/bpmn:documentation").text
    assert "巡线员" in doc and "000_67b50267f15355c8.txt 第70–71行" in doc


def test_every_element_has_di_and_nothing_overlaps(rich_spec: ProcessSpec) -> None:
    xml = write_bpmn(rich_spec)
    root = etree.fromstring(xml)
    drawn = set(root.xpath("//bpmndi:BPMNShape/@bpmnElement | //bpmndi:BPMNEdge/@bpmnElement", namespaces=NS))
    ids = set(
        root.xpath(
            "//bpmn:process//*[self::bpmn:lane or self::bpmn:sequenceFlow or self::bpmn:boundaryEvent or "
            "self::bpmn:serviceTask or self::bpmn:userTask or self::bpmn:startEvent or "
            "self::bpmn:endEvent or "
            "self::bpmn:exclusiveGateway or self::bpmn:subProcess or self::bpmn:intermediateCatchEvent or "
            "self::bpmn:intermediateThrowEvent]/@id",
            namespaces=NS,
        )
    )
    assert ids and ids <= drawn
    assert find_di_problems(xml) == []


def test_validate_names_the_element_of_a_condition_without_equals(rich_spec: ProcessSpec) -> None:
    rich_spec.body.flows.append(Flow("Flow_bad", "Gw", "End", condition='outcome = "x"'))
    with pytest.raises(ValueError, match=r"Flow_bad.*leading '='"):
        write_bpmn(rich_spec)


def test_validate_rejects_flow_across_scopes(rich_spec: ProcessSpec) -> None:
    rich_spec.body.connect("Gw", "S_work")
    with pytest.raises(ValueError, match="S_work, not in the same scope"):
        write_bpmn(rich_spec)


def test_validate_rejects_unknown_lane(rich_spec: ProcessSpec) -> None:
    rich_spec.body.nodes[0].lane = "nowhere"
    with pytest.raises(ValueError, match="Start has unknown lane 'nowhere'"):
        write_bpmn(rich_spec)


def test_service_task_without_type_is_rejected(rich_spec: ProcessSpec) -> None:
    next(n for n in rich_spec.body.nodes if n.kind is NodeKind.SERVICE_TASK).task_type = None
    with pytest.raises(ValueError, match="Triage has no task type"):
        write_bpmn(rich_spec)


@pytest.mark.node
def test_rich_spec_passes_the_linters(rich_spec: ProcessSpec, tmp_path: Path) -> None:
    from xietong.generator.lint import lint_files

    path = tmp_path / "sample.bpmn"
    path.write_bytes(write_bpmn(rich_spec))
    findings = lint_files([path])
    assert [str(f) for f in findings] == []
