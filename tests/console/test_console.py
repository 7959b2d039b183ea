"""``xietong console`` against a real engine process and a real SQLite case store.

The engine holds where each case waits (user tasks) and what is stuck (incidents); the case store
holds the due times the deadline worker set. Moving the engine's clock turns a case overdue.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from xietong.console.board import build_board, due_times
from xietong.engine.gateway.local_server import LocalServer, PinnedClock, free_port
from xietong.workers.case_store import CaseStore, EventKind, Source

XIETONG = Path(sys.executable).with_name("xietong")
CHINA = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2025, 9, 29, 9, 0, tzinfo=CHINA)

# start -> a gateway whose condition needs `severity` -> a user task for 泗阳县公安局 (or straight to the
# end); the task's candidate group is the department's group id, as identity needs it
MODEL = models.process(
    "console_case",
    [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:exclusiveGateway id="route" default="f1"/>',
        '<bpmn:userTask id="collect" name="配合单位汇总法律文书"><bpmn:extensionElements>'
        '<zeebe:userTask/><zeebe:assignmentDefinition candidateGroups="siyang.public_security"/>'
        "</bpmn:extensionElements></bpmn:userTask>",
        '<bpmn:endEvent id="end"/>',
        models.flow("f0", "start", "route"),
        models.flow("f1", "route", "collect"),
        '<bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="end">'
        "<bpmn:conditionExpression>=severity &gt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>",
        models.flow("f3", "collect", "end"),
    ],
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    tmp = tmp_path_factory.mktemp("console")
    with LocalServer(data_dir=tmp / "data", log_file=tmp / "engine.log") as server:
        yield server


def start_case(stub: GatewayStub, variables: dict[str, object]) -> int:
    request = pb.CreateProcessInstanceRequest(
        bpmnProcessId="console_case", version=-1, variables=json.dumps(variables)
    )
    return stub.CreateProcessInstance(request).processInstanceKey


def run_console(engine: LocalServer, store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XIETONG_LOG_LEVEL": "WARNING"}
    command = [str(XIETONG), "console", "--rest-url", engine.rest_url, "--case-store", store_url, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def test_open_cases_with_their_steps_due_times_and_incidents(engine: LocalServer, tmp_path: Path) -> None:
    clock = PinnedClock(engine, START)
    with grpc.insecure_channel(engine.address) as channel:
        stub = GatewayStub(channel)
        model = pb.Resource(name="console_case.bpmn", content=MODEL)
        stub.DeployResource(pb.DeployResourceRequest(resources=[model]))
        waiting = start_case(stub, {"caseId": "SY-1", "severity": 1})
        stuck = start_case(stub, {"caseId": "SY-2"})  # no severity: the gateway's condition fails
        archived = start_case(stub, {"caseId": "SY-3", "severity": 1})
        unrecorded = start_case(stub, {"caseId": "SY-4"})  # stuck before any worker recorded it

    store_url = f"sqlite:///{tmp_path / 'cases.db'}"
    with CaseStore(store_url) as store:
        for case_id, key in (("SY-1", waiting), ("SY-2", stuck), ("SY-3", archived)):
            source = Source(job_key=key, process_instance_key=key, bpmn_process_id="console_case",
                            mechanism_id="siyang_joint_enforcement")
            store.register(case_id, "siyang_joint_enforcement", source, START, {})
        due = dt.datetime(2025, 9, 30, 23, 59, 59, tzinfo=CHINA)
        deadline_job = Source(job_key=1, process_instance_key=waiting, step_id="collect")
        store.record("SY-1", EventKind.DEADLINE_SET, deadline_job, START, {"due": due.isoformat()})
        store.archive("SY-3", Source(job_key=2, process_instance_key=archived), START, {})

    before = run_console(engine, store_url)
    assert before.returncode == 0, before.stderr
    lines = before.stdout.splitlines()
    # Chinese first (headings, states, labels); ids (cases, states as --state takes them) as they are
    assert lines[0] == "在办案件（2025-09-29 09:00 北京时间，引擎时钟）：共 3 件 — 故障 2、按期 1"
    assert lines[1].startswith("SY-2  [故障 incident]  siyang_joint_enforcement  开始 09-29 09:00")
    assert lines[2].startswith("    故障于 route：")
    assert lines[2].endswith("[NO_VARIABLE_FOUND] No variable found with name 'severity' "
                             "(condition of sequence flow 'f2')")  # the warning names what is missing
    # an engine instance the case store does not know is listed too, incidents first (issue 15), by the
    # case id the instance carries
    assert lines[3].startswith("SY-4  [故障 incident]  console_case")
    assert lines[3].endswith("（未登记：案件库中无此案件，尚无工作程序记录）")
    assert lines[4].startswith("    故障于 route：")
    assert lines[5].startswith("SY-1  [按期 on-time]")
    # the department's name, not its group id
    assert lines[6] == "    等待「配合单位汇总法律文书」  泗阳县公安局  时限 09-30 23:59"
    assert "SY-3" not in before.stdout  # archived cases are not on the board

    clock.advance(dt.timedelta(days=2))  # Wednesday 09:00: the day for the documents has passed
    everyone = json.loads(run_console(engine, store_url, "--json").stdout)
    assert [c["processInstanceKey"] for c in everyone["cases"] if c["caseId"] == "SY-4"] == [unrecorded]
    after = json.loads(run_console(engine, store_url, "--json", "--state", "overdue").stdout)
    assert [case["caseId"] for case in after["cases"]] == ["SY-1"]
    (case,) = after["cases"]
    assert (case["state"], case["stateName"]) == ("overdue", "逾期")
    assert case["waiting"] == [
        {"elementId": "collect", "name": "配合单位汇总法律文书", "departments": ["siyang.public_security"],
         "departmentNames": ["泗阳县公安局"],
         "since": case["waiting"][0]["since"], "due": "2025-09-30T23:59:59+08:00", "dueProvisional": False}
    ]
    text = run_console(engine, store_url, "--state", "overdue").stdout
    assert "时限 09-30 23:59（已逾期 9 小时）" in text
    assert text.splitlines()[1].startswith("SY-1  [逾期 overdue]  siyang_joint_enforcement  开始 09-29 09:00")


def test_an_unreachable_engine_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    store_url = f"sqlite:///{tmp_path / 'cases.db'}"
    with CaseStore(store_url):
        pass
    result = subprocess.run(
        [str(XIETONG), "console", "--rest-url", url, "--case-store", store_url],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {url}: 无应答 no answer")
    assert "Traceback" not in result.stderr


def test_the_board_puts_the_most_urgent_first_and_takes_the_latest_due_time() -> None:
    from xietong.workers.case_store import Case, CaseEvent, CaseStatus, CaseSummary

    def summary(case_id: str, key: int) -> CaseSummary:
        case = Case(case_id, "m", CaseStatus.OPEN, START, None, key, "p")
        return CaseSummary(case, 0, 0, 0, None, None)

    def deadline(case_id: str, step: str, due: dt.datetime, event_id: int) -> CaseEvent:
        return CaseEvent(event_id, case_id, EventKind.DEADLINE_SET, START, None, None, step, None,
                         {"due": due.isoformat()})

    now = START + dt.timedelta(days=1)
    events = {
        "late": [
            deadline("late", "a", now - dt.timedelta(days=3), 1),
            deadline("late", "a", now - dt.timedelta(hours=1), 2),
        ],
        "soon": [deadline("soon", "a", now + dt.timedelta(hours=5), 3)],
        "calm": [deadline("calm", "a", now + dt.timedelta(days=5), 4)],
    }
    tasks = [
        {"processInstanceKey": str(key), "elementId": "a", "name": "A", "candidateGroups": ["X"]}
        for key in (1, 2, 3)
    ]
    assigned = {"processInstanceKey": "3", "elementId": "a", "name": "A", "assignee": "张三"}
    tasks.append({**assigned, "candidateGroups": ["Y"]})
    summaries = [summary("calm", 3), summary("idle", 4), summary("soon", 2), summary("late", 1)]
    rows = build_board(summaries, events, tasks, [], now)
    assert [(row.case_id, row.state(now)) for row in rows] == [
        ("late", "overdue"), ("soon", "due-soon"), ("calm", "on-time"), ("idle", "with-workers")
    ]
    assert rows[0].earliest_due() == now - dt.timedelta(hours=1)  # the step's latest deadline counts
    assert [step.departments for step in rows[2].waiting] == [("X",), ("张三",)]  # assignee over groups
    assert due_times([]) == {}


def test_provisional_due_dates_and_child_incidents_show_on_the_case() -> None:
    from xietong.console.views import render_text
    from xietong.workers.case_store import Case, CaseEvent, CaseStatus, CaseSummary

    case = Case("WY-1", "m", CaseStatus.OPEN, START, None, 10, "p")
    due = START + dt.timedelta(days=3)
    events = {"WY-1": [CaseEvent(1, "WY-1", EventKind.DEADLINE_SET, START, None, 10, "a", None,
                                 {"due": due.isoformat(), "provisional": True})]}
    tasks = [{"processInstanceKey": "10", "elementId": "a", "name": "移送", "candidateGroups": ["X"]}]
    # an incident in a call activity's child instance (11) belongs to the case's root instance (10)
    instances = [{"processInstanceKey": "10", "processDefinitionId": "p", "startDate": START.isoformat()},
                 {"processInstanceKey": "11", "parentProcessInstanceKey": "10", "processDefinitionId": "c"}]
    incidents = [{"processInstanceKey": "11", "elementId": "x", "errorType": "JOB_NO_RETRIES",
                  "errorMessage": "boom"}]
    rows = build_board([CaseSummary(case, 0, 0, 0, None, None)], events, tasks, incidents, START, instances)
    assert [row.case_id for row in rows] == ["WY-1"]  # the child is not a case of its own
    assert rows[0].state(START) == "incident" and rows[0].waiting[0].provisional
    text = "\n".join(render_text(rows, START))
    assert "（暂定：该年放假安排未录入）" in text
    assert "    故障于 x：自动环节重试用尽 JOB_NO_RETRIES：boom" in text


def test_finished_cases_newest_first_with_how_they_ended(engine: LocalServer, tmp_path: Path) -> None:
    """已结束: Camunda 8.8's state filter ($in COMPLETED, TERMINATED); the case store adds the 督办."""
    later = START + dt.timedelta(days=10)
    clock = PinnedClock(engine, later)
    with grpc.insecure_channel(engine.address) as channel:
        stub = GatewayStub(channel)
        stub.DeployResource(pb.DeployResourceRequest(resources=[pb.Resource(name="console_case.bpmn",
                                                                            content=MODEL)]))
        unnamed = start_case(stub, {"severity": 5})  # straight to the end, without a case id
        clock.advance(dt.timedelta(minutes=1))
        start_case(stub, {"caseId": "SY-F1", "severity": 5})
        clock.advance(dt.timedelta(minutes=1))
        cancelled = start_case(stub, {"caseId": "SY-F2", "severity": 1})
        clock.advance(dt.timedelta(minutes=1))
    assert engine.rest.post(f"/v2/process-instances/{cancelled}/cancellation").status_code == 204
    store_url = f"sqlite:///{tmp_path / 'cases.db'}"
    with CaseStore(store_url) as store:
        source = Source(job_key=cancelled, process_instance_key=cancelled, bpmn_process_id="console_case",
                        mechanism_id="siyang_joint_enforcement")
        store.register("SY-F2", "siyang_joint_enforcement", source, later, {})
        urged = Source(job_key=cancelled + 1, process_instance_key=cancelled, step_id="collect")
        store.record("SY-F2", EventKind.SUPERVISED, urged, later, {"department": "泗阳县公安局"})

    result = run_console(engine, store_url, "--finished")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("已结束案件（最近结束的在前，至多 50 件）：共 ")
    assert lines[1] == ("SY-F2  [已撤销 terminated]  siyang_joint_enforcement  开始 10-09 09:02  "
                        "结束 10-09 09:03  督办 ×1")
    assert lines[2] == ("SY-F1  [已办结 completed]  console_case  开始 10-09 09:01  结束 10-09 09:01  "
                        "（未登记：案件库中无此案件）")
    assert lines[3].startswith(f"PI-{unnamed}  [已办结 completed]  console_case  开始 10-09 09:00")
    assert "SY-1" not in result.stdout  # open cases are on the board, not here

    as_json = json.loads(run_console(engine, store_url, "--finished", "--json", "--limit", "2").stdout)
    assert [(c["caseId"], c["state"], c["stateName"]) for c in as_json["finished"]] == [
        ("SY-F2", "TERMINATED", "已撤销"), ("SY-F1", "COMPLETED", "已办结")
    ]
    both = run_console(engine, store_url, "--finished", "--state", "overdue")
    assert both.returncode == 2 and "give one" in both.stderr
