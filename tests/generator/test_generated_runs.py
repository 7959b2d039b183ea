"""Generated models run on the embedded engine as promised: items, multi-instance, 督办, escalation.

The linters say a model is well-formed; only running it shows the FEEL, the timers and the escalation
wiring mean what docs/bpmn.md says. Time is the engine's clock, moved explicitly.
"""

from __future__ import annotations

from datetime import timedelta

from tests.support import pinned_engine, running_fixture
from xietong.catalog.model import Procedure, validate_plain
from xietong.engine.commands import ActivateJobs, CompleteJob, CompleteUserTask, Deploy
from xietong.engine.engine import Engine
from xietong.engine.testing import Harness
from xietong.generator.forms import model_resources
from xietong.generator.mapping import MappingInput, procedure_to_spec
from xietong.generator.writer import write_bpmn
from xietong.settings import PROJECT_ROOT

SRC = {"document": "003_3683dd0429a6386d.txt", "line_start": 60, "line_end": 61}


engine = running_fixture(pinned_engine)


def _jobs(engine: Engine, job_type: str) -> tuple:
    return engine.execute(ActivateJobs(job_type, "test", 60_000, 20))


def _user_tasks(engine: Engine, pi: int) -> dict[str, list]:
    found: dict[str, list] = {}
    for task in engine.queries.search_user_tasks(state="CREATED", process_instance_key=pi):
        found.setdefault(task.element_id, []).append(task)
    return found


def test_siyang_item_number_chooses_lead_and_collaborators(engine: Engine) -> None:
    h = Harness(engine)
    engine.execute(Deploy(tuple(model_resources(PROJECT_ROOT / "bpmn/siyang/siyang_joint_enforcement.bpmn"))))
    pi = h.start(
        "siyang_joint_enforcement", {"caseId": "C1", "itemNumber": 1, "entry": "application_received"}
    )
    item = h.variables(pi)["jointItem"]
    assert item["title"] == "农贸市场安全方面的综合执法" and item["lead"] == "泗阳县市场监督管理局"
    decisions = {"initial_review": "eligible", "legal_review": "passed", "submit_for_approval": "approved"}
    for _ in range(10):
        tasks = _user_tasks(engine, pi)
        for job in _jobs(engine, "xietong.transfer"):
            engine.execute(CompleteJob(job.key, {}))
        if "collaborator_enforcement" in tasks:  # the collaborators enforce beside the lead (附件1)
            break
        for element_id, found in tasks.items():
            variables = {"outcome": decisions[element_id]} if element_id in decisions else {}
            engine.execute(CompleteUserTask(found[0].user_task_key, variables))
        for job in _jobs(engine, "xietong.deadline"):
            due = (engine.clock.now() + timedelta(days=3)).isoformat()
            engine.execute(CompleteJob(job.key, {job.custom_headers["dueVariable"]: due}))
    groups = sorted(t.candidate_groups for t in _user_tasks(engine, pi)["collaborator_enforcement"])
    # each collaborator's task goes to its department's group id (siyang.public_security …)
    assert groups == sorted((c,) for c in item["collaboratorGroups"]) and len(groups) == 7
    assert all(group.startswith("siyang.") for (group,) in groups)


PROCEDURE = {
    "actors": [
        {"id": "town", "label": "属地镇（街道）", "role": "territorial_town"},
        {"id": "centre", "label": "指挥中心", "department": "综合指挥调度中心"},
        {"id": "city", "label": "市级指挥协调机制", "department": "市级指挥协调机制"},
    ],
    "entries": [{"id": "found", "name": "巡查发现", "to": "transfer"}],
    "steps": [
        {
            "id": "transfer",
            "kind": "transfer",
            "name": "移送",
            "actor": "town",
            "human": False,
            "deadline": {
                "amount": 3,
                "unit": "working_days",
                "origin": "text",
                "quote": "3个工作日内移送",
                "source": SRC,
                "urgent_variant": {
                    "amount": 24,
                    "unit": "hours",
                    "origin": "text",
                    "quote": "24小时内",
                    "source": SRC,
                },
            },
            "escalation": {"chain": ["centre", "city"]},
            "next": [{"to": "END", "label": "已移送"}],
        },
    ],
}


def test_overdue_step_is_supervised_then_escalated_while_it_goes_on(engine: Engine) -> None:
    spec = procedure_to_spec(
        MappingInput("overdue_demo", "逾期演示", "wuyi", validate_plain(Procedure, PROCEDURE), None)
    )
    h = Harness(engine)
    h.deploy(write_bpmn(spec), "overdue_demo.bpmn")
    pi = h.start("overdue_demo", {"caseId": "C9", "urgent": True})
    [deadline] = _jobs(engine, "xietong.deadline")
    assert deadline.variables["limit"] == {"amount": 24, "unit": "hours"}  # the urgent variant was chosen
    due = engine.clock.now() + timedelta(hours=24)
    engine.execute(CompleteJob(deadline.key, {"due_transfer": due.isoformat()}))
    [transfer] = _jobs(engine, "xietong.transfer")
    assert _jobs(engine, "xietong.supervise") == ()
    engine.clock.add(timedelta(hours=25))
    [supervise] = _jobs(engine, "xietong.supervise")
    assert supervise.custom_headers["supervisor"] == "综合指挥调度中心"
    engine.execute(CompleteJob(supervise.key, {}))
    [escalate] = _jobs(engine, "xietong.escalate")
    assert (escalate.custom_headers["to"], escalate.custom_headers["level"]) == ("市级指挥协调机制", "2")
    assert "transfer" in h.active_elements(pi)  # non-interrupting: the transfer is still being worked on
    engine.execute(CompleteJob(escalate.key, {}))
    engine.execute(CompleteJob(transfer.key, {}))
    [archive] = _jobs(engine, "xietong.archive")  # every case ends with 结案归档
    engine.execute(CompleteJob(archive.key, {}))
    assert h.state(pi) == "COMPLETED"
