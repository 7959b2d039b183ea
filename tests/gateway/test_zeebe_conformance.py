"""Zeebe 8.8 behaviour and wording through the protocols: deployment versions, user task, message
and signal rejections, deployment validation texts — each against a real ``xietong engine serve``.

The expected texts are Zeebe's (camunda/camunda, ``zeebe/engine/src/main/java/io/camunda/zeebe/
engine/processing/…``; the file is named beside each case here and in docs/engine.md).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import grpc
import httpx
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.gateway.engine_process import RunningGateway


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def stub(gateway: RunningGateway) -> Iterator[GatewayStub]:
    with grpc.insecure_channel(gateway.address) as channel:
        yield GatewayStub(channel)


def deploy(stub: GatewayStub, *resources: tuple[str, bytes]) -> pb.DeployResourceResponse:
    request = pb.DeployResourceRequest(resources=[pb.Resource(name=n, content=c) for n, c in resources])
    return stub.DeployResource(request, timeout=30)


def processes(response: pb.DeployResourceResponse) -> dict[str, pb.ProcessMetadata]:
    return {
        d.process.bpmnProcessId: d.process
        for d in response.deployments
        if d.WhichOneof("Metadata") == "process"
    }


def forms(response: pb.DeployResourceResponse) -> dict[str, pb.FormMetadata]:
    return {d.form.formId: d.form for d in response.deployments if d.WhichOneof("Metadata") == "form"}


def form(form_id: str, label: str = "意见") -> bytes:
    schema = {
        "id": form_id,
        "type": "default",
        "components": [{"type": "textfield", "key": "x", "label": label}],
    }
    return json.dumps(schema, ensure_ascii=False).encode()


def with_form(pid: str, form_id: str) -> bytes:
    return models.user_task_flow(pid, form_id=form_id)


def rejected(call: object) -> grpc.RpcError:
    assert isinstance(call, grpc.RpcError)
    return call


# --- 1. deployment: duplicates by checksum and resource name (BpmnResourceTransformer,
# FormResourceTransformer, DeploymentTransformer, DeploymentCreateProcessor) ----------------------


def test_an_identical_redeploy_keeps_version_and_key_under_a_new_deployment_key(stub: GatewayStub) -> None:
    pid = unique("dup")
    first = deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a"])))
    again = deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a"])))
    old, same = processes(first)[pid], processes(again)[pid]
    assert (same.version, same.processDefinitionKey) == (1, old.processDefinitionKey)
    assert again.key != first.key  # every deployment is a new record with its own key
    # what clients (``xietong deploy``) read: a new version's key is above its deployment's key
    assert old.processDefinitionKey > first.key and same.processDefinitionKey < again.key


def test_a_changed_resource_is_a_new_version_with_a_new_key(stub: GatewayStub) -> None:
    pid = unique("changed")
    first = processes(deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a"]))))[pid]
    response = deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a", "b"])))
    second = processes(response)[pid]
    assert second.version == 2 and second.processDefinitionKey > response.key > first.processDefinitionKey


def test_the_same_content_under_another_resource_name_is_a_new_version(stub: GatewayStub) -> None:
    """Zeebe compares the resource name as well as the checksum (isDuplicateOfLatest)."""
    pid = unique("renamed")
    deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a"])))
    moved = processes(deploy(stub, (f"folder/{pid}.bpmn", models.chain(pid, ["a"]))))[pid]
    assert (moved.version, moved.resourceName) == (2, f"folder/{pid}.bpmn")


def test_one_changed_resource_versions_every_resource_of_its_deployment(stub: GatewayStub) -> None:
    """'all resources in a deployment should be versioned together' (BpmnResourceTransformer)."""
    a, b = unique("together_a"), unique("together_b")
    first = processes(
        deploy(stub, (f"{a}.bpmn", models.chain(a, ["x"])), (f"{b}.bpmn", models.chain(b, ["y"])))
    )
    unchanged = processes(
        deploy(stub, (f"{a}.bpmn", models.chain(a, ["x"])), (f"{b}.bpmn", models.chain(b, ["y"])))
    )
    assert {k: (v.version, v.processDefinitionKey) for k, v in unchanged.items()} == {
        k: (v.version, v.processDefinitionKey) for k, v in first.items()
    }
    response = deploy(stub, (f"{a}.bpmn", models.chain(a, ["x"])), (f"{b}.bpmn", models.chain(b, ["y", "z"])))
    mixed = processes(response)
    assert {k: v.version for k, v in mixed.items()} == {a: 2, b: 2}
    assert all(v.processDefinitionKey > response.key for v in mixed.values())


def test_forms_are_duplicates_by_checksum_and_go_with_their_deployment(stub: GatewayStub) -> None:
    pid, form_id = unique("formed"), unique("Form")
    resources = ((f"{pid}.bpmn", with_form(pid, form_id)), (f"{form_id}.form", form(form_id)))
    first = deploy(stub, *resources)
    again = deploy(stub, *resources)
    assert (forms(again)[form_id].version, forms(again)[form_id].formKey) == (
        1,
        forms(first)[form_id].formKey,
    )
    assert processes(again)[pid].processDefinitionKey == processes(first)[pid].processDefinitionKey
    changed = deploy(stub, resources[0], (f"{form_id}.form", form(form_id, "新意见")))
    assert (forms(changed)[form_id].version, processes(changed)[pid].version) == (2, 2)
    alone = deploy(stub, (f"{form_id}.form", form(form_id, "新意见")))
    assert forms(alone)[form_id].version == 2  # the newest version again: a duplicate


def test_deleting_the_newest_version_forgets_its_checksum(stub: GatewayStub) -> None:
    """DbProcessState.deleteProcess drops the digest of the latest version: the older content
    deploys again as a new version (3), never as the kept version 1."""
    pid = unique("deleted")
    v1 = processes(deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a"]))))[pid]
    v2 = processes(deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a", "b"]))))[pid]
    stub.DeleteResource(pb.DeleteResourceRequest(resourceKey=v2.processDefinitionKey), timeout=30)
    v3 = processes(deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a"]))))[pid]
    assert v3.version == 3 and v3.processDefinitionKey not in (
        v1.processDefinitionKey,
        v2.processDefinitionKey,
    )
    again = processes(deploy(stub, (f"{pid}.bpmn", models.chain(pid, ["a"]))))[pid]
    assert (again.version, again.processDefinitionKey) == (3, v3.processDefinitionKey)


def test_a_process_id_twice_in_one_deployment_is_refused_in_zeebes_words(stub: GatewayStub) -> None:
    pid = unique("twice")
    with pytest.raises(grpc.RpcError) as caught:
        deploy(stub, ("one.bpmn", models.chain(pid, ["a"])), ("two.bpmn", models.chain(pid, ["b"])))
    error = rejected(caught.value)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Duplicated process id in resources 'one.bpmn' and 'two.bpmn'" in (error.details() or "")


# --- 2. user task commands over REST v2 (UserTaskCommandPreconditionChecker, UserTaskClaimProcessor;
# UserTaskServices: allowOverride false is a CLAIM, unassign an ASSIGN with an empty assignee) ------


def open_task(gateway: RunningGateway, rest: httpx.Client) -> tuple[str, str]:
    """A fresh instance waiting at a Camunda user task: (process instance key, user task key)."""
    pid = unique("usertask")
    with grpc.insecure_channel(gateway.address) as channel:
        deploy(GatewayStub(channel), (f"{pid}.bpmn", models.user_task_flow(pid, "g")))
    created = rest.post("/v2/process-instances", json={"processDefinitionId": pid})
    assert created.status_code == 200, created.text
    instance = created.json()["processInstanceKey"]
    found = rest.post("/v2/user-tasks/search", json={"filter": {"processInstanceKey": instance}}).json()
    (task,) = found["items"]
    return instance, task["userTaskKey"]


def problem(response: httpx.Response, status: int, title: str, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["title"], body["detail"]) == (title, detail), body


def rejection(intent: str, code: str, reason: str) -> str:
    """A broker rejection as Camunda 8.8's REST gateway words it (ErrorMapper.mapBrokerRejection);
    the problem's title is the rejection type."""
    return f"Command '{intent}' rejected with code '{code}': {reason}"


