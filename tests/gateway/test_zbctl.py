"""zbctl (the Go CLI shipped in npm package ``zbctl`` 8.4) against the engine process.

zbctl's ``deploy`` sends the deprecated DeployProcess RPC and ``deploy resource`` sends DeployResource;
both are exercised. zbctl prints int64 keys as JSON strings (protojson); the tests convert them.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.gateway import models
from tests.gateway.engine_process import REPO, RunningGateway

ZBCTL = REPO / "tools/node/node_modules/.bin/zbctl-cli.linux"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not ZBCTL.exists(), reason="zbctl not installed (npm install in tools/node)"),
]


def zbctl(gateway: RunningGateway, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [str(ZBCTL), "--insecure", "--address", gateway.address, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"zbctl {' '.join(args)} failed ({completed.returncode}):\n{completed.stderr}")
    return completed


def zbctl_json(gateway: RunningGateway, *args: str) -> Any:
    return json.loads(zbctl(gateway, *args).stdout)


def deployed(gateway: RunningGateway, tmp_path: Path, pid: str, content: bytes) -> Path:
    path = tmp_path / f"{pid}.bpmn"
    path.write_bytes(content)
    zbctl(gateway, "deploy", "resource", str(path))
    return path


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_status_shows_one_broker_leading_one_partition(gateway: RunningGateway) -> None:
    out = zbctl(gateway, "status").stdout
    assert "Cluster size: 1" in out
    assert "Partitions count: 1" in out
    assert "Replication factor: 1" in out
    assert "Partition 1 : Leader, Healthy" in out


def test_deploy_with_deploy_process_and_deploy_resource(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("zb-deploy")
    path = tmp_path / f"{pid}.bpmn"
    path.write_bytes(models.chain(pid, [f"{pid}-a"]))
    legacy = zbctl_json(gateway, "deploy", str(path))  # DeployProcess
    assert [p["bpmnProcessId"] for p in legacy["processes"]] == [pid]
    assert legacy["processes"][0]["version"] == 1
    path.write_bytes(models.chain(pid, [f"{pid}-a", f"{pid}-b"]))
    current = zbctl_json(gateway, "deploy", "resource", str(path))  # DeployResource
    process = current["deployments"][0]["process"]
    assert process["bpmnProcessId"] == pid
    assert process["version"] == 2
    # zbctl names the resource by the path it was given (the Java client sends the file name only)
    assert process["resourceName"] == str(path)


def test_create_instance_with_and_without_result(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("zb-create")
    deployed(gateway, tmp_path, pid, models.chain(pid, []))
    created = zbctl_json(gateway, "create", "instance", pid, "--variables", '{"caseId": "Z-1"}')
    assert created["bpmnProcessId"] == pid and int(created["processInstanceKey"]) > 0
    result = zbctl_json(
        gateway, "create", "instance", pid, "--variables", '{"caseId": "Z-2"}', "--withResult"
    )
    assert json.loads(result["variables"]) == {"caseId": "Z-2"}


def test_jobs_activate_complete_fail_incident_resolve(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("zb-jobs")
    job_type = f"{pid}-work"
    deployed(gateway, tmp_path, pid, models.chain(pid, [job_type, job_type], retries=1))
    instance = int(
        zbctl_json(gateway, "create", "instance", pid, "--variables", '{"n": 1}')["processInstanceKey"]
    )

    def activate() -> list[dict[str, Any]]:
        out = zbctl_json(
            gateway,
            "activate",
            "jobs",
            job_type,
            "--maxJobsToActivate",
            "5",
            "--timeout",
            "5m",
            "--requestTimeout",
            "10s",
            "--worker",
            "zbctl",
        )
        return out.get("jobs", [])

    first = activate()
    assert len(first) == 1 and int(first[0]["processInstanceKey"]) == instance
    assert json.loads(first[0]["variables"]) == {"n": 1}
    zbctl(gateway, "complete", "job", first[0]["key"], "--variables", '{"step": 1}')

    second = activate()
    assert len(second) == 1 and second[0]["elementId"] == "task2"
    assert json.loads(second[0]["variables"]) == {"n": 1, "step": 1}
    zbctl(gateway, "fail", "job", second[0]["key"], "--retries", "0", "--errorMessage", "printer on fire")

    with gateway.rest() as rest:
        response = rest.post("/v2/incidents/search", json={"filter": {"processInstanceKey": str(instance)}})
    assert response.status_code == 200, response.text
    incidents = response.json()["items"]
    assert len(incidents) == 1
    assert "printer on fire" in incidents[0]["errorMessage"]
    zbctl(gateway, "update", "retries", second[0]["key"], "--retries", "1")
    zbctl(gateway, "resolve", "incident", incidents[0]["incidentKey"])

    again = activate()
    assert [job["key"] for job in again] == [second[0]["key"]]
    zbctl(gateway, "complete", "job", again[0]["key"])


def test_publish_message_and_cancel_instance(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = unique("zb-msg")
    name = f"{pid}-go"
    deployed(gateway, tmp_path, pid, models.message_flow(pid, name))
    waiting = subprocess.Popen(
        [
            str(ZBCTL),
            "--insecure",
            "--address",
            gateway.address,
            "create",
            "instance",
            pid,
            "--variables",
            '{"caseId": "K-1"}',
            "--withResult",
            "--requestTimeout",
            "30s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        zbctl(
            gateway,
            "publish",
            "message",
            name,
            "--correlationKey",
            "K-1",
            "--ttl",
            "1m",
            "--variables",
            '{"approved": true}',
        )
        out, err = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 0, err
    assert json.loads(json.loads(out)["variables"]) == {"caseId": "K-1", "approved": True}

    instance = zbctl_json(gateway, "create", "instance", pid, "--variables", '{"caseId": "K-2"}')
    zbctl(gateway, "cancel", "instance", instance["processInstanceKey"])
    repeated = zbctl(gateway, "cancel", "instance", instance["processInstanceKey"], check=False)
    assert repeated.returncode != 0
    assert repeated.stderr.strip() == (  # ProcessInstanceIntent CANCEL, as Zeebe's gateway words it
        "Error: rpc error: code = NotFound desc = Command 'CANCEL' rejected with code 'NOT_FOUND': "
        f"Expected to cancel a process instance with key '{instance['processInstanceKey']}', "
        "but no such process was found"
    )
