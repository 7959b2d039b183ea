"""Each task type's handler against a real SQLite case store, without an engine."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from xietong.task_types import TASK_TYPES
from xietong.workers.calendar import CHINA, CalendarYearNotCovered, WorkingDayCalendar
from xietong.workers.case_store import CaseStatus, CaseStore, EventKind
from xietong.workers.handlers import HANDLERS, JobContext, JobInputError, unhandled_task_types

NOW = dt.datetime(2025, 9, 30, 10, 15, 30, tzinfo=CHINA)  # Tuesday before 国庆 2025
CALENDAR = WorkingDayCalendar()
_job_keys = itertools.count(2251799813700000)

COMMON = {"mechanismId": "siyang_joint_enforcement", "stepId": "step", "department": "泗阳县市场监督管理局"}

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def run(sqlite_store: CaseStore) -> Run:
    def run_job(
        task_type: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        job_key: int | None = None,
        now: dt.datetime = NOW,
    ) -> dict[str, Any]:
        ctx = JobContext(
            job_key=job_key if job_key is not None else next(_job_keys),
            task_type=task_type,
            process_instance_key=2251799813690001,
            bpmn_process_id="siyang_joint_enforcement",
            element_id="element",
            variables=variables or {},
            headers={**COMMON, **(headers or {})},
            store=sqlite_store,
            calendar=CALENDAR,
            now=now,
        )
        return HANDLERS[task_type].handle(ctx)

    return run_job


def kinds(store: CaseStore, case_id: str) -> list[EventKind]:
    return [event.kind for event in store.events(case_id)]


def test_every_catalog_type_has_a_handler() -> None:
    assert unhandled_task_types() == []
    assert set(HANDLERS) == set(TASK_TYPES)


def test_a_header_may_name_a_variable(run: Run, sqlite_store: CaseStore) -> None:
    """Zeebe passes headers verbatim; ``=name`` and ``=a.b`` are looked up by the worker."""
    variables = {"caseId": "C-1", "industryAuthority": "武义县市场监督管理局"}
    variables["jointItem"] = {"lead": "县公安局"}
    headers = {"department": "=industryAuthority", "supervisor": "= jointItem.lead", "level": "1"}
    run("xietong.supervise", variables, headers)
    [event] = sqlite_store.events("C-1")
    assert event.department == "武义县市场监督管理局"
    assert event.detail == {"supervisor": "县公安局", "department": "武义县市场监督管理局", "level": 1}
    run("xietong.notify", {"caseId": "C-2", "parties": ["县司法局", "申请人"]}, {"recipients": "=parties"})
    assert sqlite_store.events("C-2")[0].detail == {"recipients": ["县司法局", "申请人"]}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("=industryAuthority", "refers to 'industryAuthority', which has no value"),
        ("=jointItem.lead", "refers to 'jointItem.lead', which has no value"),
        ("=if jointItem != null then jointItem.lead else leadDepartment", "Zeebe passes headers verbatim"),
    ],
)
def test_a_header_that_cannot_be_resolved_fails_the_job(run: Run, header: str, message: str) -> None:
    with pytest.raises(JobInputError, match=message):
        run("xietong.dispatch", {"caseId": "C-1"}, {"toDepartment": header})


def test_register_assigns_an_id_and_redelivery_keeps_it(run: Run, sqlite_store: CaseStore) -> None:
    out = run("xietong.register", {}, job_key=11)
    assert out == {
        "caseId": "siyang_joint_enforcement-20250930-0001",
        "registeredAt": "2025-09-30T10:15:30+08:00",
    }
    assert run("xietong.register", {}, job_key=11) == out
    assert run("xietong.register", {"caseId": "12345-0817"})["caseId"] == "12345-0817"
    assert kinds(sqlite_store, out["caseId"]) == [EventKind.REGISTERED]


@pytest.mark.parametrize(
    ("limit", "started", "due"),
    [
        ({"amount": 3, "unit": "workingDays"}, None, "2025-10-11T23:59:59+08:00"),
        ({"amount": 1, "unit": "workingDays"}, "2025-09-26T18:00:00+08:00", "2025-09-28T23:59:59+08:00"),
        (
            {"amount": 1, "unit": "workingDays"},
            "2025-09-26T18:00:00+08:00[Asia/Shanghai]",
            "2025-09-28T23:59:59+08:00",
        ),
        ({"amount": 1, "unit": "workingDays"}, "2025-09-26T12:00:00Z", "2025-09-28T23:59:59+08:00"),
        ({"amount": 1, "unit": "workingDays"}, "2025-09-26T18:00:00", "2025-09-28T23:59:59+08:00"),
        ({"amount": 2, "unit": "hours"}, None, "2025-09-30T12:15:30+08:00"),
        ({"amount": 3, "unit": "days"}, "2025-09-28T09:00:00+08:00", "2025-10-09T23:59:59+08:00"),
    ],
)
def test_deadline_sets_the_variable_named_by_the_header(
    run: Run, limit: dict[str, Any], started: str | None, due: str
) -> None:
    variables: dict[str, Any] = {"limit": limit}
    if started is not None:
        variables["startedAt"] = started
    assert run("xietong.deadline", variables, {"dueVariable": "due_report_results"}) == {
        "due_report_results": due,
        "due_report_resultsProvisional": False,
    }


def test_deadline_records_the_due_date_on_the_case(run: Run, sqlite_store: CaseStore) -> None:
    run(
        "xietong.deadline",
        {"caseId": "C-1", "limit": {"amount": 5, "unit": "workingDays"}},
        {"dueVariable": "orderDue", "stepId": "report_results"},
    )
    [event] = sqlite_store.events("C-1")
    assert event.kind is EventKind.DEADLINE_SET
    assert event.step_id == "report_results"
    assert event.detail["due"] == "2025-10-14T23:59:59+08:00"  # 9, 10, 11 (调休), 13, 14 Oct
    assert event.detail["limit"] == {"amount": 5, "unit": "workingDays"}


@pytest.mark.parametrize(
    ("variables", "headers", "message"),
    [
        ({"limit": {"amount": 1, "unit": "days"}}, {}, "header 'dueVariable' is missing"),
        ({"limit": {"amount": 1, "unit": "days"}}, {"dueVariable": "due-x"}, "must be a variable name"),
        ({}, {"dueVariable": "d"}, "variable 'limit' is missing"),
        ({"limit": {"amount": 1, "unit": "weeks"}}, {"dueVariable": "d"}, r"variable 'limit'\.unit"),
        ({"limit": {"amount": 1, "unit": "days"}, "startedAt": "soon"}, {"dueVariable": "d"}, "startedAt"),
        ({"limit": {"amount": 1, "unit": "days"}, "startedAt": 5}, {"dueVariable": "d"}, "startedAt"),
    ],
)
def test_deadline_input_errors_name_the_element_and_field(
    run: Run, variables: dict[str, Any], headers: dict[str, str], message: str
) -> None:
    with pytest.raises(JobInputError, match=message) as caught:
        run("xietong.deadline", variables, headers)
    assert "xietong.deadline at siyang_joint_enforcement/element" in str(caught.value)


def test_deadline_beyond_the_calendar_data_is_provisional_and_says_so(
    run: Run, sqlite_store: CaseStore
) -> None:
    year = CALENDAR.last_year + 1
    out = run(
        "xietong.deadline",
        {
            "caseId": "C-9",
            "limit": {"amount": 1, "unit": "workingDays"},
            "startedAt": f"{year}-03-02T09:00:00+08:00",
        },
        {"dueVariable": "d"},
    )
    assert out == {"d": f"{year}-03-03T23:59:59+08:00", "dProvisional": True}
    [event] = sqlite_store.events("C-9")
    assert event.detail["provisional"] is True and event.detail["provisionalYears"] == [year]


def test_deadline_beyond_the_computable_years_fails_naming_the_year(run: Run) -> None:
    with pytest.raises(CalendarYearNotCovered, match="2100"):
        run(
            "xietong.deadline",
            {"limit": {"amount": 1, "unit": "workingDays"}, "startedAt": "2100-03-02T09:00:00+08:00"},
            {"dueVariable": "d"},
        )


def test_triage_passes_on_a_persons_decision(run: Run, sqlite_store: CaseStore) -> None:
    headers = {"options": "town,lead"}
    assert run("xietong.triage", {"caseId": "C-1", "triageResult": "lead"}, headers) == {
        "triageResult": "lead"
    }
    [event] = sqlite_store.events("C-1")
    assert event.detail == {"result": "lead", "options": ["town", "lead"], "variable": "triageResult"}


def test_triage_reads_and_returns_the_variable_the_header_names(run: Run, sqlite_store: CaseStore) -> None:
    headers = {"options": "on_the_spot,report_up", "resultVariable": "outcome"}
    out = run("xietong.triage", {"caseId": "C-1", "outcome": "report_up", "triageResult": "x"}, headers)
    assert out == {"outcome": "report_up"}
    assert sqlite_store.events("C-1")[0].detail["variable"] == "outcome"
    with pytest.raises(JobInputError, match="'outcome'"):
        run("xietong.triage", {"caseId": "C-1", "triageResult": "report_up"}, headers)
    with pytest.raises(JobInputError, match="must be a variable name"):
        run("xietong.triage", {"caseId": "C-1"}, {**headers, "resultVariable": "out come"})


def test_triage_never_invents_a_decision(run: Run, sqlite_store: CaseStore) -> None:
    with pytest.raises(JobInputError, match=r"needs a person.s decision.*triageResult.*town, lead"):
        run("xietong.triage", {"caseId": "C-1"}, {"options": "town，lead"})
    with pytest.raises(JobInputError, match="'elsewhere' is not one of"):
        run("xietong.triage", {"caseId": "C-1", "triageResult": "elsewhere"}, {"options": "town,lead"})
    assert sqlite_store.events("C-1") == []


def test_dispatch_transfer_and_orders_record_what_went_to_whom(run: Run, sqlite_store: CaseStore) -> None:
    assert run("xietong.dispatch", {"caseId": "C-1"}, {"toDepartment": "泗阳县公安局"}) == {
        "assignedAt": "2025-09-30T10:15:30+08:00"
    }
    transfer = run("xietong.transfer", {"caseId": "C-1"}, {"toDepartment": "泗阳县司法局"})
    orders = [
        run(
            "xietong.jointOrder",
            {"caseId": "C-1", "collaborator": c},
            {"leadDepartment": "泗阳县市场监督管理局"},
        )
        for c in ("泗阳县公安局", "泗阳县商务局")
    ]
    events = sqlite_store.events("C-1")
    assert [e.kind for e in events] == [
        EventKind.DISPATCHED,
        EventKind.TRANSFERRED,
        EventKind.ORDER_SENT,
        EventKind.ORDER_SENT,
    ]
    assert transfer == {"transferId": f"C-1-transfer-{events[1].id}"}
    assert [o["orderId"] for o in orders] == [f"C-1-order-{events[2].id}", f"C-1-order-{events[3].id}"]
    assert events[0].detail == {"to": "泗阳县公安局"}
    assert events[3].detail == {"to": "泗阳县商务局", "lead": "泗阳县市场监督管理局"}


def test_a_redelivered_order_keeps_its_id(run: Run) -> None:
    variables = {"caseId": "C-1", "collaborator": "泗阳县公安局"}
    first = run("xietong.jointOrder", variables, {"leadDepartment": "L"}, job_key=77)
    assert run("xietong.jointOrder", variables, {"leadDepartment": "L"}, job_key=77) == first


def test_notify_records_the_recipients(run: Run, sqlite_store: CaseStore) -> None:
    out = run("xietong.notify", {"caseId": "C-1"}, {"recipients": "县司法局、县公安局, 申请人"})
    assert out == {"notifiedAt": "2025-09-30T10:15:30+08:00"}
    assert sqlite_store.events("C-1")[0].detail == {"recipients": ["县司法局", "县公安局", "申请人"]}


def test_supervise_and_escalate_record_levels_and_departments(run: Run, sqlite_store: CaseStore) -> None:
    later = NOW + dt.timedelta(days=9)
    out = run(
        "xietong.supervise",
        {"caseId": "C-1"},
        {"supervisor": "泗阳县综合指挥调度中心", "level": "1", "department": "牵头单位"},
        now=later,
    )
    assert out == {"supervisedAt": "2025-10-09T10:15:30+08:00"}
    run("xietong.escalate", {"caseId": "C-1"}, {"to": "市级指挥协调机制", "level": "2"}, now=later)
    supervised, escalated = sqlite_store.events("C-1")
    assert supervised.kind is EventKind.SUPERVISED
    assert supervised.detail == {"supervisor": "泗阳县综合指挥调度中心", "department": "牵头单位", "level": 1}
    assert escalated.kind is EventKind.ESCALATED
    assert escalated.detail == {"to": "市级指挥协调机制", "department": "泗阳县市场监督管理局", "level": 2}


def test_summarize_counts_missing_results(run: Run, sqlite_store: CaseStore) -> None:
    results = [{"department": "A", "done": True}, None, {"department": "C", "done": False}]
    summary = run("xietong.summarize", {"caseId": "C-1", "results": results})["summary"]
    assert (summary["expected"], summary["received"], summary["missing"]) == (3, 2, 1)
    assert summary["results"] == [results[0], results[2]]
    assert sqlite_store.events("C-1")[0].detail == {"expected": 3, "received": 2, "missing": 1}
    assert run("xietong.summarize", {"caseId": "C-2"})["summary"]["expected"] == 0
    with pytest.raises(JobInputError, match="'results' must be a list"):
        run("xietong.summarize", {"caseId": "C-3", "results": "all fine"})


def test_archive_closes_the_case(run: Run, sqlite_store: CaseStore) -> None:
    case_id = run("xietong.register")["caseId"]
    out = run("xietong.archive", {"caseId": case_id}, now=NOW + dt.timedelta(days=3))
    assert out == {"archivedAt": "2025-10-03T10:15:30+08:00"}
    case = sqlite_store.get(case_id)
    assert case is not None
    assert case.status is CaseStatus.ARCHIVED
    assert kinds(sqlite_store, case_id) == [EventKind.REGISTERED, EventKind.ARCHIVED]


@pytest.mark.parametrize(
    ("task_type", "variables", "headers", "message"),
    [
        ("xietong.dispatch", {}, {"toDepartment": "X"}, "variable 'caseId' is missing"),
        ("xietong.dispatch", {"caseId": 17}, {"toDepartment": "X"}, "'caseId' is not a non-empty string"),
        ("xietong.dispatch", {"caseId": "C"}, {}, "header 'toDepartment' is missing"),
        (
            "xietong.jointOrder",
            {"caseId": "C"},
            {"leadDepartment": "L"},
            "variable 'collaborator' is missing",
        ),
        ("xietong.supervise", {"caseId": "C"}, {"supervisor": "S", "level": "一"}, "'level' must be a whole"),
        ("xietong.escalate", {"caseId": "C"}, {"level": "2"}, "header 'to' is missing"),
        ("xietong.notify", {"caseId": "C"}, {"recipients": " , "}, "names nobody"),
        ("xietong.archive", {}, {}, "variable 'caseId' is missing"),
    ],
)
def test_missing_inputs_fail_with_a_clear_message(
    run: Run,
    sqlite_store: CaseStore,
    task_type: str,
    variables: dict[str, Any],
    headers: dict[str, str],
    message: str,
) -> None:
    with pytest.raises(JobInputError, match=message):
        run(task_type, variables, headers)
    assert sqlite_store.cases() == []  # nothing half-written


def test_outputs_are_the_catalogs(run: Run) -> None:
    """Every handler returns exactly the output variables the catalog declares for its type."""
    case_id = run("xietong.register")["caseId"]
    inputs: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
        "xietong.register": ({}, {}),
        "xietong.deadline": ({"limit": {"amount": 1, "unit": "days"}}, {"dueVariable": "due_x"}),
        "xietong.triage": (
            {"outcome": "a", "triageResult": "a"},
            {"options": "a,b", "resultVariable": "outcome"},
        ),
        "xietong.dispatch": ({}, {"toDepartment": "X"}),
        "xietong.jointOrder": ({"collaborator": "Y"}, {"leadDepartment": "X"}),
        "xietong.transfer": ({}, {"toDepartment": "X"}),
        "xietong.notify": ({}, {"recipients": "X"}),
        "xietong.supervise": ({}, {"supervisor": "X", "level": "1"}),
        "xietong.escalate": ({}, {"to": "X", "level": "2"}),
        "xietong.summarize": ({"results": []}, {}),
        "xietong.archive": ({}, {}),
    }
    assert set(inputs) == set(TASK_TYPES)
    for name, (variables, headers) in inputs.items():
        out = run(name, {"caseId": case_id, **variables}, headers)
        # Outputs named by a header are written <headerName> in the catalog.
        declared = {
            headers.get(v.name[1 : v.name.index(">")], v.name) + v.name[v.name.index(">") + 1 :]
            if v.name.startswith("<")
            else v.name
            for v in TASK_TYPES[name].outputs
        }
        if name == "xietong.triage" and "<resultVariable>" not in {v.name for v in TASK_TYPES[name].outputs}:
            declared = {"triageResult"}  # the catalog as committed before the resultVariable header
        assert set(out) == declared, name
