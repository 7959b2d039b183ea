"""The layout: left to right, inside lanes, orthogonal edges, labels under events and gateways."""

from __future__ import annotations

import itertools

from xietong.generator.layout import layout
from xietong.generator.spec import NodeKind, ProcessSpec


def test_flow_goes_left_to_right(rich_spec: ProcessSpec) -> None:
    diagram = layout(rich_spec)
    for flow in rich_spec.body.flows:
        if flow.source in {b.id for b in rich_spec.body.boundaries}:
            continue
        assert diagram.shapes[flow.target].x > diagram.shapes[flow.source].x, flow.id


def test_nodes_stay_inside_their_lane(rich_spec: ProcessSpec) -> None:
    diagram = layout(rich_spec)
    for node in rich_spec.body.nodes:
        shape, lane = diagram.shapes[node.id], diagram.lanes[node.lane]
        assert lane.y <= shape.y and shape.bottom <= lane.bottom, node.id
        assert lane.x < shape.x and shape.right <= lane.right, node.id


def test_lanes_stack_without_gaps_inside_the_pool(rich_spec: ProcessSpec) -> None:
    diagram = layout(rich_spec)
    lanes = [diagram.lanes[lane.id] for lane in rich_spec.lanes]
    for upper, lower in itertools.pairwise(lanes):
        assert upper.bottom == lower.y
    pool = diagram.participant
    assert pool is not None and lanes[0].y == pool.y and lanes[-1].bottom == pool.bottom


def test_edges_are_orthogonal(rich_spec: ProcessSpec) -> None:
    for flow_id, points in layout(rich_spec).edges.items():
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            assert x1 == x2 or y1 == y2, flow_id


def test_sub_process_contains_its_children(rich_spec: ProcessSpec) -> None:
    diagram = layout(rich_spec)
    sub = diagram.shapes["Sub"]
    sub_node = next(n for n in rich_spec.body.nodes if n.kind is NodeKind.SUB_PROCESS)
    assert sub_node.children is not None
    for child in sub_node.children.nodes:
        shape = diagram.shapes[child.id]
        assert sub.x < shape.x and shape.right < sub.right and sub.y < shape.y and shape.bottom < sub.bottom
    assert "Sub" in diagram.expanded


def test_boundary_events_sit_on_the_bottom_edge_of_their_host(rich_spec: ProcessSpec) -> None:
    diagram = layout(rich_spec)
    host, boundary = diagram.shapes["S_work"], diagram.shapes["S_timer"]
    assert boundary.cy == host.bottom and host.x <= boundary.x and boundary.right <= host.right


def test_long_lane_names_get_tall_enough_lanes(rich_spec: ProcessSpec) -> None:
    from xietong.generator.spec import Lane

    rich_spec.lanes[2] = Lane("collab", "县综合指挥调度中心及其他协同部门和单位")
    diagram = layout(rich_spec)
    assert diagram.lanes["collab"].h >= 19 * 12
