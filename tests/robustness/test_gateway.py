"""The engine through its gRPC and REST ports, fed bad input: every refusal names what was wrong,
nothing half-deployed survives, and the server stays up and healthy afterwards.

One engine child process for the module (LocalServer), reached only as a client would.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from functools import partial

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as rpc

from tests.gateway.models import chain, flow, message_flow, process
from tests.support import engine_server, running_fixture
from xietong.engine.gateway.local_server import HEALTH_SERVICE, LocalServer


def rejected(intent: str, code: str, reason: str) -> str:
    """Zeebe 8.8's gateways put the command's intent and rejection type before the engine's reason."""
    return f"Command '{intent}' rejected with code '{code}': {reason}"


DEPLOY_PREFIX = rejected(
    "CREATE", "INVALID_ARGUMENT", "Expected to deploy new resources, but encountered the following errors:\n"
)


#: after the bad input the engine must still stop cleanly
server = running_fixture(partial(engine_server, clean_stop=True), scope="module")


@pytest.fixture(scope="module")
def gateway(server: LocalServer) -> Iterator[rpc.GatewayStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield rpc.GatewayStub(channel)


def refused(call: object, request: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=20)  # type: ignore[operator]
    return caught.value


def deploy(gateway: rpc.GatewayStub, *resources: tuple[str, bytes]) -> pb.DeployResourceResponse:
    return gateway.DeployResource(
        pb.DeployResourceRequest(resources=[pb.Resource(name=n, content=c) for n, c in resources]), timeout=20
    )


def create(gateway: rpc.GatewayStub, pid: str, variables: str = "") -> pb.CreateProcessInstanceResponse:
    return gateway.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1, variables=variables), timeout=20
    )


def assert_not_deployed(gateway: rpc.GatewayStub, pid: str) -> None:
    request = pb.CreateProcessInstanceRequest(bpmnProcessId=pid, version=-1)
    error = refused(gateway.CreateProcessInstance, request)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == rejected(
        "CREATE", "NOT_FOUND", f"Expected to find process definition with process ID '{pid}', but none found"
    )


def assert_healthy(server: LocalServer, gateway: rpc.GatewayStub) -> None:
    with grpc.insecure_channel(server.address) as channel:
        status = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=HEALTH_SERVICE), timeout=10
        ).status
    assert status == health_pb2.HealthCheckResponse.SERVING
    assert gateway.Topology(pb.TopologyRequest(), timeout=10).brokers[0].partitions[0].partitionId == 1


@pytest.fixture(scope="module")
def good(gateway: rpc.GatewayStub) -> str:
    deploy(gateway, ("good.bpmn", chain("robust_good", ["robust.a"])))
    return "robust_good"


# -- DeployResource ---------------------------------------------------------------------------