# (REST call on /v2/user-tasks/{key}…, its body, the command's intent, the verb of Zeebe's reason)
USER_TASK_COMMANDS: list[tuple[str, str, dict[str, object] | None, str, str]] = [
    ("POST", "/completion", {}, "COMPLETE", "complete"),
    ("POST", "/assignment", {"assignee": "wang"}, "ASSIGN", "assign"),
    ("POST", "/assignment", {"assignee": "wang", "allowOverride": False}, "CLAIM", "claim"),
    ("DELETE", "/assignee", None, "ASSIGN", "assign"),  # Zeebe unassigns with an ASSIGN command
    ("PATCH", "", {"changeset": {"priority": 10}}, "UPDATE", "update"),
]


@pytest.mark.parametrize(("method", "path", "body", "intent", "verb"), USER_TASK_COMMANDS)
def test_commands_on_an_unknown_user_task_are_not_found_in_zeebes_words(
    gateway: RunningGateway, method: str, path: str, body: dict[str, object] | None, intent: str, verb: str
) -> None:
    key = "2251799813999999"
    with gateway.rest() as rest:
        problem(
            rest.request(method, f"/v2/user-tasks/{key}{path}", json=body),
            404,
            "NOT_FOUND",
            rejection(
                intent,
                "NOT_FOUND",
                f"Expected to {verb} user task with key '{key}', but no such user task was found",
            ),
        )


