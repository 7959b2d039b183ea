"""The independent checks over every generated model in bpmn/ and every element template.

Each generated file must pass the Node lint (no errors), have a tidy DI, import into bpmn-js without
warnings, and every task type it uses must have a valid element template. Until the generator has committed
its first files these tests skip; once git history shows files under bpmn/, an empty bpmn/ is a failure.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from lxml import etree

from xietong.generator.di_check import find_di_problems
from xietong.generator.lint import errors, lint_files
from xietong.generator.render import render_many
from xietong.generator.templates_check import validate_templates
from xietong.settings import PROJECT_ROOT

BPMN_DIR = PROJECT_ROOT / "bpmn"
TEMPLATES_DIR = BPMN_DIR / "element-templates"
ARTIFACTS = PROJECT_ROOT / "artifacts" / "render" / "generated"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"

# Lint warnings accepted in generated files, with the reason. Anything else is reported as a failure.
ACCEPTED_WARNINGS: dict[str, str] = {}


def _ever_committed() -> bool:
    try:
        out = subprocess.run(
            ["git", "log", "--oneline", "-1", "--", "bpmn/"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return True  # no history to consult: demand the files
    return bool(out.strip())


def _generated() -> list[Path]:
    files = sorted(p for p in BPMN_DIR.glob("**/*.bpmn") if p.is_file())
    if not files:
        if _ever_committed():
            pytest.fail(
                f"{BPMN_DIR} has no .bpmn files although git history has generated ones: "
                "run `xietong bpmn generate`"
            )
        pytest.skip("the generator has not committed any bpmn/ files yet")
    return files


def _rel(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


@pytest.fixture(scope="module")
def generated() -> list[Path]:
    return _generated()


@pytest.mark.node
def test_every_generated_file_passes_lint(generated: list[Path]) -> None:
    findings = lint_files(generated)
    bad = errors(findings) + [
        f for f in findings if f.severity == "warning" and f.rule not in ACCEPTED_WARNINGS
    ]
    by_rule: dict[str, int] = defaultdict(int)
    for f in bad:
        by_rule[f.rule] += 1
    assert not bad, (
        f"{len(bad)} findings in {len({f.file for f in bad})} of {len(generated)} files, "
        f"by rule {dict(by_rule)}:\n" + "\n".join(str(f) for f in bad[:60])
    )


def test_every_generated_file_has_a_tidy_layout(generated: list[Path]) -> None:
    problems = [f"{_rel(p)}: {line}" for p in generated for line in find_di_problems(p.read_bytes())]
    assert not problems, f"{len(problems)} DI problems:\n" + "\n".join(problems[:60])


@pytest.mark.node
@pytest.mark.browser
@pytest.mark.slow
def test_every_generated_file_renders_without_warnings(generated: list[Path]) -> None:
    """All files in one browser session. Screenshots are the slow part, so only the first model of each
    jurisdiction is kept as a PNG (artifacts/render/generated/) for people to look at."""
    pictured: set[Path] = set()
    jobs: list[tuple[Path, Path | None]] = []
    for p in generated:
        keep = p.parent not in pictured
        pictured.add(p.parent)
        jobs.append((p, ARTIFACTS / p.relative_to(BPMN_DIR).with_suffix(".png") if keep else None))
    reports = render_many(jobs)
    warned = [f"{_rel(r.bpmn_path)}: {w}" for r in reports for w in r.warnings]
    assert not warned, f"{len(warned)} bpmn-js import warnings:\n" + "\n".join(warned[:60])
    empty = [_rel(r.bpmn_path) for r in reports if r.element_count < 3]
    assert not empty, f"rendered (nearly) empty diagrams: {empty}"
    assert all(r.png_path.stat().st_size > 0 for r in reports if r.png_path is not None)
    spilled = [f"{_rel(r.bpmn_path)}: {o}" for r in reports for o in r.label_overflows + r.label_collisions]
    assert not spilled, f"{len(spilled)} names unreadable in their shapes:\n" + "\n".join(spilled[:60])


def _task_types(path: Path) -> set[str]:
    root = etree.parse(str(path)).getroot()
    return {el.get("type") for el in root.iter(f"{{{ZEEBE}}}taskDefinition") if el.get("type")}


def _template_task_types(path: Path) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    types = set()
    for template in data if isinstance(data, list) else [data]:
        for prop in template.get("properties", []):
            binding = prop.get("binding", {})
            is_type = binding.get("type") == "zeebe:taskDefinition:type" or (
                binding.get("type") == "zeebe:taskDefinition" and binding.get("property") == "type"
            )
            if is_type and isinstance(prop.get("value"), str):
                types.add(prop["value"])
    return types


@pytest.mark.node
def test_element_templates_are_valid_and_cover_every_task_type(generated: list[Path]) -> None:
    templates = sorted(TEMPLATES_DIR.glob("*.json"))
    assert templates, f"no element templates in {TEMPLATES_DIR}"
    problems = validate_templates(templates)
    assert not problems, "\n".join(str(p) for p in problems[:60])
    covered = set().union(*(_template_task_types(t) for t in templates))
    used: dict[str, str] = {}
    for path in generated:
        for task_type in _task_types(path):
            used.setdefault(task_type, _rel(path))
    missing = {t: where for t, where in used.items() if t not in covered}
    assert not missing, f"task types without an element template (type: first file using it): {missing}"
