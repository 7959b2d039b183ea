"""A 督办 after a step several departments do at once reaches only those whose part is still open.

The step's deadline is one boundary timer on the multi-instance body; the 督办 after it runs beside the
body, so the supervise worker asks the engine's REST API which inner instances are open
(``xietong.workers.open_parts``). Real engine, real workers, the clock moved through the engine.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.workers.engine_harness import (
    START,
    Engine,
    EngineClock,
    deploy,
    events_of,
    poll,
)
from xietong.engine.gateway.local_server import free_port
from xietong.workers.app import WorkerApp
from xietong.workers.background import BackgroundWorkers
from xietong.workers.case_store import CaseStore, EventKind
from xietong.workers.open_parts import input_element_of
from xietong.workers.settings import WorkerSettings

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

# start -> 配合单位提交材料 (one user task per collaborator, 1 hour) -> end; its timer -> 督办 -> end
PARTS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="parts" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="documents" name="配合单位提交材料">
      <bpmn:extensionElements><zeebe:userTask/>
        <zeebe:assignmentDefinition candidateGroups="=collaborator"/></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>
        <zeebe:loopCharacteristics inputCollection="=collaborators" inputElement="collaborator"/>
      </bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="documents_overdue" cancelActivity="false" attachedToRef="documents">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="documents_supervise" name="牵头单位督办">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="xietong.supervise" retries="1"/>
        <zeebe:taskHeaders>
          <zeebe:header key="mechanismId" value="parts"/>
          <zeebe:header key="stepId" value="documents"/>
          <zeebe:header key="department" value="=collaborators"/>
          <zeebe:header key="supervisor" value="泗阳县市场监督管理局"/>
          <zeebe:header key="level" value="1"/>
        </zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="supervised"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="documents"/>
    <bpmn:sequenceFlow id="f2" sourceRef="documents" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="documents_overdue" targetRef="documents_supervise"/>
    <bpmn:sequenceFlow id="f4" sourceRef="documents_supervise" targetRef="supervised"/>
  </bpmn:process>
</bpmn:definitions>
"""
COLLABORATORS = ["泗阳县公安局", "泗阳县应急管理局", "泗阳县商务局"]
# the same step, its passed deadline reported up (上报上级协调) instead of urged
ESCALATING = PARTS.replace('type="xietong.supervise"', 'type="xietong.escalate"').replace(
    '<zeebe:header key="supervisor" value="泗阳县市场监督管理局"/>',
    '<zeebe:header key="to" value="县综合指挥调度中心"/>',
)


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "parts.bpmn"
    path.write_text(PARTS, encoding="utf-8")
    return path


def start_case(engine: Engine, case_id: str) -> int:
    body = {"processDefinitionId": "parts", "variables": {"caseId": case_id, "collaborators": COLLABORATORS}}
    response = engine.rest.post("/v2/process-instances", json=body)
    assert response.status_code == 200, response.text
    return int(response.json()["processInstanceKey"])


def parts_of(engine: Engine, instance: int) -> dict[str, dict[str, Any]]:
    """The open user tasks of the step, by the collaborator each is for."""
    filters = {"state": "CREATED", "processInstanceKey": str(instance)}
    tasks = engine.rest.post("/v2/user-tasks/search", json={"filter": filters}).json()["items"]
    found = {}
    for task in tasks:
        path = f"/v2/user-tasks/{task['userTaskKey']}/variables/search"
        [own] = engine.rest.post(path, json={"filter": {"name": "collaborator"}}).json()["items"]
        found[json.loads(own["value"])] = task
    return found


def at_the_step(engine: Engine, case_id: str, *done: str) -> int:
    """A case at the step with its three parts open, then the parts of ``done`` departments completed."""
    instance = start_case(engine, case_id)
    parts = poll("three parts", lambda: (found := parts_of(engine, instance)) and len(found) == 3 and found)
    for department in done:
        answer = engine.rest.post(f"/v2/user-tasks/{parts[department]['userTaskKey']}/completion", json={})
        assert answer.status_code == 204, answer.text
    return instance


