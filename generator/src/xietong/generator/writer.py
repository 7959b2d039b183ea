"""ProcessSpec -> BPMN 2.0 XML in Zeebe 8.8 flavour, with a diagram (DI) for every element.

Written with lxml rather than bpmn-python: bpmn-python is broken on Python 3.11 (networkx's
removed ``Graph.node``), cannot emit extension elements (no ``zeebe:*``), crashes laying out
service tasks and boundary events and has no lanes (measured, see DESIGN.md).
"""

from __future__ import annotations

from lxml import etree

from xietong import bpmn_vocabulary as bpmn
from xietong.generator.bounds import Bounds
from xietong.generator.fingerprint import FINGERPRINT_PROPERTY, fingerprint_of
from xietong.generator.layout import Diagram, layout
from xietong.generator.spec import (
    Boundary,
    BoundaryKind,
    Flow,
    Node,
    NodeKind,
    ProcessBody,
    ProcessSpec,
    Timer,
)

BPMN, BPMNDI, DC, DI = bpmn.BPMN_NS, bpmn.BPMNDI_NS, bpmn.DC_NS, bpmn.DI_NS
ZEEBE, MODELER, XSI = bpmn.ZEEBE_NS, bpmn.MODELER_NS, bpmn.XSI_NS
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "zeebe": ZEEBE, "modeler": MODELER, "xsi": XSI}
EXECUTION_PLATFORM_VERSION = "8.8.0"
EXPORTER = "xietong"
EXPORTER_VERSION = "1"


def _b(tag: str) -> str:
    return f"{{{BPMN}}}{tag}"


def _z(tag: str) -> str:
    return f"{{{ZEEBE}}}{tag}"


_TAGS = {
    NodeKind.START: "startEvent",
    NodeKind.END: "endEvent",
    NodeKind.SERVICE_TASK: "serviceTask",
    NodeKind.USER_TASK: "userTask",
    NodeKind.RECEIVE_TASK: "receiveTask",
    NodeKind.EXCLUSIVE_GATEWAY: "exclusiveGateway",
    NodeKind.PARALLEL_GATEWAY: "parallelGateway",
    NodeKind.MESSAGE_CATCH: "intermediateCatchEvent",
    NodeKind.ESCALATION_THROW: "intermediateThrowEvent",
    NodeKind.NONE_THROW: "intermediateThrowEvent",
    NodeKind.SUB_PROCESS: "subProcess",
}


def _num(value: float) -> str:
    return str(round(value))


