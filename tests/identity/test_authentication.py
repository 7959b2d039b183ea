"""Authentication and what people see, against a real engine process (and the authenticator itself
for the timing rules): who am I, throttling, a disabled account, filtering, audit, no password in logs."""

from __future__ import annotations

import base64
import hmac
import json
import subprocess
import sys
from functools import partial
from pathlib import Path

import grpc
import httpx
import pytest
from pyzeebe.proto import gateway_pb2 as pb

from tests.identity.world import PASSWORD, WRONG, World, running_world
from tests.support import NODE, node_report, running_fixture
from xietong.engine.identity import passwords
from xietong.engine.identity.authentication import THROTTLED, Authenticator, Refusal, ThrottleSettings
from xietong.engine.identity.passwords import token_digest
from xietong.engine.identity.store import IdentityStore

XIETONG = Path(sys.executable).with_name("xietong")
CAMUNDA_USER_KEYS = {
    "username", "displayName", "email", "authorizedComponents", "tenants", "groups", "roles",
    "salesPlanType", "c8Links", "canLogout",
}  # fmt: skip


world = running_fixture(
    partial(
        running_world, env={"XIETONG_IDENTITY_MAX_FAILURES_PER_LOGIN": "3", "XIETONG_LOG_LEVEL": "DEBUG"}
    ),
    scope="module",
)


def basic(login: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def test_who_am_i_answers_as_camunda(world: World) -> None:
    with world.rest(world.caller("clerk of the task's department")) as rest:
        me = rest.get("/v2/authentication/me").json()
    assert set(me) == CAMUNDA_USER_KEYS
    assert me["username"] == "clerk_own" and me["groups"] == ["siyang.justice"] and me["roles"] == ["clerk"]
    assert me["canLogout"] is True and me["authorizedComponents"] == ["tasklist"]
    with world.rest(world.caller("worker client")) as rest:
        client = rest.get("/v2/authentication/me").json()
    assert client["username"] == "matrix-worker" and client["roles"] == ["worker"] and not client["canLogout"]


def test_a_clerk_sees_only_their_departments_tasks_and_cases(world: World) -> None:
    instance = world.keys["instance"]
    with world.rest(world.caller("clerk of the task's department")) as rest:
        own = rest.post("/v2/user-tasks/search", json={}).json()
        cases = rest.post("/v2/process-instances/search", json={}).json()
    assert [t["userTaskKey"] for t in own["items"]] == [world.keys["task"]] and own["page"]["totalItems"] == 1
    assert [c["processInstanceKey"] for c in cases["items"]] == [instance]  # not the incident's case
    with world.rest(world.caller("clerk of another department")) as rest:
        other = rest.post("/v2/user-tasks/search", json={}).json()
        refused = rest.get(f"/v2/user-tasks/{world.keys['task']}")
    assert other == {"items": [], "page": {"totalItems": 0}}
    assert refused.status_code == 403
    with world.rest(world.caller("supervisor of another jurisdiction")) as rest:
        assert rest.post("/v2/process-instances/search", json={}).json()["items"] == []
    with world.rest(world.caller("supervisor")) as rest:
        seen = {
            c["processDefinitionId"]
            for c in rest.post("/v2/process-instances/search", json={}).json()["items"]
        }
    assert {"siyang_matrix", "siyang_broken", "siyang_jobs"} <= seen


def test_who_did_what_is_in_the_case_audit_log(world: World) -> None:
    # a fresh case, so that the matrix's calls do not matter
    with grpc.insecure_channel(world.server.address) as channel:
        created = world.stub(channel).CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="siyang_matrix", version=-1),
            metadata=world.caller("worker client").grpc_metadata(),
            timeout=30,
        )
    instance = str(created.processInstanceKey)
    with world.rest(world.caller("admin")) as admin:
        tasks = admin.post("/v2/user-tasks/search", json={"filter": {"processInstanceKey": instance}}).json()
    (task,) = tasks["items"]
    with world.rest(world.caller("clerk of the task's department")) as rest:
        done = rest.post(
            f"/v2/user-tasks/{task['userTaskKey']}/completion", json={"variables": {"outcome": "ok"}}
        )
    assert done.status_code == 204
    with world.rest(world.caller("supervisor")) as rest:
        log = rest.post("/v2/audit-logs/search", json={"filter": {"processInstanceKey": instance}}).json()
    (entry,) = log["items"]
    assert entry["actorId"] == "clerk_own" and entry["actorType"] == "USER"
    assert entry["entityType"] == "USER_TASK" and entry["operationType"] == "COMPLETE"
    assert entry["entityKey"] == task["userTaskKey"] and entry["details"]["variables"] == {"outcome": "ok"}
    with world.rest(world.caller("clerk of another department")) as rest:
        assert (
            rest.post("/v2/audit-logs/search", json={"filter": {"processInstanceKey": instance}}).json()[
                "items"
            ]
            == []
        )


