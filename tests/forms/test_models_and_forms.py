"""bpmn/ as committed: every user task links a generated Camunda form deployed with it, every decision
gateway's codes are exactly the choices of the forms of the tasks that reach it, and every timed
task carries its due date (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.forms.model_reading import (
    Gateway,
    UserTask,
    form_choices,
    form_required,
    forms,
    load_form,
    models,
    read_model,
)
from xietong.generator.forms import EXECUTION_PLATFORM_VERSION, SCHEMA_VERSION

READ = {path: read_model(path) for path in models()}
TASKS: list[UserTask] = [task for tasks, _ in READ.values() for task in tasks]
GATEWAYS: list[Gateway] = [gateway for _, gateways in READ.values() for gateway in gateways]


def form_of(task: UserTask) -> dict:
    path = task.model.parent / "forms" / f"{task.form_id}.form"
    assert path.is_file(), f"{task.model.name}: {task.element_id} links {task.form_id}, not in forms/"
    return load_form(path)


def test_there_is_something_to_check() -> None:
    assert len(TASKS) > 700 and len(GATEWAYS) > 100 and len(forms()) > 20


def test_every_user_task_links_a_deployed_form_and_none_an_external_reference() -> None:
    wrong = [
        f"{t.model.name}: {t.element_id}: formId={t.form_id} binding={t.binding} external={t.external}"
        for t in TASKS
        if not t.form_id or t.binding != "deployment" or t.external is not None
    ]
    assert not wrong, wrong[:10]
    for task in TASKS:
        assert form_of(task)["id"] == task.form_id


def test_forms_with_the_same_fields_are_one_form() -> None:
    assert len(forms()) < len(TASKS) / 5
    seen: dict[str, Path] = {}
    for path in forms():
        schema = load_form(path)
        fields = json.dumps(schema["components"], sort_keys=True, ensure_ascii=False)
        twin = seen.get(fields + path.parent.parent.name)
        assert twin is None, f"{path} and {twin} ask the same"
        seen[fields + path.parent.parent.name] = path
        assert path.stem == schema["id"], f"{path}: the file is named after another form id"


def test_every_decision_gateways_codes_are_its_tasks_form_choices() -> None:
    """Walk every gateway whose conditions test codes; each user task whose completion reaches it must
    offer exactly those codes (no more, no fewer) as a required choice of the same variable."""
    checked = 0
    for gateway in GATEWAYS:
        tasks = {t.element_id: t for t in READ[gateway.model][0]}
        for task_id in gateway.tasks:
            schema = form_of(tasks[task_id])
            where = f"{gateway.model.name}: {task_id} -> {gateway.element_id}"
            assert form_choices(schema) == gateway.codes, where
            assert set(gateway.codes) <= form_required(schema), f"{where}: the choice is not required"
            checked += 1
    assert checked > 100


def test_tasks_reaching_no_decision_ask_for_a_required_text_and_offer_no_choice() -> None:
    deciding = {(g.model, t) for g in GATEWAYS for t in g.tasks}
    for task in TASKS:
        if (task.model, task.element_id) in deciding:
            continue
        schema = form_of(task)
        assert form_choices(schema) == {}, f"{task.model.name}: {task.element_id}"
        assert form_required(schema) & {"opinion", "result"}, f"{task.model.name}: {task.element_id}"


def test_every_form_opens_with_the_case_and_is_a_camunda_88_form() -> None:
    for path in forms():
        schema = load_form(path)
        assert schema["schemaVersion"] == SCHEMA_VERSION and schema["type"] == "default"
        assert (schema["executionPlatform"], schema["executionPlatformVersion"]) == (
            "Camunda Cloud",
            EXECUTION_PLATFORM_VERSION,
        )
        header = schema["components"][0]
        assert header["type"] == "text"
        for variable in ("caseId", "caseMatter", "applicant", "sourceClause"):
            assert "{{" in header["text"] and variable in header["text"], (path.name, variable)


def test_every_timed_task_has_its_timers_due_date() -> None:
    """The due date is the deadline timer's instant: the same date expression, or now() + its duration."""
    timed = [t for t in TASKS if t.timer is not None]
    assert len(timed) > 50
    for task in timed:
        kind, expression = task.timer.split(":", 1)
        where = f"{task.model.name}: {task.element_id}"
        assert task.due_date, f"{where}: timed ({task.timer}) but no dueDate"
        if kind == "timeDate":
            assert task.due_date == expression, where
        else:
            assert task.due_date.startswith("=now() + "), where
            body = task.due_date.removeprefix("=now() + ")
            assert body in (f'duration("{expression}")', f"({expression.removeprefix('=').strip()})"), where
    untimed_with_due = [t.element_id for t in TASKS if t.timer is None and t.due_date]
    assert not untimed_with_due


def test_supervision_steps_have_a_follow_up_date_computed_by_the_deadline_worker() -> None:
    follow_ups = [t for t in TASKS if t.follow_up]
    assert follow_ups
    for task in follow_ups:
        variable = task.follow_up.removeprefix("=")
        text = task.model.read_text(encoding="utf-8")
        assert f'<zeebe:header key="dueVariable" value="{variable}"/>' in text, task.element_id

