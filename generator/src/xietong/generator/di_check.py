"""Layout (BPMN DI) checks that no linter makes: what a designer would see as a broken or messy diagram.

bpmnlint's ``no-bpmndi`` only notices elements without any DI and its overlap rule is a warning; a
generated model must be tidy, so these checks are strict: every flow node, lane, participant, boundary
event and flow is drawn, no two flow-node shapes overlap (a boundary event may sit on its host, children
sit inside their expanded sub-process), every node lies inside its lane, and every edge starts at its
source shape and ends at its target shape. Pure Python (lxml), no Node needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Literal

from lxml import etree

from xietong import bpmn_vocabulary as bpmn
from xietong.generator.bounds import Bounds

BPMN, BPMNDI, DC, DI = bpmn.BPMN_NS, bpmn.BPMNDI_NS, bpmn.DC_NS, bpmn.DI_NS
FLOW_NODE_TAGS = bpmn.FLOW_NODES
SUB_PROCESS_TAGS = bpmn.SUB_PROCESSES
EDGE_TAGS = bpmn.EDGES

# Waypoints may sit a pixel or two off a shape's border (rounding in layouts and in Modeler itself).
EDGE_TOLERANCE = 2.0


@dataclass(frozen=True)
class DiProblem:
    """One layout problem, naming the BPMN element it concerns. Errors make a diagram wrong or unusable
    in Modeler; warnings make it untidy (a flow drawn through a shape, a diagonal flow, a covered label)."""

    element_id: str
    rule: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.element_id}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class _Node:
    id: str
    tag: str
    parent_id: str | None  # enclosing sub-process, None at process level
    attached_to: str | None  # host of a boundary event


def find_di_problems(xml: bytes) -> list[str]:
    """Layout errors of one BPMN document, as readable lines naming the element id (empty if sound)."""
    return [str(p) for p in di_problems(xml) if p.severity == "error"]


def find_layout_warnings(xml: bytes, *, strict: bool = False) -> list[str]:
    """Untidy but valid layout: flows through shapes or on top of each other, diagonal flows, labels
    covering shapes or labels or sticking out of their pool, and (with ``strict``) flows through labels."""
    problems = di_problems(xml, strict=strict)
    return [str(p) for p in problems if p.severity == "warning"]


def di_problems(xml: bytes, *, strict: bool = False) -> list[DiProblem]:
    """Layout errors and warnings of one BPMN document with element id and rule name.

    ``strict`` adds ``di-edge-crosses-label``: opt-in until the generator's committed layout is clean of it
    (then it becomes the default)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(xml, parser)
    nodes = dict(_flow_nodes(root))
    shapes, shape_planes = _shapes(root)
    edges = _edges(root)
    problems: list[DiProblem] = []
    problems += _missing(root, nodes, shapes, edges)
    problems += _overlaps(nodes, shapes, shape_planes)
    problems += _boundary_placement(nodes, shapes)
    problems += _containment(root, nodes, shapes, shape_planes)
    problems += _edge_ends(root, shapes, edges)
    problems += _edge_shapes(root, nodes, shapes, shape_planes, edges)
    problems += _labels(root, nodes, shapes, shape_planes)
    problems += _shared_segments(root, edges)
    problems += _labels_outside_pool(root, shapes)
    if strict:
        problems += _edges_through_labels(root, edges)
    return problems


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _bpmn_children(el: etree._Element) -> Iterator[etree._Element]:
    for child in el:
        if isinstance(child.tag, str) and etree.QName(child).namespace == BPMN:
            yield child


def _flow_nodes(root: etree._Element) -> Iterator[tuple[str, _Node]]:
    def walk(container: etree._Element, parent_id: str | None) -> Iterator[tuple[str, _Node]]:
        for el in _bpmn_children(container):
            tag = _local(el)
            if tag in FLOW_NODE_TAGS and el.get("id"):
                yield el.get("id"), _Node(el.get("id"), tag, parent_id, el.get("attachedToRef"))
                if tag in SUB_PROCESS_TAGS:
                    yield from walk(el, el.get("id"))

    for process in root.iter(f"{{{BPMN}}}process"):
        yield from walk(process, None)