def test_resolving_an_incident_is_audited_with_the_supervisor(world: World) -> None:
    with world.rest(world.caller("admin")) as admin:
        incidents = admin.post(
            "/v2/incidents/search", json={"filter": {"processInstanceKey": world.keys["broken_instance"]}}
        ).json()["items"]
    key = incidents[-1]["incidentKey"]
    with world.rest(world.caller("supervisor")) as rest:
        assert rest.post(f"/v2/incidents/{key}/resolution", json={}).status_code in (204, 409)
        log = rest.post(
            "/v2/audit-logs/search", json={"filter": {"processInstanceKey": world.keys["broken_instance"]}}
        ).json()["items"]
    assert any(e["actorId"] == "supervisor" and e["entityType"] == "INCIDENT" for e in log), log


def test_failed_logins_are_throttled_per_account(world: World) -> None:
    url = world.server.rest_url + "/v2/authentication/me"
    for _ in range(3):
        assert httpx.get(url, headers=basic("clerk_other", WRONG)).status_code == 401
    throttled = httpx.get(url, headers=basic("clerk_other", PASSWORD))  # even the right password waits
    assert throttled.status_code == 429 and throttled.json()["title"] == "TOO_MANY_REQUESTS"
    assert httpx.get(url, headers=basic("supervisor", PASSWORD)).status_code == 200  # others are not held


