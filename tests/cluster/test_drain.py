"""``xietong migrate status`` — the drain path to a cluster — against a real embedded engine over REST v2.

The steps it supports (docs/cluster.md): new cases go to the cluster from a cut-over time, the old
engine finishes what it has, and it is retired when the report says it is drained.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.models import user_task_flow
from tests.support import engine_server
from xietong.engine.gateway.local_server import LocalServer, free_port
from xietong.workers.drain import drain_report

XIETONG = Path(sys.executable).with_name("xietong")
PROCESS_ID = "drain_review"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    tmp = tmp_path_factory.mktemp("drain")
    with engine_server(tmp) as server:
        model = tmp / "drain_review.bpmn"
        model.write_bytes(user_task_flow(PROCESS_ID, "county.office"))
        deployed = subprocess.run(
            [str(XIETONG), "deploy", str(model), "--address", server.address], capture_output=True, text=True
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        yield server


def status(engine: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(XIETONG), "migrate", "status", "--from", engine.rest_url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_case(engine: LocalServer) -> str:
    response = engine.rest.post("/v2/process-instances", json={"processDefinitionId": PROCESS_ID})
    assert response.status_code == 200, response.text
    return str(response.json()["processInstanceKey"])


def finish_all(engine: LocalServer) -> None:
    """The clerks finish every open step on the old engine."""
    tasks = engine.rest.post("/v2/user-tasks/search", json={"filter": {"state": "CREATED"}}).json()["items"]
    for task in tasks:
        done = engine.rest.post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
        assert done.status_code == 204, done.text


def test_a_county_drains_case_by_case_until_the_engine_can_be_retired(engine: LocalServer) -> None:
    finish_all(engine)
    empty = status(engine)
    assert empty.returncode == 0, empty.stdout + empty.stderr
    assert "drained" in empty.stdout and "已清空" in empty.stdout

    key = start_case(engine)
    waiting = status(engine, "--list")
    assert waiting.returncode == 3, waiting.stdout + waiting.stderr
    assert "1 个案件未结 open cases (0 with incidents)" in waiting.stdout
    assert f"      1  {PROCESS_ID}" in waiting.stdout
    assert f"  {key}\t{PROCESS_ID}\t" in waiting.stdout and "审核 (county.office)" in waiting.stdout

    finish_all(engine)
    done = status(engine)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_case_started_after_the_cutover_is_reported(engine: LocalServer) -> None:
    finish_all(engine)
    key = start_case(engine)
    try:
        [case] = drain_report(engine.rest_url).cases
        assert case.started is not None
        before = (case.started - dt.timedelta(minutes=1)).isoformat()
        after = (case.started + dt.timedelta(minutes=1)).isoformat()

        late = status(engine, "--cutover", before)
        assert late.returncode == 4, late.stdout + late.stderr
        assert f"started after the cut-over: {key} {PROCESS_ID}" in late.stderr

        on_time = status(engine, "--cutover", after, "--json")
        assert on_time.returncode == 3, on_time.stdout + on_time.stderr
        report = json.loads(on_time.stdout)
        assert report["open"] == 1 and report["startedAfterCutover"] == []
        assert report["cases"][0]["processInstanceKey"] == key
        assert report["cases"][0]["waitingAt"] == ["审核 (county.office)"]
        assert report["byProcess"] == {PROCESS_ID: 1}

        bad = status(engine, "--cutover", "next tuesday")
        assert bad.returncode == 2 and "expected an ISO 8601 time" in bad.stderr
    finally:
        finish_all(engine)


def test_every_page_of_open_cases_is_read(engine: LocalServer) -> None:
    finish_all(engine)
    keys = {start_case(engine) for _ in range(5)}
    try:
        report = drain_report(engine.rest_url, page=2)
        assert {case.process_instance_key for case in report.cases} == keys
        assert all(case.waiting_at == ("审核 (county.office)",) for case in report.cases)
    finally:
        finish_all(engine)


def test_an_engine_that_cannot_be_read_is_one_line_naming_it() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [str(XIETONG), "migrate", "status", "--from", url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {url}/v2/user-tasks/search: ")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