def test_the_supervision_reaches_only_the_parts_still_open(
    engine: Engine, model: Path, tmp_path: Path
) -> None:
    clock = EngineClock(engine, START)
    deploy(engine, model)
    settings = WorkerSettings(zeebe_address=engine.address, zeebe_rest_address=engine.rest_url)
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
        try:
            at_the_step(engine, "SY-PARTS-1", "泗阳县应急管理局")
            clock.advance(dt.timedelta(hours=2))  # the hour has passed; two departments have not sent theirs

            [supervised] = poll(
                "the 督办", lambda: events_of(store, "SY-PARTS-1", EventKind.SUPERVISED), engine.log
            )
            assert supervised.detail == {
                "supervisor": "泗阳县市场监督管理局",
                "department": "泗阳县公安局,泗阳县商务局",  # in the step's order, without the done one
                "level": 1,
                "allDepartments": ",".join(COLLABORATORS),
            }
            assert supervised.department == "泗阳县公安局,泗阳县商务局"
        finally:
            workers.stop()


def test_the_escalation_names_only_the_parts_still_open(engine: Engine, tmp_path: Path) -> None:
    """上报 after the same step: the record names the departments still working, as the 督办 does."""
    clock = EngineClock(engine, START)
    model = tmp_path / "parts.bpmn"
    model.write_text(ESCALATING, encoding="utf-8")
    deploy(engine, model)
    settings = WorkerSettings(zeebe_address=engine.address, zeebe_rest_address=engine.rest_url)
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
        try:
            at_the_step(engine, "SY-PARTS-3", "泗阳县公安局", "泗阳县商务局")
            clock.advance(dt.timedelta(hours=2))

            [escalated] = poll(
                "the 上报", lambda: events_of(store, "SY-PARTS-3", EventKind.ESCALATED), engine.log
            )
            assert escalated.detail == {
                "to": "县综合指挥调度中心",
                "department": "泗阳县应急管理局",  # the one department that has not sent its part
                "level": 1,
                "allDepartments": ",".join(COLLABORATORS),
            }
            assert escalated.department == "泗阳县应急管理局"
        finally:
            workers.stop()


def test_an_unreachable_rest_api_is_an_incident_naming_the_setting(
    engine: Engine, model: Path, tmp_path: Path
) -> None:
    """Urging every department because the engine could not be asked would be wrong; the job fails (and is
    retried while it has retries), and the incident says which setting to look at."""
    clock = EngineClock(engine, START)
    deploy(engine, model)
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = WorkerSettings(
        zeebe_address=engine.address, zeebe_rest_address=nowhere, worker_failure_backoff_ms=0
    )
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        workers = BackgroundWorkers(WorkerApp(settings, store, clock=clock))
        try:
            instance = start_case(engine, "SY-PARTS-2")
            poll("the parts", lambda: parts_of(engine, instance))
            clock.advance(dt.timedelta(hours=2))

            def incident() -> dict[str, Any] | None:
                filters = {"processInstanceKey": str(instance), "state": "ACTIVE"}
                items = engine.rest.post("/v2/incidents/search", json={"filter": filters}).json()["items"]
                return items[0] if items else None

            found = poll("an incident on the 督办", incident, engine.log)
            assert found["elementId"] == "documents_supervise"
            assert "XIETONG_ZEEBE_REST_ADDRESS" in found["errorMessage"] and nowhere in found["errorMessage"]
            assert events_of(store, "SY-PARTS-2", EventKind.SUPERVISED) is None
        finally:
            workers.stop()


def test_the_input_element_is_read_from_the_model() -> None:
    xml = (REPO / "bpmn" / "siyang" / "siyang_joint_enforcement.bpmn").read_text(encoding="utf-8")
    assert input_element_of(xml, "collaborator_documents") == "collaborator"
    assert input_element_of(xml, "apply") is None  # not a multi-instance
    assert input_element_of(xml, "no_such_element") is None
    assert input_element_of("not xml", "collaborator_documents") is None
