"""The Node lint (bpmn-moddle + bpmnlint + camunda-compat + our rules) on hand-made fixtures.

Valid Zeebe 8.8 models must come out clean; each deliberately broken model must fail with the rule that
names its fault, on the element that has it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xietong.generator import lint
from xietong.generator.lint import Finding, NodeToolsMissing, errors, lint_files

pytestmark = pytest.mark.node

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
VALID = sorted(FIXTURES.glob("*.bpmn"))
BROKEN = FIXTURES / "broken"

# file -> (rule, element id, severity) that must be among its findings
EXPECTED = {
    "missing-task-definition.bpmn": ("camunda-compat/implementation", "Task_check", "error"),
    "condition-without-equals.bpmn": ("xietong/feel-condition-prefix", "Flow_yes", "error"),
    "feel-syntax-error.bpmn": ("camunda-compat/feel", "Flow_urgent", "error"),
    "correlation-key-without-equals.bpmn": (
        "xietong/feel-correlation-key-prefix",
        "Message_feedback",
        "error",
    ),
    "correlation-key-feel-error.bpmn": ("xietong/feel-correlation-key", "Message_feedback", "error"),
    "gateway-without-outgoing.bpmn": ("no-implicit-end", "Gateway_ok", "error"),
    "missing-di-shape.bpmn": ("no-bpmndi", "Task_handle", "error"),
    "overlapping-shapes.bpmn": ("xietong/di-overlap", "End_rejected", "error"),
    "wrong-platform-version.bpmn": ("xietong/execution-platform-version", "Definitions_minimal", "error"),
    "wrong-platform.bpmn": ("xietong/execution-platform", "Definitions_minimal", "error"),
    "platform-8-4-zeebe-user-task.bpmn": ("camunda-compat/no-zeebe-user-task", "Task_handle", "error"),
    "unknown-element.bpmn": ("moddle/import-warning", None, "error"),
    "unknown-zeebe-extension.bpmn": ("moddle/import-warning", None, "error"),
    "timer-not-iso.bpmn": ("camunda-compat/timer", "Timer_due", "error"),
    "non-executable.bpmn": ("camunda-compat/executable-process", "Process_minimal", "error"),
    "gateway-flow-without-condition.bpmn": ("conditional-flows", "Flow_no", "error"),
    "message-without-correlation-key.bpmn": ("camunda-compat/subscription", "Catch_feedback", "error"),
    "duplicate-id.bpmn": ("moddle/import-warning", "Flow_no", "error"),  # its target is lost
}


@pytest.fixture(scope="module")
def findings_by_file() -> dict[str, list[Finding]]:
    """One Node run for every fixture, as the real callers do."""
    paths = VALID + sorted(BROKEN.glob("*.bpmn"))
    by_file: dict[str, list[Finding]] = {p.name: [] for p in paths}
    for finding in lint_files(paths):
        by_file[finding.file.name].append(finding)
    return by_file


def test_every_broken_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.bpmn")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", [p.name for p in VALID])
def test_valid_models_have_no_findings(name: str, findings_by_file: dict[str, list[Finding]]) -> None:
    assert findings_by_file[name] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_model_fails_with_expected_rule(name: str, findings_by_file: dict[str, list[Finding]]) -> None:
    rule, element_id, severity = EXPECTED[name]
    found = findings_by_file[name]
    assert errors(found), f"{name} should not pass lint"
    matching = [f for f in found if f.rule == rule and f.element_id == element_id and f.severity == severity]
    assert matching, f"{name}: expected [{rule}] on {element_id}, got:\n" + "\n".join(map(str, found))
    assert all(f.file == BROKEN / name for f in found)


def test_overlap_is_also_bpmnlints_warning(findings_by_file: dict[str, list[Finding]]) -> None:
    rules = {(f.rule, f.severity) for f in findings_by_file["overlapping-shapes.bpmn"]}
    assert ("no-overlapping-elements", "warning") in rules


def test_unknown_element_message_names_the_line(findings_by_file: dict[str, list[Finding]]) -> None:
    [warning] = [f for f in findings_by_file["unknown-element.bpmn"] if f.rule == "moddle/import-warning"]
    assert "<bpmn:frobnicate>" in warning.message
    assert "line: 7" in warning.message


def test_lint_config_follows_execution_platform_version(tmp_path: Path) -> None:
    """The same zeebe:userTask is fine for 8.8 but not for 8.4: the compat config is chosen per file."""
    src = (FIXTURES / "valid-minimal.bpmn").read_text(encoding="utf-8")
    paths = []
    for version in ("8.8.0", "8.5.0", "8.4.0"):
        path = tmp_path / f"v{version}.bpmn"
        path.write_text(src.replace('"8.8.0"', f'"{version}"'), encoding="utf-8")
        paths.append(path)
    found = lint_files(paths)
    assert {(f.file.name, f.rule) for f in errors(found)} == {
        ("v8.4.0.bpmn", "camunda-compat/no-zeebe-user-task")
    }


def test_unreadable_and_malformed_files_are_findings_not_crashes(tmp_path: Path) -> None:
    missing = tmp_path / "missing.bpmn"
    malformed = tmp_path / "malformed.bpmn"
    malformed.write_text("<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>")
    found = lint_files([missing, malformed])
    assert [(f.file, f.rule) for f in found] == [(missing, "xietong/read"), (malformed, "moddle/parse")]
    assert str(missing) in str(found[0])


def test_no_files_runs_nothing() -> None:
    assert lint_files([]) == []


def test_missing_node_modules_says_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint, "NODE_TOOLS_DIR", tmp_path)
    with pytest.raises(NodeToolsMissing, match="scripts/bootstrap"):
        lint_files([FIXTURES / "valid-minimal.bpmn"])


def test_duplicate_id_is_named(findings_by_file: dict[str, list[Finding]]) -> None:
    messages = [f.message for f in findings_by_file["duplicate-id.bpmn"] if f.rule == "moddle/import-warning"]
    assert any("duplicate ID <End_done>" in m for m in messages)