def test_a_disabled_account_is_refused_on_rest_and_grpc(world: World) -> None:
    data = world.server.data_dir
    run = subprocess.run(
        [str(XIETONG), "users", "disable", "supervisor_other", "--data", str(data)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    refused = httpx.get(
        world.server.rest_url + "/v2/authentication/me", headers=basic("supervisor_other", PASSWORD)
    )
    assert refused.status_code == 401 and refused.json()["detail"] == "User is disabled"
    with grpc.insecure_channel(world.server.address) as channel, pytest.raises(grpc.RpcError) as raised:
        world.stub(channel).Topology(
            pb.TopologyRequest(),
            metadata=[("authorization", basic("supervisor_other", PASSWORD)["authorization"])],
        )
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_no_password_appears_in_any_log_line(world: World, tmp_path: Path) -> None:
    secret = "never-log-this-Secret-42"
    run = subprocess.run(
        [str(XIETONG), "users", "add", "logger_test", "--role", "clerk", "--group", "siyang.justice",
         "--data", str(world.server.data_dir)],
        input=secret + "\n", capture_output=True, text=True, timeout=60,
        env={"XIETONG_LOG_LEVEL": "DEBUG", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    url = world.server.rest_url + "/v2/authentication/me"
    assert httpx.get(url, headers=basic("logger_test", secret)).status_code == 200
    assert httpx.get(url, headers=basic("logger_test", secret + "x")).status_code == 401
    assert httpx.get(url, headers={"authorization": f"Bearer {secret}"}).status_code == 401
    log = world.server.log(tail=10_000_000)
    assert "authentication refused" in log  # the failures are logged …
    for text in (log, run.stdout, run.stderr):
        assert secret not in text  # … never with the password or token
        assert base64.b64encode(f"logger_test:{secret}".encode()).decode() not in text


def test_unprotected_mode_says_so_and_accepts_anyone(tmp_path: Path) -> None:
    from xietong.engine.gateway.local_server import LocalServer

    with LocalServer(tmp_path / "data", tmp_path / "engine.log") as server:
        assert httpx.get(server.rest_url + "/v2/topology").status_code == 200
        log = server.log()
    assert "the API is unprotected" in log


def test_tokens_and_passwords_are_compared_in_constant_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IdentityStore(tmp_path)
    token = store.add_client("w", "worker")
    store.add_user("u", PASSWORD, roles=["clerk"])
    compared: list[bytes] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(a)
        return real(a, b)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    authenticator = Authenticator(store, static_tokens=["static-token-0123456789"])
    assert not isinstance(authenticator.authenticate(f"Bearer {token}"), Refusal)
    assert compared, "the token digest was not compared with hmac.compare_digest"
    # argon2id's verify compares in constant time itself; an unknown login costs a verification too
    calls: list[str | None] = []
    real_verify = passwords.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr("xietong.engine.identity.authentication.verify_password", counting)
    assert isinstance(authenticator.authenticate(basic("nobody", PASSWORD)["authorization"]), Refusal)
    assert calls, "an unknown login must cost a password verification too"
    store.close()


def test_throttle_window_follows_the_clock(tmp_path: Path) -> None:
    store = IdentityStore(tmp_path)
    store.add_user("u", PASSWORD, roles=["clerk"])
    now = [1000.0]
    settings = ThrottleSettings(max_failures_per_login=2, max_failures_per_address=100, window_s=60)
    authenticator = Authenticator(store, now=lambda: now[0])
    authenticator.throttle.settings = settings
    wrong, right = basic("u", WRONG)["authorization"], basic("u", PASSWORD)["authorization"]
    assert authenticator.authenticate(wrong, "1.2.3.4") == Refusal("Bad credentials")
    assert authenticator.authenticate(wrong, "1.2.3.4") == Refusal("Bad credentials")
    assert isinstance(authenticator.authenticate(right, "1.2.3.4"), Refusal)  # held
    now[0] += 61  # the failures leave the window
    assert not isinstance(authenticator.authenticate(right, "1.2.3.4"), Refusal)
    store.close()


def test_wrong_tokens_never_lock_out_a_valid_token_or_a_person_from_the_same_address(tmp_path: Path) -> None:
    store = IdentityStore(tmp_path)
    store.add_user("u", PASSWORD, roles=["clerk"])
    token = store.add_client("worker-1", "worker")
    authenticator = Authenticator(store)
    authenticator.throttle.settings = ThrottleSettings(max_failures_per_login=5, max_failures_per_address=3)
    for _ in range(5):  # a script with a stale token, on the engine's host
        assert isinstance(authenticator.authenticate("Bearer stale-token", "127.0.0.1"), Refusal)
    assert authenticator.authenticate("Bearer stale-token", "127.0.0.1") == Refusal(THROTTLED, throttled=True)
    assert not isinstance(authenticator.authenticate(f"Bearer {token}", "127.0.0.1"), Refusal)
    person = basic("u", PASSWORD)["authorization"]
    assert not isinstance(authenticator.authenticate(person, "127.0.0.1"), Refusal)
    store.close()


def test_a_change_made_beside_the_running_engine_reaches_its_cached_lookups(tmp_path: Path) -> None:
    engine_side = IdentityStore(tmp_path)
    token = engine_side.add_client("worker-1", "worker")
    found = engine_side.client_by_digest(token_digest(token))
    assert found is not None and found[0].enabled and not engine_side.is_empty()
    cli_side = IdentityStore(tmp_path)  # `xietong users disable …` runs in a process of its own
    cli_side.set_client_enabled("worker-1", False)
    cli_side.close()
    found = engine_side.client_by_digest(token_digest(token))
    assert found is not None and not found[0].enabled
    engine_side.close()


def test_users_cli_import_and_list(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text(
        "groups: [{id: siyang.justice, name: 泗阳县司法局}]\n"
        "users:\n"
        "  - {login: zhang, name: 张三, role: clerk, groups: [siyang.justice], password_env: ZHANG_PW}\n",
        encoding="utf-8",
    )
    env = {"PATH": "/usr/bin:/bin", "ZHANG_PW": "zhang-password-1"}
    imported = subprocess.run(
        [str(XIETONG), "users", "import", str(people), "--data", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    listed = subprocess.run(
        [str(XIETONG), "users", "list", "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "zhang\tclerk\tsiyang.justice\t张三" in listed.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("users:\n  - {login: li, role: boss, password_env: NOPE}\n", encoding="utf-8")
    refused = subprocess.run(
        [str(XIETONG), "users", "import", str(bad), "--data", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert refused.returncode != 0
    assert f"{bad}: users[0].role" in refused.stderr and f"{bad}: users[0].password_env" in refused.stderr
    store = IdentityStore(tmp_path / "data")
    assert store.user("li") is None  # nothing half-written
    store.close()


def test_rest_users_groups_roles_as_camunda(world: World) -> None:
    with world.rest(world.caller("admin")) as rest:
        created = rest.post(
            "/v2/users", json={"username": "wang", "password": "wang-password-1", "name": "王五"}
        )
        assert created.status_code == 201 and created.json() == {
            "username": "wang",
            "name": "王五",
            "email": "",
        }
        group = rest.post("/v2/groups", json={"groupId": "siyang.health", "name": "泗阳县卫生健康委员会"})
        assert group.status_code == 201 and group.json()["groupId"] == "siyang.health"
        assert rest.put("/v2/groups/siyang.health/users/wang").status_code == 204
        assert rest.put("/v2/roles/clerk/users/wang").status_code == 204
        members = rest.post("/v2/groups/siyang.health/users/search", json={}).json()
        assert members["items"] == [{"username": "wang"}]
        bad = rest.post("/v2/groups", json={"groupId": "泗阳县卫健委", "name": "x"})
        assert bad.status_code == 400 and "must match the pattern" in bad.json()["detail"]
    me = httpx.get(world.server.rest_url + "/v2/authentication/me", headers=basic("wang", "wang-password-1"))
    assert me.json()["groups"] == ["siyang.health"] and me.json()["roles"] == ["clerk"]
    assert json.dumps(me.json(), ensure_ascii=False).count("王五") == 1


def test_setting_variables_over_grpc_is_audited_with_the_caller(world: World) -> None:
    instance = int(world.keys["broken_instance"])
    with grpc.insecure_channel(world.server.address) as channel:
        world.stub(channel).SetVariables(
            pb.SetVariablesRequest(elementInstanceKey=instance, variables=json.dumps({"x": 5})),
            metadata=world.caller("supervisor").grpc_metadata(),
            timeout=30,
        )
    with world.rest(world.caller("admin")) as rest:
        log = rest.post(
            "/v2/audit-logs/search", json={"filter": {"processInstanceKey": str(instance)}}
        ).json()
    (entry,) = [e for e in log["items"] if e["entityType"] == "VARIABLE"]
    assert entry["actorId"] == "supervisor" and entry["details"]["variables"] == {"x": 5}


REPO = Path(__file__).resolve().parents[2]
IDENTITY_SCRIPT = REPO / "tools/node/camunda-identity-check.mjs"


@pytest.mark.node
@pytest.mark.skipif(
    NODE is None or not (REPO / "tools/node/node_modules/@camunda8/orchestration-cluster-api").exists(),
    reason="node or @camunda8/orchestration-cluster-api missing (scripts/bootstrap)",
)
def test_camundas_own_client_logs_in_with_basic_auth(world: World) -> None:
    report = node_report(IDENTITY_SCRIPT, world.server.rest_url, "clerk_own", PASSWORD)
    assert report["me"]["username"] == "clerk_own" and report["me"]["groups"] == ["siyang.justice"]
    assert report["tasks"] and all("siyang.justice" in t["candidateGroups"] for t in report["tasks"])
    assert report["wrongPassword"] != "accepted"


def test_deploy_needs_an_admin_token_and_workers_a_worker_token(world: World, tmp_path: Path) -> None:
    from tests.gateway.models import user_task_flow

    store = IdentityStore(world.server.data_dir)
    admin_token = store.add_client("deployer", "admin")
    store.close()
    model = tmp_path / "siyang_deploy_check.bpmn"
    model.write_bytes(user_task_flow("siyang_deploy_check", "siyang.justice"))

    def deploy(token: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": "/usr/bin:/bin",
            "XIETONG_ZEEBE_ADDRESS": world.server.address,
            "XIETONG_ZEEBE_TOKEN": token,
        }
        return subprocess.run(
            [str(XIETONG), "deploy", str(model)], capture_output=True, text=True, timeout=120, env=env
        )

    refused = deploy(world.worker_token)  # a worker client may not deploy
    assert refused.returncode != 0
    assert "Insufficient permissions to perform operation 'CREATE' on resource 'RESOURCE'" in refused.stderr
    deployed = deploy(admin_token)
    assert deployed.returncode == 0, deployed.stderr
    assert "siyang_deploy_check" in deployed.stdout


def test_setting_variables_over_rest_is_audited_with_the_supervisor(world: World) -> None:
    instance = world.keys["broken_instance"]
    with world.rest(world.caller("supervisor")) as rest:
        done = rest.put(f"/v2/element-instances/{instance}/variables", json={"variables": {"x": 7}})
        assert done.status_code == 204, done.text
        log = rest.post("/v2/audit-logs/search", json={"filter": {"processInstanceKey": instance}}).json()
    assert any(
        e["entityType"] == "VARIABLE"
        and e["actorId"] == "supervisor"
        and e["details"]["variables"] == {"x": 7}
        for e in log["items"]
    ), log


def test_the_supervisors_console_reads_its_jurisdiction_with_a_client_token(
    world: World, tmp_path: Path
) -> None:
    made = subprocess.run(
        [str(XIETONG), "users", "add-client", "siyang-console", "--role", "supervisor",
         "--group", "siyang.command_centre", "--data", str(world.server.data_dir)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    with httpx.Client(base_url=world.server.rest_url, headers={"authorization": f"Bearer {token}"}) as rest:
        seen = {
            c["processDefinitionId"]
            for c in rest.post("/v2/process-instances/search", json={}).json()["items"]
        }
        assert rest.post("/v2/clock/reset").status_code == 403
    assert {"siyang_matrix", "siyang_broken"} <= seen
    env = {
        "PATH": "/usr/bin:/bin",
        "XIETONG_CONSOLE_REST_URL": world.server.rest_url,
        "XIETONG_CONSOLE_TOKEN": token,
        "XIETONG_CASE_STORE_URL": f"sqlite:///{tmp_path / 'cases.db'}",
    }
    from xietong.workers.case_store import CaseStore

    CaseStore(env["XIETONG_CASE_STORE_URL"]).close()  # an empty store: the console lists the engine's cases
    board = subprocess.run(
        [str(XIETONG), "console", "--json"], capture_output=True, text=True, timeout=120, env=env
    )
    assert board.returncode == 0, board.stderr
    assert "siyang_broken" in board.stdout
