"""The REST reads of a task list and a case console (Tasklist's and Operate's views), as Camunda 8.8
serves them: driven by Camunda's own client, which validates requests and answers against the 8.8
schema, and by plain HTTP for the filter operators and the refusals."""

from __future__ import annotations

import uuid
from xml.sax.saxutils import quoteattr

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.engine_process import REPO, RunningGateway
from tests.gateway.models import flow, process
from tests.gateway.test_rest import deploy
from tests.support import NODE, node_report

SCRIPT = REPO / "tools/node/camunda-operate-check.mjs"
CONDITION = (
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">=x = 1</bpmn:conditionExpression>'
)


def gateway_flow(pid: str, group: str) -> bytes:
    """start -> exclusive gateway (only ``=x = 1`` leaves it) -> user task for ``group`` -> end."""
    return process(pid, [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:exclusiveGateway id="decide" name="判断"/>',
        '<bpmn:userTask id="review" name="审核"><bpmn:extensionElements><zeebe:userTask/>'
        f"<zeebe:assignmentDefinition candidateGroups={quoteattr(group)}/>"
        "</bpmn:extensionElements></bpmn:userTask>",
        '<bpmn:endEvent id="end"/>',
        flow("f1", "start", "decide"),
        f'<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="review">{CONDITION}</bpmn:sequenceFlow>',
        flow("f3", "review", "end"),
    ])  # fmt: skip


@pytest.mark.node
@pytest.mark.skipif(
    NODE is None or not (REPO / "tools/node/node_modules/@camunda8/orchestration-cluster-api").exists(),
    reason="node or @camunda8/orchestration-cluster-api missing (scripts/bootstrap installs them)",
)
def test_camunda_client_reads_definitions_instances_incidents_variables(gateway: RunningGateway) -> None:
    pid = f"operate-{uuid.uuid4().hex[:8]}"
    group = f"team-{uuid.uuid4().hex[:6]}"
    deploy(gateway, pid, gateway_flow(pid, group))
    report = node_report(SCRIPT, gateway.rest_url, pid, group, "req:none,res:strict")
    assert report["definitions"] == [pid]
    assert report["xmlHasProcess"] is True
    assert report["incidents"] == [{"errorType": "CONDITION_ERROR", "elementId": "decide"}]
    assert report["incidentState"] == "ACTIVE"
    assert report["definitionStatistics"] == [
        {"elementId": "decide", "active": 0, "canceled": 0, "incidents": 1, "completed": 0}
    ]
    assert report["tasks"] == ["review"]
    assert report["taskVariables"] == [["caseId", '"OP-1"'], ["x", "1"]]
    assert report["variable"] == "1"
    assert report["elements"] == [
        [pid, "PROCESS", "ACTIVE"],
        ["start", "START_EVENT", "COMPLETED"],
        ["decide", "EXCLUSIVE_GATEWAY", "COMPLETED"],
        ["review", "USER_TASK", "ACTIVE"],
    ]
    assert report["element"] == "start"
    assert report["instanceStatistics"] == [["decide", 0, 1, 0], ["review", 1, 0, 0], ["start", 0, 1, 0]]
    assert report["flows"] == ["f1", "f2"]
    assert report["jobs"] == 0
    assert report["instances"] == [True]