def test_a_completed_or_canceled_user_task_is_gone_as_in_zeebe(gateway: RunningGateway) -> None:
    """Zeebe deletes a user task from its state when it completes or is canceled: commands on it are
    NOT_FOUND, not a conflict about its state."""
    with gateway.rest() as rest:
        _, done = open_task(gateway, rest)
        assert rest.post(f"/v2/user-tasks/{done}/completion", json={}).status_code == 204
        problem(
            rest.post(f"/v2/user-tasks/{done}/completion", json={}),
            404,
            "NOT_FOUND",
            rejection(
                "COMPLETE",
                "NOT_FOUND",
                f"Expected to complete user task with key '{done}', but no such user task was found",
            ),
        )
        instance, canceled = open_task(gateway, rest)
        assert rest.post(f"/v2/process-instances/{instance}/cancellation", json={}).status_code == 204
        problem(
            rest.patch(f"/v2/user-tasks/{canceled}", json={"changeset": {"priority": 10}}),
            404,
            "NOT_FOUND",
            rejection(
                "UPDATE",
                "NOT_FOUND",
                f"Expected to update user task with key '{canceled}', but no such user task was found",
            ),
        )


def test_claiming_a_task_someone_else_has_is_refused_and_assigning_takes_it_over(
    gateway: RunningGateway,
) -> None:
    with gateway.rest() as rest:
        _, key = open_task(gateway, rest)
        claim = {"assignee": "wang", "allowOverride": False}
        assert rest.post(f"/v2/user-tasks/{key}/assignment", json=claim).status_code == 204
        assert rest.post(f"/v2/user-tasks/{key}/assignment", json=claim).status_code == 204  # same person
        refused = rest.post(
            f"/v2/user-tasks/{key}/assignment", json={"assignee": "li", "allowOverride": False}
        )
        problem(
            refused,
            409,
            "INVALID_STATE",
            rejection(
                "CLAIM",
                "INVALID_STATE",
                f"Expected to claim user task with key '{key}', but it has already been assigned",
            ),
        )
        assert rest.post(f"/v2/user-tasks/{key}/assignment", json={"assignee": "li"}).status_code == 204
        assert rest.get(f"/v2/user-tasks/{key}").json()["assignee"] == "li"


# --- 3. messages and signals (MessagePublishProcessor, SignalBroadcastProcessor; the gateways'
# tenant and document checks; REST's MessageRequestValidator) ------------------------------------


