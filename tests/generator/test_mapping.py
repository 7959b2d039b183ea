"""Catalog procedure -> ProcessSpec: every catalog construct becomes its documented BPMN construct."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from xietong.catalog.model import Procedure, validate_plain
from xietong.generator.check import check_contract
from xietong.generator.di_check import find_di_problems
from xietong.generator.mapping import JointItem, MappingError, MappingInput, procedure_to_spec
from xietong.generator.spec import BoundaryKind, Node, NodeKind, ProcessSpec
from xietong.generator.writer import write_bpmn

SRC = {"document": "003_3683dd0429a6386d.txt", "line_start": 60, "line_end": 61}
WORKING_3 = {
    "amount": 3,
    "unit": "working_days",
    "origin": "text",
    "quote": "应在3个工作日内移送",
    "source": SRC,
    "urgent_variant": {
        "amount": 24,
        "unit": "hours",
        "origin": "text",
        "quote": "在24小时内移送",
        "source": SRC,
    },
    "urgent_condition": "情况紧急的",
}
HOURS_2 = {"amount": 2, "unit": "hours", "origin": "policy", "policy": "immediately"}

PROCEDURE = {
    "actors": [
        {"id": "town", "label": "属地镇（街道）", "role": "territorial_town"},
        {"id": "lead", "label": "牵头部门", "role": "lead_department"},
        {"id": "collab", "label": "配合单位", "role": "collaborating_units"},
        {"id": "centre", "label": "指挥中心", "department": "综合指挥调度中心"},
        {"id": "city", "label": "市级指挥协调机制", "department": "市级指挥协调机制"},
    ],
    "entries": [
        {"id": "found", "name": "巡查发现", "to": "register"},
        {"id": "reported", "name": "群众举报", "to": "register"},
        {
            "id": "hotline",
            "name": "12345 转办",
            "to": "register",
            "trigger": "message",
            "message": "hotline_case",
        },
        {
            "id": "yearly",
            "name": "年度检查",
            "to": "joint",
            "trigger": "timer",
            "recurrence": {"every": 1, "period": "year", "iso8601": "R/P1Y"},
        },
    ],
    "steps": [
        {
            "id": "register",
            "kind": "intake",
            "name": "登记",
            "actor": "town",
            "human": False,
            "next": [{"to": "triage"}],
        },
        {
            "id": "triage",
            "kind": "triage",
            "name": "镇研判",
            "actor": "town",
            "human": False,
            "decision": {
                "question": "能否自行处置",
                "outcomes": [
                    {"code": "local", "label": "可自行处置"},
                    {"code": "report", "label": "需部门处理"},
                ],
            },
            "next": [
                {"to": "END", "outcome": "local", "label": "快速处置完毕"},
                {"to": "transfer", "outcome": "report"},
            ],
        },
        {
            "id": "transfer",
            "kind": "transfer",
            "name": "移送牵头部门",
            "actor": "town",
            "human": False,
            "deadline": WORKING_3,
            "escalation": {"chain": ["centre", "city"]},
            "next": [{"to": "handle"}],
            "source": SRC,
            "quote": "应在3个工作日内移送；情况紧急的，在24小时内移送。",
        },
        {
            "id": "handle",
            "kind": "onsite_handling",
            "name": "牵头部门处置",
            "actor": "lead",
            "deadline": HOURS_2,
            "escalation": {"chain": ["centre"], "interrupting": True},
            "next": [{"to": "joint"}, {"to": "notify"}],
        },
        {
            "id": "notify",
            "kind": "notify",
            "name": "通报指挥中心",
            "actor": "lead",
            "human": False,
            "next": [{"to": "feedback"}],
        },
        {
            "id": "joint",
            "kind": "joint_enforcement",
            "name": "配合单位联合执法",
            "actor": "collab",
            "multi_instance_over_collaborators": True,
            "next": [{"to": "feedback"}],
        },
        {
            "id": "feedback",
            "kind": "feedback",
            "name": "等待处理结果",
            "actor": "lead",
            "join": "all",
            "awaits_message": {"name": "case_result", "correlation": "caseId"},
            "deadline": {
                "amount": 5,
                "unit": "calendar_days",
                "origin": "text",
                "quote": "5日内",
                "source": SRC,
            },
            "next": [{"to": "END", "label": "结案"}],
        },
    ],
}


def _spec(**overrides: object) -> ProcessSpec:
    data = MappingInput(
        process_id="mech_x",
        name="测试机制",
        jurisdiction="wuyi",
        procedure=validate_plain(Procedure, PROCEDURE),
        source=None,
        lead=["县综合行政执法局"],
        collaborators=["县市场监管局", "县公安局"],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return procedure_to_spec(data)


def _all_nodes(spec: ProcessSpec) -> dict[str, Node]:
    found: dict[str, Node] = {}
    stack = [spec.body]
    while stack:
        body = stack.pop()
        for node in body.nodes:
            found[node.id] = node
            if node.children is not None:
                stack.append(node.children)
    return found


def test_automated_steps_get_task_types_and_headers() -> None:
    nodes = _all_nodes(_spec())
    assert nodes["register"].task_type == "xietong.register"
    assert nodes["triage"].task_type == "xietong.triage"
    assert nodes["triage"].headers == {
        "mechanismId": "mech_x",
        "stepId": "triage",
        "department": "=actingDepartment",
        "options": "local,report",
        "resultVariable": "outcome",
    }
    assert ("=caseId", "caseId") in nodes["triage"].inputs
    # headers are static: a role body is computed into a local variable the header refers to
    assert ('=if (town) != null then (town) else "属地镇（街道）"', "actingDepartment") in nodes[
        "triage"
    ].inputs


def test_decision_becomes_gateway_with_feel_conditions() -> None:
    spec = _spec()
    flows = {f.id: f for f in spec.body.flows}
    assert flows["Flow_triage_decision_local"].condition == '=outcome = "local"'
    assert flows["Flow_triage_decision_report"].target == "transfer_scope"
    assert flows["Flow_triage_decision_local"].target == "case_close"  # every end passes 结案归档
    assert flows["Flow_triage_decision_local"].name == "可自行处置"
    archive = _all_nodes(spec)["case_archive"]
    assert archive.task_type == "xietong.archive" and ("=caseId", "caseId") in archive.inputs
    assert {f.source for f in spec.body.flows if f.target == "case_close"} == {"triage_decision", "feedback"}


def test_several_blank_entries_become_one_start_and_a_route() -> None:
    spec = _spec()
    starts = [n for n in spec.body.nodes if n.kind is NodeKind.START]
    assert sorted(n.id for n in starts) == ["Start", "hotline", "yearly"]
    route = next(n for n in spec.body.nodes if n.id == "Start_route")
    assert route.default_flow == "Flow_Start_route_found"
    conditions = {f.id: f.condition for f in spec.body.flows if f.source == "Start_route"}
    assert conditions == {"Flow_Start_route_found": None, "Flow_Start_route_reported": '=entry = "reported"'}
    nodes = _all_nodes(spec)
    assert nodes["hotline"].message_ref == "Message_hotline_case"
    assert nodes["yearly"].timer is not None and nodes["yearly"].timer.cycle == "R/P1Y"


def test_working_day_deadline_is_a_worker_computed_date_with_urgent_condition() -> None:
    nodes = _all_nodes(_spec())
    due = nodes["transfer_due"]
    assert due.task_type == "xietong.deadline" and due.headers["dueVariable"] == "due_transfer"
    assert due.inputs[0] == (
        '=if urgent = true then {amount: 24, unit: "hours"} else {amount: 3, unit: "workingDays"}',
        "limit",
    )


def test_escalation_chain_uses_sub_process_and_escalation_boundary() -> None:
    spec = _spec()
    scope = next(n for n in spec.body.nodes if n.id == "transfer_scope")
    assert scope.kind is NodeKind.SUB_PROCESS and scope.children is not None
    [timer] = scope.children.boundaries
    assert (timer.kind, timer.interrupting, timer.timer.date) == (BoundaryKind.TIMER, False, "=due_transfer")
    inner = {n.id: n for n in scope.children.nodes}
    assert inner["transfer_supervise"].headers["supervisor"] == "综合指挥调度中心"
    assert inner["transfer_raise"].escalation_ref == "Escalation_transfer"
    [catch] = [b for b in spec.body.boundaries if b.attached_to == "transfer_scope"]
    assert (catch.kind, catch.interrupting) == (BoundaryKind.ESCALATION, False)
    escalate = next(n for n in spec.body.nodes if n.id == "transfer_escalate_2")
    assert escalate.headers["to"] == "市级指挥协调机制" and escalate.lane == "Lane_city"


def test_interrupting_escalation_hands_the_step_up() -> None:
    spec = _spec()
    [timer] = [b for b in spec.body.boundaries if b.attached_to == "handle"]
    assert timer.interrupting and timer.timer.duration == "PT2H"
    nodes = _all_nodes(spec)
    assert nodes["handle_takeover"].candidate_groups == ["综合指挥调度中心"]
    assert {f.target for f in spec.body.flows if f.source in ("handle", "handle_takeover")} == {"handle_done"}


def test_parallel_split_join_and_multi_instance() -> None:
    spec = _spec()
    nodes = _all_nodes(spec)
    assert nodes["handle_split"].kind is NodeKind.PARALLEL_GATEWAY
    assert nodes["feedback_join"].kind is NodeKind.PARALLEL_GATEWAY
    mi = nodes["joint"].multi_instance
    assert mi is not None and mi.input_element == "collaborator"
    assert (
        mi.input_collection
        == '=if collaborators != null then collaborators else ["县市场监管局", "县公安局"]'
    )
    # candidate groups are group ids: the catalog's default list's, position by position (loopCounter)
    assert nodes["joint"].candidate_groups == [
        '=if collaborators != null then collaborator else ["县市场监管局", "县公安局"][loopCounter]'
    ]
    assert nodes["handle"].candidate_groups == ["县综合行政执法局"]


def test_timed_message_wait_is_a_receive_task() -> None:
    spec = _spec()
    nodes = _all_nodes(spec)
    assert nodes["feedback"].kind is NodeKind.RECEIVE_TASK
    assert nodes["feedback"].message_ref == "Message_case_result"
    [message] = [m for m in spec.messages if m.id == "Message_case_result"]
    assert message.correlation_key == "=caseId"
    [timer] = [b for b in spec.body.boundaries if b.attached_to == "feedback"]
    assert timer.timer.duration == "P5D"


def test_item_table_parameterises_the_process() -> None:
    items = [
        JointItem(1, "农贸市场", "市场监管局", ["公安局"]),
        JointItem(2, "学校食堂", "市场监管局", ["教育局"]),
    ]
    spec = _spec(items=items)
    item_events = [n for n in spec.body.nodes if n.kind is NodeKind.NONE_THROW and n.id.endswith("_item")]
    assert {n.id for n in item_events} == {"Start_item", "hotline_item", "yearly_item"}
    [(source, target)] = item_events[0].outputs
    assert target == "jointItem" and "[number = itemNumber]" in source and '"学校食堂"' in source
    assert _all_nodes(spec)["handle"].candidate_groups == [
        "=if jointItem != null then jointItem.leadGroup else leadDepartment"
    ]


def test_generated_model_passes_contract_and_layout_checks(tmp_path: Path) -> None:
    xml = write_bpmn(_spec())
    assert find_di_problems(xml) == []
    assert [str(f) for f in check_contract(tmp_path / "x.bpmn", xml) if f.severity == "error"] == []
    root = etree.fromstring(xml)
    assert root.xpath("//*[local-name()='receiveTask']/@messageRef") == ["Message_case_result"]


def test_automating_a_human_kind_is_a_named_error() -> None:
    broken = {**PROCEDURE, "steps": [dict(s) for s in PROCEDURE["steps"]]}
    broken["steps"][5]["human"] = False
    with pytest.raises(
        MappingError, match="mech_x, step joint: kind 'joint_enforcement' is work for a person"
    ):
        procedure_to_spec(MappingInput("mech_x", "x", "wuyi", validate_plain(Procedure, broken), None))


@pytest.mark.node
def test_every_construct_passes_the_linters(tmp_path: Path) -> None:
    from xietong.generator.lint import lint_files

    path = tmp_path / "mech_x.bpmn"
    path.write_bytes(write_bpmn(_spec(items=[JointItem(1, "农贸市场", "市场监管局", ["公安局"])])))
    assert [str(f) for f in lint_files([path])] == []