def test_not_xml_names_the_resource_and_line(gateway: rpc.GatewayStub) -> None:
    junk = pb.Resource(name="junk.bpmn", content=b"garbage\x00\xff")
    error = refused(gateway.DeployResource, pb.DeployResourceRequest(resources=[junk]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith(DEPLOY_PREFIX + "'junk.bpmn': line 1: not well-formed XML:")


def test_invalid_feel_names_resource_and_element_and_deploys_nothing(gateway: rpc.GatewayStub) -> None:
    model = chain("robust_feel", ["x"]).replace(b'type="x"', b'type="=1 +* 2"')
    error = refused(gateway.DeployResource,
                    pb.DeployResourceRequest(resources=[pb.Resource(name="feel.bpmn", content=model)]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ("'feel.bpmn': - Element: task1 > extensionElements > taskDefinition\n"
            "    - ERROR: failed to parse expression '1 +* 2': unexpected '*' "
            "(line 1, column 4) (job type) (line 5)") in error.details()
    assert_not_deployed(gateway, "robust_feel")


def test_a_dangling_sequence_flow_is_refused_naming_the_flow(gateway: rpc.GatewayStub) -> None:
    model = chain("robust_dangling", ["x"]).replace(b'targetRef="task1"', b'targetRef="nowhere"')
    error = refused(gateway.DeployResource,
                    pb.DeployResourceRequest(resources=[pb.Resource(name="dangling.bpmn", content=model)]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "dangling.bpmn" in error.details() and "flow1" in error.details() and "nowhere" in error.details()
    assert_not_deployed(gateway, "robust_dangling")


def test_one_bad_resource_deploys_none_of_the_request(gateway: rpc.GatewayStub) -> None:
    error = refused(gateway.DeployResource, pb.DeployResourceRequest(resources=[
        pb.Resource(name="fine.bpmn", content=chain("robust_fine", ["x"])),
        pb.Resource(name="other.bpmn", content=b"<not-bpmn/>"),
    ]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == DEPLOY_PREFIX + (
        "'other.bpmn': root element must be bpmn:definitions "
        "(BPMN 2.0 namespace http://www.omg.org/spec/BPMN/20100524/MODEL)")
    assert_not_deployed(gateway, "robust_fine")


XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
       b'targetNamespace="t">\n<bpmn:process id="robust_xxe" name="&x;" isExecutable="true">'
       b'<bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>')


def laughs() -> bytes:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE d [{entities}]>\n'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
            'targetNamespace="t"><bpmn:process id="robust_lol" name="&j;" isExecutable="true">'
            '<bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>').encode()


@pytest.mark.parametrize(("name", "content", "pid", "problem"), [
    ("xxe.bpmn", XXE, "robust_xxe",
     "'xxe.bpmn': line 4: not well-formed XML: Attribute references external entity 'x'"),
    ("lol.bpmn", laughs(), "robust_lol",
     "'lol.bpmn': line 3: not well-formed XML: Maximum entity amplification factor exceeded"),
    ("dup.bpmn", chain("robust_dup", ["x"]).replace(b'id="end"', b'id="task1"'), "robust_dup",
     # Zeebe's XML schema check (camunda-xml-model's DomErrorHandler, Xerces' cvc-id.2)
     "'dup.bpmn': Error: URI=null Line=7: cvc-id.2: There are multiple occurrences of ID value 'task1'."),
    ("nostart.bpmn", chain("robust_nostart", ["x"]).replace(b'<bpmn:startEvent id="start"/>', b""),
     "robust_nostart",
     "- Element: robust_nostart\n    - ERROR: Must have at least one start event (line 3)"),
    ("notes.txt", b"hello", "robust_none",
     "'notes.txt': unknown resource type; BPMN processes (.bpmn) and Camunda forms (.form) are deployed"),
], ids=["external-entity", "billion-laughs", "duplicate-id", "no-start-event", "not-bpmn-extension"])
def test_unsafe_or_invalid_models_are_refused(gateway: rpc.GatewayStub, name: str, content: bytes, pid: str,
                                              problem: str) -> None:
    error = refused(gateway.DeployResource,
                    pb.DeployResourceRequest(resources=[pb.Resource(name=name, content=content)]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith(DEPLOY_PREFIX) and problem in error.details(), error.details()
    assert_not_deployed(gateway, pid)


def test_the_same_process_twice_in_one_request(gateway: rpc.GatewayStub) -> None:
    model = chain("robust_twice", ["x"])
    error = refused(gateway.DeployResource, pb.DeployResourceRequest(resources=[
        pb.Resource(name="a.bpmn", content=model), pb.Resource(name="b.bpmn", content=model)]))
    assert error.details() == DEPLOY_PREFIX + "Duplicated process id in resources 'a.bpmn' and 'b.bpmn'"
    assert_not_deployed(gateway, "robust_twice")


def test_an_empty_deployment(gateway: rpc.GatewayStub) -> None:
    error = refused(gateway.DeployResource, pb.DeployResourceRequest())
    # the broker's rejection: Zeebe's gateway has no check of its own
    assert (error.code(), error.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        rejected("CREATE", "INVALID_ARGUMENT", "Expected to deploy at least one resource, but none given"),
    )


# -- variables, keys, ids -------------------------------------------------------------------------


@pytest.mark.parametrize(("variables", "problem"), [
    ("not json",
     "Expected document to be valid JSON, but failed to parse it: Expecting value: line 1 column 1"),
    ("[1, 2]", "Expected document to be a root level object, but was 'ARRAY'"),
    ("42", "Expected document to be a root level object, but was 'NUMBER'"),
    ('"text"', "Expected document to be a root level object, but was 'STRING'"),
    ("null", "Expected document to be a root level object, but was 'NULL'"),
    ('{"a": NaN}', "Expected document to be valid JSON, but failed to parse it: NaN is not a JSON value"),
])
def test_variables_that_are_not_a_json_object(gateway: rpc.GatewayStub, good: str, variables: str,
                                              problem: str) -> None:
    error = refused(gateway.CreateProcessInstance,
                    pb.CreateProcessInstanceRequest(bpmnProcessId=good, version=-1, variables=variables))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith(f"Property 'variables' is invalid: {problem}")


def test_deeply_nested_variables_are_invalid_not_a_crash(server: LocalServer, gateway: rpc.GatewayStub,
                                                         good: str) -> None:
    nested = '{"a":' * 100_000 + "1" + "}" * 100_000
    error = refused(gateway.CreateProcessInstance,
                    pb.CreateProcessInstanceRequest(bpmnProcessId=good, version=-1, variables=nested))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == ("Property 'variables' is invalid: Expected document to be valid JSON, but "
                               "failed to parse it: the document is nested too deeply")
    assert_healthy(server, gateway)


def test_a_number_too_long_for_python_is_named_plainly(server: LocalServer, gateway: rpc.GatewayStub,
                                                       good: str) -> None:
    """Python's own advice (sys.set_int_max_str_digits) would mean nothing to a Java or Node client."""
    error = refused(gateway.CreateProcessInstance, pb.CreateProcessInstanceRequest(
        bpmnProcessId=good, version=-1, variables='{"n": ' + "9" * 5000 + "}"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().endswith("failed to parse it: a number has more than 4300 digits")


def test_huge_variables_are_refused_with_the_size(server: LocalServer, gateway: rpc.GatewayStub,
                                                  good: str) -> None:
    huge = json.dumps({"blob": "x" * 5_000_000})
    error = refused(gateway.CreateProcessInstance,
                    pb.CreateProcessInstanceRequest(bpmnProcessId=good, version=-1, variables=huge))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # as Zeebe: gRPC's 4 MB message limit
    assert "Received message larger than max" in error.details()
    assert_healthy(server, gateway)


def test_an_unknown_process_id_is_not_found(gateway: rpc.GatewayStub) -> None:
    assert_not_deployed(gateway, "no_such_process")


def test_unknown_job_keys_are_not_found(gateway: rpc.GatewayStub) -> None:
    error = refused(gateway.CompleteJob, pb.CompleteJobRequest(jobKey=123456789, variables="{}"))
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, rejected(
        "COMPLETE", "NOT_FOUND", "Expected to complete job with key '123456789', but no such job was found"))
    error = refused(gateway.FailJob, pb.FailJobRequest(jobKey=123456789, retries=1))
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, rejected(
        "FAIL", "NOT_FOUND", "Expected to fail job with key '123456789', but no such job was found"))


@pytest.mark.parametrize(("method", "message", "intent", "detail"), [
    ("CancelProcessInstance", pb.CancelProcessInstanceRequest(processInstanceKey=42), "CANCEL",
     "Expected to cancel a process instance with key '42', but no such process was found"),
    ("SetVariables", pb.SetVariablesRequest(elementInstanceKey=42, variables='{"a": 1}'), "UPDATE",
     "Expected to update variables for element with key '42', but no such element was found"),
    ("ResolveIncident", pb.ResolveIncidentRequest(incidentKey=42), "RESOLVE",
     "Expected to resolve incident with key '42', but no such incident was found"),
    ("ThrowError", pb.ThrowErrorRequest(jobKey=42, errorCode="x"), "THROW_ERROR",
     "Expected to throw an error for job with key '42', but no such job was found"),
    ("UpdateJobRetries", pb.UpdateJobRetriesRequest(jobKey=42, retries=3), "UPDATE_RETRIES",
     "Expected to update job with key '42', but no such job was found"),
    ("CreateProcessInstance", pb.CreateProcessInstanceRequest(processDefinitionKey=42), "CREATE",
     "Expected to find process definition with key '42', but none found"),
], ids=lambda v: v if isinstance(v, str) and " " not in v and not v.isupper() else "")
def test_unknown_keys_are_not_found(gateway: rpc.GatewayStub, method: str, message: object, intent: str,
                                    detail: str) -> None:
    """The intents are Zeebe's: ProcessInstanceIntent, VariableDocumentIntent, IncidentIntent, JobIntent,
    ProcessInstanceCreationIntent."""
    error = refused(getattr(gateway, method), message)
    expected = rejected(intent, "NOT_FOUND", detail)
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, expected)


def test_complete_job_twice_and_with_an_array(gateway: rpc.GatewayStub, good: str) -> None:
    create(gateway, good)
    responses = gateway.ActivateJobs(pb.ActivateJobsRequest(
        type="robust.a", worker="robust", timeout=60_000, maxJobsToActivate=1, requestTimeout=5_000),
        timeout=20)
    key = next(job.key for response in responses for job in response.jobs)
    error = refused(gateway.CompleteJob, pb.CompleteJobRequest(jobKey=key, variables="[1]"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == ("Property 'variables' is invalid: "
                               "Expected document to be a root level object, but was 'ARRAY'")
    gateway.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables='{"done": true}'), timeout=20)
    error = refused(gateway.CompleteJob, pb.CompleteJobRequest(jobKey=key, variables="{}"))
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, rejected(
        "COMPLETE", "NOT_FOUND", f"Expected to complete job with key '{key}', but no such job was found"))


@pytest.mark.parametrize(("request_kwargs", "detail"), [
    ({"type": "", "maxJobsToActivate": 1},
     "Expected to handle gRPC request ActivateJobs, but 'type' was blank"),
    ({"type": "robust.a", "maxJobsToActivate": -1},
     "Expected to handle gRPC request ActivateJobs with 'maxJobsToActivate' greater than 0, but was -1"),
])
def test_activate_jobs_argument_errors(gateway: rpc.GatewayStub, request_kwargs: dict[str, object],
                                       detail: str) -> None:
    request = pb.ActivateJobsRequest(worker="robust", timeout=1000, requestTimeout=100, **request_kwargs)
    with pytest.raises(grpc.RpcError) as caught:
        list(gateway.ActivateJobs(request, timeout=20))
    assert (caught.value.code(), caught.value.details()) == (grpc.StatusCode.INVALID_ARGUMENT, detail)


def test_publish_message_with_invalid_variables(gateway: rpc.GatewayStub) -> None:
    error = refused(gateway.PublishMessage,
                    pb.PublishMessageRequest(name="m", correlationKey="c", variables="nope"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("Property 'variables' is invalid: Expected document to be valid JSON")


@pytest.mark.parametrize("payload", [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\x00" * 100,
    bytes(range(256)) * 40,
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 500,
], ids=["http1", "zeros", "all-bytes", "h2-preface-then-garbage"])
def test_garbage_on_the_grpc_port_leaves_the_server_healthy(server: LocalServer, gateway: rpc.GatewayStub,
                                                            payload: bytes) -> None:
    with socket.create_connection(("127.0.0.1", server.grpc_port), timeout=10) as raw:
        try:
            raw.sendall(payload)
            raw.shutdown(socket.SHUT_WR)
            while raw.recv(4096):  # the server answers (SETTINGS/GOAWAY) and closes; read until it does
                pass
        except OSError:  # ... or resets the connection first: either is a fine answer to garbage
            pass
    assert_healthy(server, gateway)


# -- unknown variables at run time --------------------------------------------------------------------

GATEWAY_ON_AMOUNT = [
    '<bpmn:startEvent id="start"/>',
    '<bpmn:exclusiveGateway id="gw"/>',
    '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>',
    '<bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="e1">'
    "<bpmn:conditionExpression>=amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>",
    '<bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="e2">'
    "<bpmn:conditionExpression>=amount &lt;= 100</bpmn:conditionExpression></bpmn:sequenceFlow>",
    '<bpmn:endEvent id="e1"/>',
    '<bpmn:endEvent id="e2"/>',
]


@pytest.fixture(scope="module")
def missing_variable_incident(server: LocalServer, gateway: rpc.GatewayStub) -> dict[str, str]:
    """An instance whose gateway condition reads a variable nobody set: Zeebe raises an incident."""
    deploy(gateway, ("amount.bpmn", process("robust_amount", GATEWAY_ON_AMOUNT)))
    key = create(gateway, "robust_amount").processInstanceKey
    response = server.rest.post("/v2/incidents/search", json={"filter": {"processInstanceKey": str(key)}})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 1, items
    return items[0]


def test_an_unknown_variable_in_a_condition_is_an_incident_at_the_gateway(
    missing_variable_incident: dict[str, str],
) -> None:
    assert missing_variable_incident["elementId"] == "gw"
    assert missing_variable_incident["errorType"] == "EXTRACT_VALUE_ERROR"
    assert missing_variable_incident["errorMessage"].startswith(
        "Expected result of the expression 'amount > 100' to be 'BOOLEAN', but was 'NULL'.")


def test_a_missing_correlation_key_is_an_incident_naming_it(server: LocalServer,
                                                            gateway: rpc.GatewayStub) -> None:
    deploy(gateway, ("message.bpmn", message_flow("robust_message", "robust.m")))
    key = create(gateway, "robust_message").processInstanceKey  # no caseId
    response = server.rest.post("/v2/incidents/search", json={"filter": {"processInstanceKey": str(key)}})
    items = response.json()["items"]
    assert [(i["elementId"], i["errorType"]) for i in items] == [("wait", "EXTRACT_VALUE_ERROR")]
    assert items[0]["errorMessage"] == (  # Zeebe's wording, which operators and tools match on
        "Failed to extract the correlation key for 'caseId': The value must be either a string or a number, "
        "but was 'NULL'. The evaluation reported the following warnings:\n"
        "[NO_VARIABLE_FOUND] No variable found with name 'caseId'")


def test_the_incident_names_the_unknown_variable(missing_variable_incident: dict[str, str]) -> None:
    assert ("The evaluation reported the following warnings:\n[NO_VARIABLE_FOUND] No variable found with "
            "name 'amount'") in missing_variable_incident["errorMessage"]


def raw_call(server: LocalServer, method: str, payload: bytes) -> grpc.RpcError | bytes:
    """A well-formed gRPC call whose message bytes are whatever the caller says."""
    with grpc.insecure_channel(server.address) as channel:
        call = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            return call(payload, timeout=20)
        except grpc.RpcError as error:
            return error


@pytest.mark.parametrize("method", ["/gateway_protocol.Gateway/NoSuch", "/nope.Service/Call"])
def test_unknown_methods_are_unimplemented(server: LocalServer, method: str) -> None:
    error = raw_call(server, method, b"")
    assert isinstance(error, grpc.RpcError) and error.code() == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize(("method", "message"), [
    ("CreateProcessInstance", "gateway_protocol.CreateProcessInstanceRequest"),
    ("ActivateJobs", "gateway_protocol.ActivateJobsRequest"),  # a server-streaming method
])
def test_undecodable_messages_get_a_protobuf_error(
    server: LocalServer, gateway: rpc.GatewayStub, method: str, message: str
) -> None:
    """grpc-java's answer (Zeebe's gateway), not grpc-python's UNKNOWN, which pyzeebe does not map."""
    error = raw_call(server, f"/gateway_protocol.Gateway/{method}", bytes(range(256)))
    assert isinstance(error, grpc.RpcError)
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == f"Invalid protobuf byte sequence: the request is not a valid {message} message"


def test_undecodable_messages_leave_the_server_healthy(server: LocalServer, gateway: rpc.GatewayStub) -> None:
    for method in ("CreateProcessInstance", "DeployResource", "CompleteJob"):
        error = raw_call(server, f"/gateway_protocol.Gateway/{method}", b"\xff" * 1000)
        assert isinstance(error, grpc.RpcError) and error.code() != grpc.StatusCode.OK
    assert_healthy(server, gateway)


# -- REST (Orchestration Cluster API v2) ----------------------------------------------------------


def post(server: LocalServer, path: str, body: bytes) -> httpx.Response:
    return server.rest.post(path, content=body, headers={"content-type": "application/json"})


def assert_problem(response: httpx.Response, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == detail


@pytest.mark.parametrize(("body", "detail"), [
    (b"not json", "Request body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    (b"[1]", "Request body must be a JSON object"),
    (b'{"processDefinitionKey": "abc"}',
     "The provided processDefinitionKey 'abc' is not a valid key. Expected a numeric value."),
    (b'{"processDefinitionId": "robust_good", "variables": [1]}',
     "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'"),
    (b"{}", "At least one of [processDefinitionId, processDefinitionKey] is required."),
])
def test_rest_create_instance_bad_bodies(server: LocalServer, good: str, body: bytes, detail: str) -> None:
    assert_problem(post(server, "/v2/process-instances", body), 400, detail)


def test_rest_bad_keys_pages_filters_and_clock(server: LocalServer) -> None:
    assert_problem(post(server, "/v2/user-tasks/abc/completion", b"{}"), 400,
                   "The provided userTaskKey 'abc' is not a valid key. Expected a numeric value.")
    assert_problem(post(server, "/v2/user-tasks/search", b'{"page": {"limit": "x"}}'), 400,
                   "page.from must be a non-negative integer and page.limit a positive one")
    response = post(server, "/v2/user-tasks/search", b'{"filter": {"nope": 1}}')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("filter: nope not supported here")
    assert_problem(server.rest.put("/v2/clock", json={"timestamp": "soon"}), 400,
                   "Request property 'timestamp' must be an integer, got \"soon\"")
    assert_problem(server.rest.put("/v2/clock", json={"timestamp": -1}), 400,
                   "The required timestamp parameter is missing or it is negative.")
    assert_problem(post(server, "/v2/messages/publication", b'{"name": 5}'), 400,
                   "Request property 'name' must be a string, got 5")


@pytest.fixture(scope="module")
def user_task_key(server: LocalServer, gateway: rpc.GatewayStub) -> str:
    body = ['<bpmn:startEvent id="start"/>',
            '<bpmn:userTask id="ut"><bpmn:extensionElements><zeebe:userTask/></bpmn:extensionElements>'
            "</bpmn:userTask>",
            '<bpmn:endEvent id="end"/>', flow("f1", "start", "ut"), flow("f2", "ut", "end")]
    deploy(gateway, ("user-task.bpmn", process("robust_user_task", body)))
    key = create(gateway, "robust_user_task").processInstanceKey
    found = server.rest.post("/v2/user-tasks/search", json={"filter": {"processInstanceKey": str(key)}})
    return str(found.json()["items"][0]["userTaskKey"])


@pytest.mark.parametrize(("method", "suffix", "body", "detail"), [
    ("POST", "/assignment", {"assignee": 5}, "Request property 'assignee' must be a string, got 5"),
    ("PATCH", "", {"changeset": {"dueDate": "tomorrow"}},  # Camunda's REST RequestValidator.validateDate
     "The provided due date 'tomorrow' cannot be parsed as a date according to RFC 3339, section 5.6."),
    ("PATCH", "", {"changeset": {"priority": 1000}},
     "changeset.priority: expected an integer 0..100, got 1000"),
    ("PATCH", "", {"changeset": {"nope": 1}}, "changeset: unknown attribute(s) ['nope']; allowed: "
     "['candidateGroups', 'candidateUsers', 'dueDate', 'followUpDate', 'priority']"),
    ("POST", "/completion", {"variables": [1]},
     "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'"),
], ids=["assignee-number", "due-date", "priority", "unknown-attribute", "variables-array"])
def test_rest_user_task_bad_changes(server: LocalServer, user_task_key: str, method: str, suffix: str,
                                    body: dict[str, object], detail: str) -> None:
    response = server.rest.request(method, f"/v2/user-tasks/{user_task_key}{suffix}", json=body)
    assert_problem(response, 400, detail)


# Camunda 8.8's REST API fails on unknown properties and does not coerce types (camunda/camunda#37895,
# backported to stable/8.8 as #37929): a typo or a wrong type is a 400 naming the property.


def test_rest_unknown_keys_are_refused(server: LocalServer, good: str) -> None:
    body = b'{"processDefinitionId": "robust_good", "variabels": {}}'
    response = post(server, "/v2/process-instances", body)
    assert_problem(response, 400, "Request property 'variabels' is not known; this request takes "
                   "awaitCompletion, fetchVariables, operationReference, processDefinitionId, "
                   "processDefinitionKey, processDefinitionVersion, requestTimeout, startInstructions, "
                   "tenantId, variables")
    search = post(server, "/v2/incidents/search", b'{"filters": {}}')
    assert_problem(search, 400,
                   "Request property 'filters' is not known; this request takes filter, page, sort")


def test_rest_declared_oversized_bodies_are_refused_before_reading(server: LocalServer) -> None:
    """A Content-Length over the limit is answered at once: the server never waits for 5 MB to arrive."""
    host, port = server.rest_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as conn:
        conn.sendall(b"POST /v2/process-instances HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 5242880\r\nConnection: close\r\n\r\n{")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["detail"] == (
        "Request body of 5,242,880 bytes exceeds the maximum message size of 4,194,304 bytes"
    )


def test_rest_await_completion_must_be_a_boolean(server: LocalServer, good: str) -> None:
    body = b'{"processDefinitionId": "robust_good", "awaitCompletion": "no", "requestTimeout": 1000}'
    response = post(server, "/v2/process-instances", body)
    assert response.status_code == 400, response.text
    assert "awaitCompletion" in response.json()["detail"]


@pytest.mark.parametrize("body", [
    b'{"processDefinitionId": 5}',
    b'{"processDefinitionId": "robust_good", "fetchVariables": "abc"}',
], ids=["number-id", "string-fetch-variables"])
def test_rest_wrong_types_are_refused(server: LocalServer, good: str, body: bytes) -> None:
    response = post(server, "/v2/process-instances", body)
    assert response.status_code == 400, response.text


def test_rest_deeply_nested_body_is_a_400_problem(server: LocalServer, good: str) -> None:
    body = b'{"processDefinitionId": "robust_good", "variables": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = post(server, "/v2/process-instances", body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_rest_clock_offset_out_of_range(server: LocalServer) -> None:
    response = server.rest.post("/v2/clock/add", json={"milliseconds": 10**30})
    assert response.status_code == 400, response.text
    assert "milliseconds" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/v2/nope", 404), ("DELETE", "/v2/process-instances", 405)])
def test_rest_unknown_routes_answer_problem_json(server: LocalServer, method: str, path: str,
                                                 status: int) -> None:
    response = server.rest.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_rest_variables_over_the_message_size_are_refused(server: LocalServer, good: str) -> None:
    body = json.dumps({"processDefinitionId": good, "variables": {"blob": "x" * (5 << 20)}}).encode()
    response = post(server, "/v2/process-instances", body)
    assert response.status_code in (400, 413), response.text[:300]


def test_the_server_is_healthy_after_all_of_it(server: LocalServer, gateway: rpc.GatewayStub,
                                               good: str) -> None:
    assert_healthy(server, gateway)
    assert create(gateway, good).bpmnProcessId == good
