"""`xietong bpmn check` catches a model and its forms drifting apart after a designer's edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from xietong.generator.check import check_files
from xietong.settings import PROJECT_ROOT

SIYANG = PROJECT_ROOT / "bpmn/siyang"


def copy_siyang(tmp: Path) -> Path:
    shutil.copytree(SIYANG / "forms", tmp / "forms")
    model = tmp / "siyang_joint_enforcement.bpmn"
    shutil.copy(SIYANG / model.name, model)
    return model


def form_findings(model: Path) -> list[str]:
    return [str(f) for f in check_files([model], lint=False) if f.rule.startswith("xietong/form")]


def test_the_generated_models_and_forms_agree(tmp_path: Path) -> None:
    assert form_findings(copy_siyang(tmp_path)) == []


def test_a_changed_condition_code_is_named_on_the_task(tmp_path: Path) -> None:
    model = copy_siyang(tmp_path)
    text = model.read_text(encoding="utf-8")
    assert '=outcome = "eligible"' in text
    model.write_text(text.replace('=outcome = "eligible"', '=outcome = "accepted"'), encoding="utf-8")
    (finding,) = form_findings(model)
    assert ": initial_review: error [xietong/form-choices] initial_review_decision tests outcome" in finding
    assert "for accepted, ineligible but its form Form_siyang_" in finding
    assert finding.split(" (line")[0].endswith("offers eligible, ineligible")


def test_a_missing_form_is_named(tmp_path: Path) -> None:
    model = copy_siyang(tmp_path)
    for form in (tmp_path / "forms").glob("*_opinion_*.form"):
        form.unlink()
    findings = form_findings(model)
    assert findings and all("[xietong/form-missing]" in f for f in findings)