class _Writer:
    def __init__(self, spec: ProcessSpec, diagram: Diagram) -> None:
        self.spec = spec
        self.diagram = diagram

    def definitions(self) -> etree._Element:
        spec = self.spec
        root = etree.Element(_b("definitions"), nsmap=NSMAP)
        root.set("id", f"Definitions_{spec.id}")
        root.set("targetNamespace", "http://bpmn.io/schema/bpmn")
        root.set("exporter", EXPORTER)
        root.set("exporterVersion", EXPORTER_VERSION)
        root.set(f"{{{MODELER}}}executionPlatform", "Camunda Cloud")
        root.set(f"{{{MODELER}}}executionPlatformVersion", EXECUTION_PLATFORM_VERSION)
        if spec.lanes:
            collaboration = etree.SubElement(root, _b("collaboration"), id=f"Collaboration_{spec.id}")
            etree.SubElement(
                collaboration,
                _b("participant"),
                id=f"Participant_{spec.id}",
                name=spec.name,
                processRef=spec.id,
            )
        process = etree.SubElement(root, _b("process"), id=spec.id, name=spec.name, isExecutable="true")
        self._documentation(process, spec.documentation)
        if spec.version_tag:
            ext = etree.SubElement(process, _b("extensionElements"))
            etree.SubElement(ext, _z("versionTag"), value=spec.version_tag)
        if spec.lanes:
            lane_set = etree.SubElement(process, _b("laneSet"), id=f"LaneSet_{spec.id}")
            for lane in spec.lanes:
                lane_el = etree.SubElement(lane_set, _b("lane"), id=lane.id, name=lane.name)
                for node in spec.body.nodes:
                    if node.lane == lane.id:
                        etree.SubElement(lane_el, _b("flowNodeRef")).text = node.id
                for boundary in spec.body.boundaries:
                    host = next(n for n in spec.body.nodes if n.id == boundary.attached_to)
                    if host.lane == lane.id:
                        etree.SubElement(lane_el, _b("flowNodeRef")).text = boundary.id
        self._body(process, spec.body)
        for message in spec.messages:
            msg = etree.SubElement(root, _b("message"), id=message.id, name=message.name)
            ext = etree.SubElement(msg, _b("extensionElements"))
            etree.SubElement(ext, _z("subscription"), correlationKey=message.correlation_key)
        for escalation in spec.escalations:
            etree.SubElement(
                root, _b("escalation"), id=escalation.id, name=escalation.name, escalationCode=escalation.code
            )
        self._diagram(root)
        return root

    @staticmethod
    def _documentation(parent: etree._Element, text: str) -> None:
        if text:
            etree.SubElement(parent, _b("documentation")).text = text

    def _body(self, parent: etree._Element, body: ProcessBody) -> None:
        incoming: dict[str, list[str]] = {}
        outgoing: dict[str, list[str]] = {}
        for flow in body.flows:
            outgoing.setdefault(flow.source, []).append(flow.id)
            incoming.setdefault(flow.target, []).append(flow.id)
        for node in body.nodes:
            self._node(parent, node, incoming.get(node.id, []), outgoing.get(node.id, []))
        for boundary in body.boundaries:
            self._boundary(parent, boundary, outgoing.get(boundary.id, []))
        for flow in body.flows:
            self._flow(parent, flow)

    def _node(self, parent: etree._Element, node: Node, incoming: list[str], outgoing: list[str]) -> None:
        el = etree.SubElement(parent, _b(_TAGS[node.kind]), id=node.id)
        if node.name:
            el.set("name", node.name)
        if node.kind is NodeKind.RECEIVE_TASK:
            el.set("messageRef", node.message_ref or "")
        if node.default_flow:
            el.set("default", node.default_flow)
        text = "\n\n".join(t for t in (node.source.render() if node.source else "", node.documentation) if t)
        self._documentation(el, text)
        ext_children: list[etree._Element] = []
        if node.kind is NodeKind.SERVICE_TASK:
            assert node.task_type is not None
            ext_children.append(etree.Element(_z("taskDefinition"), type=node.task_type, retries="3"))
        if node.kind is NodeKind.USER_TASK:
            ext_children.append(etree.Element(_z("userTask")))
            if node.form_id:  # a Camunda form deployed with the model (generator/forms.py)
                ext_children.append(
                    etree.Element(_z("formDefinition"), formId=node.form_id, bindingType="deployment")
                )
            else:  # a spec written without forms (tests, sketches): the task names itself
                ext_children.append(
                    etree.Element(_z("formDefinition"), externalReference=f"xietong:task:{node.id}")
                )
            if node.candidate_groups:
                ext_children.append(
                    etree.Element(_z("assignmentDefinition"), candidateGroups=",".join(node.candidate_groups))
                )
            schedule = {"dueDate": node.due_date, "followUpDate": node.follow_up_date}
            if any(schedule.values()):
                ext_children.append(
                    etree.Element(_z("taskSchedule"), {k: v for k, v in schedule.items() if v})
                )
        if node.inputs or node.outputs:
            mapping = etree.Element(_z("ioMapping"))
            for source, target in node.inputs:
                etree.SubElement(mapping, _z("input"), source=source, target=target)
            for source, target in node.outputs:
                etree.SubElement(mapping, _z("output"), source=source, target=target)
            ext_children.append(mapping)
        if node.headers:
            headers = etree.Element(_z("taskHeaders"))
            for key, value in node.headers.items():
                etree.SubElement(headers, _z("header"), key=key, value=value)
            ext_children.append(headers)
        if ext_children:
            ext = etree.SubElement(el, _b("extensionElements"))
            ext.extend(ext_children)
        for flow_id in incoming:
            etree.SubElement(el, _b("incoming")).text = flow_id
        for flow_id in outgoing:
            etree.SubElement(el, _b("outgoing")).text = flow_id
        if node.kind is NodeKind.MESSAGE_CATCH or (node.kind is NodeKind.START and node.message_ref):
            etree.SubElement(
                el, _b("messageEventDefinition"), id=f"{node.id}_def", messageRef=node.message_ref
            )
        if node.kind is NodeKind.START and node.timer is not None:
            self._timer(el, f"{node.id}_def", node.timer)
        if node.kind is NodeKind.ESCALATION_THROW:
            etree.SubElement(
                el, _b("escalationEventDefinition"), id=f"{node.id}_def", escalationRef=node.escalation_ref
            )
        if node.multi_instance is not None:
            mi = node.multi_instance
            loop = etree.SubElement(el, _b("multiInstanceLoopCharacteristics"))
            ext = etree.SubElement(loop, _b("extensionElements"))
            attrs = {"inputCollection": mi.input_collection, "inputElement": mi.input_element}
            if mi.output_collection:
                attrs["outputCollection"] = mi.output_collection
            if mi.output_element:
                attrs["outputElement"] = mi.output_element
            etree.SubElement(ext, _z("loopCharacteristics"), attrs)
        if node.children is not None:
            self._body(el, node.children)

    def _boundary(self, parent: etree._Element, boundary: Boundary, outgoing: list[str]) -> None:
        el = etree.SubElement(parent, _b("boundaryEvent"), id=boundary.id)
        if boundary.name:
            el.set("name", boundary.name)
        el.set("cancelActivity", "true" if boundary.interrupting else "false")
        el.set("attachedToRef", boundary.attached_to)
        parts = (boundary.source.render() if boundary.source else "", boundary.documentation)
        self._documentation(el, "\n\n".join(t for t in parts if t))
        for flow_id in outgoing:
            etree.SubElement(el, _b("outgoing")).text = flow_id
        definition_id = f"{boundary.id}_def"
        if boundary.kind is BoundaryKind.TIMER:
            assert boundary.timer is not None
            self._timer(el, definition_id, boundary.timer)
        elif boundary.kind is BoundaryKind.ESCALATION:
            etree.SubElement(
                el, _b("escalationEventDefinition"), id=definition_id, escalationRef=boundary.escalation_ref
            )
        else:
            etree.SubElement(
                el, _b("messageEventDefinition"), id=definition_id, messageRef=boundary.message_ref
            )

    @staticmethod
    def _timer(parent: etree._Element, definition_id: str, timer: Timer) -> None:
        definition = etree.SubElement(parent, _b("timerEventDefinition"), id=definition_id)
        for tag, value in (
            ("timeDate", timer.date),
            ("timeDuration", timer.duration),
            ("timeCycle", timer.cycle),
        ):
            if value is not None:
                expression = etree.SubElement(definition, _b(tag))
                expression.set(f"{{{XSI}}}type", "bpmn:tFormalExpression")
                expression.text = value

    def _flow(self, parent: etree._Element, flow: Flow) -> None:
        el = etree.SubElement(parent, _b("sequenceFlow"), id=flow.id)
        if flow.name:
            el.set("name", flow.name)
        el.set("sourceRef", flow.source)
        el.set("targetRef", flow.target)
        if flow.source_ref is not None:
            self._documentation(el, flow.source_ref.render())
        if flow.condition is not None:
            condition = etree.SubElement(el, _b("conditionExpression"))
            condition.set(f"{{{XSI}}}type", "bpmn:tFormalExpression")
            condition.text = flow.condition

    def _diagram(self, root: etree._Element) -> None:
        spec, diagram = self.spec, self.diagram
        di_root = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"BPMNDiagram_{spec.id}")
        plane_ref = f"Collaboration_{spec.id}" if spec.lanes else spec.id
        plane = etree.SubElement(
            di_root, f"{{{BPMNDI}}}BPMNPlane", id=f"BPMNPlane_{spec.id}", bpmnElement=plane_ref
        )
        if diagram.participant is not None:
            self._shape(plane, f"Participant_{spec.id}", diagram.participant, isHorizontal="true")
        for lane in spec.lanes:
            self._shape(plane, lane.id, diagram.lanes[lane.id], isHorizontal="true")
        self._body_di(plane, spec.body)

    def _body_di(self, plane: etree._Element, body: ProcessBody) -> None:
        for node in body.nodes:
            extra: dict[str, str] = {}
            if node.kind is NodeKind.EXCLUSIVE_GATEWAY:
                extra["isMarkerVisible"] = "true"
            if node.id in self.diagram.expanded:
                extra["isExpanded"] = "true"
            self._shape(plane, node.id, self.diagram.shapes[node.id], **extra)
        for boundary in body.boundaries:
            self._shape(plane, boundary.id, self.diagram.shapes[boundary.id])
        for node in body.nodes:
            if node.children is not None:
                self._body_di(plane, node.children)
        for flow in body.flows:
            edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
            for x, y in self.diagram.edges[flow.id]:
                etree.SubElement(edge, f"{{{DI}}}waypoint", x=_num(x), y=_num(y))
            self._label(edge, flow.id)

    def _shape(self, plane: etree._Element, element_id: str, bounds: Bounds, **extra: str) -> None:
        shape = etree.SubElement(
            plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id
        )
        for key, value in extra.items():
            shape.set(key, value)
        self._bounds(shape, bounds)
        self._label(shape, element_id)

    def _label(self, parent: etree._Element, element_id: str) -> None:
        label = self.diagram.labels.get(element_id)
        if label is not None:
            self._bounds(etree.SubElement(parent, f"{{{BPMNDI}}}BPMNLabel"), label)

    @staticmethod
    def _bounds(parent: etree._Element, bounds: Bounds) -> None:
        etree.SubElement(
            parent,
            f"{{{DC}}}Bounds",
            x=_num(bounds.x),
            y=_num(bounds.y),
            width=_num(bounds.w),
            height=_num(bounds.h),
        )


def build_tree(spec: ProcessSpec) -> etree._Element:
    """The definitions element, fingerprinted: the fingerprint covers everything else in the tree."""
    spec.validate()
    root = _Writer(spec, layout(spec)).definitions()
    process = root.find(_b("process"))
    assert process is not None
    fingerprint = fingerprint_of(root)
    ext = process.find(_b("extensionElements"))
    if ext is None:
        ext = etree.Element(_b("extensionElements"))
        doc = process.find(_b("documentation"))
        process.insert(0 if doc is None else 1, ext)
    properties = etree.SubElement(ext, _z("properties"))
    etree.SubElement(properties, _z("property"), name=FINGERPRINT_PROPERTY, value=fingerprint)
    return root


def to_bytes(root: etree._Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, encoding="UTF-8", pretty_print=True
    )


def write_bpmn(spec: ProcessSpec) -> bytes:
    """Deterministic bytes for a spec: same spec, same bytes."""
    return to_bytes(build_tree(spec))