def test_filter_operators_and_refusals(gateway: RunningGateway) -> None:
    pid = f"operators-{uuid.uuid4().hex[:8]}"
    group = f"team-{uuid.uuid4().hex[:6]}"
    deploy(gateway, pid, gateway_flow(pid, group))
    with gateway.rest() as rest:
        keys = [
            rest.post("/v2/process-instances", json={
                "processDefinitionId": pid, "variables": {"caseId": f"SY-{n}", "x": 1}
            }).json()["processInstanceKey"]
            for n in (1, 2, 13)
        ]  # fmt: skip

        def tasks(filter_: dict) -> list[str]:
            body = {"filter": {"candidateGroup": group, **filter_}}
            response = rest.post("/v2/user-tasks/search", json=body)
            assert response.status_code == 200, response.text
            return sorted(t["processInstanceKey"] for t in response.json()["items"])

        like_one = [{"name": "caseId", "value": {"$like": '"SY-1*'}}]
        assert tasks({"processInstanceVariables": like_one}) == sorted([keys[0], keys[2]])
        exact = [{"name": "caseId", "value": '"SY-2"'}]
        assert tasks({"processInstanceVariables": exact}) == [keys[1]]
        assert tasks({"candidateGroup": {"$in": ["elsewhere", group]}}) == sorted(keys)
        assert tasks({"candidateGroup": {"$notIn": [group]}, "processInstanceKey": keys[0]}) == []
        assert tasks({"creationDate": {"$lt": "2000-01-01T00:00:00Z"}}) == []
        variables = rest.post("/v2/variables/search", json={
            "filter": {"processInstanceKey": {"$in": keys[:2]}, "name": "caseId"},
            "sort": [{"field": "value", "order": "DESC"}],
        }).json()  # fmt: skip
        assert [v["value"] for v in variables["items"]] == ['"SY-2"', '"SY-1"']

        plain_only = rest.post("/v2/user-tasks/search", json={"filter": {"elementId": {"$in": ["review"]}}})
        bad_date = rest.post("/v2/user-tasks/search", json={"filter": {"dueDate": {"$lt": "tomorrow"}}})
        bad_sort = rest.post("/v2/jobs/search", json={"sort": [{"field": "colour"}]})
        missing = rest.get("/v2/process-definitions/123")
    assert plain_only.status_code == 400 and "filter.elementId" in plain_only.json()["detail"]
    assert bad_date.status_code == 400 and "'tomorrow' is not an ISO 8601" in bad_date.json()["detail"]
    assert bad_sort.status_code == 400 and "unknown field 'colour'" in bad_sort.json()["detail"]
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_a_jobs_incident_is_resolved_with_retries_set_over_rest(gateway: RunningGateway) -> None:
    """What the case page's 解决事件 does for a job's incident: PATCH the job's retries, then resolve."""
    pid = f"job-incident-{uuid.uuid4().hex[:8]}"
    job_type = f"{pid}-task"
    deploy(gateway, pid, models.chain(pid, [job_type], retries=1))
    with gateway.rest() as rest, grpc.insecure_channel(gateway.address) as channel:
        created = rest.post("/v2/process-instances", json={"processDefinitionId": pid})
        key = created.json()["processInstanceKey"]
        stub = GatewayStub(channel)
        request = pb.ActivateJobsRequest(
            type=job_type, worker="w", timeout=60_000, maxJobsToActivate=1, requestTimeout=10_000
        )
        [job] = [job for response in stub.ActivateJobs(request, timeout=20) for job in response.jobs]
        stub.FailJob(pb.FailJobRequest(jobKey=job.key, retries=0, errorMessage="去向不明"))
        [incident] = rest.post(
            f"/v2/process-instances/{key}/incidents/search", json={"page": {"limit": 10}}
        ).json()["items"]
        assert incident["jobKey"] == str(job.key) and incident["errorType"] == "JOB_NO_RETRIES"
        [row] = rest.post("/v2/jobs/search", json={"filter": {"jobKey": str(job.key)}}).json()["items"]
        assert row["retries"] == 0 and row["errorMessage"] == "去向不明" and row["state"] == "FAILED"

        refused = rest.patch(f"/v2/jobs/{job.key}", json={"changeset": {"retries": -1}})
        assert refused.status_code == 400 and "changeset.retries" in refused.json()["detail"]
        assert rest.patch(f"/v2/jobs/{job.key}", json={"changeset": {"retries": 2}}).status_code == 204
        resolved = rest.post(f"/v2/incidents/{incident['incidentKey']}/resolution")
        assert resolved.status_code == 204, resolved.text
        assert rest.get(f"/v2/incidents/{incident['incidentKey']}").json()["state"] == "RESOLVED"
        [again] = [job for response in stub.ActivateJobs(request, timeout=20) for job in response.jobs]
    assert again.key == job.key and again.retries == 2
