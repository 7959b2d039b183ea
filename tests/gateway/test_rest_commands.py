"""The REST v2 commands of job workers and integrators (deployments, resources, jobs, signals, message
correlation, modification and migration, a start form, status and license) against a real engine
process, as Camunda 8.8 answers them: each happy path, a 400 naming the bad field, a 404 with Camunda's
problem detail (the same words the gRPC twin answers, where there is one), and the identity rule."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import grpc
import httpx
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.engine_process import REPO, RunningGateway
from tests.gateway.test_rest import deploy
from xietong.engine.gateway.local_server import LocalServer
from xietong.engine.identity.rules import REST_RULES
from xietong.engine.identity.store import IdentityStore

PROBLEM = "application/problem+json"
NODE = shutil.which("node")
SCRIPT = REPO / "tools/node/camunda-commands-check.mjs"
MISSING = "2251799813999999"  # a well-formed key of nothing


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def problem(response: httpx.Response, status: int, title: str, detail: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == status and body["title"] == title, body
    assert body["instance"] == response.request.url.path
    if detail is not None:
        assert body["detail"] == detail, body
    return body


def grpc_detail(gateway: RunningGateway, method: str, request: Any) -> str:
    """What the gRPC twin answers for the same request (the REST problem must say the same)."""
    with grpc.insecure_channel(gateway.address) as channel, pytest.raises(grpc.RpcError) as raised:
        getattr(GatewayStub(channel), method)(request, timeout=20)
    return raised.value.details() or ""


def start(rest: httpx.Client, pid: str, variables: dict[str, Any] | None = None) -> str:
    created = rest.post(
        "/v2/process-instances", json={"processDefinitionId": pid, "variables": variables or {}}
    )
    assert created.status_code == 200, created.text
    return created.json()["processInstanceKey"]


def state_of(rest: httpx.Client, key: str) -> str:
    return rest.get(f"/v2/process-instances/{key}").json()["state"]


def activate(rest: httpx.Client, job_type: str, **extra: Any) -> list[dict[str, Any]]:
    body = {"type": job_type, "timeout": 60_000, "maxJobsToActivate": 5, "requestTimeout": -1, **extra}
    answer = rest.post("/v2/jobs/activation", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["jobs"]


def form_json(form_id: str) -> dict[str, Any]:
    return {
        "id": form_id,
        "type": "default",
        "schemaVersion": 19,
        "components": [{"type": "textfield", "key": "reason", "label": "申请事由", "id": "Field_reason"}],
    }


def start_form_flow(pid: str, form_id: str | None) -> bytes:
    """A none start event that links ``form_id`` (when given), then an end event."""
    form = (
        "<bpmn:extensionElements>"
        f"<zeebe:formDefinition formId={quoteattr(form_id)}/></bpmn:extensionElements>"
        if form_id
        else ""
    )
    return models.process(
        pid,
        [
            f'<bpmn:startEvent id="start">{form}</bpmn:startEvent>',
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "start", "end"),
        ],
    )


def worker_model(pid: str) -> tuple[bytes, dict[str, str]]:
    """complete -> retry -> check, whose error REJECTED leads to 'rejected'; job types of its own, so
    that no other test's jobs are activated."""
    types = {name: f"{pid}-{name}" for name in ("complete", "retry", "check", "rejected")}
    model = models.worker_flow(pid).decode()
    for name, job_type in types.items():
        model = model.replace(f'type="wf-{name}"', f"type={quoteattr(job_type)}")
    return model.encode(), types


def signal_flow(pid: str, signal: str) -> bytes:
    return models.process(
        pid,
        [
            '<bpmn:startEvent id="start"/>',
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:signalEventDefinition signalRef="Signal_1"/>'
            "</bpmn:intermediateCatchEvent>",
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "start", "wait"),
            models.flow("f2", "wait", "end"),
        ],
        f'<bpmn:signal id="Signal_1" name={quoteattr(signal)}/>\n',
    )


def message_start_flow(pid: str, message: str, job_type: str) -> bytes:
    """A message start event, then a service task that holds the instance open."""
    return models.process(
        pid,
        [
            '<bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="Message_1"/>'
            "</bpmn:startEvent>",
            models.service_task("work", job_type),
            '<bpmn:endEvent id="end"/>',
            models.flow("f1", "start", "work"),
            models.flow("f2", "work", "end"),
        ],
        f'<bpmn:message id="Message_1" name={quoteattr(message)}/>\n',
    )


