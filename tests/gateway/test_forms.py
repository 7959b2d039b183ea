"""Camunda forms through the engine process's gateways: deployed over gRPC with pyzeebe (form
metadata in the answer), read back over REST as Camunda 8.8 answers ``GET /v2/user-tasks/{key}/form``
— checked with raw HTTP and with Camunda's own client, @camunda8/orchestration-cluster-api."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.grpc_internals.types import DeployResourceResponse

from tests.gateway import models
from tests.gateway.engine_process import REPO, RunningGateway
from tests.gateway.test_rest import deploy, only_task
from tests.support import NODE, node_report

PROBLEM = "application/problem+json"
FORM_SCRIPT = REPO / "tools/node/camunda-form-check.mjs"


def form_schema(form_id: str) -> dict:
    return {
        "id": form_id,
        "type": "default",
        "schemaVersion": 19,
        "executionPlatform": "Camunda Cloud",
        "executionPlatformVersion": "8.8.0",
        "components": [
            {
                "type": "radio",
                "key": "outcome",
                "label": "初审结论",
                "id": "Field_outcome",
                "values": [
                    {"label": "符合", "value": "eligible"},
                    {"label": "不符合", "value": "ineligible"},
                ],
                "validate": {"required": True},
            }
        ],
    }


def model_with_form(pid: str, form_id: str, group: str) -> bytes:
    return models.user_task_flow(pid, group, form_id=form_id, name="初审")


def deploy_with_pyzeebe(gateway: RunningGateway, files: list[Path]) -> DeployResourceResponse:
    async def run() -> DeployResourceResponse:
        channel = create_insecure_channel(grpc_address=gateway.address)
        try:
            return await ZeebeClient(channel).deploy_resource(*(str(f) for f in files))
        finally:
            await channel.close()

    return asyncio.run(run())


FormMeta = DeployResourceResponse.FormMetadata


@pytest.fixture
def task_with_form(gateway: RunningGateway, tmp_path: Path) -> tuple[str, FormMeta]:
    """A task of a process deployed with its form by pyzeebe; its key and the form's metadata."""
    pid, group = f"formed-{uuid.uuid4().hex[:8]}", f"clerks-{uuid.uuid4().hex[:6]}"
    form_id = f"Form_{pid}"
    model = tmp_path / f"{pid}.bpmn"
    model.write_bytes(model_with_form(pid, form_id, group))
    form_file = tmp_path / f"{pid}.form"
    form_file.write_text(json.dumps(form_schema(form_id), ensure_ascii=False), encoding="utf-8")
    deployed = deploy_with_pyzeebe(gateway, [model, form_file])
    (form,) = [d for d in deployed.deployments if isinstance(d, DeployResourceResponse.FormMetadata)]
    assert (form.form_id, form.version, form.resource_name) == (form_id, 1, form_file.name)
    with gateway.rest() as rest:
        created = rest.post("/v2/process-instances", json={"processDefinitionId": pid})
        assert created.status_code == 200, created.text
        task = only_task(rest, candidateGroup=group)
    return task["userTaskKey"], form


def test_the_form_of_a_user_task_as_camunda_answers_it(
    gateway: RunningGateway, task_with_form: tuple[str, FormMeta]
) -> None:
    key, form = task_with_form
    with gateway.rest() as rest:
        task = rest.get(f"/v2/user-tasks/{key}").json()
        assert task["formKey"] == str(form.form_key) and task.get("externalFormReference") is None
        answer = rest.get(f"/v2/user-tasks/{key}/form")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == {
        "tenantId": "<default>",
        "formId": form.form_id,
        "schema": form_schema(form.form_id),
        "version": 1,
        "formKey": str(form.form_key),
    }


def test_no_form_is_204_and_no_task_is_404(gateway: RunningGateway) -> None:
    pid, group = f"formless-{uuid.uuid4().hex[:8]}", f"clerks-{uuid.uuid4().hex[:6]}"
    deploy(gateway, pid, models.user_task_flow(pid, group))
    with gateway.rest() as rest:
        rest.post("/v2/process-instances", json={"processDefinitionId": pid})
        key = only_task(rest, candidateGroup=group)["userTaskKey"]
        assert rest.get(f"/v2/user-tasks/{key}").json().get("formKey") is None
        empty = rest.get(f"/v2/user-tasks/{key}/form")
        assert empty.status_code == 204 and empty.content == b""
        missing = rest.get("/v2/user-tasks/2251799813999999/form")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)
        assert missing.json()["detail"] == "User Task with key '2251799813999999' not found"
        assert rest.get("/v2/user-tasks/x/form").status_code == 400


@pytest.mark.node
@pytest.mark.skipif(
    NODE is None or not (REPO / "tools/node/node_modules/@camunda8/orchestration-cluster-api").exists(),
    reason="node or @camunda8/orchestration-cluster-api missing",
)
def test_camundas_client_reads_the_form(
    gateway: RunningGateway, task_with_form: tuple[str, FormMeta]
) -> None:
    key, form = task_with_form
    report = node_report(FORM_SCRIPT, gateway.rest_url, key)
    assert report["task"] == {"formKey": str(form.form_key), "externalFormReference": None}
    assert report["form"] == {
        "formKey": str(form.form_key),
        "formId": form.form_id,
        "version": 1,
        "tenantId": "<default>",
        "schemaType": "object",
        "componentTypes": ["radio"],
    }


def test_due_and_follow_up_dates_filter_and_sort_the_task_list(gateway: RunningGateway) -> None:
    """Tasks created with zeebe:taskSchedule dates: REST v2 answers them, filters and sorts by them."""
    pid, group = f"scheduled-{uuid.uuid4().hex[:8]}", f"clerks-{uuid.uuid4().hex[:6]}"
    body = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:userTask id="review" name="审核"><bpmn:extensionElements><zeebe:userTask/>'
        f"<zeebe:assignmentDefinition candidateGroups={quoteattr(group)}/>"
        '<zeebe:taskSchedule dueDate="=due" followUpDate="=followUp"/>'
        "</bpmn:extensionElements></bpmn:userTask>",
        '<bpmn:endEvent id="end"/>',
        models.flow("f1", "start", "review"),
        models.flow("f2", "review", "end"),
    ]
    deploy(gateway, pid, models.process(pid, body))
    dues = ["2030-03-05T17:00:00+08:00", "2030-03-01T09:00:00+08:00", "2030-03-09T09:00:00+08:00"]
    with gateway.rest() as rest:
        for due in dues:
            created = rest.post(
                "/v2/process-instances",
                json={"processDefinitionId": pid, "variables": {"due": due, "followUp": due}},
            )
            assert created.status_code == 200, created.text
        search = {"filter": {"candidateGroup": group}, "sort": [{"field": "dueDate", "order": "DESC"}]}
        items = rest.post("/v2/user-tasks/search", json=search).json()["items"]
        assert [i["dueDate"] for i in items] == [dues[2], dues[0], dues[1]]  # by instant, offsets kept
        assert [i["followUpDate"] for i in items] == [i["dueDate"] for i in items]
        early = {"filter": {"candidateGroup": group, "dueDate": {"$lt": "2030-03-05T00:00:00Z"}}}
        (only,) = rest.post("/v2/user-tasks/search", json=early).json()["items"]
        assert only["dueDate"] == dues[1]