def _bounds(shape: etree._Element) -> Bounds | None:
    b = shape.find(f"{{{DC}}}Bounds")
    if b is None:
        return None
    try:
        return Bounds(float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))
    except (TypeError, ValueError):
        return None


def _shapes(root: etree._Element) -> tuple[dict[str, Bounds], dict[str, str]]:
    shapes: dict[str, Bounds] = {}
    planes: dict[str, str] = {}
    for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane"):
        for shape in plane.iter(f"{{{BPMNDI}}}BPMNShape"):
            ref = shape.get("bpmnElement")
            bounds = _bounds(shape)
            if ref and bounds is not None:
                shapes[ref] = bounds
                planes[ref] = plane.get("bpmnElement") or plane.get("id") or ""
    return shapes, planes


def _edges(root: etree._Element) -> dict[str, list[tuple[float, float]]]:
    edges: dict[str, list[tuple[float, float]]] = {}
    for edge in root.iter(f"{{{BPMNDI}}}BPMNEdge"):
        ref = edge.get("bpmnElement")
        if not ref:
            continue
        points = []
        for wp in edge.findall(f"{{{DI}}}waypoint"):
            try:
                points.append((float(wp.get("x")), float(wp.get("y"))))
            except (TypeError, ValueError):
                continue
        edges[ref] = points
    return edges


def _missing(
    root: etree._Element,
    nodes: dict[str, _Node],
    shapes: dict[str, Bounds],
    edges: dict[str, list[tuple[float, float]]],
) -> list[DiProblem]:
    problems = [
        DiProblem(node.id, "di-missing-shape", f"<{node.tag}> has no BPMNShape")
        for node in nodes.values()
        if node.id not in shapes
    ]
    for tag in ("lane", "participant"):
        for el in root.iter(f"{{{BPMN}}}{tag}"):
            if el.get("id") not in shapes:
                problems.append(DiProblem(el.get("id"), "di-missing-shape", f"<{tag}> has no BPMNShape"))
    for tag in sorted(EDGE_TAGS):
        for el in root.iter(f"{{{BPMN}}}{tag}"):
            fid = el.get("id")
            if fid not in edges:
                problems.append(DiProblem(fid, "di-missing-edge", f"<{tag}> has no BPMNEdge"))
            elif len(edges[fid]) < 2:
                problems.append(DiProblem(fid, "di-missing-edge", "BPMNEdge has fewer than 2 waypoints"))
    return problems


def _ancestors(node_id: str, nodes: dict[str, _Node]) -> set[str]:
    out: set[str] = set()
    cur = nodes[node_id].parent_id
    while cur is not None and cur not in out:
        out.add(cur)
        cur = nodes[cur].parent_id if cur in nodes else None
    return out


def _may_overlap(a: _Node, b: _Node, nodes: dict[str, _Node]) -> bool:
    if a.attached_to == b.id or b.attached_to == a.id:
        return True  # a boundary event sits on its host's border
    return a.id in _ancestors(b.id, nodes) or b.id in _ancestors(a.id, nodes)


def _overlaps(nodes: dict[str, _Node], shapes: dict[str, Bounds], planes: dict[str, str]) -> list[DiProblem]:
    drawn = sorted((n for n in nodes.values() if n.id in shapes), key=lambda n: n.id)
    problems = []
    for a, b in combinations(drawn, 2):
        if planes.get(a.id) != planes.get(b.id) or _may_overlap(a, b, nodes):
            continue
        if shapes[a.id].overlaps(shapes[b.id]):
            problems.append(
                DiProblem(a.id, "di-overlap", f"shape {shapes[a.id]} overlaps {b.id} {shapes[b.id]}")
            )
    return problems


