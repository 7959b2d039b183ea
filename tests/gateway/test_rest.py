"""The REST API (Camunda 8.8 Orchestration Cluster API v2 paths) against the engine process."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import grpc
import httpx
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.engine_process import RunningGateway

PROBLEM = "application/problem+json"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def deploy(gateway: RunningGateway, pid: str, content: bytes) -> None:
    with grpc.insecure_channel(gateway.address) as channel:
        GatewayStub(channel).DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name=f"{pid}.bpmn", content=content)])
        )


def only_task(rest: httpx.Client, **filters: str) -> dict:
    response = rest.post("/v2/user-tasks/search", json={"filter": filters})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["page"]["totalItems"] == len(body["items"]) == 1, body
    return body["items"][0]


def test_topology(gateway: RunningGateway) -> None:
    with gateway.rest() as rest:
        topology = rest.get("/v2/topology").json()
    assert topology["clusterSize"] == 1 and topology["partitionsCount"] == 1
    assert topology["brokers"][0]["partitions"] == [{"partitionId": 1, "role": "leader", "health": "healthy"}]


def test_user_task_search_assign_update_complete(gateway: RunningGateway) -> None:
    pid = unique("review")
    group = unique("clerks")
    deploy(gateway, pid, models.user_task_flow(pid, group))
    with gateway.rest() as rest:
        created = rest.post(
            "/v2/process-instances", json={"processDefinitionId": pid, "variables": {"caseId": "U-1"}}
        )
        assert created.status_code == 200, created.text
        instance_key = created.json()["processInstanceKey"]
        assert isinstance(instance_key, str) and instance_key.isdigit()

        task = only_task(rest, candidateGroup=group, processInstanceKey=instance_key, state="CREATED")
        assert (
            only_task(rest, processDefinitionId=pid, elementId="review")["userTaskKey"] == task["userTaskKey"]
        )
        key = task["userTaskKey"]
        assert task["elementId"] == "review" and task["name"] == "审核"
        assert task["candidateGroups"] == [group]
        assert task["processInstanceKey"] == instance_key

        assert (
            rest.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "zhang.san"}).status_code == 204
        )
        assert rest.get(f"/v2/user-tasks/{key}").json()["assignee"] == "zhang.san"
        assert only_task(rest, assignee="zhang.san", processInstanceKey=instance_key)["userTaskKey"] == key
        refused = rest.post(
            f"/v2/user-tasks/{key}/assignment", json={"assignee": "li.si", "allowOverride": False}
        )
        assert refused.status_code == 409 and refused.headers["content-type"].startswith(PROBLEM)
        assert rest.delete(f"/v2/user-tasks/{key}/assignee").status_code == 204
        assert not rest.get(f"/v2/user-tasks/{key}").json().get("assignee")

        due = "2030-01-02T03:04:05Z"
        updated = rest.patch(f"/v2/user-tasks/{key}", json={"changeset": {"dueDate": due, "priority": 80}})
        assert updated.status_code == 204, updated.text
        after = rest.get(f"/v2/user-tasks/{key}").json()
        assert after["priority"] == 80
        assert datetime.fromisoformat(after["dueDate"]) == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

        completed = rest.post(f"/v2/user-tasks/{key}/completion", json={"variables": {"approved": True}})
        assert completed.status_code == 204, completed.text
        assert rest.get(f"/v2/user-tasks/{key}").json()["state"] == "COMPLETED"
        instance = rest.get(f"/v2/process-instances/{instance_key}").json()
        assert instance["state"] == "COMPLETED"
        found = rest.post(
            "/v2/process-instances/search",
            json={"filter": {"processDefinitionId": pid, "state": "COMPLETED"}},
        ).json()
        assert [item["processInstanceKey"] for item in found["items"]] == [instance_key]


def test_create_with_result_and_publish_message(gateway: RunningGateway) -> None:
    pid = unique("rest-msg")
    name = f"{pid}-ok"
    deploy(gateway, pid, models.message_flow(pid, name))
    with gateway.rest() as rest:
        published = rest.post(
            "/v2/messages/publication",
            json={
                "name": name,
                "correlationKey": "R-1",
                "timeToLive": 60_000,
                "variables": {"fromMessage": 1},
            },
        )
        assert published.status_code == 200, published.text
        assert published.json()["messageKey"].isdigit()
        # the buffered message (TTL) is correlated when the instance opens its subscription
        result = rest.post(
            "/v2/process-instances",
            json={
                "processDefinitionId": pid,
                "variables": {"caseId": "R-1"},
                "awaitCompletion": True,
                "requestTimeout": 20_000,
            },
        )
    assert result.status_code == 200, result.text
    assert result.json()["variables"] == {"caseId": "R-1", "fromMessage": 1}


def test_errors_are_problem_documents(gateway: RunningGateway) -> None:
    with gateway.rest() as rest:
        missing = rest.get(f"/v2/user-tasks/{(1 << 51) + 77_777_777}")
        bad_key = rest.get("/v2/user-tasks/not-a-key")
        unknown = rest.post("/v2/process-instances", json={"processDefinitionId": unique("nothing")})
        bad_vars = rest.post("/v2/process-instances", json={"processDefinitionId": "x", "variables": [1]})
        bad_json = rest.post(
            "/v2/messages/publication", content=b"{oops", headers={"content-type": "application/json"}
        )
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["title"] == "NOT_FOUND"
    assert bad_key.status_code == 400 and "userTaskKey" in bad_key.json()["detail"]
    assert unknown.status_code == 404 and unknown.json()["status"] == 404
    assert bad_vars.status_code == 400 and "variables" in bad_vars.json()["detail"]
    assert bad_json.status_code == 400 and bad_json.json()["title"] == "INVALID_ARGUMENT"


def test_clock_pin_add_reset(gateway: RunningGateway) -> None:
    pinned = int(datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC).timestamp() * 1000)
    with gateway.rest() as rest:
        try:
            assert rest.put("/v2/clock", json={"timestamp": pinned}).status_code == 204
            assert rest.get("/v2/clock").json()["timestamp"] == pinned
            assert rest.get("/v2/clock").json()["pinned"] is True
            assert rest.post("/v2/clock/add", json={"milliseconds": 3_600_000}).status_code == 204
            assert rest.get("/v2/clock").json()["timestamp"] == pinned + 3_600_000
            assert rest.put("/v2/clock", json={"timestamp": -1}).status_code == 400
        finally:
            assert rest.post("/v2/clock/reset").status_code == 204
        now = rest.get("/v2/clock").json()["timestamp"]
    assert abs(now - time.time() * 1000) < 60_000


def test_cancel_instance_and_resolve_incident(gateway: RunningGateway) -> None:
    pid = unique("rest-incident")
    job_type = f"{pid}-task"
    deploy(gateway, pid, models.chain(pid, [job_type], retries=1))
    with gateway.rest() as rest:
        created = rest.post("/v2/process-instances", json={"processDefinitionId": pid}).json()
        key = created["processInstanceKey"]
        with grpc.insecure_channel(gateway.address) as channel:
            stub = GatewayStub(channel)
            request = pb.ActivateJobsRequest(
                type=job_type, worker="w", timeout=60_000, maxJobsToActivate=1, requestTimeout=10_000
            )
            [job] = [job for response in stub.ActivateJobs(request, timeout=20) for job in response.jobs]
            stub.FailJob(pb.FailJobRequest(jobKey=job.key, retries=0, errorMessage="no retries left"))
            found = rest.post("/v2/incidents/search", json={"filter": {"processInstanceKey": key}}).json()
            [incident] = found["items"]
            assert incident["state"] == "ACTIVE" and incident["processDefinitionId"] == pid
            stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=1))
        resolved = rest.post(f"/v2/incidents/{incident['incidentKey']}/resolution")
        assert resolved.status_code == 204, resolved.text
        after = rest.post(
            "/v2/incidents/search", json={"filter": {"processInstanceKey": key, "state": "ACTIVE"}}
        )
        assert after.json()["items"] == []
        assert rest.post(f"/v2/process-instances/{key}/cancellation").status_code == 204
        assert rest.get(f"/v2/process-instances/{key}").json()["state"] == "TERMINATED"
        again = rest.post(f"/v2/process-instances/{key}/cancellation")
    assert again.status_code == 404 and again.headers["content-type"].startswith(PROBLEM)


def test_user_task_search_sorts_and_pages(gateway: RunningGateway) -> None:
    pid = unique("sorted")
    group = unique("team")
    deploy(gateway, pid, models.user_task_flow(pid, group))
    with gateway.rest() as rest:
        keys = []
        for priority in (10, 70, 40):
            created = rest.post("/v2/process-instances", json={"processDefinitionId": pid}).json()
            task = only_task(rest, candidateGroup=group, processInstanceKey=created["processInstanceKey"])
            update = {"changeset": {"priority": priority}}
            assert rest.patch(f"/v2/user-tasks/{task['userTaskKey']}", json=update).status_code == 204
            keys.append(task["userTaskKey"])
        body = {
            "filter": {"candidateGroup": group},
            "sort": [{"field": "priority", "order": "DESC"}],
            "page": {"from": 0, "limit": 2},
        }
        page = rest.post("/v2/user-tasks/search", json=body).json()
    assert [item["priority"] for item in page["items"]] == [70, 40]
    assert page["page"]["totalItems"] == 3


def test_filters_that_cannot_be_applied_are_refused(gateway: RunningGateway) -> None:
    with gateway.rest() as rest:
        refused = rest.post("/v2/user-tasks/search", json={"filter": {"colour": "red"}})
        operator = rest.post("/v2/incidents/search", json={"filter": {"state": {"$in": ["ACTIVE"]}}})
    assert refused.status_code == 400 and "colour" in refused.json()["detail"]
    assert operator.status_code == 400 and "filter.state" in operator.json()["detail"]


def test_await_completion_times_out_with_504(gateway: RunningGateway) -> None:
    pid = unique("rest-wait")
    deploy(gateway, pid, models.message_flow(pid, f"{pid}-never"))
    with gateway.rest() as rest:
        response = rest.post(
            "/v2/process-instances",
            json={
                "processDefinitionId": pid,
                "variables": {"caseId": "w"},
                "awaitCompletion": True,
                "requestTimeout": 300,
            },
        )
    assert response.status_code == 504
    assert response.json()["title"] == "DEADLINE_EXCEEDED"
