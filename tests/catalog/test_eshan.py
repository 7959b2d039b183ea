"""Importer for 峨山 (004): seven procedures, routines on timers, policies for vague limits."""

from __future__ import annotations

import pytest

from xietong.catalog.importers.base import ImportContext, importer_for
from xietong.catalog.loader import load_catalog
from xietong.catalog.model import END, DeadlineUnit, Mechanism, StepKind

from .conftest import CONFIG, source_line, source_text

DOC = "004_142988561856460f.txt"


@pytest.fixture(scope="module")
def mechanisms() -> dict[str, Mechanism]:
    catalog, _ = load_catalog(CONFIG)
    result = importer_for(DOC).run(source_text(DOC), ImportContext(registry=catalog.registries["eshan"],
                                                                   policies=list(catalog.policies.values())))
    assert result.warnings == []
    return {m.id: m for m in result.mechanisms}


def test_seven_procedures(mechanisms: dict[str, Mechanism]) -> None:
    assert len(mechanisms) == 7
    assert all(m.id.startswith("eshan_") for m in mechanisms.values())


def test_case_transfer_limits_and_ongoing_violation(mechanisms: dict[str, Mechanism]) -> None:
    proc = mechanisms["eshan_case_transfer"].procedure
    assert proc is not None
    d = proc.step("transfer_case").deadline
    assert d is not None and (d.amount, d.unit) == (3, DeadlineUnit.working_days)
    assert d.urgent_variant is not None and (d.urgent_variant.amount, d.urgent_variant.unit) == (24,
                                                                                                  DeadlineUnit.hours)
    dissuade = proc.step("dissuade")
    assert dissuade.deadline is not None and dissuade.deadline.policy == "immediately"
    # the stray 。 in the document: the clause is still found and quoted
    assert (dissuade.quote or "").startswith("应当立即劝阻")


def test_first_ask_has_both_entries_and_three_outcomes(mechanisms: dict[str, Mechanism]) -> None:
    proc = mechanisms["eshan_first_ask"].procedure
    assert proc is not None
    assert {e.to for e in proc.entries} == {"accept_complaint", "register_complaint"}
    verify = proc.step("verify")
    assert verify.decision is not None
    assert {o.code for o in verify.decision.outcomes} == {"no_violation", "penalty_needed", "not_competent"}
    assert proc.step("reply_no_violation").kind == StepKind.reply
    assert proc.step("report_back").next[0].to == END
    # headings are not glued to the sentence they head
    assert not any(t.startswith("(五)") for t in mechanisms["eshan_first_ask"].steps_text)


def test_police_support_first_moment(mechanisms: dict[str, Mechanism]) -> None:
    proc = mechanisms["eshan_emergency_police_support"].procedure
    assert proc is not None
    dispatch = proc.step("dispatch_police")
    assert dispatch.deadline is not None and dispatch.deadline.origin == "policy"
    assert dispatch.deadline.policy == "first_moment"
    assert proc.actor(dispatch.actor).department == "公安派出所"


def test_routines_are_timer_started(mechanisms: dict[str, Mechanism]) -> None:
    meeting = mechanisms["eshan_quarterly_joint_meeting"].procedure
    assert meeting is not None
    timer = next(e for e in meeting.entries if e.trigger == "timer")
    assert timer.recurrence is not None and timer.recurrence.iso8601 == "R/P3M"
    assert timer.source is not None and "每季度召开1次" in source_line(DOC, timer.source.line_start)
    assert any(e.trigger == "none" for e in meeting.entries)  # 遇重要事项时适时召开
    monthly = mechanisms["eshan_monthly_joint_rectification"].procedure
    assert monthly is not None
    assert monthly.entries[0].recurrence is not None and monthly.entries[0].recurrence.iso8601 == "R/P1M"


def test_vague_regulated_time_uses_policy(mechanisms: dict[str, Mechanism]) -> None:
    proc = mechanisms["eshan_station_case_transfer"].procedure
    assert proc is not None
    d = proc.step("handle_case").deadline
    assert d is not None and d.origin == "policy" and d.policy == "regulated_time_limit"
    assert proc.step("handle_case").escalation is not None


def test_reviewed_catalog_matches_importer() -> None:
    catalog, errors = load_catalog(CONFIG)
    assert not [e for e in errors if "eshan" in e.file]
    # 7 imported + 5 written by a reviewer for issue 14 (config/import-decisions.yaml)
    assert len([m for m in catalog.mechanisms if m.startswith("eshan_")]) == 12
