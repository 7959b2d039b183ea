"""The two paths issue 14 found broken, run on the in-process engine with the real handlers and the clock:

- 武义 案件移送: choosing 情况紧急 really gives the 24-hour limit (003: 情况紧急的…并在24小时内移送), counted
  from discovery, and the 督办 comes when it passes; a normal case gets 3 working days;
- 泗阳: a collaborator's emergency goes up through the lead to 县委县政府 (附件2 配合单位 3, 牵头单位 5), the
  report is 督办'd when the clock passes its limit, and after approval every collaborator of the item —
  属地乡镇（街道） included — enforces beside the lead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support import pinned_engine, running_fixture
from tests.walk.walker import forms_beside, worker_outputs
from xietong.engine.commands import (
    ActivateJobs,
    CompleteJob,
    CompleteUserTask,
    CreateProcessInstance,
    Deploy,
)
from xietong.engine.engine import Engine
from xietong.engine.testing import START
from xietong.settings import PROJECT_ROOT
from xietong.workers.calendar import WorkingDayCalendar
from xietong.workers.case_store import CaseStore
from xietong.workers.handlers import HANDLERS

BPMN = PROJECT_ROOT / "bpmn"


class Case:
    """One case on the engine: the clerk completes tasks, the real handlers do the jobs."""

    def __init__(self, engine: Engine, store: CaseStore, model: str, variables: dict[str, Any]) -> None:
        path = BPMN / model
        engine.execute(Deploy(((path.name, path.read_bytes()), *forms_beside(path))))
        self.engine, self.store = engine, store
        self.calendar = WorkingDayCalendar()
        created = engine.execute(CreateProcessInstance(bpmn_process_id=path.stem, variables=variables))
        self.pi = created.process_instance_key
        self.jobs_done: list[tuple[str, dict[str, Any], dict[str, Any]]] = []  # (element, variables, outputs)

    def run_jobs(self) -> None:
        """Do every job of this case that is ready, as the workers would."""
        progressed = True
        while progressed:
            progressed = False
            for task_type in HANDLERS:
                for job in self.engine.execute(ActivateJobs(task_type, "test", 60_000, 50)):
                    outputs = worker_outputs(self.engine, job, self.store, self.calendar)
                    self.jobs_done.append((job.element_id, dict(job.variables), outputs))
                    self.engine.execute(CompleteJob(job.key, outputs))
                    progressed = True

    def tasks(self) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for task in self.engine.queries.search_user_tasks(state="CREATED", process_instance_key=self.pi):
            found.setdefault(task.element_id, []).append(task)
        return found

    def complete(self, element_id: str, variables: dict[str, Any] | None = None) -> None:
        self.run_jobs()
        tasks = self.tasks().get(element_id)
        assert tasks, f"no open task {element_id}; open: {sorted(self.tasks())}"
        for task in tasks:
            self.engine.execute(CompleteUserTask(task.user_task_key, variables or {}))
        self.run_jobs()

    def job(self, element_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        found = [(v, o) for e, v, o in self.jobs_done if e == element_id]
        assert found, f"no job {element_id} was done"
        return found[-1]

    def supervised(self, step: str) -> bool:
        return any(e == f"{step}_supervise" for e, _, _ in self.jobs_done)

    def pass_time(self, delta: timedelta) -> None:
        self.engine.clock.add(delta)
        self.run_jobs()

    def state(self) -> str:
        view = self.engine.queries.get_process_instance(self.pi)
        assert view is not None
        return view.state

    def incidents(self) -> list[str]:
        return [i.error_message for i in self.engine.queries.search_incidents(process_instance_key=self.pi)]


engine = running_fixture(pinned_engine)  # at START: Monday 3 March 2025, 09:00 UTC


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as cases:
        yield cases


def _wuyi_transfer(engine: Engine, store: CaseStore, urgency: str) -> Case:
    bodies = {"initiator": "wuyi.agriculture", "competentParty": "wuyi.enforcement"}
    case = Case(engine, store, "wuyi/wuyi_case_transfer.bpmn", {"caseId": f"WY-{urgency}", **bodies})
    case.pass_time(timedelta(hours=3))  # the urgency is judged three hours after discovery
    case.complete("assess_urgency", {"urgency": urgency})
    if urgency == "urgent":
        case.complete("order_stop")
    case.complete("prepare_materials")
    case.complete("leader_approval", {"transferApproval": "approved"})  # 移送的案件应当经部门领导批准
    return case


def test_urgent_wuyi_transfer_has_24_hours_from_discovery(engine: Engine, store: CaseStore) -> None:
    case = _wuyi_transfer(engine, store, "urgent")
    variables, outputs = case.job("transfer_case_due")
    assert variables["limit"] == {"amount": 24, "unit": "hours"}  # the urgency decision chose the variant
    assert datetime.fromisoformat(variables["startedAt"]) == START  # counted from discovery, not from now
    assert datetime.fromisoformat(outputs["due_transfer_case"]) == START + timedelta(hours=24)
    assert "transfer_case" in case.tasks()
    case.pass_time(timedelta(hours=20))  # 23 hours after discovery: still in time
    assert not case.supervised("transfer_case")
    case.pass_time(timedelta(hours=2))  # 25 hours after discovery: the 督办 goes out, the transfer goes on
    assert case.supervised("transfer_case") and "transfer_case" in case.tasks()
    case.complete("transfer_case")
    case.complete("accept_case", {"jurisdictionView": "accepted"})
    case.complete("handle_case")
    assert case.state() == "COMPLETED" and case.incidents() == []


def test_normal_wuyi_transfer_has_3_working_days(engine: Engine, store: CaseStore) -> None:
    case = _wuyi_transfer(engine, store, "normal")
    variables, outputs = case.job("transfer_case_due")
    assert variables["limit"] == {"amount": 3, "unit": "workingDays"}
    due = datetime.fromisoformat(outputs["due_transfer_case"])
    assert due > START + timedelta(days=2)  # three working days from Monday: not before Thursday
    case.pass_time(timedelta(hours=25))
    assert not case.supervised("transfer_case")


def test_siyang_collaborator_emergency_goes_up_and_every_collaborator_enforces(
    engine: Engine, store: CaseStore
) -> None:
    case = Case(engine, store, "siyang/siyang_joint_enforcement.bpmn", {
        "caseId": "SY-emergency", "entry": "emergency_collaborator", "itemNumber": 11,
        "town": "siyang.zhongxing_street",
    })
    item = engine.queries.variables(case.pi)["jointItem"]
    assert item["title"] == "违章建筑拆除联合执法"
    assert item["collaboratorGroups"][-1] == "siyang.zhongxing_street"  # the 属地街道 is among them
    case.complete("request_lead")  # 配合单位提请牵头单位组织开展联动执法
    assert "report_emergency" in case.tasks()
    case.pass_time(timedelta(hours=2, minutes=1))  # 及时上报 read as 2 clock hours (promptly_report)
    assert case.supervised("report_emergency")
    case.complete("report_emergency")
    case.complete("county_approval", {"emergencyApproval": "approved"})  # 县委县政府审核同意
    case.complete("emergency_organise")
    enforcing = case.tasks()["collaborator_enforcement"]
    assert sorted(g for t in enforcing for g in t.candidate_groups) == sorted(item["collaboratorGroups"])
    assert len(enforcing) == 3  # 住建局, 资规局 and the 属地街道 the case names
    case.complete("joint_enforcement")
    case.complete("collaborator_enforcement")
    case.complete("collaborator_documents")
    variables, _ = case.job("report_results_due")
    assert variables["limit"] == {"amount": 5, "unit": "workingDays"} and variables["startedAt"]
    case.complete("report_results")
    case.complete("archive")  # 县综合指挥调度中心汇总执法结果，并存档
    assert case.state() == "COMPLETED" and case.incidents() == []


def test_wuyi_special_launch_checks_the_5_day_lead_time(engine: Engine, store: CaseStore) -> None:
    """专项启动: 可提前5日前向联合执法领导小组办公室提出申请 — a planned start 2 days ahead goes back to be
    re-planned; 6 days ahead goes on to the office's review."""
    case = Case(engine, store, "wuyi/wuyi_joint_enforcement_launch.bpmn", {
        "caseId": "WY-special", "entry": "special_launch", "applicant": "wuyi.agriculture",
        "collaborators": ["wuyi.enforcement"],
    })
    case.complete("apply_special", {"plannedStart": (START + timedelta(days=2)).isoformat()})
    assert engine.queries.variables(case.pi)["leadTime"] == "late"
    assert "apply_special" in case.tasks() and "review_special" not in case.tasks()
    case.complete("apply_special", {"plannedStart": (START + timedelta(days=6)).isoformat()})
    assert engine.queries.variables(case.pi)["leadTime"] == "in_time"
    assert "review_special" in case.tasks() and case.incidents() == []
