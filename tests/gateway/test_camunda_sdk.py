"""@camunda8/sdk (npm, 8.8) against the engine process, through tools/node/camunda-sdk-check.mjs.

The SDK sends an empty ``authorization`` header and gzip-compressed messages; both must work.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.gateway import models
from tests.gateway.engine_process import REPO, RunningGateway
from tests.support import NODE, node_report

SCRIPT = REPO / "tools/node/camunda-sdk-check.mjs"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(
        NODE is None or not (REPO / "tools/node/node_modules/@camunda8/sdk").exists(),
        reason="node or @camunda8/sdk missing (npm install in tools/node)",
    ),
]


def test_topology_deploy_create_and_worker(gateway: RunningGateway, tmp_path: Path) -> None:
    pid = f"sdk-{uuid.uuid4().hex[:8]}"
    job_type = f"{pid}-double"
    bpmn = tmp_path / f"{pid}.bpmn"
    bpmn.write_bytes(models.chain(pid, [job_type]))
    report = node_report(SCRIPT, gateway.address, str(bpmn), pid, job_type)
    assert report["topology"] == {
        "clusterSize": 1,
        "partitionsCount": 1,
        "gatewayVersion": "8.8.0",
        "brokers": 1,
    }
    assert report["deployment"][0]["bpmnProcessId"] == pid
    assert report["created"]["bpmnProcessId"] == pid
    assert report["result"]["variables"] == {"n": 21, "doubled": 42, "worker": "camunda8-sdk"}
    # the worker handled the job of the plain instance too
    assert report["created"]["processInstanceKey"] in report["handled"]
    assert report["result"]["processInstanceKey"] in report["handled"]


REST_SCRIPT = REPO / "tools/node/camunda-rest-check.mjs"


@pytest.mark.skipif(
    not (REPO / "tools/node/node_modules/@camunda8/orchestration-cluster-api").exists(),
    reason="@camunda8/orchestration-cluster-api missing",
)
def test_orchestration_cluster_api_client_drives_user_tasks(gateway: RunningGateway) -> None:
    from tests.gateway.test_rest import deploy

    pid = f"rest-client-{uuid.uuid4().hex[:8]}"
    group = f"group-{uuid.uuid4().hex[:6]}"
    deploy(gateway, pid, models.user_task_flow(pid, group))
    report = node_report(REST_SCRIPT, gateway.rest_url, pid, group)
    assert report["topology"] == {"clusterSize": 1, "partitionsCount": 1}
    assert [task["elementId"] for task in report["found"]] == ["review"]
    assert report["assigned"] == "wang.wu"
    assert report["priority"] == 90
    assert report["completedState"] == "COMPLETED"
