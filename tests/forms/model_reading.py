"""Reading bpmn/ as a designer's tools would, independently of the generator's own code: which form
each user task links, which codes each decision gateway's conditions test, and which user tasks'
completion reaches which gateway."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from xietong.settings import PROJECT_ROOT

BPMN_DIR = PROJECT_ROOT / "bpmn"
B = "http://www.omg.org/spec/BPMN/20100524/MODEL"
Z = "http://camunda.org/schema/zeebe/1.0"
CONDITION = re.compile(r'^=\s*([A-Za-z_]\w*)\s*=\s*"([^"]*)"\s*$')


def models() -> list[Path]:
    return sorted(BPMN_DIR.rglob("*.bpmn"))


def forms() -> list[Path]:
    return sorted(BPMN_DIR.rglob("*.form"))


def load_form(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def form_choices(schema: dict) -> dict[str, set[str]]:
    """key -> the values a radio or select offers."""
    return {
        c["key"]: {v["value"] for v in c.get("values", [])}
        for c in schema["components"]
        if c["type"] in ("radio", "select")
    }


def form_required(schema: dict) -> set[str]:
    return {
        c["key"] for c in schema["components"] if c.get("key") and (c.get("validate") or {}).get("required")
    }


@dataclass
class Gateway:
    model: Path
    element_id: str
    codes: dict[str, set[str]] = field(default_factory=dict)  # variable -> codes its conditions test
    tasks: list[str] = field(default_factory=list)  # user tasks whose completion reaches it


@dataclass
class UserTask:
    model: Path
    element_id: str
    form_id: str | None
    binding: str | None
    external: str | None
    due_date: str | None
    follow_up: str | None
    timer: str | None  # the FEEL/ISO of a boundary timer on it, if any


def _tag(el: etree._Element) -> str:
    return etree.QName(el).localname


def read_model(path: Path) -> tuple[list[UserTask], list[Gateway]]:
    root = etree.parse(str(path)).getroot()
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in root.iter(f"{{{B}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    timers: dict[str, str] = {}
    for boundary in root.iter(f"{{{B}}}boundaryEvent"):
        definition = boundary.find(f"{{{B}}}timerEventDefinition")
        if definition is not None:
            expression = next(iter(definition))
            timers[boundary.get("attachedToRef")] = f"{_tag(expression)}:{(expression.text or '').strip()}"
    tasks = []
    for el in root.iter(f"{{{B}}}userTask"):
        form = el.find(f"{{{B}}}extensionElements/{{{Z}}}formDefinition")
        schedule = el.find(f"{{{B}}}extensionElements/{{{Z}}}taskSchedule")
        tasks.append(
            UserTask(
                path,
                el.get("id"),
                form.get("formId") if form is not None else None,
                form.get("bindingType") if form is not None else None,
                form.get("externalReference") if form is not None else None,
                schedule.get("dueDate") if schedule is not None else None,
                schedule.get("followUpDate") if schedule is not None else None,
                timers.get(el.get("id")),
            )
        )
    gateways: dict[str, Gateway] = {}
    for el in root.iter(f"{{{B}}}exclusiveGateway"):
        codes: dict[str, set[str]] = {}
        for flow in outgoing.get(el.get("id"), []):
            condition = flow.find(f"{{{B}}}conditionExpression")
            if condition is None:
                continue
            match = CONDITION.match((condition.text or "").strip())
            assert match, f"{path.name}: {flow.get('id')}: condition {condition.text!r} is not a code test"
            codes.setdefault(match.group(1), set()).add(match.group(2))
        if codes:
            gateways[el.get("id")] = Gateway(path, el.get("id"), codes)
    for task in tasks:  # where does completing the task lead, through merges and sub-process ends?
        current, seen = by_id[task.element_id], set()
        while current is not None and current.get("id") not in seen:
            seen.add(current.get("id"))
            flows = outgoing.get(current.get("id"), [])
            if not flows and _tag(current) == "endEvent":
                parent = current.getparent()
                current = parent if _tag(parent) == "subProcess" else None
                continue
            if len(flows) != 1:
                break
            target = by_id[flows[0].get("targetRef")]
            if target.get("id") in gateways:
                gateways[target.get("id")].tasks.append(task.element_id)
                break
            if _tag(target) == "endEvent" or (
                _tag(target) == "exclusiveGateway" and len(outgoing.get(target.get("id"), [])) == 1
            ):
                current = target
                continue
            break
    return tasks, list(gateways.values())
