"""The worker app against a real engine process: a generated model, user tasks driven over REST,
time moved with the engine's clock, and the case store checked at each step.

The engine clock is pinned to Tuesday 30 September 2025 so the due dates cross 国庆 2025; the
workers' clock follows the engine's, as it would on a live system where both read real time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.workers.engine_harness import (
    CHAIN_PROCESS_ID,
    MODEL,
    REPO,
    START,
    TLS,
    Engine,
    EngineClock,
    approval_made,
    chain_model,
    complete_user_task,
    deploy,
    events_of,
    open_user_task,
    output_of,
    poll,
    start_engine,
    task_headers,
    task_type_count,
)
from xietong.engine.gateway.local_server import free_port
from xietong.workers.app import GatewayUnreachable, WorkerApp
from xietong.workers.background import BackgroundWorkers
from xietong.workers.calendar import CHINA
from xietong.workers.case_store import CaseStatus, CaseStore, EventKind
from xietong.workers.settings import WorkerSettings

pytestmark = pytest.mark.slow
SIYANG = REPO / "bpmn" / "siyang" / "siyang_joint_enforcement.bpmn"


@pytest.fixture
def store(sqlite_store: CaseStore) -> CaseStore:
    """These scenarios run on SQLite; the worker-process test below runs on every configured store."""
    return sqlite_store


def test_a_case_is_timed_supervised_and_archived(engine: Engine, store: CaseStore) -> None:
    clock = EngineClock(engine, START)
    deploy(engine, MODEL)
    settings = WorkerSettings(zeebe_address=engine.address, worker_failure_backoff_ms=0)
    workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
    try:
        start = {"caseId": "WY-2025-0001", "industryAuthority": "武义县市场监督管理局"}
        approval_made(engine, start)

        # 计算时限: 10 working days from Tue 30 Sep 2025, skipping 1–8 Oct and counting Sat 11 Oct.
        [deadline] = poll("the deadline", lambda: events_of(store, "WY-2025-0001", EventKind.DEADLINE_SET))
        assert deadline.detail["due"] == "2025-10-21T23:59:59+08:00"
        assert deadline.step_id == "copy_approval"
        task = poll("告知 user task", lambda: open_user_task(engine, "copy_approval"), engine.log)
        instance_key = int(task["processInstanceKey"])
        assert deadline.process_instance_key == instance_key

        # Nothing is overdue until the due date has passed on the engine's clock.
        clock.advance(dt.timedelta(days=21))  # Tue 21 Oct 10:00, still within the limit
        assert events_of(store, "WY-2025-0001", EventKind.SUPERVISED) is None
        clock.advance(dt.timedelta(days=1))  # Wed 22 Oct: overdue
        [supervised] = poll(
            "the 督办", lambda: events_of(store, "WY-2025-0001", EventKind.SUPERVISED), engine.log
        )
        headers = task_headers(MODEL, "copy_approval_supervise", start)
        assert supervised.detail == {
            "supervisor": headers["supervisor"],
            "department": headers["department"],
            "level": 1,
        }
        assert None not in (headers["supervisor"], headers["department"])
        assert supervised.at == dt.datetime(2025, 10, 22, 10, 0, tzinfo=CHINA)

        # The non-interrupting timer left the task open; finishing it files the case.
        response = engine.rest.post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
        assert response.status_code == 204, response.text
        poll(
            "the instance to complete",
            lambda: engine.rest.get(f"/v2/process-instances/{instance_key}").json()["state"] == "COMPLETED",
            engine.log,
        )
        case = store.get("WY-2025-0001")
        assert case is not None
        assert case.status is CaseStatus.ARCHIVED
        assert case.closed_at == dt.datetime(2025, 10, 22, 10, 0, tzinfo=CHINA)
        kinds = [e.kind for e in store.events("WY-2025-0001")]
        assert kinds[:2] == [EventKind.DEADLINE_SET, EventKind.SUPERVISED]
        assert kinds[2:] and set(kinds[2:]) == {EventKind.ARCHIVED}  # 登记, and 结案 where modelled
        assert store.cases(CaseStatus.OPEN) == []
    finally:
        workers.stop()


def test_a_job_missing_its_case_id_becomes_an_incident_naming_it(engine: Engine, store: CaseStore) -> None:
    clock = EngineClock(engine, START)
    deploy(engine, MODEL)
    workers = BackgroundWorkers(WorkerApp(WorkerSettings(zeebe_address=engine.address), store, clock=clock))
    try:
        approval_made(engine, {}, urgent=True)  # no caseId
        task = poll("告知 user task", lambda: open_user_task(engine, "copy_approval"), engine.log)
        clock.advance(dt.timedelta(hours=3))  # urgent: 2 hours, so the 督办 is due

        def incident() -> dict[str, Any] | None:
            filters = {"processInstanceKey": task["processInstanceKey"], "state": "ACTIVE"}
            items = engine.rest.post("/v2/incidents/search", json={"filter": filters}).json()["items"]
            return items[0] if items else None

        found = poll("an incident on the 督办 job", incident, engine.log)
        assert found["elementId"] == "copy_approval_supervise"
        assert "variable 'caseId' is missing" in found["errorMessage"]
        assert store.cases() == []  # nothing recorded for a case that has no id
    finally:
        workers.stop()


def test_worker_process_logs_with_the_case_and_stops_cleanly_on_sigterm(
    engine: Engine, store_url: str, tmp_path: Path
) -> None:
    """``python -m xietong.workers run`` as an operator runs it, against SQLite or PostgreSQL."""
    deploy(engine, MODEL)
    log_file = tmp_path / "workers.log"
    env = {
        **os.environ,
        "XIETONG_CASE_STORE_URL": store_url,
        "XIETONG_LOG_JSON": "true",
        "XIETONG_WORKER_NAME": "e2e-workers",
    }
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "xietong.workers", "run"),
                *("--address", engine.address, "--rest-address", engine.rest_url),
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        with CaseStore(store_url) as store:
            approval_made(engine, {"caseId": "WY-SUB-1"}, urgent=True)
            [deadline] = poll(
                "the deadline",
                lambda: events_of(store, "WY-SUB-1", EventKind.DEADLINE_SET),
                lambda: log_file.read_text(errors="replace"),
            )
        due = dt.datetime.fromisoformat(deadline.detail["due"])
        started = dt.datetime.fromisoformat(deadline.detail["startedAt"])
        assert due - started == dt.timedelta(hours=2)  # urgent: 2 hours, on the clock
        assert due.utcoffset() == dt.timedelta(hours=8)
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=60)
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    assert returncode == 0, log_file.read_text()
    completed = [line for line in lines if line.get("event") == "job completed"]
    assert completed, log_file.read_text()
    assert completed[0]["case_id"] == "WY-SUB-1"
    assert completed[0]["process_instance_key"] == deadline.process_instance_key
    assert completed[0]["task_type"] == "xietong.deadline"
    [started_line] = [line for line in lines if line.get("event") == "workers started"]
    assert started_line["address"] == engine.address and started_line["rest"] == engine.rest_url
    assert lines[-1]["event"] == "workers stopped"


def test_siyang_joint_enforcement_through_its_review_gates(engine: Engine, store: CaseStore) -> None:
    """泗阳 联动执法: 初审, 法制审核 (材料移送司法局), 县领导审批, 派送, 方案, joint enforcement with five
    collaborators, a 督办 to the one whose documents are late."""
    clock = EngineClock(engine, START)
    deploy(engine, SIYANG)
    settings = WorkerSettings(zeebe_address=engine.address, zeebe_rest_address=engine.rest_url)
    workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
    case_id = "SY-2025-0930-01"
    try:
        response = engine.rest.post(
            "/v2/process-instances",
            json={
                "processDefinitionId": "siyang_joint_enforcement",
                "variables": {"caseId": case_id, "itemNumber": 3},
            },
        )
        assert response.status_code == 200, response.text
        instance_key = int(response.json()["processInstanceKey"])

        complete_user_task(engine, "apply")
        complete_user_task(engine, "initial_review", {"outcome": "eligible"})
        [transfer] = poll(
            "the 移送 to 司法局", lambda: events_of(store, case_id, EventKind.TRANSFERRED), engine.log
        )
        assert transfer.detail == {"to": "泗阳县司法局"}
        assert transfer.department == "泗阳县综合指挥调度中心"
        complete_user_task(engine, "legal_review", {"outcome": "passed"})
        complete_user_task(engine, "submit_for_approval", {"outcome": "approved"})
        complete_user_task(engine, "dispatch")
        complete_user_task(engine, "draft_plan")
        # the lead and each collaborator enforce at the appointed time and place
        complete_user_task(engine, "joint_enforcement")
        for _ in range(5):
            complete_user_task(engine, "collaborator_enforcement")

        # 配合单位: 1 working day from Tue 30 Sep 2025 is Thu 9 Oct; item 3 has five collaborators.
        [first_due] = poll("the first deadline", lambda: events_of(store, case_id, EventKind.DEADLINE_SET))
        assert first_due.detail["due"] == "2025-10-09T23:59:59+08:00"
        for _ in range(4):
            complete_user_task(engine, "collaborator_documents", {"result": {"documents": 1}})
        late = poll("the late part", lambda: open_user_task(engine, "collaborator_documents"))
        path = f"/v2/user-tasks/{late['userTaskKey']}/variables/search"
        [part] = engine.rest.post(path, json={"filter": {"name": "collaborator"}}).json()["items"]
        late_department = json.loads(part["value"])
        clock.advance(dt.timedelta(days=10))  # Fri 10 Oct: one collaborator is late
        [supervised] = poll("the 督办", lambda: events_of(store, case_id, EventKind.SUPERVISED), engine.log)
        assert supervised.step_id == "collaborator_documents"
        joint_item = output_of(SIYANG, "jointItem", {"itemNumber": 3})
        headers = task_headers(SIYANG, "collaborator_documents_supervise", {"jointItem": joint_item})
        # the lead urges the collaborators: real departments, not the documents' generic terms — and only
        # the one whose part is still open, not the four that have sent their documents
        assert headers["supervisor"] == "泗阳县市场监督管理局"
        assert headers["department"] == ",".join(joint_item["collaborators"])
        assert late_department in joint_item["collaborators"]
        assert supervised.detail == {
            "supervisor": headers["supervisor"],
            "department": late_department,
            "level": 1,
            "allDepartments": ",".join(joint_item["collaborators"]),
        }
        assert supervised.department == late_department
        complete_user_task(engine, "collaborator_documents", {"result": {"documents": 2}})

        # 牵头单位: "执法工作结束后5个工作日内" counts from the end of the enforcement (Tue 30 Sep), not from
        # the documents: 9, 10, 11 (调休), 13, 14 Oct.
        second_due = poll(
            "the second deadline",
            lambda: (
                (found := events_of(store, case_id, EventKind.DEADLINE_SET)) and len(found) == 2 and found[1]
            ),
        )
        assert second_due.detail["due"] == "2025-10-14T23:59:59+08:00"
        assert second_due.detail["dueVariable"] == "due_report_results"
        complete_user_task(engine, "report_results")
        complete_user_task(engine, "archive")
        poll(
            "the instance to complete",
            lambda: engine.rest.get(f"/v2/process-instances/{instance_key}").json()["state"] == "COMPLETED",
            engine.log,
        )
        archives = task_type_count(SIYANG, "xietong.archive")
        assert [e.kind for e in store.events(case_id)] == [
            EventKind.TRANSFERRED,
            EventKind.DEADLINE_SET,
            EventKind.SUPERVISED,
            EventKind.DEADLINE_SET,
            *[EventKind.ARCHIVED] * archives,
        ]
        assert {e.process_instance_key for e in store.events(case_id)} == {instance_key}
        # A model that files the case only in a user task (汇总执法结果并存档) leaves it open here.
        case = store.get(case_id)
        assert case is not None
        assert case.status is (CaseStatus.ARCHIVED if archives else CaseStatus.OPEN)
    finally:
        workers.stop()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_workers_reach_a_gateway_over_tls_with_a_token(tmp_path: Path) -> None:
    """As on a secured cluster: the address, XIETONG_ZEEBE_TLS_CA and XIETONG_ZEEBE_TOKEN change, no code."""
    tls = TLS.self_signed(tmp_path, token="worker-token-for-tests")
    with start_engine(tmp_path, tls) as engine, CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        settings = WorkerSettings(
            zeebe_address=engine.address, zeebe_tls_ca=tls.cert, zeebe_token=SecretStr(tls.token)
        )
        assert settings.uses_tls
        clock = EngineClock(engine, START)
        deploy(engine, MODEL, settings)
        workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
        try:
            approval_made(engine, {"caseId": "WY-TLS-1"})
            [deadline] = poll("the deadline", lambda: events_of(store, "WY-TLS-1", EventKind.DEADLINE_SET))
            assert deadline.detail["due"] == "2025-10-21T23:59:59+08:00"
        finally:
            workers.stop()


def test_tls_settings_are_checked() -> None:
    assert not WorkerSettings().uses_tls
    assert WorkerSettings(zeebe_tls=True).uses_tls
    with pytest.raises(ValueError, match="XIETONG_ZEEBE_TLS_CA: no such file"):
        WorkerSettings(zeebe_tls_ca=Path("/nonexistent/ca.pem"))


def test_workers_ride_out_an_engine_restart(tmp_path: Path, store: CaseStore) -> None:
    """By default the worker retries for ever: an engine restarted on its address gets served again."""
    with start_engine(tmp_path) as first:
        ports = (first.grpc_port, first.rest_port)
        deploy(first, MODEL)
        workers = BackgroundWorkers(WorkerApp(WorkerSettings(zeebe_address=first.address), store))
    try:
        # The engine is down now; the workers' polls fail and are retried.
        with start_engine(tmp_path, ports=ports) as second:
            approval_made(second, {"caseId": "WY-RESTART-1"}, urgent=True)
            poll(
                "the deadline after the restart",
                lambda: events_of(store, "WY-RESTART-1", EventKind.DEADLINE_SET),
                second.log,
            )
    finally:
        workers.stop()


def test_a_worker_with_finite_retries_gives_up_and_says_so(tmp_path: Path, store: CaseStore) -> None:
    nobody = f"127.0.0.1:{free_port()}"  # nothing listens here
    settings = WorkerSettings(zeebe_address=nobody, worker_max_connection_retries=1)
    workers = BackgroundWorkers(WorkerApp(settings, store))
    with pytest.raises(GatewayUnreachable, match=f"gave up on the gateway at {nobody} after 1 failed"):
        workers.wait()


def test_two_worker_apps_share_the_load_and_one_sqlite_file(engine: Engine, tmp_path: Path) -> None:
    """Scaling out: two workers (separate connections to one case-store file) serve 30 cases of five
    service tasks; every case is archived with exactly one event per step."""
    model = tmp_path / "service_chain.bpmn"
    model.write_text(chain_model(), encoding="utf-8")
    deploy(engine, model)
    url = f"sqlite:///{tmp_path / 'shared-cases.db'}"
    with CaseStore(url) as first_store, CaseStore(url) as second_store:
        apps = [
            WorkerApp(WorkerSettings(zeebe_address=engine.address, worker_name=name, worker_max_jobs=4), s)
            for name, s in (("first", first_store), ("second", second_store))
        ]
        workers = [BackgroundWorkers(app) for app in apps]
        try:
            for _ in range(30):
                start = {"processDefinitionId": CHAIN_PROCESS_ID}
                response = engine.rest.post("/v2/process-instances", json=start)
                assert response.status_code == 200, response.text
            poll(
                "30 archived cases",
                lambda: len(first_store.cases(CaseStatus.ARCHIVED)) == 30,
                engine.log,
            )
        finally:
            for running in workers:
                running.stop()
        assert sum(app.jobs_completed for app in apps) == 150
        assert all(app.jobs_completed > 0 for app in apps), [app.jobs_completed for app in apps]
        cases = first_store.cases()
        assert len(cases) == 30
        assert len({case.case_id for case in cases}) == 30
        expected = [
            EventKind.REGISTERED,
            EventKind.DEADLINE_SET,
            EventKind.DISPATCHED,
            EventKind.NOTIFIED,
            EventKind.ARCHIVED,
        ]
        for case in cases:
            assert [e.kind for e in second_store.events(case.case_id)] == expected, case.case_id
