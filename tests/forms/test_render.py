"""Every generated form loaded and rendered by @bpmn-io/form-js (the library Tasklist and Modeler use)
in headless Chromium, and driven as a clerk would drive it: it imports without warnings, shows the
case, lets the clerk submit exactly the codes it offers, and refuses an empty submission for exactly
its required fields. One PNG is kept in artifacts/render/forms/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.forms.model_reading import form_choices, form_required, forms, load_form
from xietong.generator.lint import NODE_TOOLS_DIR, NodeToolsMissing, require_node_packages, run_node_json
from xietong.generator.render import RenderSettings
from xietong.settings import PROJECT_ROOT

pytestmark = [pytest.mark.node, pytest.mark.browser]
SCRIPT = NODE_TOOLS_DIR / "form-render.mjs"
ARTIFACTS = PROJECT_ROOT / "artifacts" / "render" / "forms"
CASE = {
    "caseId": "SY-2025-0001",
    "caseMatter": "农贸市场安全方面的综合执法",
    "applicant": "泗阳县市场监督管理局",
    "sourceClause": "县综合指挥调度中心对申请进行初审",
}


@pytest.fixture(scope="module")
def rendered() -> dict[Path, dict]:
    try:
        require_node_packages("@bpmn-io/form-js", "playwright-core")
    except NodeToolsMissing as exc:
        pytest.skip(str(exc))
    chromium = RenderSettings().chromium
    if not chromium.exists():
        pytest.skip(f"{chromium} missing (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    paths = forms()
    jobs = [
        {"form": str(p), "data": CASE, "png": str(ARTIFACTS / f"{p.stem}.png") if i == 0 else None}
        for i, p in enumerate(paths)
    ]
    answer = run_node_json(SCRIPT, {"chromium": str(chromium), "jobs": jobs}, timeout=600)
    return {Path(r["form"]): r for r in answer["results"]}


def test_every_form_renders_without_warnings(rendered: dict[Path, dict]) -> None:
    assert len(rendered) == len(forms()) > 20
    problems = {
        p.name: (r["error"], r["warnings"]) for p, r in rendered.items() if r["error"] or r["warnings"]
    }
    assert not problems


def test_the_case_header_shows_the_case(rendered: dict[Path, dict]) -> None:
    for path, result in rendered.items():
        for value in CASE.values():
            assert value in result["text"], (path.name, value)


def test_a_clerk_can_submit_exactly_the_offered_codes(rendered: dict[Path, dict]) -> None:
    deciding = 0
    for path, result in rendered.items():
        offered = form_choices(load_form(path))
        assert {k: set(v) for k, v in result["choices"].items()} == offered, path.name
        deciding += bool(offered)
    assert deciding > 10


def test_an_empty_submission_is_refused_for_exactly_the_required_fields(rendered: dict[Path, dict]) -> None:
    for path, result in rendered.items():
        required = form_required(load_form(path))
        assert set(result["required"]) == required and required, path.name
        assert result["asterisks"] == len(required), path.name