def _boundary_placement(nodes: dict[str, _Node], shapes: dict[str, Bounds]) -> list[DiProblem]:
    """A boundary event's centre must lie on its host's border, or Modeler detaches it on the first move."""
    problems = []
    for node in nodes.values():
        if node.tag != "boundaryEvent" or node.id not in shapes:
            continue
        host = shapes.get(node.attached_to or "")
        if host is None:
            continue
        cx, cy = shapes[node.id].center
        tol = EDGE_TOLERANCE
        on_vertical = (abs(cx - host.x) <= tol or abs(cx - host.right) <= tol) and (
            host.y - tol <= cy <= host.bottom + tol
        )
        on_horizontal = (abs(cy - host.y) <= tol or abs(cy - host.bottom) <= tol) and (
            host.x - tol <= cx <= host.right + tol
        )
        if not (on_vertical or on_horizontal):
            problems.append(
                DiProblem(
                    node.id,
                    "di-boundary-off-host",
                    f"centre ({cx:g},{cy:g}) is not on the border of its host {node.attached_to} {host}",
                )
            )
    return problems


def _containment(
    root: etree._Element, nodes: dict[str, _Node], shapes: dict[str, Bounds], planes: dict[str, str]
) -> list[DiProblem]:
    """Nodes are drawn inside their lane and inside their expanded sub-process (same plane only)."""
    problems = []
    for lane in root.iter(f"{{{BPMN}}}lane"):
        lane_bounds = shapes.get(lane.get("id"))
        if lane_bounds is None:
            continue
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            node_id = (ref.text or "").strip()
            if node_id in shapes and not lane_bounds.contains_point(*shapes[node_id].center):
                where = f"drawn outside its lane {lane.get('id')} {lane_bounds}"
                problems.append(DiProblem(node_id, "di-outside-lane", where))
    for node in nodes.values():
        parent = node.parent_id
        if parent is None or node.id not in shapes or parent not in shapes:
            continue
        # a collapsed sub-process draws its children on a plane of their own, far from its small shape
        if planes.get(node.id) != planes.get(parent):
            continue
        parent_bounds = shapes[parent]
        if not parent_bounds.contains_point(*shapes[node.id].center):
            problems.append(
                DiProblem(node.id, "di-outside-sub-process", f"drawn outside its sub-process {parent}")
            )
    return problems


def _edge_ends(
    root: etree._Element, shapes: dict[str, Bounds], edges: dict[str, list[tuple[float, float]]]
) -> list[DiProblem]:
    problems = []
    for tag in sorted(EDGE_TAGS):
        for flow in root.iter(f"{{{BPMN}}}{tag}"):
            points = edges.get(flow.get("id"), [])
            if len(points) < 2:
                continue
            for end, ref, point in (
                ("starts", flow.get("sourceRef"), points[0]),
                ("ends", flow.get("targetRef"), points[-1]),
            ):
                shape = shapes.get(ref or "")
                if shape is not None and not shape.contains_point(*point, tolerance=EDGE_TOLERANCE):
                    problems.append(
                        DiProblem(
                            flow.get("id"),
                            "di-edge-detached",
                            f"{end} at ({point[0]:g},{point[1]:g}), away from {ref} {shape}",
                        )
                    )
    return problems


def _segment_hits_interior(a: tuple[float, float], b: tuple[float, float], box: Bounds) -> bool:
    """Liang-Barsky clip of segment a-b against the box shrunk by the edge tolerance: True if they meet."""
    x0, y0 = box.x + EDGE_TOLERANCE, box.y + EDGE_TOLERANCE
    x1, y1 = box.right - EDGE_TOLERANCE, box.bottom - EDGE_TOLERANCE
    if x0 >= x1 or y0 >= y1:
        return False
    dx, dy = b[0] - a[0], b[1] - a[1]
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def _exempt_for_flow(flow: etree._Element, nodes: dict[str, _Node]) -> set[str]:
    """Shapes a flow may legitimately touch: its ends, their hosts and the sub-processes enclosing them."""
    exempt: set[str] = set()
    for ref in (flow.get("sourceRef"), flow.get("targetRef")):
        if not ref:
            continue
        exempt.add(ref)
        if ref in nodes:
            exempt |= _ancestors(ref, nodes)
            host = nodes[ref].attached_to
            if host:
                exempt.add(host)
    for node in nodes.values():  # boundary events on either end's border
        if node.attached_to in exempt:
            exempt.add(node.id)
    return exempt


