"""What the pages take and answer: a task form's own fields only, its required ones filled; page numbers;
unknown addresses; headers that keep the pages out of other sites' frames.

Found by the qa pass: without JavaScript (or before form-js had loaded) 办结 completed a task whose
form requires an opinion, and a tampered post could set any case variable.
"""

from __future__ import annotations

import json
from pathlib import Path

from xietong.web.site import page_number
from xietong.web.tasks import checked_form_data

FORMS = Path(__file__).resolve().parents[2] / "bpmn" / "siyang" / "forms"


def schema(prefix: str) -> dict:
    return json.loads(next(FORMS.glob(f"{prefix}*.form")).read_text(encoding="utf-8"))


def test_an_empty_submission_of_a_required_opinion_is_refused() -> None:
    opinion = schema("Form_siyang_opinion_")
    kept, missing = checked_form_data(opinion, {})
    assert kept == {} and missing == ["办理意见"]
    kept, missing = checked_form_data(opinion, {"opinion": "  "})
    assert missing == ["办理意见"]
    kept, missing = checked_form_data(opinion, {"opinion": "同意"})
    assert kept == {"opinion": "同意"} and missing == []


def test_only_the_forms_own_fields_reach_the_case() -> None:
    decision = schema("Form_siyang_decision_outcome_")
    posted = {"outcome": "eligible", "opinion": "x", "caseId": "SY-EVIL", "jointItem": {"leadGroup": "x"}}
    kept, missing = checked_form_data(decision, posted)
    assert kept == {"outcome": "eligible", "opinion": "x"} and missing == []
    kept, missing = checked_form_data(decision, {"opinion": "x"})
    assert missing and "outcome" not in kept


def test_a_page_number_that_is_no_plain_number_is_the_first_page() -> None:
    class Request:
        def __init__(self, page: str) -> None:
            self.query_params = {"page": page}

    for text in ("²", "-1", "abc", "", "１", "9" * 30):
        assert 1 <= page_number(Request(text)) <= 10**6  # type: ignore[arg-type]
    assert page_number(Request("3")) == 3  # type: ignore[arg-type]


def test_an_unknown_address_is_the_chinese_not_found_page_and_no_page_can_be_framed() -> None:
    from starlette.testclient import TestClient

    from xietong.web.app import create_app

    with TestClient(create_app()) as client:
        for path in ("/nope", "/cases/abc", "/processes/abc", "/assets/bpmn-js/nope.js"):
            answer = client.get(path)
            assert answer.status_code == 404 and "text/html" in answer.headers["content-type"], path
            assert "未找到" in answer.text
        answer = client.get("/login")
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_supervisor_is_not_offered_work_the_engine_would_refuse() -> None:
    from types import SimpleNamespace

    from xietong.web.tasks import can_work

    task = {"candidateGroups": ["siyang.justice"], "assignee": None}

    def person(*roles: str, credentials: object = ("u", "p")) -> SimpleNamespace:
        return SimpleNamespace(roles=roles, groups=("siyang.justice",), credentials=credentials)

    assert not can_work(person("supervisor"), task)
    assert can_work(person("clerk"), task) and can_work(person("admin"), task)
    assert can_work(person("supervisor", credentials=None), task)  # an unprotected engine decides


def test_what_could_not_be_sent_is_kept_under_the_forms_labels() -> None:
    from xietong.web.site import unsent_entries

    decision = schema("Form_siyang_decision_outcome_")
    entries = unsent_entries(None, None, json.dumps({"opinion": "同意"}), decision)
    assert entries == [("意见说明", "同意")]
