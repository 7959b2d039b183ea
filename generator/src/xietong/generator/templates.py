"""Camunda Modeler element templates, one per task type, made from the task-type catalog.

A designer who adds a task from the palette through a template gets the job type fixed (hidden),
the contract's headers and inputs as labelled fields, and the outputs as result variables, so a
hand-added task passes ``xietong bpmn check`` once the fields are filled in.
"""

from __future__ import annotations

import json
from pathlib import Path

from xietong.task_types import TASK_TYPES, TaskType

SCHEMA_URL = "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
TEMPLATE_VERSION = 1

_HEADER_LABELS = {
    "mechanismId": "机制编号",
    "stepId": "步骤编号",
    "department": "办理部门",
    "dueVariable": "时限变量名",
    "options": "研判结果选项（逗号分隔）",
    "resultVariable": "研判结果变量名",
    "toDepartment": "接收部门",
    "leadDepartment": "牵头部门",
    "recipients": "通报对象（逗号分隔）",
    "supervisor": "督办单位",
    "level": "层级",
    "to": "上报至",
}
_DEFAULT_HEADERS = {"level": "1", "dueVariable": "orderDue", "resultVariable": "outcome"}


def template_for(task_type: TaskType) -> dict:
    properties: list[dict] = [
        {
            "type": "Hidden",
            "value": task_type.name,
            "binding": {"type": "zeebe:taskDefinition", "property": "type"},
        }
    ]
    for header in task_type.headers:
        prop: dict = {
            "label": _HEADER_LABELS.get(header.key, header.key),
            "description": header.description,
            "group": "headers",
            "type": "String",
            "binding": {"type": "zeebe:taskHeader", "key": header.key},
        }
        if header.key in _DEFAULT_HEADERS:
            prop["value"] = _DEFAULT_HEADERS[header.key]
        if header.required:
            prop["constraints"] = {"notEmpty": True}
        properties.append(prop)
    for variable in task_type.inputs:
        prop = {
            "label": variable.name,
            "description": f"{variable.description} ({variable.type})",
            "group": "inputs",
            "type": "String",
            "feel": "required",
            "value": f"={variable.name}",
            "binding": {"type": "zeebe:input", "name": variable.name},
        }
        if not variable.required:
            prop["optional"] = True
            del prop["value"]
        else:
            prop["constraints"] = {"notEmpty": True}
        properties.append(prop)
    for variable in task_type.outputs:
        if variable.name.startswith("<"):
            continue  # the worker names this variable after a header (e.g. dueVariable)
        properties.append(
            {
                "label": f"{variable.name} 存入变量",
                "description": f"{variable.description} ({variable.type})",
                "group": "outputs",
                "type": "String",
                "value": variable.name,
                "binding": {"type": "zeebe:output", "source": f"={variable.name}"},
            }
        )
    return {
        "$schema": SCHEMA_URL,
        "name": f"{task_type.label}（{task_type.name}）",
        "id": task_type.name,
        "version": TEMPLATE_VERSION,
        "description": task_type.description,
        "category": {"id": "xietong", "name": "属地协同 xietong"},
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "groups": [
            {"id": "headers", "label": "机制与步骤（任务头）"},
            {"id": "inputs", "label": "输入"},
            {"id": "outputs", "label": "输出"},
        ],
        "properties": properties,
    }


def template_files() -> dict[str, bytes]:
    """file name -> bytes, deterministic."""
    return {
        f"{name}.json": (json.dumps(template_for(t), ensure_ascii=False, indent=2) + "\n").encode()
        for name, t in sorted(TASK_TYPES.items())
    }


def write_templates(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in template_files().items():
        path = directory / name
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
        written.append(path)
    return written
