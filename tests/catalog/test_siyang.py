"""Importer for 泗阳 (001) on the real document: counts, sample fields, each pitfall."""

from __future__ import annotations

import itertools

import pytest

from xietong.catalog.importers.base import ImportContext, ImportResult, importer_for
from xietong.catalog.loader import load_catalog
from xietong.catalog.model import END, DeadlineUnit, Role, StepKind

from .conftest import CONFIG, source_line, source_text

DOC = "001_2fe61fa7fe079855.txt"


@pytest.fixture(scope="module")
def result() -> ImportResult:
    catalog, _ = load_catalog(CONFIG)
    context = ImportContext(registry=catalog.registries["siyang"], policies=list(catalog.policies.values()))
    return importer_for(DOC).run(source_text(DOC), context)


def items(result: ImportResult) -> dict[int, object]:
    return {m.number: m for m in result.mechanisms if m.number is not None}


def test_counts_and_no_warnings(result: ImportResult) -> None:
    assert len(items(result)) == 39
    assert sorted(items(result)) == list(range(1, 40))
    assert result.warnings == []
    assert [t.id for t in result.templates] == ["siyang_joint_enforcement"]


def test_sample_items_match_the_text(result: ImportResult) -> None:
    by_number = items(result)
    first = by_number[1]
    assert first.title == "农贸市场安全方面的综合执法"
    assert first.lead == ["市场监管局"]
    assert first.collaborators == [
        "消防救援大队", "公安局", "应急管理局", "城管局", "卫健局", "农业农村局", "商务局"]
    # The recorded source lines really hold the item.
    assert source_line(DOC, first.source.line_start).strip() == "1"
    assert "农贸市场" in source_line(DOC, first.source.line_start + 1)
    assert by_number[25].lead == ["人社局"] and by_number[25].collaborators == ["住建局", "交运局", "水利局"]


def test_wrapped_cells_are_rejoined(result: ImportResult) -> None:
    by_number = items(result)
    assert by_number[39].lead == ["消防救援大队"]  # 消防救援 / 大队 on two lines
    assert by_number[21].lead == ["统战部（民宗局）"]  # 统战部 / （民宗局）
    assert by_number[38].lead == ["资规局（林业局）"]
    assert "宣传部（网信办）" in by_number[38].collaborators


def test_role_placeholders_are_not_departments(result: ImportResult) -> None:
    by_number = items(result)
    assert by_number[11].collaborator_roles == [Role.territorial_town]  # 属地街道
    assert "属地街道" not in by_number[11].collaborators
    assert by_number[16].collaborator_roles == [Role.territorial_town]  # 属地乡镇（街道）
    assert "众兴街道" in by_number[13].collaborators  # a real town, not a role


def test_open_list_ending_with_deng_is_noted(result: ImportResult) -> None:
    item = items(result)[17]
    assert item.collaborators[-1] == "应急管理局"
    assert any("等" in note for note in item.notes)


def test_command_flow_with_leader_entry_skipping_review(result: ImportResult) -> None:
    proc = result.templates[0].procedure
    entries = {e.id: e.to for e in proc.entries}
    assert entries == {"application_received": "apply", "leader_directed": "dispatch"}
    order = ["apply", "initial_review", "forward_to_legal", "legal_review", "submit_for_approval", "dispatch",
             "joint_enforcement", "collaborator_documents", "report_results", "archive"]
    for a, b in itertools.pairwise(order):
        assert b in [t.to for t in proc.step(a).next], (a, b)
    assert proc.step("initial_review").kind == StepKind.review
    assert proc.step("legal_review").kind == StepKind.legal_review
    assert proc.step("submit_for_approval").kind == StepKind.approval
    assert {t.outcome: t.to for t in proc.step("submit_for_approval").next} == {
        "approved": "dispatch", "refused": END}
    assert proc.step("archive").next[0].to == END


def test_results_within_five_working_days_quoted_from_duty_list(result: ImportResult) -> None:
    step = result.templates[0].procedure.step("report_results")
    assert step.deadline is not None
    assert (step.deadline.amount, step.deadline.unit, step.deadline.origin) == (5, DeadlineUnit.working_days,
                                                                                 "text")
    assert "5个工作日内" in (step.deadline.quote or "")
    assert step.escalation is not None and step.escalation.chain == ["command_centre"]
    documents = result.templates[0].procedure.step("collaborator_documents")
    assert documents.deadline is not None and documents.deadline.origin == "policy"
    assert documents.multi_instance_over_collaborators


def test_five_duty_roles(result: ImportResult) -> None:
    flow = next(m for m in result.mechanisms if m.id == "siyang_command_flow")
    holders = []
    for duty in flow.duties:
        holder = duty.role.value if duty.role else duty.department
        if holder not in holders:
            holders.append(holder)
    assert holders == ["lead_department", "collaborating_units", "司法局", "综合指挥调度中心",
                       "relevant_departments"]
    assert sum(1 for d in flow.duties if d.role == Role.lead_department) == 7
    assert "[bookmark" not in " ".join(flow.flowchart_nodes)


def test_reordered_and_renumbered_document_still_imports() -> None:
    """No hard-coded line numbers: shifting the whole document by blank lines changes only lines."""
    text = "\n\n\n" + source_text(DOC)
    shifted = importer_for(DOC).run(text, ImportContext())
    assert len([m for m in shifted.mechanisms if m.number]) == 39
    first = next(m for m in shifted.mechanisms if m.number == 1)
    assert first.source.line_start == 95


def test_missing_section_is_a_warning_not_a_crash() -> None:
    text = source_text(DOC).replace("泗阳县联动执法高频事项清单", "泗阳县联动执法高频事项")
    broken = importer_for(DOC).run(text, ImportContext())
    assert any("事项清单" in str(w) for w in broken.warnings)
    assert not [m for m in broken.mechanisms if m.number]


def test_scrambled_flowchart_boxes_give_the_same_graph() -> None:
    """Flowchart boxes come out of Word in any order: the graph is built from their wording."""
    text = source_text(DOC)
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "附件1") + 2
    end = next(i for i, line in enumerate(lines) if line.strip() == "附件2")
    boxes = [line for line in lines[start:end] if line.strip()]
    scrambled = "\n".join(lines[:start] + list(reversed(boxes)) + lines[end:])
    original = importer_for(DOC).run(text, ImportContext()).templates[0].procedure
    shuffled = importer_for(DOC).run(scrambled, ImportContext()).templates[0].procedure
    edges = {(s.id, t.to, t.outcome) for s in original.steps for t in s.next}
    assert edges == {(s.id, t.to, t.outcome) for s in shuffled.steps for t in s.next}
    assert [s.kind for s in original.steps] == [s.kind for s in shuffled.steps]


def test_repeated_table_header_after_a_page_break_is_skipped() -> None:
    text = source_text(DOC)
    marker = "\t20\n"
    assert text.count(marker) == 1
    broken = text.replace(marker, "\t序号\n\t事项名称\n\t牵头单位\n\t配合单位\n\n" + marker)
    result = importer_for(DOC).run(broken, ImportContext())
    assert result.warnings == []
    item = next(m for m in result.mechanisms if m.number == 19)
    assert item.collaborators[-1] == "消防救援大队"