def test_a_signal_with_an_empty_name_is_broadcast_as_zeebe_does(stub: GatewayStub) -> None:
    """Zeebe's SignalBroadcastProcessor checks no name: an empty one is broadcast and reaches nothing."""
    response = stub.BroadcastSignal(pb.BroadcastSignalRequest(signalName=""), timeout=30)
    assert response.key > 0 and response.tenantId == "<default>"


def test_a_message_with_an_empty_name_is_published_as_zeebe_does(stub: GatewayStub) -> None:
    """Neither Zeebe's gRPC gateway nor its MessagePublishProcessor checks the name: an empty one is
    published and correlates to nothing (only REST's MessageRequestValidator refuses it)."""
    response = stub.PublishMessage(pb.PublishMessageRequest(name="", correlationKey="k"), timeout=30)
    assert response.key > 0 and response.tenantId == "<default>"


@pytest.mark.parametrize(
    ("rpc", "call"),
    [
        ("PublishMessage", lambda s: s.PublishMessage(pb.PublishMessageRequest(name="m", tenantId="t1"))),
        (
            "BroadcastSignal",
            lambda s: s.BroadcastSignal(pb.BroadcastSignalRequest(signalName="s", tenantId="t1")),
        ),
    ],
)
def test_an_unknown_tenant_is_refused_in_zeebes_words(stub: GatewayStub, rpc: str, call: object) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call(stub)  # type: ignore[operator]
    error = rejected(caught.value)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        f"Expected to handle gRPC request {rpc} with tenant identifier 't1', but multi-tenancy is disabled"
    )


@pytest.mark.parametrize(
    ("variables", "detail"),
    [
        (
            "[1]",
            "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'",
        ),
        (
            '"x"',
            "Property 'variables' is invalid: Expected document to be a root level object, but was 'STRING'",
        ),
    ],
)
def test_variables_that_are_not_a_document_are_refused_in_zeebes_words(
    stub: GatewayStub, variables: str, detail: str
) -> None:
    for call in (
        lambda: stub.PublishMessage(pb.PublishMessageRequest(name="m", variables=variables), timeout=30),
        lambda: stub.BroadcastSignal(
            pb.BroadcastSignalRequest(signalName="s", variables=variables), timeout=30
        ),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            call()
        error = rejected(caught.value)
        assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, detail)


def test_rest_refuses_a_message_without_a_name_as_camunda_does(gateway: RunningGateway) -> None:
    with gateway.rest() as rest:
        problem(
            rest.post("/v2/messages/publication", json={"name": ""}),
            400,
            "INVALID_ARGUMENT",
            "No name provided.",
        )


# --- 4. deployment validation: Zeebe's layout (ValidationErrorFormatter) and validators' words,
# the line of the element appended after Zeebe's text --------------------------------------------


def refused_deployment(stub: GatewayStub, name: str, content: bytes) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        deploy(stub, (name, content))
    error = rejected(caught.value)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error.details() or ""
    assert details.startswith(
        "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': "
        f"Expected to deploy new resources, but encountered the following errors:\n'{name}': "
    ), details
    return details


def split_on(condition: str) -> list[str]:
    """start -> an exclusive gateway g: flow f2 to end a on ``condition`` (as written in the XML), f3 to b."""
    return start_to(
        '<bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>',
        models.flow("f1", "start", "g"),
        '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="a">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>",
        models.flow("f3", "g", "b"),
    )


def start_to(*body: str) -> list[str]:
    return ['<bpmn:startEvent id="start"/>', *body]