def _edge_shapes(
    root: etree._Element,
    nodes: dict[str, _Node],
    shapes: dict[str, Bounds],
    planes: dict[str, str],
    edges: dict[str, list[tuple[float, float]]],
) -> list[DiProblem]:
    """Edges drawn orthogonally and not through other flow nodes (the layered layout promises both)."""
    problems = []
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        fid = flow.get("id")
        points = edges.get(fid, [])
        if len(points) < 2:
            continue
        diagonal = [(a, b) for a, b in pairwise(points) if abs(a[0] - b[0]) > 0.5 and abs(a[1] - b[1]) > 0.5]
        if diagonal:
            (ax, ay), (bx, by) = diagonal[0]
            problems.append(
                DiProblem(
                    fid,
                    "di-edge-not-orthogonal",
                    f"segment ({ax:g},{ay:g})-({bx:g},{by:g}) is diagonal",
                    "warning",
                )
            )
        plane = planes.get(flow.get("sourceRef") or "")
        exempt = _exempt_for_flow(flow, nodes)
        crossed = sorted(
            node_id
            for node_id in nodes
            if node_id not in exempt
            and node_id in shapes
            and planes.get(node_id) == plane
            and any(_segment_hits_interior(a, b, shapes[node_id]) for a, b in pairwise(points))
        )
        for node_id in crossed:
            problems.append(DiProblem(fid, "di-edge-crosses-shape", f"drawn through {node_id}", "warning"))
    return problems


def _enclosing_sub_processes(root: etree._Element) -> dict[str, set[str]]:
    """Element id (flow node or flow) -> ids of the sub-processes it is nested in."""
    enclosing: dict[str, set[str]] = {}
    for tag in SUB_PROCESS_TAGS:
        for sub in root.iter(f"{{{BPMN}}}{tag}"):
            for el in sub.iterdescendants():
                if isinstance(el.tag, str) and el.get("id"):
                    enclosing.setdefault(el.get("id"), set()).add(sub.get("id"))
    return enclosing


def _label_bounds(root: etree._Element) -> dict[str, tuple[Bounds, str]]:
    labels: dict[str, tuple[Bounds, str]] = {}
    for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane"):
        plane_id = plane.get("bpmnElement") or plane.get("id") or ""
        for tag in ("BPMNShape", "BPMNEdge"):
            for di in plane.iter(f"{{{BPMNDI}}}{tag}"):
                label = di.find(f"{{{BPMNDI}}}BPMNLabel")
                ref = di.get("bpmnElement")
                bounds = _bounds(label) if label is not None else None
                if ref and bounds is not None:
                    labels[ref] = (bounds, plane_id)
    return labels


def _labels(
    root: etree._Element, nodes: dict[str, _Node], shapes: dict[str, Bounds], planes: dict[str, str]
) -> list[DiProblem]:
    """External labels (events, gateways, flows) must not cover a flow node or another label."""
    labels = _label_bounds(root)
    enclosing = _enclosing_sub_processes(root)
    problems = []
    for owner, (bounds, plane) in sorted(labels.items()):
        containers = enclosing.get(owner, set())
        for node_id in sorted(nodes):
            if node_id in containers or node_id not in shapes or planes.get(node_id) != plane:
                continue
            if bounds.overlaps(shapes[node_id]):
                message = f"label {bounds} covers {node_id} {shapes[node_id]}"
                problems.append(DiProblem(owner, "di-label-overlap", message, "warning"))
    for (a, (ba, pa)), (b, (bb, pb)) in combinations(sorted(labels.items()), 2):
        if pa == pb and ba.overlaps(bb):
            problems.append(
                DiProblem(a, "di-label-overlap", f"label {ba} covers the label of {b} {bb}", "warning")
            )
    return problems


