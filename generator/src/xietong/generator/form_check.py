"""``xietong bpmn check`` for forms: a designer who edits a gateway's conditions (or a form) in Modeler
learns before deploying that the task's form no longer offers exactly the codes the gateway tests.

For every user task linking a form by deployment (``formId`` without FEEL): the form must be in
``forms/`` beside the model and carry that id; when the task's completion reaches an exclusive
gateway whose conditions test ``=<variable> = "<code>"`` (through merges and sub-process ends), the
form must offer exactly those codes for that variable, as a required choice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lxml import etree

from xietong.bpmn_vocabulary import BPMN_NS as _B
from xietong.bpmn_vocabulary import ZEEBE_NS as _Z
from xietong.generator.forms import FORMS_DIR
from xietong.generator.lint import Finding

_CONDITION = re.compile(r'^=\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"\\]*)"\s*$')


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _gateway_codes(root: etree._Element) -> dict[str, dict[str, set[str]]]:
    codes: dict[str, dict[str, set[str]]] = {}
    flows = {f.get("id"): f for f in root.iter(f"{{{_B}}}sequenceFlow")}
    for gateway in root.iter(f"{{{_B}}}exclusiveGateway"):
        tested: dict[str, set[str]] = {}
        for out in gateway.findall(f"{{{_B}}}outgoing"):
            condition = flows.get((out.text or "").strip())
            expression = condition.find(f"{{{_B}}}conditionExpression") if condition is not None else None
            match = _CONDITION.match((expression.text or "").strip()) if expression is not None else None
            if match:
                tested.setdefault(match.group(1), set()).add(match.group(2))
        if tested:
            codes[gateway.get("id")] = tested
    return codes


def _decision_reached(task: etree._Element, by_id: dict, outgoing: dict, gateways: dict) -> str | None:
    current, seen = task, set()
    while current is not None and current.get("id") not in seen:
        seen.add(current.get("id"))
        flows = outgoing.get(current.get("id"), [])
        if not flows and _local(current) == "endEvent":
            parent = current.getparent()
            current = parent if parent is not None and _local(parent) == "subProcess" else None
            continue
        if len(flows) != 1:
            return None
        target = by_id.get(flows[0].get("targetRef"))
        if target is None:
            return None
        if target.get("id") in gateways:
            return target.get("id")
        merge = _local(target) == "exclusiveGateway" and len(outgoing.get(target.get("id"), [])) == 1
        if _local(target) != "endEvent" and not merge:
            return None
        current = target
    return None


def check_form_links(path: Path, root: etree._Element) -> list[Finding]:
    findings: list[Finding] = []
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in root.iter(f"{{{_B}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    gateways = _gateway_codes(root)
    for task in root.iter(f"{{{_B}}}userTask"):
        definition = task.find(f"{{{_B}}}extensionElements/{{{_Z}}}formDefinition")
        form_id = definition.get("formId") if definition is not None else None
        if not form_id or form_id.startswith("=") or definition.get("bindingType") != "deployment":
            continue
        task_id = task.get("id")
        form_path = path.parent / FORMS_DIR / f"{form_id}.form"
        try:
            schema = json.loads(form_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            findings.append(
                Finding(
                    path,
                    task_id,
                    "xietong/form-missing",
                    f"its form {form_id} cannot be read: {exc}",
                    "error",
                )
            )
            continue
        if not isinstance(schema, dict) or schema.get("id") != form_id:
            found = schema.get("id") if isinstance(schema, dict) else None
            findings.append(
                Finding(
                    path,
                    task_id,
                    "xietong/form-id",
                    f"{form_path.name} has the id {found!r}, not {form_id}",
                    "error",
                )
            )
            continue
        gateway = _decision_reached(task, by_id, outgoing, gateways)
        if gateway is None:
            continue
        offered = {
            c.get("key"): {v.get("value") for v in c.get("values") or []}
            for c in schema.get("components") or []
            if isinstance(c, dict) and c.get("type") in ("radio", "select")
        }
        required = {
            c.get("key")
            for c in schema.get("components") or []
            if isinstance(c, dict) and (c.get("validate") or {}).get("required")
        }
        for variable, codes in gateways[gateway].items():
            choices = offered.get(variable, set())
            if choices != codes:
                findings.append(
                    Finding(
                        path,
                        task_id,
                        "xietong/form-choices",
                        f"{gateway} tests {variable} for {', '.join(sorted(codes))} but its form {form_id} "
                        f"offers {', '.join(sorted(c for c in choices if c)) or 'nothing'}",
                        "error",
                    )
                )
            elif variable not in required:
                findings.append(
                    Finding(
                        path,
                        task_id,
                        "xietong/form-choices",
                        f"{form_id}: the choice {variable} is optional",
                        "error",
                    )
                )
    return findings
