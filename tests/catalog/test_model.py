"""The model's own checks: graph consistency, deadlines, strictness."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xietong.catalog.model import END, Deadline, Procedure, validate_plain


def _procedure(**overrides: object) -> dict:
    data: dict = {
        "actors": [{"id": "centre", "label": "指挥中心", "department": "综合指挥调度中心"}],
        "entries": [{"id": "start", "name": "申请", "to": "review"}],
        "steps": [
            {
                "id": "review",
                "kind": "review",
                "name": "初审",
                "actor": "centre",
                "decision": {
                    "question": "是否符合联动执法要求",
                    "outcomes": [{"code": "ok", "label": "符合"}, {"code": "rejected", "label": "不符合"}],
                },
                "next": [{"to": "archive", "outcome": "ok"}, {"to": END, "outcome": "rejected"}],
            },
            {"id": "archive", "kind": "archive", "name": "存档", "actor": "centre", "next": [{"to": END}]},
        ],
    }
    data.update(overrides)
    return data


def test_valid_procedure_loads_with_enum_strings() -> None:
    proc = validate_plain(Procedure, _procedure())
    assert proc.step("review").decision is not None
    assert proc.step("archive").kind == "archive"


def test_dangling_transition_is_rejected() -> None:
    data = _procedure()
    data["steps"][1]["next"] = [{"to": "nowhere"}]
    with pytest.raises(ValidationError, match="unknown step 'nowhere'"):
        validate_plain(Procedure, data)


def test_unknown_actor_is_rejected() -> None:
    data = _procedure()
    data["steps"][1]["actor"] = "ghost"
    with pytest.raises(ValidationError, match="unknown actor 'ghost'"):
        validate_plain(Procedure, data)


def test_unreachable_step_is_rejected() -> None:
    data = _procedure()
    data["steps"].append({"id": "orphan", "kind": "notify", "name": "通报", "actor": "centre",
                          "next": [{"to": END}]})
    with pytest.raises(ValidationError, match="not reachable"):
        validate_plain(Procedure, data)


def test_loop_without_exit_is_rejected() -> None:
    data = _procedure()
    data["steps"][1]["next"] = [{"to": "review"}]
    data["steps"][0]["next"] = [{"to": "archive", "outcome": "ok"}, {"to": "archive", "outcome": "rejected"}]
    with pytest.raises(ValidationError, match="end cannot be reached"):
        validate_plain(Procedure, data)


def test_decision_outcomes_must_all_have_edges() -> None:
    data = _procedure()
    data["steps"][0]["next"] = [{"to": "archive", "outcome": "ok"}]
    with pytest.raises(ValidationError, match="without a transition"):
        validate_plain(Procedure, data)


def test_strict_types_refuse_coercion() -> None:
    with pytest.raises(ValidationError):
        validate_plain(Deadline, {"amount": "5", "unit": "working_days", "origin": "policy", "policy": "p"})


def test_text_deadline_needs_quote_and_source() -> None:
    with pytest.raises(ValidationError, match="quote and source"):
        validate_plain(Deadline, {"amount": 5, "unit": "working_days", "origin": "text"})


def test_step_ids_must_be_ascii_for_bpmn() -> None:
    data = _procedure()
    data["steps"][1]["id"] = "存档"
    data["steps"][0]["next"][0]["to"] = "存档"
    with pytest.raises(ValidationError, match="pattern"):
        validate_plain(Procedure, data)
