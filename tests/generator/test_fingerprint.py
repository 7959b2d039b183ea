"""Fingerprints survive re-serialisation (Modeler's save) but catch real edits, element by element."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from xietong.generator.fingerprint import compare, element_hashes, fingerprint_of, stored_fingerprint
from xietong.generator.spec import ProcessSpec
from xietong.generator.writer import write_bpmn
from xietong.settings import PROJECT_ROOT


def test_stored_fingerprint_matches_content(rich_spec: ProcessSpec) -> None:
    root = etree.fromstring(write_bpmn(rich_spec))
    assert stored_fingerprint(root) == fingerprint_of(root)


def test_reformatting_is_not_an_edit(rich_spec: ProcessSpec) -> None:
    root = etree.fromstring(write_bpmn(rich_spec))
    flat = etree.fromstring(etree.tostring(root, pretty_print=False))
    for el in flat.iter():
        if isinstance(el.tag, str) and el.text and not el.text.strip():
            el.text = None
    assert element_hashes(flat) == element_hashes(root)


def test_renaming_a_task_changes_only_that_element(rich_spec: ProcessSpec) -> None:
    root = etree.fromstring(write_bpmn(rich_spec))
    before = element_hashes(root)
    root.xpath("//*[@id='Local']")[0].set("name", "现场快速处置")
    changes = compare(before, element_hashes(root))
    assert changes.changed == ["Local"] and not changes.added and not changes.removed
    assert stored_fingerprint(root) != fingerprint_of(root)


def test_moving_a_shape_is_an_edit_of_that_element(rich_spec: ProcessSpec) -> None:
    root = etree.fromstring(write_bpmn(rich_spec))
    before = element_hashes(root)
    bounds = root.xpath("//*[@bpmnElement='Archive']/*[local-name()='Bounds']")[0]
    bounds.set("x", str(int(bounds.get("x")) + 40))
    assert compare(before, element_hashes(root)).changed == ["Archive"]


def test_deleting_a_flow_is_reported(rich_spec: ProcessSpec) -> None:
    root = etree.fromstring(write_bpmn(rich_spec))
    before = element_hashes(root)
    flow = root.xpath("//*[@id='Flow_Local_End']")[0]
    flow.getparent().remove(flow)
    changes = compare(before, element_hashes(root))
    assert changes.removed == ["Flow_Local_End"]
    assert changes.changed == []
    assert "removed: Flow_Local_End" in changes.describe()


_ROUND_TRIP = """
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';
const zeebe = JSON.parse(readFileSync('node_modules/zeebe-bpmn-moddle/resources/zeebe.json', 'utf8'));
const modeler = JSON.parse(readFileSync('node_modules/modeler-moddle/resources/modeler.json', 'utf8'));
const moddle = new BpmnModdle({ zeebe, modeler });
const { rootElement } = await moddle.fromXML(readFileSync(0, 'utf8'));
const { xml } = await moddle.toXML(rootElement, { format: true });
process.stdout.write(xml);
"""


@pytest.mark.node
def test_saving_through_bpmn_moddle_keeps_the_fingerprint(rich_spec: ProcessSpec, tmp_path: Path) -> None:
    """bpmn-moddle is what Modeler saves with: an opened-and-saved file still counts as generated."""
    tools = PROJECT_ROOT / "tools" / "node"
    script = tools / f".fingerprint-roundtrip-{tmp_path.name}.mjs"
    script.write_text(_ROUND_TRIP, encoding="utf-8")
    try:
        xml = write_bpmn(rich_spec)
        saved = subprocess.run(
            ["node", str(script)], input=xml, capture_output=True, cwd=tools, check=True, timeout=120
        ).stdout
    finally:
        script.unlink()
    assert saved != xml  # really re-serialised
    original, resaved = etree.fromstring(xml), etree.fromstring(saved)
    assert json.dumps(compare(element_hashes(original), element_hashes(resaved)).__dict__) == json.dumps(
        {"added": [], "removed": [], "changed": []}
    )
    assert stored_fingerprint(resaved) == fingerprint_of(resaved)
