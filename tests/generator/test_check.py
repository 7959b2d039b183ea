"""`bpmn check`'s own rules: the task-type catalog contract and FEEL, each finding naming file and element."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from xietong.generator.check import check_contract, check_files
from xietong.generator.spec import ProcessSpec
from xietong.generator.writer import write_bpmn

Z = "{http://camunda.org/schema/zeebe/1.0}"


def _edited(spec: ProcessSpec, tmp_path: Path, edit: Callable[[etree._Element], None]) -> Path:
    root = etree.fromstring(write_bpmn(spec))
    edit(root)
    path = tmp_path / "edited.bpmn"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def _by_id(root: etree._Element, element_id: str) -> etree._Element:
    return root.xpath(f"//*[@id='{element_id}']")[0]


def _rules(path: Path) -> list[tuple[str | None, str]]:
    return [(f.element_id, f.rule) for f in check_contract(path) if f.severity == "error"]


def test_generated_model_has_no_findings(rich_spec: ProcessSpec, tmp_path: Path) -> None:
    path = _edited(rich_spec, tmp_path, lambda root: None)
    assert check_contract(path) == []


def test_unknown_job_type(rich_spec: ProcessSpec, tmp_path: Path) -> None:
    path = _edited(
        rich_spec,
        tmp_path,
        lambda r: _by_id(r, "Archive").find(f".//{Z}taskDefinition").set("type", "xietong.archiv"),
    )
    [finding] = [f for f in check_contract(path) if f.severity == "error"]
    assert (finding.element_id, finding.rule) == ("Archive", "xietong/unknown-task-type")
    assert "'xietong.archiv'" in finding.message and "line" in finding.message and finding.file == path


def test_missing_header_and_input(rich_spec: ProcessSpec, tmp_path: Path) -> None:
    def edit(root: etree._Element) -> None:
        task = _by_id(root, "Report")
        header = task.xpath(".//*[local-name()='header'][@key='toDepartment']")[0]
        header.getparent().remove(header)
        mapping = task.find(f".//{Z}ioMapping")
        mapping.getparent().remove(mapping)

    assert _rules(_edited(rich_spec, tmp_path, edit)) == [
        ("Report", "xietong/missing-header"),
        ("Report", "xietong/missing-input"),
    ]


def test_multi_instance_input_element_satisfies_a_required_input(
    rich_spec: ProcessSpec, tmp_path: Path
) -> None:
    def edit(root: etree._Element) -> None:
        joint = _by_id(root, "Joint")
        joint.tag = "{http://www.omg.org/spec/BPMN/20100524/MODEL}serviceTask"
        ext = joint.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}extensionElements")
        for child in list(ext):
            ext.remove(child)
        etree.SubElement(ext, f"{Z}taskDefinition", type="xietong.jointOrder")
        headers = etree.SubElement(ext, f"{Z}taskHeaders")
        for key in ("mechanismId", "stepId", "department", "leadDepartment"):
            etree.SubElement(headers, f"{Z}header", key=key, value="x")
        etree.SubElement(
            etree.SubElement(ext, f"{Z}ioMapping"), f"{Z}input", source="=caseId", target="caseId"
        )

    assert _rules(_edited(rich_spec, tmp_path, edit)) == []


def test_feel_that_does_not_parse_and_condition_without_equals(
    rich_spec: ProcessSpec, tmp_path: Path
) -> None:
    def edit(root: etree._Element) -> None:
        conditions = root.xpath("//*[local-name()='conditionExpression']")
        conditions[0].text = '=outcome = = "local"'
        conditions[1].text = 'outcome = "report"'

    rules = _rules(_edited(rich_spec, tmp_path, edit))
    assert ("Flow_Gw_Local", "xietong/feel-syntax") in rules
    assert ("Flow_Gw_Report", "xietong/condition-not-feel") in rules


def test_unreadable_file_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "broken.bpmn"
    path.write_text("<definitions", encoding="utf-8")
    [finding] = check_contract(path)
    assert finding.rule == "xietong/parse" and finding.severity == "error"


@pytest.mark.node
def test_check_files_adds_the_linters(rich_spec: ProcessSpec, tmp_path: Path) -> None:
    def edit(root: etree._Element) -> None:
        flow = _by_id(root, "Flow_Local_End")
        flow.getparent().remove(flow)

    findings = check_files([_edited(rich_spec, tmp_path, edit)])
    assert any(f.severity == "error" and not f.rule.startswith("xietong/") for f in findings)


def test_hand_edited_generated_file_is_a_warning(rich_spec: ProcessSpec, tmp_path: Path) -> None:
    path = _edited(rich_spec, tmp_path, lambda r: _by_id(r, "Local").set("name", "现场处置（改）"))
    [finding] = check_contract(path)
    assert (finding.element_id, finding.rule, finding.severity) == (
        "Process_sample",
        "xietong/hand-edited",
        "warning",
    )
