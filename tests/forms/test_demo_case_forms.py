"""The demo case (泗阳 联动执法) on the engine, deployed with its forms as ``xietong deploy`` deploys
them: every user task it creates answers the form its model links, and each decision the case takes
is one of the choices that form offers (issue 13's "done when")."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.forms.model_reading import form_choices
from tests.support import pinned_engine, running_fixture
from xietong.engine.commands import CompleteJob, CompleteUserTask, Deploy
from xietong.engine.engine import Engine
from xietong.engine.testing import Harness
from xietong.generator.forms import model_resources
from xietong.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "bpmn/siyang/siyang_joint_enforcement.bpmn"
DECISIONS = {"initial_review": "eligible", "legal_review": "passed", "submit_for_approval": "approved"}
JOB_TYPES = (
    "xietong.register", "xietong.transfer", "xietong.dispatch", "xietong.notify", "xietong.jointOrder",
    "xietong.deadline", "xietong.triage", "xietong.archive", "xietong.supervise", "xietong.summarize",
    "xietong.escalate",
)  # fmt: skip


engine = running_fixture(pinned_engine)


def linked_forms(model: Path) -> dict[str, str]:
    """user task id -> the formId its formDefinition names, read from the XML."""
    text = model.read_text(encoding="utf-8")
    task = r'<bpmn:userTask id="([^"]+)"[^>]*>(?:(?!</bpmn:userTask>).)*?formId="([^"]+)"'
    return dict(re.findall(task, text, re.S))


def test_every_user_task_of_the_demo_case_answers_its_form(engine: Engine) -> None:
    h = Harness(engine)
    result = engine.execute(Deploy(tuple(model_resources(MODEL))))
    assert result.forms and all(f.version >= 1 for f in result.forms)
    expected = linked_forms(MODEL)
    case = {"caseId": "SY-2025-0001", "itemNumber": 3, "entry": "application"}
    pi = h.start("siyang_joint_enforcement", case)
    seen: set[str] = set()
    for _ in range(30):
        for job_type in JOB_TYPES:  # the workers' part, done by hand: only the deadline's date matters
            for job in h.jobs(job_type, 20):
                due = job.custom_headers.get("dueVariable")
                engine.execute(CompleteJob(job.key, {due: "2025-03-10T23:59:59+08:00"} if due else {}))
        tasks = [t for t in engine.queries.search_user_tasks(process_instance_key=pi) if t.state == "CREATED"]
        if not tasks and h.state(pi) == "COMPLETED":
            break
        for task in tasks:
            exists, form_key, form = engine.queries.get_user_task_form(task.user_task_key)
            assert exists and form is not None and form_key == task.form_key, task.element_id
            assert form.form_id == expected[task.element_id], task.element_id
            schema = json.loads(form.schema)
            variables: dict = {"opinion": "同意"}
            if task.element_id in DECISIONS:
                assert DECISIONS[task.element_id] in form_choices(schema)["outcome"], task.element_id
                variables["outcome"] = DECISIONS[task.element_id]
            else:
                assert form_choices(schema) == {}, task.element_id
            seen.add(task.element_id)
            engine.execute(CompleteUserTask(task.user_task_key, variables))
    assert h.state(pi) == "COMPLETED", sorted(seen)
    assert set(DECISIONS) <= seen and len(seen) >= 8
    incidents = [i for i in engine.queries.search_incidents(process_instance_key=pi) if i.state == "ACTIVE"]
    assert not incidents
