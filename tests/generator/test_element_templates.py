"""Element templates against the official Zeebe element-templates JSON schema (ajv in Node)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xietong.generator.templates_check import TemplateProblem, validate_templates

pytestmark = pytest.mark.node

TEMPLATES = Path(__file__).parent / "fixtures" / "lint" / "templates"


@pytest.fixture(scope="module")
def problems_by_file() -> dict[str, list[TemplateProblem]]:
    """One Node run for all fixture templates (their ids differ, so no duplicate is reported)."""
    paths = sorted(TEMPLATES.glob("*.json"))
    by_file: dict[str, list[TemplateProblem]] = {p.name: [] for p in paths}
    for problem in validate_templates(paths):
        by_file[problem.file.name].append(problem)
    return by_file


def test_valid_template_passes(problems_by_file: dict[str, list[TemplateProblem]]) -> None:
    assert problems_by_file["valid-register.json"] == []


@pytest.mark.parametrize(
    ("name", "pointer", "text"),
    [
        ("broken-missing-name.json", "", "required property 'name'"),
        (
            "broken-dropdown-without-choices.json",
            "/properties/2",
            'must provide choices=[] with "Dropdown" type',
        ),
        (
            "broken-unknown-binding.json",
            "/properties/1/binding/type",
            "invalid property.binding type zeebe:taskHeaders",
        ),
        ("broken-array-second-bad.json", "/1/version", "must be integer"),
    ],
)
def test_broken_template_is_named_with_pointer(
    name: str, pointer: str, text: str, problems_by_file: dict[str, list[TemplateProblem]]
) -> None:
    problems = problems_by_file[name]
    assert [(p.pointer, text in p.message) for p in problems] == [(pointer, True)]
    assert problems[0].file == TEMPLATES / name
    assert name in str(problems[0])


def test_same_id_and_version_twice_is_rejected(tmp_path: Path) -> None:
    template = json.loads((TEMPLATES / "valid-register.json").read_text(encoding="utf-8"))
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8")
    problems = validate_templates([TEMPLATES / "valid-register.json", copy])
    assert [(p.file, p.pointer) for p in problems] == [(copy, "/id")]
    assert "valid-register.json" in problems[0].message


def test_unreadable_json_is_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    [problem] = validate_templates([bad])
    assert problem.file == bad and "cannot read JSON" in problem.message
