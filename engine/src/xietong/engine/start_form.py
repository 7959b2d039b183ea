"""Which form a process asks for when it is started: the formId of its none start event's
``zeebe:formDefinition``, read from the deployed XML.

The engine itself never renders a start form (a case is started by a client that brings its
variables), so the model does not keep it; the REST API's start form and a definition's
``hasStartForm`` read it here, from the XML the definition was deployed from.
"""

from __future__ import annotations

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"


def start_form_id(xml: str, process_id: str) -> str | None:
    """The formId process ``process_id``'s none start event links, if any (the XML was checked when
    it was deployed; entities and the network stay off all the same)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    for process in root.iterfind(f"{{{BPMN}}}process"):
        if process.get("id") != process_id:
            continue
        for start in process.iterfind(f"{{{BPMN}}}startEvent"):
            if any(isinstance(child.tag, str) and child.tag.endswith("EventDefinition") for child in start):
                continue
            for definition in start.iterfind(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}formDefinition"):
                form_id = (definition.get("formId") or "").strip()
                if form_id:
                    return form_id
    return None
