"""What a page needs to know from a process's BPMN XML (fetched through REST v2's ``/xml``).

For a user task: its name, the source document's clause it came from (the task's documentation)
and the outcomes the next exclusive gateway decides on — the codes in its flows' conditions
(``=outcome = "passed"``) with their Chinese labels from the gateway's documentation
(``结果（变量 outcome）：passed＝符合…；failed＝不符合…``). Those outcomes are what a clerk chooses from
until a form exists for the task: never free text, so no case can take a branch that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from xietong.bpmn_vocabulary import BPMN_NS as BPMN

_NS = {"bpmn": BPMN}
_CONDITION = re.compile(r'^\s*=?\s*([A-Za-z_][\w]*)\s*=\s*"([^"]*)"\s*$')
_LABELS = re.compile(r"结果（变量\s*([A-Za-z_]\w*)）：(.+)")


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str


@dataclass(frozen=True)
class Decision:
    variable: str
    outcomes: tuple[Outcome, ...]
    gateway_name: str = ""


@dataclass(frozen=True)
class Step:
    element_id: str
    name: str
    documentation: str
    decision: Decision | None = None


@dataclass
class ProcessModel:
    process_id: str
    name: str
    steps: dict[str, Step] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # every element id -> its name
    # an unnamed gateway by what it does: 汇合 (several flows in) or 分支 (several out), as a page shows it
    gateway_roles: dict[str, str] = field(default_factory=dict)


def _documentation(node: etree._Element) -> str:
    doc = node.find("bpmn:documentation", _NS)
    return (doc.text or "").strip() if doc is not None else ""


def _labels(documentation: str) -> tuple[str, dict[str, str]]:
    for line in documentation.splitlines():
        match = _LABELS.search(line)
        if match:
            labels = {}
            for part in re.split(r"[；;]", match.group(2)):
                code, sep, label = part.partition("＝")
                if not sep:
                    code, sep, label = part.partition("=")
                if sep:
                    labels[code.strip()] = label.strip()
            return match.group(1), labels
    return "", {}


def read_model(xml: str | bytes) -> ProcessModel:
    """Parse once per process version; unknown shapes give steps without a decision, never an error."""
    data = xml.encode() if isinstance(xml, str) else xml
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    process = root.find("bpmn:process", _NS)
    model = ProcessModel(
        process_id=process.get("id", "") if process is not None else "",
        name=process.get("name", "") if process is not None else "",
    )
    by_id: dict[str, etree._Element] = {}
    outgoing: dict[str, list[etree._Element]] = {}
    incoming: dict[str, int] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.get("id"):
            continue
        by_id[node.get("id")] = node
        if etree.QName(node).localname == "sequenceFlow":
            outgoing.setdefault(node.get("sourceRef", ""), []).append(node)
            incoming[node.get("targetRef", "")] = incoming.get(node.get("targetRef", ""), 0) + 1
        if node.get("name"):
            model.names[node.get("id")] = node.get("name")
    for element_id, node in by_id.items():
        if etree.QName(node).localname.endswith("Gateway") and element_id not in model.names:
            if incoming.get(element_id, 0) > 1:
                model.gateway_roles[element_id] = "汇合"
            elif len(outgoing.get(element_id, [])) > 1:
                model.gateway_roles[element_id] = "分支"
    for element_id, node in by_id.items():
        if etree.QName(node).localname != "userTask":
            continue
        decision = None
        for flow in outgoing.get(element_id, []):
            target = by_id.get(flow.get("targetRef", ""))
            if target is not None and etree.QName(target).localname == "exclusiveGateway":
                decision = _decision(target, outgoing.get(target.get("id"), []))
                break
        model.steps[element_id] = Step(
            element_id, node.get("name") or element_id, _documentation(node), decision
        )
    return model


def _decision(gateway: etree._Element, flows: list[etree._Element]) -> Decision | None:
    variable, labels = _labels(_documentation(gateway))
    codes: list[str] = []
    for flow in flows:
        condition = flow.find("bpmn:conditionExpression", _NS)
        match = _CONDITION.match(condition.text or "") if condition is not None else None
        if match is None:
            continue
        if not variable:
            variable = match.group(1)
        if match.group(1) == variable and match.group(2) not in codes:
            codes.append(match.group(2))
    if not variable or not codes:
        return None
    return Decision(
        variable,
        tuple(Outcome(code, labels.get(code, code)) for code in codes),
        gateway.get("name", ""),
    )
