"""The task-type catalog and the element templates made from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xietong.generator.mapping import SERVICE_TYPE_BY_KIND
from xietong.generator.templates import template_files, write_templates
from xietong.task_types import COMMON_HEADERS, TASK_TYPES, task_type


def test_every_type_carries_the_common_headers_and_a_chinese_label() -> None:
    for t in TASK_TYPES.values():
        assert [h.key for h in t.headers[:3]] == [h.key for h in COMMON_HEADERS], t.name
        assert any(ord(ch) > 0x2E80 for ch in t.label), t.name
        assert t.name.startswith("xietong.")


def test_mapping_only_uses_catalogued_types() -> None:
    assert set(SERVICE_TYPE_BY_KIND.values()) <= set(TASK_TYPES)


def test_unknown_type_error_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"xietong\.triage"):
        task_type("xietong.nope")


def test_one_template_per_type_binding_its_job_type_and_headers() -> None:
    files = template_files()
    assert sorted(files) == sorted(f"{name}.json" for name in TASK_TYPES)
    triage = json.loads(files["xietong.triage.json"])
    hidden = [p for p in triage["properties"] if p["type"] == "Hidden"]
    assert hidden == [
        {
            "type": "Hidden",
            "value": "xietong.triage",
            "binding": {"type": "zeebe:taskDefinition", "property": "type"},
        }
    ]
    header_keys = [
        p["binding"]["key"] for p in triage["properties"] if p["binding"]["type"] == "zeebe:taskHeader"
    ]
    assert header_keys == [h.key for h in TASK_TYPES["xietong.triage"].headers]


def test_templates_are_deterministic(tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in write_templates(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_templates(tmp_path / "b")}
    assert first == second


@pytest.mark.node
def test_templates_validate_against_the_official_schema(tmp_path: Path) -> None:
    from xietong.generator.templates_check import validate_templates

    assert [str(p) for p in validate_templates(write_templates(tmp_path))] == []
