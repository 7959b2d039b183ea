"""Every service task of every generated model in bpmn/ is a job the workers can do: its type has a
handler, and its headers and input mappings satisfy that handler.

Headers are static in Zeebe (handed to the worker verbatim); a header may name a variable
(``=industryAuthority``), which the worker looks up, but any other FEEL expression in a header
would reach the worker as text and fail the job, so it fails here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from xietong.workers.calendar import CHINA, WorkingDayCalendar
from xietong.workers.case_store import CaseStore
from xietong.workers.handlers import HANDLERS, JobContext

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "zeebe": "http://camunda.org/schema/zeebe/1.0"}
MODELS = sorted(BPMN_DIR.rglob("*.bpmn"))
NOW = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)

# Process variables a running instance has at these steps (what the start form or earlier steps set).
INSTANCE_VARIABLES: dict[str, Any] = {
    "caseId": "C-1",
    "limit": {"amount": 1, "unit": "workingDays"},
    "collaborator": "某配合单位",
    "results": [],
}


def service_tasks(model: Path) -> list[tuple[str, str, dict[str, str], list[str]]]:
    tree = etree.parse(str(model))
    found = []
    for task in tree.iterfind(".//bpmn:serviceTask", NS):
        definition = task.find(".//zeebe:taskDefinition", NS)
        assert definition is not None, f"{model.name}: service task {task.get('id')} has no task definition"
        headers = {h.get("key"): h.get("value") for h in task.iterfind(".//zeebe:header", NS)}
        inputs = [i.get("target") for i in task.iterfind(".//zeebe:input", NS)]
        found.append((task.get("id"), definition.get("type"), headers, inputs))
    return found


@pytest.mark.skipif(not MODELS, reason="no generated models in bpmn/")
@pytest.mark.parametrize("model", MODELS, ids=lambda p: str(p.relative_to(BPMN_DIR)))
def test_every_service_task_is_served(model: Path, tmp_path: Path) -> None:
    calendar = WorkingDayCalendar()
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        for job_key, (element_id, task_type, headers, inputs) in enumerate(service_tasks(model), start=1):
            assert task_type in HANDLERS, f"{model.name}/{element_id}: no worker serves {task_type!r}"
            variables = dict(INSTANCE_VARIABLES)
            for value in headers.values():  # a header naming a variable: the instance has a value for it
                if value.startswith("=") and value[1:].strip().isidentifier():
                    variables.setdefault(value[1:].strip(), "某部门")
            if task_type == "xietong.triage":  # a person decided before this step
                variables[headers.get("resultVariable", "triageResult")] = headers.get("options", "").split(
                    ","
                )[0]
            context = JobContext(
                job_key, task_type, 1, model.stem, element_id, variables, headers, store, calendar, NOW
            )
            outputs = HANDLERS[task_type].handle(context)
            assert outputs, f"{model.name}/{element_id}"
            if task_type == "xietong.deadline":
                assert "limit" in inputs, f"{model.name}/{element_id}: the deadline gets no limit"