def _edges_through_labels(
    root: etree._Element, edges: dict[str, list[tuple[float, float]]]
) -> list[DiProblem]:
    """A flow drawn through another element's label strikes the text out (a gateway's question, a flow's
    outcome): only its own label may touch it."""
    labels = _label_bounds(root)
    flow_planes = {}
    for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane"):
        plane_id = plane.get("bpmnElement") or plane.get("id") or ""
        for edge in plane.iter(f"{{{BPMNDI}}}BPMNEdge"):
            flow_planes[edge.get("bpmnElement")] = plane_id
    problems = []
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        fid = flow.get("id")
        points = edges.get(fid, [])
        for owner, (bounds, plane) in sorted(labels.items()):
            if owner == fid or plane != flow_planes.get(fid):
                continue
            if any(_segment_hits_interior(a, b, bounds) for a, b in pairwise(points)):
                problems.append(
                    DiProblem(
                        fid,
                        "di-edge-crosses-label",
                        f"drawn through the label of {owner} {bounds}",
                        "warning",
                    )
                )
    return problems


# Two collinear segments sharing more than this many units read as one line.
SHARED_SEGMENT_MIN = 10.0


def _collinear_overlap(
    a: tuple[tuple[float, float], tuple[float, float]], b: tuple[tuple[float, float], tuple[float, float]]
) -> float:
    """Length shared by two axis-parallel segments lying on the same line (0 if none)."""
    (ax0, ay0), (ax1, ay1) = a
    (bx0, by0), (bx1, by1) = b
    tol = 0.5
    if abs(ay0 - ay1) <= tol and abs(by0 - by1) <= tol and abs(ay0 - by0) <= tol:  # both horizontal
        lo, hi = max(min(ax0, ax1), min(bx0, bx1)), min(max(ax0, ax1), max(bx0, bx1))
        return max(0.0, hi - lo)
    if abs(ax0 - ax1) <= tol and abs(bx0 - bx1) <= tol and abs(ax0 - bx0) <= tol:  # both vertical
        lo, hi = max(min(ay0, ay1), min(by0, by1)), min(max(ay0, ay1), max(by0, by1))
        return max(0.0, hi - lo)
    return 0.0


def _shared_segments(root: etree._Element, edges: dict[str, list[tuple[float, float]]]) -> list[DiProblem]:
    """Two flows drawn on top of each other read as one; only flows that share their source (a split) or their
    target (a merge) may run together."""
    flows = [
        (f.get("id"), f.get("sourceRef"), f.get("targetRef"), list(pairwise(edges.get(f.get("id"), []))))
        for f in root.iter(f"{{{BPMN}}}sequenceFlow")
    ]
    problems = []
    for (ida, sa, ta, segs_a), (idb, sb, tb, segs_b) in combinations(sorted(flows), 2):
        if sa == sb or ta == tb:
            continue
        shared = max((_collinear_overlap(x, y) for x in segs_a for y in segs_b), default=0.0)
        if shared > SHARED_SEGMENT_MIN:
            problems.append(
                DiProblem(ida, "di-edges-overlap", f"runs on top of {idb} for {shared:g} units", "warning")
            )
    return problems


def _labels_outside_pool(root: etree._Element, shapes: dict[str, Bounds]) -> list[DiProblem]:
    """A label sticking out of its pool is cut by the pool's border line (and by the next pool)."""
    labels = _label_bounds(root)
    problems = []
    for participant in root.iter(f"{{{BPMN}}}participant"):
        pool = shapes.get(participant.get("id"))
        process = root.find(f"{{{BPMN}}}process[@id='{participant.get('processRef')}']")
        if pool is None or process is None:
            continue
        for el in process.iter():
            owner = el.get("id") if isinstance(el.tag, str) else None
            if owner not in labels:
                continue
            bounds = labels[owner][0]
            inside = pool.contains_point(bounds.x, bounds.y, EDGE_TOLERANCE) and pool.contains_point(
                bounds.right, bounds.bottom, EDGE_TOLERANCE
            )
            if not inside:
                message = f"label {bounds} sticks out of pool {participant.get('id')} {pool}"
                problems.append(DiProblem(owner, "di-label-outside-pool", message, "warning"))
    return problems
