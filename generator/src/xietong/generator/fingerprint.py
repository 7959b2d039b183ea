"""Fingerprints that tell a generated model from one a designer has changed.

Modeler rewrites the whole file when it saves (prefixes, attribute order, whitespace), so a hash
of the bytes would call every opened-and-saved file "edited". Instead each element is hashed in a
canonical form (namespaces resolved, attributes sorted, children order-insensitive, whitespace
ignored, its diagram shape or edge included) and the file's fingerprint is the hash of those
element hashes. The fingerprint is stored in the process as the ``zeebe:property``
``xietong:fingerprint``, which Modeler keeps; the per-element hashes go to a manifest next to the
files so that a refusal can say *which* elements differ.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lxml import etree

from xietong import bpmn_vocabulary as bpmn

FINGERPRINT_PROPERTY = "xietong:fingerprint"
_BPMN = bpmn.BPMN_NS
_BPMNDI = bpmn.BPMNDI_NS
_ZEEBE = bpmn.ZEEBE_NS
_XSI_TYPE = f"{{{bpmn.XSI_NS}}}type"
_DI_TAGS = {f"{{{_BPMNDI}}}BPMNShape", f"{{{_BPMNDI}}}BPMNEdge"}


def _is_fingerprint(el: etree._Element) -> bool:
    return el.tag == f"{{{_ZEEBE}}}property" and el.get("name") == FINGERPRINT_PROPERTY


def _separately_hashed(el: etree._Element) -> bool:
    """Elements with an id of their own (flow nodes, flows, lanes, messages …) get their own hash."""
    if el.get("id") is None or not el.tag.startswith(f"{{{_BPMN}}}"):
        return False
    local = el.tag.split("}", 1)[1]
    return local != "definitions" and not local.endswith(
        ("EventDefinition", "LoopCharacteristics", "Expression")
    )


def _canonical(el: etree._Element) -> str:
    """Canonical text of an element without its id; nested elements with their own hash are left out."""
    attrs = []
    for key, value in sorted(el.attrib.items()):
        if key == "id":
            continue
        if key == _XSI_TYPE and ":" in value:
            prefix, local = value.split(":", 1)
            value = f"{{{el.nsmap.get(prefix, prefix)}}}{local}"
        if key in ("x", "y", "width", "height"):
            value = str(round(float(value)))
        attrs.append(f"{key}={value}")
    children = []
    for child in el:
        if not isinstance(child.tag, str) or _is_fingerprint(child) or _separately_hashed(child):
            continue
        text = _canonical(child)
        if text:
            children.append(text)
    if (
        not attrs
        and not children
        and not (el.text or "").strip()
        and el.tag.startswith((f"{{{_ZEEBE}}}properties", f"{{{_BPMN}}}extensionElements"))
    ):
        return ""  # emptied containers (e.g. only the fingerprint was inside) are no change
    text = (el.text or "").strip()
    return f"<{el.tag}{' ' if attrs else ''}{' '.join(attrs)}>{text}{''.join(sorted(children))}"


def element_hashes(root: etree._Element) -> dict[str, str]:
    """id -> short hash of each semantic element with an id, its diagram element folded in."""
    di: dict[str, str] = {}
    for el in root.iter(*_DI_TAGS):
        ref = el.get("bpmnElement")
        if ref:
            di[ref] = _canonical(el)
    hashes = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.startswith(f"{{{_BPMN}}}"):
            continue
        if not _separately_hashed(el):
            continue
        element_id = el.get("id")
        text = _canonical(el) + "|" + di.get(element_id, "")
        hashes[element_id] = hashlib.sha256(text.encode()).hexdigest()[:12]
    return hashes


def fingerprint_of_hashes(hashes: dict[str, str]) -> str:
    joined = "\n".join(f"{k}={v}" for k, v in sorted(hashes.items()))
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()[:32]


def fingerprint_of(root: etree._Element) -> str:
    return fingerprint_of_hashes(element_hashes(root))


def stored_fingerprint(root: etree._Element) -> str | None:
    for el in root.iter(f"{{{_ZEEBE}}}property"):
        if el.get("name") == FINGERPRINT_PROPERTY:
            return el.get("value")
    return None


@dataclass(frozen=True)
class Changes:
    added: list[str]
    removed: list[str]
    changed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def describe(self) -> str:
        parts = []
        for label, ids in (("changed", self.changed), ("added", self.added), ("removed", self.removed)):
            if ids:
                parts.append(f"{label}: {', '.join(ids)}")
        return "; ".join(parts)


def compare(recorded: dict[str, str], current: dict[str, str]) -> Changes:
    return Changes(
        added=sorted(set(current) - set(recorded)),
        removed=sorted(set(recorded) - set(current)),
        changed=sorted(k for k in set(recorded) & set(current) if recorded[k] != current[k]),
    )