@pytest.mark.parametrize(
    ("body", "before", "element", "error"),
    [
        (['<bpmn:endEvent id="end"/>'], "", "{pid}", "Must have at least one start event"),
        (
            start_to('<bpmn:serviceTask id="t"/>', models.flow("f1", "start", "t")),
            "",
            "t",
            "Must have exactly one 'zeebe:taskDefinition' extension element",
        ),
        (
            start_to(
                '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type=""/>'
                "</bpmn:extensionElements></bpmn:serviceTask>",
                models.flow("f1", "start", "t"),
            ),
            "",
            "t > extensionElements > taskDefinition",
            "Attribute 'type' must be present and not empty",
        ),
        (
            start_to('<bpmn:complexGateway id="g"/>', models.flow("f1", "start", "g")),
            "",
            "g",
            "Elements of type 'ComplexGateway' are currently not supported. Please refer to the "
            "documentation for a list of supported elements: "
            "https://docs.camunda.io/docs/components/modeler/bpmn/bpmn-coverage/",
        ),
        (
            split_on("= amount &gt;"),
            "",
            "f2 > conditionExpression",
            "failed to parse expression 'amount >': ",
        ),
        (
            split_on("approved"),
            "",
            "f2 > conditionExpression",
            "Expected expression but found static value 'approved'. An expression must start with '=' "
            "(e.g. '=approved').",
        ),
        (
            split_on("= ok"),
            "",
            "f3",
            "Must have a condition or be default flow",
        ),
        (
            start_to(
                '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="Msg"/>'
                "</bpmn:intermediateCatchEvent>",
                models.flow("f1", "start", "wait"),
            ),
            '<bpmn:message id="Msg" name="answer"/>\n',
            "Msg",
            "Must have exactly one zeebe:subscription extension element",
        ),
        (
            start_to(
                '<bpmn:subProcess id="sub"><bpmn:startEvent id="inner">'
                "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
                "</bpmn:timerEventDefinition></bpmn:startEvent></bpmn:subProcess>",
                models.flow("f1", "start", "sub"),
            ),
            "",
            "sub",
            "Start events in subprocesses must be of type none",
        ),
        (
            start_to(
                '<bpmn:intermediateCatchEvent id="c"><bpmn:timerEventDefinition>'
                "<bpmn:timeDuration>PT5X</bpmn:timeDuration></bpmn:timerEventDefinition>"
                "</bpmn:intermediateCatchEvent>",
                models.flow("f1", "start", "c"),
            ),
            "",
            "c",
            "Invalid timer duration expression (",
        ),
        (
            start_to(
                '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x"/>'
                '</bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="e"/>',
                models.flow("f1", "start", "t"),
                '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e">'
                "<bpmn:conditionExpression>= ok</bpmn:conditionExpression></bpmn:sequenceFlow>",
            ),
            "",
            "t",
            "Conditional sequence flows are only supported at exclusive or inclusive gateway",
        ),
        (
            start_to(
                '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition id="ErrorDef_1"/></bpmn:endEvent>',
                models.flow("f1", "start", "fail"),
            ),
            "",
            "ErrorDef_1",
            "Must reference an error",
        ),
    ],
    ids=[
        "no-start-event",
        "no-task-definition",
        "empty-job-type",
        "complex-gateway",
        "bad-feel",
        "static-condition",
        "flow-without-condition",
        "no-subscription",
        "sub-process-start",
        "bad-duration",
        "conditional-flow-after-a-task",
        "error-end-without-error",
    ],
)
def test_an_invalid_model_is_refused_in_zeebes_words_with_its_line(
    stub: GatewayStub, body: list[str], before: str, element: str, error: str
) -> None:
    pid = unique("invalid")
    details = refused_deployment(stub, f"{pid}.bpmn", models.process(pid, body, before))
    element = element.format(pid=pid)
    assert f"- Element: {element}\n    - ERROR: {error}" in details, details
    shown = details.split(f"- Element: {element}\n    - ERROR: ", 1)[1].split("\n", 1)[0]
    assert re.search(r" \(line \d+\)$", shown), shown
    with pytest.raises(grpc.RpcError):  # nothing of it was deployed
        stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId=pid), timeout=30)


def test_a_deployment_binding_to_a_missing_form_is_refused_in_zeebes_words(stub: GatewayStub) -> None:
    pid, form_id = unique("unbound"), unique("Form")
    details = refused_deployment(stub, f"{pid}.bpmn", with_form(pid, form_id))
    assert (
        f"'{pid}.bpmn': - Element: review > extensionElements > formDefinition\n"
        f"    - ERROR: Expected to find form with id '{form_id}' in current deployment, but not found."
    ) in details
