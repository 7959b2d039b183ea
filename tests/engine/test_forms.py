"""Camunda forms on the embedded engine: deployed with their models, versioned per form id, linked to
user tasks by ``zeebe:formDefinition formId`` with Zeebe's three binding types and Zeebe's refusals
and incidents when a form is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xietong.engine import Engine
from xietong.engine.commands import DeleteResource, Deploy, DeploymentResult, ResolveIncident
from xietong.engine.errors import DeploymentRejected, NotFound
from xietong.engine.queries import UserTaskView
from xietong.engine.testing import Harness, bpmn, chain


def form(form_id: str, label: str = "结果", version_tag: str | None = None) -> bytes:
    schema = {
        "id": form_id,
        "type": "default",
        "schemaVersion": 19,
        "components": [{"type": "textfield", "key": "outcome", "label": label, "id": "Field_1"}],
    }
    if version_tag is not None:
        schema["versionTag"] = version_tag
    return json.dumps(schema, ensure_ascii=False).encode()


def task_model(form_attrs: str, process_id: str = "p") -> bytes:
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="review" name="初审"><bpmn:extensionElements>'
        f"<zeebe:userTask/><zeebe:formDefinition {form_attrs}/>"
        '</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e"/>' + chain("s", "review", "e"),
        process_id,
    )


def deploy(h: Harness, *resources: tuple[str, bytes]) -> DeploymentResult:
    return h.engine.execute(Deploy(tuple(resources)))


def the_task(h: Harness, pi: int) -> UserTaskView:
    (task,) = h.engine.queries.search_user_tasks(process_instance_key=pi)
    return task


def incidents(h: Harness, pi: int) -> list:
    return [i for i in h.engine.queries.search_incidents(process_instance_key=pi) if i.state == "ACTIVE"]


def test_a_form_deploys_with_its_model_and_the_task_carries_its_key(h: Harness) -> None:
    result = deploy(
        h,
        ("review.bpmn", task_model('formId="review-form" bindingType="deployment"')),
        ("forms/review.form", form("review-form")),
    )
    (meta,) = result.forms
    assert (meta.form_id, meta.version, meta.resource_name) == ("review-form", 1, "forms/review.form")
    pi = h.start()
    task = the_task(h, pi)
    assert task.form_key == meta.form_key and task.external_form_reference is None
    exists, form_key, view = h.engine.queries.get_user_task_form(task.user_task_key)
    assert exists and form_key == meta.form_key
    assert view is not None and view.form_id == "review-form" and view.version == 1
    assert json.loads(view.schema)["components"][0]["label"] == "结果"


def test_versions_per_form_id_and_duplicates_keep_their_version(h: Harness) -> None:
    first = deploy(h, ("a.form", form("a"))).forms[0]
    again = deploy(h, ("a.form", form("a"))).forms[0]
    assert (again.version, again.form_key) == (1, first.form_key)  # unchanged: Zeebe's duplicate
    changed = deploy(h, ("a.form", form("a", label="意见"))).forms[0]
    other = deploy(h, ("b.form", form("b"))).forms[0]
    assert changed.version == 2 and changed.form_key != first.form_key and other.version == 1


def test_what_is_deployed_together_is_versioned_together(h: Harness) -> None:
    """A new model with an unchanged form: the form gets a new version in the new deployment, so a
    deployment binding finds it there (Zeebe versions all resources of a deployment together)."""
    model = task_model('formId="review-form" bindingType="deployment"')
    deploy(h, ("review.bpmn", model), ("review.form", form("review-form")))
    changed_model = model.replace("初审".encode(), "复审".encode())
    result = deploy(h, ("review.bpmn", changed_model), ("review.form", form("review-form")))
    assert result.processes[0].version == 2 and result.forms[0].version == 2
    pi = h.start()
    assert the_task(h, pi).form_key == result.forms[0].form_key


def test_deployment_binding_without_the_form_in_the_deployment_is_refused(h: Harness) -> None:
    deploy(h, ("review.form", form("review-form")))
    with pytest.raises(DeploymentRejected) as refused:
        deploy(h, ("review.bpmn", task_model('formId="review-form" bindingType="deployment"')))
    assert refused.value.problems == [
        "'review.bpmn': - Element: review > extensionElements > formDefinition\n"
        "    - ERROR: Expected to find form with id 'review-form' in current deployment, but not found.\n"
    ]


def test_latest_binding_raises_zeebes_incident_until_the_form_is_deployed(h: Harness) -> None:
    deploy(h, ("review.bpmn", task_model('formId="review-form"')))  # bindingType defaults to latest
    pi = h.start()
    (incident,) = incidents(h, pi)
    assert incident.error_type == "FORM_NOT_FOUND"
    assert incident.error_message == (
        "Expected to find a form with id 'review-form', but no form with this id is found, at least a "
        "form with this id should be available. To resolve the Incident please deploy a form with the "
        "same id"
    )
    deploy(h, ("review.form", form("review-form")))
    second = deploy(h, ("review.form", form("review-form", label="新")))
    h.engine.execute(ResolveIncident(incident.incident_key))
    assert not incidents(h, pi) and the_task(h, pi).form_key == second.forms[0].form_key


def test_version_tag_binding(h: Harness) -> None:
    tagged = deploy(h, ("r.form", form("review-form", version_tag="v1"))).forms[0]
    deploy(h, ("r.form", form("review-form", label="未标记")))  # a newer version without the tag
    deploy(h, ("m.bpmn", task_model('formId="review-form" bindingType="versionTag" versionTag="v1"')))
    assert the_task(h, h.start()).form_key == tagged.form_key
    deploy(
        h,
        ("n.bpmn", task_model('formId="review-form" bindingType="versionTag" versionTag="v9"', "q")),
    )
    pi = h.start("q")
    (incident,) = incidents(h, pi)
    assert incident.error_type == "FORM_NOT_FOUND" and incident.error_message == (
        "Expected to use a form with id 'review-form' and version tag 'v9', but no such form found. "
        "To resolve the incident, deploy a form with the given id and version tag."
    )


def test_deployment_binding_incident_after_the_form_version_is_deleted(h: Harness) -> None:
    result = deploy(
        h,
        ("review.bpmn", task_model('formId="review-form" bindingType="deployment"')),
        ("review.form", form("review-form")),
    )
    h.engine.execute(DeleteResource(result.forms[0].form_key))
    pi = h.start()
    (incident,) = incidents(h, pi)
    assert incident.error_message.startswith(
        "Expected to use a form with id 'review-form' with binding type 'deployment', but no such form "
        f"found in the deployment with key {result.key} which contained the current process."
    )


def test_a_deleted_form_version_number_is_never_given_out_again(h: Harness) -> None:
    """Zeebe keeps the highest version of a form id: after the newest is deleted, the next deployment
    is the next number, whatever its content (the deleted version's digest is forgotten too)."""
    first = deploy(h, ("review.form", form("review-form", "第一版")))
    second = deploy(h, ("review.form", form("review-form", "第二版")))
    assert [f.version for f in (*first.forms, *second.forms)] == [1, 2]
    h.engine.execute(DeleteResource(second.forms[0].form_key))
    again = deploy(h, ("review.form", form("review-form", "第二版")))  # the deleted content
    assert again.forms[0].version == 3 and again.forms[0].form_key != second.forms[0].form_key
    h.engine.execute(DeleteResource(again.forms[0].form_key))
    older = deploy(h, ("review.form", form("review-form", "第一版")))  # version 1's content, newest gone
    assert older.forms[0].version == 4
    with pytest.raises(NotFound):  # a deleted version cannot be deleted twice
        h.engine.execute(DeleteResource(second.forms[0].form_key))


def test_deleted_form_versions_stay_deleted_after_a_restart(tmp_path: Path) -> None:
    with Engine(tmp_path / "data") as engine:
        h = Harness(engine)
        deploy(h, ("review.form", form("review-form", "第一版")))
        second = deploy(h, ("review.form", form("review-form", "第二版")))
        engine.execute(DeleteResource(second.forms[0].form_key))
    with Engine(tmp_path / "data") as engine:
        third = deploy(Harness(engine), ("review.form", form("review-form", "第三版")))
        assert third.forms[0].version == 3


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"type": "default"}', "'bad.form': Expected the form id to be present, but none given"),
        (b'{"id": "  ", "components": []}', "'bad.form': Expected the form id to be filled, but it is blank"),
        (b"{not json", "Failed to parse formId from form JSON. 'bad.form': "),
    ],
)
def test_forms_zeebe_refuses(h: Harness, content: bytes, problem: str) -> None:
    with pytest.raises(DeploymentRejected) as refused:
        deploy(h, ("bad.form", content), ("ok.form", form("ok")))
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems
    assert h.engine.queries.get_user_task_form(1) == (False, None, None)


def test_form_definition_needs_exactly_one_of_form_id_and_external_reference(h: Harness) -> None:
    with pytest.raises(DeploymentRejected) as refused:
        deploy(h, ("r.bpmn", task_model('formId="a" externalReference="b"')))
    assert any(
        "Exactly one of the attributes 'formId, externalReference' must be present and not blank for "
        "native user tasks" in p
        for p in refused.value.problems
    )


def test_an_external_reference_is_answered_as_such(h: Harness) -> None:
    deploy(h, ("r.bpmn", task_model('externalReference="=&quot;https://forms/&quot; + caseId"')))
    task = the_task(h, h.start(variables={"caseId": "SY-1"}))
    assert task.form_key is None and task.external_form_reference == "https://forms/SY-1"
    assert h.engine.queries.get_user_task_form(task.user_task_key) == (True, None, None)
