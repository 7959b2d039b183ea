"""Importer for 武义 (003): procedures, their deadlines and escalation chains, against the text."""

from __future__ import annotations

import pytest

from xietong.catalog.importers.base import ImportContext, importer_for
from xietong.catalog.loader import load_catalog
from xietong.catalog.model import END, DeadlineMeaning, DeadlineUnit, Mechanism

from .conftest import CONFIG, source_line, source_text

DOC = "003_3683dd0429a6386d.txt"


@pytest.fixture(scope="module")
def mechanisms() -> dict[str, Mechanism]:
    catalog, _ = load_catalog(CONFIG)
    result = importer_for(DOC).run(source_text(DOC), ImportContext(registry=catalog.registries["wuyi"],
                                                                   policies=list(catalog.policies.values())))
    assert result.warnings == []
    return {m.id: m for m in result.mechanisms}


def test_five_procedures(mechanisms: dict[str, Mechanism]) -> None:
    assert sorted(mechanisms) == ["wuyi_case_transfer", "wuyi_duty_dispute", "wuyi_information_copying",
                                  "wuyi_joint_enforcement_launch", "wuyi_technical_opinion"]


def test_launch_modes(mechanisms: dict[str, Mechanism]) -> None:
    proc = mechanisms["wuyi_joint_enforcement_launch"].procedure
    assert proc is not None
    assert {e.id for e in proc.entries} == {"routine_launch", "special_launch", "emergency_launch"}
    apply = proc.step("apply_special")
    assert apply.deadline is not None
    assert (apply.deadline.amount, apply.deadline.unit, apply.deadline.meaning) == (
        5, DeadlineUnit.calendar_days, DeadlineMeaning.lead_time)
    assert "提前5日前" in (apply.deadline.quote or "")
    assert proc.step("report_emergency").deadline.policy == "immediately"  # type: ignore[union-attr]
    assert {t.outcome: t.to for t in proc.step("approve_emergency").next} == {"approved": "deploy",
                                                                             "refused": END}


def test_case_transfer_3_working_days_24_hours_urgent(mechanisms: dict[str, Mechanism]) -> None:
    proc = mechanisms["wuyi_case_transfer"].procedure
    assert proc is not None
    deadline = proc.step("transfer_case").deadline
    assert deadline is not None and (deadline.amount, deadline.unit) == (3, DeadlineUnit.working_days)
    assert deadline.urgent_variant is not None
    assert (deadline.urgent_variant.amount, deadline.urgent_variant.unit) == (24, DeadlineUnit.hours)
    assert deadline.source is not None
    assert "3个工作日内移送" in source_line(DOC, deadline.source.line_start)
    # jurisdiction dispute: consultation, then 县司法局 decides
    assert "justice_decision" in [t.to for t in proc.step("consult").next]
    assert proc.actor(proc.step("justice_decision").actor).department == "县司法局"


def test_technical_opinion_and_information_copying(mechanisms: dict[str, Mechanism]) -> None:
    opinion = mechanisms["wuyi_technical_opinion"].procedure
    assert opinion is not None
    d = opinion.step("written_opinion").deadline
    assert d is not None and (d.amount, d.unit, d.origin) == (5, DeadlineUnit.working_days, "text")
    assert opinion.step("written_opinion").escalation is not None
    copying = mechanisms["wuyi_information_copying"].procedure
    assert copying is not None
    d = copying.step("copy_approval").deadline
    assert d is not None and (d.amount, d.unit) == (10, DeadlineUnit.working_days)
    assert d.urgent_variant is not None and d.urgent_variant.policy == "immediately"
    back = copying.step("copy_penalty").deadline
    assert back is not None and (back.amount, back.unit) == (10, DeadlineUnit.working_days)  # 最长不超过
    assert {e.trigger for e in copying.entries} == {"message"}


def test_duty_dispute_chain(mechanisms: dict[str, Mechanism]) -> None:
    proc = mechanisms["wuyi_duty_dispute"].procedure
    assert proc is not None
    chain = [proc.actor(proc.step(s).actor).department for s in ("coordinate", "government_decision")]
    assert chain == ["县委编办", "县政府"]
    assert {t.outcome: t.to for t in proc.step("coordinate").next} == {"resolved": END,
                                                                      "unresolved": "government_decision"}


def test_missing_sentence_is_reported_not_guessed() -> None:
    text = source_text(DOC).replace("提请县司法局决定", "提请有关部门决定")
    result = importer_for(DOC).run(text, ImportContext())
    assert "wuyi_case_transfer" not in {m.id for m in result.mechanisms}
    assert any("提请县司法局决定" in str(w) for w in result.warnings)


def test_reviewed_catalog_matches_importer() -> None:
    catalog, errors = load_catalog(CONFIG)
    assert not [e for e in errors if "wuyi" in e.file]
    assert {m for m in catalog.mechanisms if m.startswith("wuyi_")} == {
        "wuyi_case_transfer", "wuyi_duty_dispute", "wuyi_information_copying",
        "wuyi_joint_enforcement_launch", "wuyi_technical_opinion",
        # reviewer-written for issue 14 (config/import-decisions.yaml): no importer proposes them
        "wuyi_onsite_handover", "wuyi_judicial_safeguard", "wuyi_joint_consultation"}
