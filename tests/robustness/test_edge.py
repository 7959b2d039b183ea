"""Hostile input refused at the edge, one test per class (issue 15, item 3): lone surrogates, times
near the limits, REST keys, BPMN encodings, the engine thread's errors and overruns, stored items
that cannot be waited for, slow and lying HTTP clients. Every refusal names the field; the engine
goes on serving everyone else afterwards."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as rpc

from tests.gateway.models import chain
from tests.support import engine_server, running_fixture
from xietong.engine.commands import CreateProcessInstance, Deploy, PublishMessage
from xietong.engine.engine import MAX_WAIT_S, Engine
from xietong.engine.errors import InvalidArgument, Unavailable
from xietong.engine.gateway.local_server import LocalServer
from xietong.engine.time_limits import MAX_DURATION_MS
from xietong.engine.watchdog import Watchdog

READ_TIMEOUT_S = 1.0


server = running_fixture(
    partial(engine_server, clean_stop=True, env={"XIETONG_GATEWAY_READ_TIMEOUT_S": "1"}), scope="module"
)


@pytest.fixture(scope="module")
def gateway(server: LocalServer) -> Iterator[rpc.GatewayStub]:
    with grpc.insecure_channel(server.address) as channel:
        stub = rpc.GatewayStub(channel)
        stub.DeployResource(
            pb.DeployResourceRequest(
                resources=[pb.Resource(name="edge.bpmn", content=chain("edge", ["edge.work"]))]
            ),
            timeout=20,
        )
        yield stub


def still_serving(gateway: rpc.GatewayStub) -> None:
    created = gateway.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="edge", version=-1, variables='{"ok": "正常"}'),
        timeout=10,
    )
    assert created.processInstanceKey > 0


def refused(call: object, *args: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, timeout=10)  # type: ignore[operator]
    return caught.value


# --- lone surrogates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ('{"a": "\\ud800"}', "variables.a"),
        ('{"\\udc00": 1}', "variables.\\udc00"),
        ('{"a": ["x", {"b": "\\udfff"}]}', "variables.a[1].b"),
    ],
)
def test_grpc_lone_surrogates_are_invalid_argument_naming_the_field(
    gateway: rpc.GatewayStub, variables: str, field: str
) -> None:
    error = refused(
        gateway.CreateProcessInstance,
        pb.CreateProcessInstanceRequest(bpmnProcessId="edge", version=-1, variables=variables),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (
        f"Expected valid Unicode text in '{field}', but it contains a lone UTF-16 surrogate"
        in error.details()
    )
    message = refused(
        gateway.PublishMessage, pb.PublishMessageRequest(name="m", correlationKey="k", variables=variables)
    )
    assert message.code() == grpc.StatusCode.INVALID_ARGUMENT
    still_serving(gateway)


def test_rest_lone_surrogates_are_400_naming_the_field(server: LocalServer, gateway: rpc.GatewayStub) -> None:
    for body, field in (
        (b'{"name":"\\ud800","correlationKey":"k"}', "'name'"),
        (b'{"name":"m","correlationKey":"\\ud800x"}', "'correlationKey'"),
    ):
        answer = server.rest.post(
            "/v2/messages/publication", content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert f"Expected valid Unicode text in {field}" in answer.json()["detail"]
    still_serving(gateway)


# --- durations, time-to-live, timeouts ----------------------------------------------------------


def test_times_near_the_limits_are_refused_where_they_enter(
    server: LocalServer, gateway: rpc.GatewayStub
) -> None:
    for ttl in (317 * 365 * 86_400_000, 2**63 - 1):
        error = refused(
            gateway.PublishMessage, pb.PublishMessageRequest(name="m", correlationKey="k", timeToLive=ttl)
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (
            "Command 'PUBLISH' rejected with code 'INVALID_ARGUMENT': "
            f"Expected timeToLive to be at most {MAX_DURATION_MS} ms (100 years), but was {ttl}"
            == error.details()
        )
    error = refused(
        lambda request, timeout: list(gateway.ActivateJobs(request, timeout=timeout)),
        pb.ActivateJobsRequest(
            type="edge.work", worker="w", timeout=2**63 - 1, maxJobsToActivate=1, requestTimeout=-1
        ),
    )
    assert (
        error.code() == grpc.StatusCode.INVALID_ARGUMENT
        and "Expected timeout to be at most" in error.details()
    )
    still_serving(gateway)
    (job,) = [
        job
        for response in gateway.ActivateJobs(
            pb.ActivateJobsRequest(
                type="edge.work", worker="w", timeout=60_000, maxJobsToActivate=1, requestTimeout=5_000
            ),
            timeout=10,
        )
        for job in response.jobs
    ][:1]
    error = refused(gateway.UpdateJobTimeout, pb.UpdateJobTimeoutRequest(jobKey=job.key, timeout=2**63 - 1))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = refused(gateway.FailJob, pb.FailJobRequest(jobKey=job.key, retries=1, retryBackOff=2**62))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "retryBackOff" in error.details()
    answer = server.rest.post(
        "/v2/messages/publication", json={"name": "m", "correlationKey": "k", "timeToLive": 2**63 - 1}
    )
    assert answer.status_code == 400 and "timeToLive" in answer.json()["detail"]
    still_serving(gateway)


# --- REST keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["①", "²", "٣", "9223372036854775808", "99999999999999999999999", "-5", "1e3"]
)
def test_rest_keys_are_ascii_digits_within_int64(server: LocalServer, key: str) -> None:
    answer = server.rest.get(f"/v2/process-instances/{key}")
    assert answer.status_code == 400, answer.text
    assert answer.json()["title"] == "INVALID_ARGUMENT"
    assert "is not a valid key. Expected a numeric value." in answer.json()["detail"]


# --- BPMN in any XML encoding -------------------------------------------------------------------


def test_bpmn_in_other_xml_encodings_is_read_or_refused_clearly(
    server: LocalServer, gateway: rpc.GatewayStub
) -> None:
    text = (
        chain("enc_utf16", ["enc.work"])
        .decode()
        .replace('name="', 'name="')
        .replace('<bpmn:startEvent id="start"/>', '<bpmn:startEvent id="start" name="受理"/>')
    )
    for pid, encoding in (("enc_utf16", "UTF-16"), ("enc_gbk", "GBK")):
        content = (
            text.replace("enc_utf16", pid)
            .replace('encoding="UTF-8"', f'encoding="{encoding}"')
            .encode(encoding)
        )
        deployed = gateway.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name=f"{pid}.bpmn", content=content)]), timeout=20
        )
        key = deployed.deployments[0].process.processDefinitionKey
        xml = server.rest.get(f"/v2/process-definitions/{key}/xml")
        assert xml.status_code == 200 and 'name="受理"' in xml.text and 'encoding="UTF-8"' in xml.text
    unknown = text.replace('encoding="UTF-8"', 'encoding="X-NO-SUCH"').encode()
    error = refused(
        gateway.DeployResource,
        pb.DeployResourceRequest(resources=[pb.Resource(name="x.bpmn", content=unknown)]),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x.bpmn" in error.details()
    still_serving(gateway)


# --- the engine thread: errors in its loop, overruns, stored items it cannot wait for -------------


def test_an_error_in_the_engine_loop_is_logged_and_fails_health_not_a_silent_dead_thread(
    tmp_path: Path,
) -> None:
    engine = Engine(tmp_path / "data")
    failures: list[BaseException] = []
    engine.add_failure_listener(failures.append)

    def broken() -> float:
        raise OverflowError("timeout value is too large")

    engine._wait_timeout = broken  # type: ignore[method-assign]
    engine.start()
    try:
        deadline = time.monotonic() + 10
        while not failures and time.monotonic() < deadline:
            time.sleep(0.01)  # the engine thread reports through the listener; bounded by the deadline
        assert failures and isinstance(failures[0], OverflowError)
        assert engine.failure is failures[0]
        with pytest.raises(Unavailable):
            engine.execute(PublishMessage(name="m", correlation_key="k", time_to_live_ms=0), timeout=5)
    finally:
        engine.close()


def test_the_watchdog_reports_a_batch_running_too_long_and_its_end() -> None:
    now = [0.0]
    watchdog = Watchdog(5.0, clock=lambda: now[0])
    seen: list[str | None] = []
    watchdog.add_listener(seen.append)
    watchdog.begin([(CreateProcessInstance(bpmn_process_id="p"), None)])
    now[0] = 4.0
    watchdog.check()
    assert seen == []
    now[0] = 12.0
    watchdog.check()
    watchdog.check()  # reported once
    assert len(seen) == 1 and seen[0] is not None
    assert "CreateProcessInstance for 12 s (bound 5 s)" in seen[0]
    watchdog.end()
    assert seen[-1] is None and watchdog.stalled() is None


def far_future_timer(pid: str, date: str) -> bytes:
    return chain(pid, ["never"]).replace(
        b'<bpmn:startEvent id="start"/>',
        f'<bpmn:startEvent id="start"><bpmn:timerEventDefinition><bpmn:timeDate>{date}</bpmn:timeDate>'
        "</bpmn:timerEventDefinition></bpmn:startEvent>".encode(),
    )


def test_stored_times_centuries_ahead_never_stop_the_engine_or_its_restart(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "data").start()
    try:
        engine.execute(Deploy((("far.bpmn", far_future_timer("far", "2999-01-01T00:00:00Z")),)))
        engine.execute(Deploy((("edge.bpmn", chain("edge", ["edge.work"])),)))
        assert engine._wait_timeout() is None or engine._wait_timeout() <= MAX_WAIT_S
        engine.execute(CreateProcessInstance(bpmn_process_id="edge"), timeout=10)
    finally:
        engine.close()
    again = Engine(tmp_path / "data").start()
    try:
        assert (
            again.execute(CreateProcessInstance(bpmn_process_id="edge"), timeout=10).process_instance_key > 0
        )
        with pytest.raises(InvalidArgument, match="lone UTF-16 surrogate"):
            again.execute(
                CreateProcessInstance(bpmn_process_id="edge", variables={"x": "\udc80"}), timeout=10
            )
    finally:
        again.close()


# --- slow, lying and malformed HTTP clients --------------------------------------------------------


def raw_http(server: LocalServer, data: bytes, wait_s: float = 10) -> tuple[bytes, float]:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.rest_port), timeout=wait_s) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    return answer, time.monotonic() - started


def test_a_body_shorter_than_its_content_length_is_408_within_the_read_timeout(server: LocalServer) -> None:
    answer, took = raw_http(
        server,
        b"POST /v2/messages/publication HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"name":',
    )
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"application/problem+json" in answer and b"did not arrive within 1 s" in answer
    assert READ_TIMEOUT_S <= took < READ_TIMEOUT_S + 5


def test_a_head_that_never_ends_is_408(server: LocalServer) -> None:
    answer, took = raw_http(server, b"GET /v2/topology HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    assert answer.startswith(b"HTTP/1.1 408") and b"head did not arrive" in answer
    assert took < READ_TIMEOUT_S + 5


def test_a_request_that_is_not_http_gets_a_problem_json(
    server: LocalServer, gateway: rpc.GatewayStub
) -> None:
    answer, _ = raw_http(server, b"GARBAGE / HTTP/1.1\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"content-type: application/problem+json" in head
    assert b'"title": "INVALID_ARGUMENT"' in body
    still_serving(gateway)
    assert dt.datetime.now(dt.UTC).year < 9999  # the clock the checks above rely on is sane


def test_health_reports_an_overrunning_batch(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "data").start()
    try:
        assert engine.healthy
        engine.watchdog.begin([(CreateProcessInstance(bpmn_process_id="p"), None)])
        engine.watchdog._started = time.monotonic() - engine.watchdog.bound_s - 1  # as if it ran that long
        assert not engine.healthy  # what REST and gRPC topology report as the partition's health
        engine.watchdog.end()
        assert engine.healthy
    finally:
        engine.close()
