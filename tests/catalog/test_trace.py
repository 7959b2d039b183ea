"""`xietong catalog show ID --source`: each clause of the document beside the steps that implement it,
and a clause nothing implements flagged (issue 14's example: 移送的案件应当经部门领导批准)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from xietong.catalog.loader import load_catalog
from xietong.catalog.trace import passage_lines, trace
from xietong.cli import cli

from .conftest import CONFIG, SOURCES


def _mechanism(mech_id: str):  # type: ignore[no-untyped-def]
    catalog, errors = load_catalog(CONFIG)
    assert not errors
    return catalog.mechanisms[mech_id]


def test_each_clause_is_shown_with_its_step() -> None:
    mech = _mechanism("wuyi_case_transfer")
    traces = {t.clause: t for t in trace(mech, passage_lines(mech, SOURCES))}
    approval = traces["移送的案件应当经部门领导批准，以书面形式移送。"]
    assert approval.implemented_by == ["step leader_approval"]
    urgent = traces["情况紧急的，应立即责令当事人停止违法行为，及时告知有权处理一方，并在24小时内移送。"]
    assert "urgent deadline of transfer_case" in urgent.implemented_by
    assert not any(c.startswith("1. 案件移送主体") for c in traces)  # headings are no clauses


def test_a_clause_without_its_step_is_flagged() -> None:
    mech = _mechanism("wuyi_case_transfer")
    assert mech.procedure is not None
    steps = [s for s in mech.procedure.steps if s.id != "leader_approval"]
    for step in steps:
        for t in step.next:
            if t.to == "leader_approval":
                t.to = "transfer_case"
    stripped = mech.model_copy(update={"procedure": mech.procedure.model_copy(update={"steps": steps})})
    flagged = [t.clause for t in trace(stripped, passage_lines(stripped, SOURCES)) if t.flagged]
    assert "移送的案件应当经部门领导批准，以书面形式移送。" in flagged


def test_a_reviewed_decision_explains_a_clause_that_is_no_step() -> None:
    mech = _mechanism("wuyi_technical_opinion")
    traces = trace(mech, passage_lines(mech, SOURCES))
    archive = next(t for t in traces if "查阅、复制" in t.clause)
    assert archive.implemented_by == [] and archive.decision is not None and not archive.flagged


def test_cli_prints_clauses_side_by_side(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["catalog", "show", "wuyi_case_transfer", "--source"])
    assert result.exit_code == 0, result.output
    assert "✓" in result.output and "step leader_approval" in result.output
    assert result.output.strip().splitlines()[-1].endswith("unimplemented")


def test_no_clause_of_any_mechanism_is_unimplemented() -> None:
    """Issue 14's bar: every clause is a step, branch, deadline or a reviewed decision."""
    result = CliRunner().invoke(cli, ["catalog", "show", "--source"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("0 unimplemented clause(s) in ")