# -- deployments and resources -----------------------------------------------------------------


def test_deployment_over_multipart_answers_processes_and_forms(gateway: RunningGateway) -> None:
    pid, form_id = unique("deployed"), unique("Form")
    files = [
        (
            "resources",
            (f"{pid}.bpmn", models.user_task_flow(pid, "clerks", form_id=form_id), "application/xml"),
        ),
        ("resources", (f"{form_id}.form", json.dumps(form_json(form_id)).encode(), "application/json")),
    ]
    with gateway.rest() as rest:
        answer = rest.post("/v2/deployments", files=files, data={"tenantId": "<default>"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["tenantId"] == "<default>" and body["deploymentKey"].isdigit()
        process, form = body["deployments"]
        definition = process["processDefinition"]
        assert definition["processDefinitionId"] == pid and definition["processDefinitionVersion"] == 1
        assert definition["resourceName"] == f"{pid}.bpmn" and definition["tenantId"] == "<default>"
        assert rest.get(f"/v2/process-definitions/{definition['processDefinitionKey']}").status_code == 200
        assert form == {
            "form": {
                "formId": form_id,
                "version": 1,
                "resourceName": f"{form_id}.form",
                "tenantId": "<default>",
                "formKey": form["form"]["formKey"],
            }
        }
        again = rest.post("/v2/deployments", files=files)
        assert again.status_code == 200, again.text
        same = again.json()["deployments"][0]["processDefinition"]
        assert same == definition  # the same content is not a new version (Zeebe)


def test_a_rejected_deployment_says_what_grpc_says(gateway: RunningGateway) -> None:
    broken = b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'><bpmn:process"
    expected = grpc_detail(
        gateway,
        "DeployResource",
        pb.DeployResourceRequest(resources=[pb.Resource(name="broken.bpmn", content=broken)]),
    )
    with gateway.rest() as rest:
        answer = rest.post(
            "/v2/deployments", files=[("resources", ("broken.bpmn", broken, "application/xml"))]
        )
        problem(answer, 400, "INVALID_ARGUMENT", expected)
        assert expected.startswith("Command 'CREATE' rejected with code 'INVALID_ARGUMENT': ")
        missing = rest.post("/v2/deployments", files=[("other", ("x.bpmn", b"x"))])
        problem(missing, 400, "Bad Request", "Required part 'resources' is not present.")
        huge = rest.post("/v2/deployments", files=[("resources", ("huge.bpmn", b"x" * (5 * 1024 * 1024)))])
        assert "exceeds the maximum message size" in problem(huge, 413, "PAYLOAD_TOO_LARGE")["detail"]
        as_json = rest.post("/v2/deployments", json={"resources": []})
        problem(as_json, 415, "Unsupported Media Type", "Content-Type 'application/json' is not supported.")
        tenant = rest.post(
            "/v2/deployments",
            files=[("resources", ("a.bpmn", models.chain(unique("t"), ["x"])))],
            data={"tenantId": "county"},
        )
        assert "tenant identifier 'county'" in problem(tenant, 400, "INVALID_ARGUMENT")["detail"]


def test_a_resource_is_deleted_once_and_fetched_never(gateway: RunningGateway) -> None:
    pid = unique("deleted")
    with gateway.rest() as rest:
        deployed = rest.post(
            "/v2/deployments", files=[("resources", (f"{pid}.bpmn", models.chain(pid, ["x"])))]
        )
        key = deployed.json()["deployments"][0]["processDefinition"]["processDefinitionKey"]
        assert rest.post(f"/v2/resources/{key}/deletion").status_code == 204
        assert rest.get(f"/v2/process-definitions/{key}").status_code == 404
        again = rest.post(f"/v2/resources/{key}/deletion", json={"operationReference": 7})
        expected = grpc_detail(gateway, "DeleteResource", pb.DeleteResourceRequest(resourceKey=int(key)))
        problem(again, 404, "NOT_FOUND", expected)
        problem(
            rest.post("/v2/resources/abc/deletion"),
            400,
            "INVALID_ARGUMENT",
            "The provided resourceKey 'abc' is not a valid key. Expected a numeric value.",
        )
        bad_body = rest.post(f"/v2/resources/{key}/deletion", json={"operationReference": "x"})
        assert "'operationReference'" in problem(bad_body, 400, "INVALID_ARGUMENT")["detail"]
        for path in (f"/v2/resources/{key}", f"/v2/resources/{key}/content"):
            problem(
                rest.get(path),
                404,
                "NOT_FOUND",
                f"Command 'FETCH' rejected with code 'NOT_FOUND': Expected to fetch resource but no resource "
                f"found with key `{key}`",
            )


def test_a_start_form_is_the_latest_version_of_the_linked_form(gateway: RunningGateway) -> None:
    pid, bare, form_id = unique("started"), unique("bare"), unique("StartForm")
    with gateway.rest() as rest:
        deployed = rest.post(
            "/v2/deployments",
            files=[
                ("resources", (f"{pid}.bpmn", start_form_flow(pid, form_id))),
                ("resources", (f"{bare}.bpmn", start_form_flow(bare, None))),
                ("resources", (f"{form_id}.form", json.dumps(form_json(form_id)).encode())),
            ],
        )
        assert deployed.status_code == 200, deployed.text
        process, plain, form = deployed.json()["deployments"]
        answer = rest.get(
            f"/v2/process-definitions/{process['processDefinition']['processDefinitionKey']}/form"
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "tenantId": "<default>",
            "formId": form_id,
            "schema": form_json(form_id),
            "version": 1,
            "formKey": form["form"]["formKey"],
        }
        none = rest.get(f"/v2/process-definitions/{plain['processDefinition']['processDefinitionKey']}/form")
        assert none.status_code == 204 and none.content == b""
        flagged = rest.post("/v2/process-definitions/search", json={"filter": {"hasStartForm": True}}).json()
        assert pid in {d["processDefinitionId"] for d in flagged["items"]}
        assert bare not in {d["processDefinitionId"] for d in flagged["items"]}
        problem(
            rest.get(f"/v2/process-definitions/{MISSING}/form"),
            404,
            "NOT_FOUND",
            f"Process definition with key '{MISSING}' not found",
        )
        problem(rest.get("/v2/process-definitions/x1/form"), 400, "INVALID_ARGUMENT")


def test_status_and_license(gateway: RunningGateway) -> None:
    with gateway.rest() as rest:
        status = rest.get("/v2/status")
        assert status.status_code == 204 and status.content == b""
        license = rest.get("/v2/license")
    assert license.status_code == 200
    assert license.json() == {
        "validLicense": False,
        "licenseType": "unknown",
        "isCommercial": False,
        "expiresAt": None,
    }


# -- jobs --------------------------------------------------------------------------------------


def test_a_worker_activates_completes_fails_and_throws_over_rest(gateway: RunningGateway) -> None:
    pid = unique("rest-worker")
    model, types = worker_model(pid)
    deploy(gateway, pid, model)
    with gateway.rest() as rest:
        instance = start(rest, pid, {"caseId": "W-1", "secret": 1})
        [job] = activate(rest, types["complete"], worker="rest-worker", fetchVariable=["caseId"])
        assert job["type"] == types["complete"] and job["worker"] == "rest-worker" and job["retries"] == 3
        assert job["processInstanceKey"] == instance and job["processDefinitionId"] == pid
        assert job["variables"] == {"caseId": "W-1"} and job["customHeaders"] == {}
        assert job["kind"] == "BPMN_ELEMENT" and job["listenerEventType"] == "UNSPECIFIED"
        assert job["elementId"] == "complete" and job["tenantId"] == "<default>"
        assert all(job[k].isdigit() for k in ("jobKey", "processDefinitionKey", "elementInstanceKey"))
        done = rest.post(f"/v2/jobs/{job['jobKey']}/completion", json={"variables": {"checked": True}})
        assert done.status_code == 204, done.text

        [retry] = activate(rest, types["retry"])
        assert retry["variables"]["checked"] is True
        failed = rest.post(
            f"/v2/jobs/{retry['jobKey']}/failure",
            json={
                "retries": 2,
                "errorMessage": "对方系统未响应",
                "retryBackOff": 0,
                "variables": {"tries": 1},
            },
        )
        assert failed.status_code == 204, failed.text
        [again] = activate(rest, types["retry"])
        assert again["jobKey"] == retry["jobKey"] and again["retries"] == 2
        assert rest.post(f"/v2/jobs/{again['jobKey']}/completion").status_code == 204

        [check] = activate(rest, types["check"])
        thrown = rest.post(
            f"/v2/jobs/{check['jobKey']}/error",
            json={"errorCode": "REJECTED", "errorMessage": "材料不全", "variables": {"why": "材料不全"}},
        )
        assert thrown.status_code == 204, thrown.text
        [rejected] = activate(rest, types["rejected"])  # the error took the boundary event's path
        assert rest.post(f"/v2/jobs/{rejected['jobKey']}/completion").status_code == 204
        assert state_of(rest, instance) == "COMPLETED"


def test_job_activation_waits_for_a_job_created_while_it_polls(gateway: RunningGateway) -> None:
    pid = unique("long-poll")
    job_type = f"{pid}-task"
    deploy(gateway, pid, models.chain(pid, [job_type]))
    answers: list[httpx.Response] = []

    def poll() -> None:
        with gateway.rest() as rest:
            body = {"type": job_type, "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": 25_000}
            answers.append(rest.post("/v2/jobs/activation", json=body))

    with gateway.rest() as rest:
        assert activate(rest, job_type) == []  # requestTimeout -1: no waiting, nothing there
        waiting = threading.Thread(target=poll)
        waiting.start()
        instance = start(rest, pid)
        waiting.join(timeout=28)
    assert not waiting.is_alive()
    [answer] = answers
    assert answer.status_code == 200, answer.text
    [job] = answer.json()["jobs"]
    assert job["processInstanceKey"] == instance


def test_a_poll_whose_client_hung_up_takes_no_job(gateway: RunningGateway) -> None:
    pid = unique("hung-up")
    job_type = f"{pid}-task"
    deploy(gateway, pid, models.chain(pid, [job_type]))
    body = {"type": job_type, "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": 30_000}
    impatient = httpx.Client(base_url=gateway.rest_url, timeout=1)  # gives up after a second
    with impatient, pytest.raises(httpx.ReadTimeout):
        impatient.post("/v2/jobs/activation", json=body)
    with gateway.rest() as rest:
        instance = start(rest, pid)
        [job] = activate(rest, job_type)  # still there: the abandoned poll did not take it
    assert job["processInstanceKey"] == instance and job["retries"] == 3


def test_job_commands_refuse_bad_fields_and_unknown_jobs(gateway: RunningGateway) -> None:
    with gateway.rest() as rest:
        problem(
            rest.post("/v2/jobs/activation", json={}),
            400,
            "INVALID_ARGUMENT",
            "No type provided. No timeout provided. No maxJobsToActivate provided.",
        )
        problem(
            rest.post("/v2/jobs/activation", json={"type": "x", "timeout": 0, "maxJobsToActivate": 1}),
            400,
            "INVALID_ARGUMENT",
            "The value for timeout is '0' but must be greater than 0.",
        )
        wrong_type = rest.post(
            "/v2/jobs/activation", json={"type": "x", "timeout": "1s", "maxJobsToActivate": 1}
        )
        assert "'timeout' must be an integer" in problem(wrong_type, 400, "INVALID_ARGUMENT")["detail"]
        problem(
            rest.post(f"/v2/jobs/{MISSING}/error", json={"errorCode": " "}),
            400,
            "INVALID_ARGUMENT",
            "No errorCode provided.",
        )
        typo = rest.post(f"/v2/jobs/{MISSING}/completion", json={"variabels": {}})
        assert "'variabels' is not known" in problem(typo, 400, "INVALID_ARGUMENT")["detail"]
        problem(
            rest.post("/v2/jobs/x/failure", json={}),
            400,
            "INVALID_ARGUMENT",
            "The provided jobKey 'x' is not a valid key. Expected a numeric value.",
        )
        listener = rest.post(
            f"/v2/jobs/{MISSING}/completion", json={"result": {"type": "userTask", "denied": True}}
        )
        assert "result: denied not supported" in problem(listener, 400, "INVALID_ARGUMENT")["detail"]

        cases = [
            ("completion", {}, "CompleteJob", pb.CompleteJobRequest(jobKey=int(MISSING))),
            ("failure", {"retries": 1}, "FailJob", pb.FailJobRequest(jobKey=int(MISSING), retries=1)),
            (
                "error",
                {"errorCode": "E"},
                "ThrowError",
                pb.ThrowErrorRequest(jobKey=int(MISSING), errorCode="E"),
            ),
        ]
        for suffix, body, method, request in cases:
            expected = grpc_detail(gateway, method, request)
            problem(rest.post(f"/v2/jobs/{MISSING}/{suffix}", json=body), 404, "NOT_FOUND", expected)


# -- signals and messages ----------------------------------------------------------------------


def test_a_signal_is_broadcast(gateway: RunningGateway) -> None:
    pid, signal = unique("signalled"), unique("信号")
    deploy(gateway, pid, signal_flow(pid, signal))
    with gateway.rest() as rest:
        instance = start(rest, pid)
        answer = rest.post(
            "/v2/signals/broadcast", json={"signalName": signal, "variables": {"by": "县指挥中心"}}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["tenantId"] == "<default>" and answer.json()["signalKey"].isdigit()
        assert state_of(rest, instance) == "COMPLETED"
        problem(
            rest.post("/v2/signals/broadcast", json={}), 400, "INVALID_ARGUMENT", "No signalName provided."
        )
        bad = rest.post("/v2/signals/broadcast", json={"signalName": "s", "variables": [1]})
        detail = problem(bad, 400, "INVALID_ARGUMENT")["detail"]
        assert "'variables'" in detail and "Expected document to be a root level object" in detail


def test_a_message_is_correlated_to_a_waiting_instance_or_not_found(gateway: RunningGateway) -> None:
    pid, name = unique("correlated"), unique("材料补正")
    deploy(gateway, pid, models.message_flow(pid, name))
    with gateway.rest() as rest:
        instance = start(rest, pid, {"caseId": "C-1"})
        answer = rest.post(
            "/v2/messages/correlation",
            json={"name": name, "correlationKey": "C-1", "variables": {"ok": True}},
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["processInstanceKey"] == instance and body["tenantId"] == "<default>"
        assert body["messageKey"].isdigit()
        assert state_of(rest, instance) == "COMPLETED"
        again = rest.post("/v2/messages/correlation", json={"name": name, "correlationKey": "C-1"})
        problem(
            again,
            404,
            "NOT_FOUND",
            f"Command 'CORRELATE' rejected with code 'NOT_FOUND': Expected to find subscription for message "
            f"with name '{name}' and correlation key 'C-1', but none was found.",
        )
        # a correlation is never buffered: an instance that subscribes afterwards does not receive it
        later = start(rest, pid, {"caseId": "C-1"})
        assert state_of(rest, later) == "ACTIVE"
        problem(
            rest.post("/v2/messages/correlation", json={"correlationKey": "C-1"}),
            400,
            "INVALID_ARGUMENT",
            "No messageName provided.",
        )


def test_a_correlated_message_starts_an_instance_once_per_key(gateway: RunningGateway) -> None:
    pid, name = unique("message-start"), unique("来件")
    deploy(gateway, pid, message_start_flow(pid, name, f"{pid}-work"))
    with gateway.rest() as rest:
        answer = rest.post(
            "/v2/messages/correlation", json={"name": name, "correlationKey": "K-1", "variables": {"n": 1}}
        )
        assert answer.status_code == 200, answer.text
        started = answer.json()["processInstanceKey"]
        view = rest.get(f"/v2/process-instances/{started}").json()
        assert view["processDefinitionId"] == pid and view["state"] == "ACTIVE"
        blocked = rest.post("/v2/messages/correlation", json={"name": name, "correlationKey": "K-1"})
        detail = problem(blocked, 404, "NOT_FOUND")["detail"]
        assert f"in process IDs [{pid}]. Only one active process instance per correlation key" in detail
        other = rest.post("/v2/messages/correlation", json={"name": name, "correlationKey": "K-2"}).json()
        assert other["processInstanceKey"] not in (started, None)


# -- modification and migration ----------------------------------------------------------------


def test_an_instance_is_modified_and_not_migrated(gateway: RunningGateway) -> None:
    pid = unique("modified")
    first, second = f"{pid}-a", f"{pid}-b"
    deploy(gateway, pid, models.chain(pid, [first, second]))
    with gateway.rest() as rest:
        instance = start(rest, pid)
        [element] = [
            e
            for e in rest.post(
                "/v2/element-instances/search", json={"filter": {"processInstanceKey": instance}}
            ).json()["items"]
            if e["elementId"] == "task1" and e["state"] == "ACTIVE"
        ]
        modified = rest.post(
            f"/v2/process-instances/{instance}/modification",
            json={
                "activateInstructions": [
                    {"elementId": "task2", "variableInstructions": [{"variables": {"jumped": True}}]}
                ],
                "terminateInstructions": [{"elementInstanceKey": element["elementInstanceKey"]}],
            },
        )
        assert modified.status_code == 204, modified.text
        assert activate(rest, first) == []
        [job] = activate(rest, second)
        assert job["variables"]["jumped"] is True

        problem(
            rest.post(f"/v2/process-instances/{instance}/modification", json={"activateInstructions": [{}]}),
            400,
            "INVALID_ARGUMENT",
            "No elementId provided.",
        )
        expected = grpc_detail(
            gateway,
            "ModifyProcessInstance",
            pb.ModifyProcessInstanceRequest(
                processInstanceKey=int(MISSING),
                activateInstructions=[pb.ModifyProcessInstanceRequest.ActivateInstruction(elementId="task2")],
            ),
        )
        unknown = rest.post(
            f"/v2/process-instances/{MISSING}/modification",
            json={"activateInstructions": [{"elementId": "task2"}]},
        )
        problem(unknown, 404, "NOT_FOUND", expected)

        migrate = {
            "targetProcessDefinitionKey": job["processDefinitionKey"],
            "mappingInstructions": [{"sourceElementId": "task2", "targetElementId": "task2"}],
        }
        refused = rest.post(f"/v2/process-instances/{instance}/migration", json=migrate)
        assert (
            "does not support process instance migration"
            in problem(refused, 409, "FAILED_PRECONDITION")["detail"]
        )
        problem(
            rest.post(f"/v2/process-instances/{MISSING}/migration", json=migrate),
            404,
            "NOT_FOUND",
            f"Expected to migrate process instance but no process instance found with key '{MISSING}'",
        )
        problem(
            rest.post(f"/v2/process-instances/{instance}/migration", json={"mappingInstructions": [{}]}),
            400,
            "INVALID_ARGUMENT",
            "No targetProcessDefinitionKey provided. "
            "All fields in [sourceElementId, targetElementId] are required.",
        )


# -- Camunda's own client ----------------------------------------------------------------------


@pytest.mark.node
@pytest.mark.skipif(
    NODE is None or not (REPO / "tools/node/node_modules/@camunda8/orchestration-cluster-api").exists(),
    reason="node or @camunda8/orchestration-cluster-api missing (scripts/bootstrap installs them)",
)
def test_camundas_client_sends_every_command(gateway: RunningGateway, tmp_path: Path) -> None:
    """@camunda8/orchestration-cluster-api 8.8, validating requests and answers against 8.8's schema."""
    worker, chain, signalled, waiting, formed = (
        unique(name) for name in ("sdk-worker", "sdk-chain", "sdk-signal", "sdk-message", "sdk-form")
    )
    signal, message, form_id = unique("sdk-信号"), unique("sdk-消息"), unique("SdkStartForm")
    worker_xml, types = worker_model(worker)
    chain_types = [f"{chain}-a", f"{chain}-b"]
    resources = {
        f"{worker}.bpmn": worker_xml,
        f"{chain}.bpmn": models.chain(chain, chain_types),
        f"{signalled}.bpmn": signal_flow(signalled, signal),
        f"{waiting}.bpmn": models.message_flow(waiting, message),
        f"{formed}.bpmn": start_form_flow(formed, form_id),
        f"{form_id}.form": json.dumps(form_json(form_id)).encode(),
    }
    for name, content in resources.items():
        (tmp_path / name).write_bytes(content)
    spec = {
        "files": [str(tmp_path / name) for name in resources],
        "workerProcess": worker,
        "jobTypes": types,
        "chainProcess": chain,
        "chainTypes": chain_types,
        "signalProcess": signalled,
        "signalName": signal,
        "messageProcess": waiting,
        "messageName": message,
        "formProcess": formed,
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    completed = subprocess.run(
        [str(NODE), str(SCRIPT), gateway.rest_url, str(tmp_path / "spec.json"), "req:none,res:strict"],
        cwd=SCRIPT.parent, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["deployed"] == sorted([worker, chain, signalled, waiting, formed, form_id])
    assert report["firstJob"] == {
        "type": types["complete"],
        "variables": {"caseId": "SDK-1"},
        "kind": "BPMN_ELEMENT",
        "sameInstance": True,
    }
    assert report["retries"] == 1
    assert report["rejectedElement"] == "rejected"
    assert report["workerState"] == "COMPLETED"
    assert report["signalKeyIsDigits"] is True and report["signalledState"] == "COMPLETED"
    assert report["correlatedInstance"] is True and report["secondCorrelation"] == 404
    assert report["jumped"] is True
    assert report["startForm"] == form_id
    assert report["status"] == "UP" and report["license"] == "unknown"
    assert report["fetched"] == 404


# -- identity ----------------------------------------------------------------------------------

NEW_ROUTES = [
    ("POST", "/v2/deployments"),
    ("POST", "/v2/resources/{key}/deletion"),
    ("GET", "/v2/resources/{key}"),
    ("GET", "/v2/resources/{key}/content"),
    ("POST", "/v2/jobs/activation"),
    ("POST", "/v2/jobs/{key}/completion"),
    ("POST", "/v2/jobs/{key}/failure"),
    ("POST", "/v2/jobs/{key}/error"),
    ("POST", "/v2/signals/broadcast"),
    ("POST", "/v2/messages/correlation"),
    ("POST", "/v2/process-instances/{key}/modification"),
    ("POST", "/v2/process-instances/{key}/migration"),
]


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServer, str]]:
    """An engine with people: a clerk, an admin (password), and a worker client (its token)."""
    tmp = tmp_path_factory.mktemp("protected")
    store = IdentityStore(tmp / "data")
    try:
        store.add_user(
            "clerk_li", "correct horse battery", name="李", roles=["clerk"], groups=["siyang.justice"]
        )
        store.add_user("admin_wang", "correct horse battery", name="王", roles=["admin"], groups=[])
        token = store.add_client("rest-worker", "worker")
    finally:
        store.close()
    server = LocalServer(
        data_dir=tmp / "data", log_file=tmp / "engine.log", env={"XIETONG_LOG_LEVEL": "INFO"}
    )
    server.start()
    try:
        yield server, token
    finally:
        server.stop()


def _client(server: LocalServer, **auth: Any) -> httpx.Client:
    return httpx.Client(base_url=server.rest_url, timeout=30, **auth)


@pytest.mark.parametrize(("method", "path"), NEW_ROUTES, ids=[f"{m} {p}" for m, p in NEW_ROUTES])
def test_a_clerk_is_refused_what_their_role_may_not_do(
    protected: tuple[LocalServer, str], method: str, path: str
) -> None:
    server, _ = protected
    rule = REST_RULES[(method, path)]
    assert "clerk" not in rule.roles
    with _client(server, auth=("clerk_li", "correct horse battery")) as rest:
        answer = rest.request(method, path.replace("{key}", MISSING), json={} if method == "POST" else None)
    problem(answer, 403, "FORBIDDEN", rule.forbidden_message())


def test_workers_and_admins_are_let_in(protected: tuple[LocalServer, str], tmp_path: Path) -> None:
    server, token = protected
    pid = unique("guarded")
    files = [("resources", (f"{pid}.bpmn", models.chain(pid, [f"{pid}-job"])))]
    with _client(server, headers={"authorization": f"Bearer {token}"}) as worker:
        refused = worker.post("/v2/deployments", files=files)
        problem(refused, 403, "FORBIDDEN", REST_RULES[("POST", "/v2/deployments")].forbidden_message())
        with _client(server, auth=("admin_wang", "correct horse battery")) as admin:
            assert admin.post("/v2/deployments", files=files).status_code == 200
            assert admin.post("/v2/process-instances", json={"processDefinitionId": pid}).status_code == 200
        jobs = worker.post(
            "/v2/jobs/activation",
            json={"type": f"{pid}-job", "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": 10_000},
        )
        assert jobs.status_code == 200, jobs.text
        [job] = jobs.json()["jobs"]
        assert worker.post(f"/v2/jobs/{job['jobKey']}/completion").status_code == 204
        assert worker.post("/v2/signals/broadcast", json={"signalName": pid}).status_code == 200
    with _client(server, auth=("clerk_li", "correct horse battery")) as clerk:
        assert clerk.get("/v2/status").status_code == 204
    with _client(server) as anonymous:  # Camunda's unprotected paths: a health check signs in to nothing
        assert anonymous.get("/v2/status").status_code == 204
        assert anonymous.get("/v2/license").json()["licenseType"] == "unknown"
        problem(anonymous.post("/v2/jobs/activation", json={}), 401, "Unauthorized")
