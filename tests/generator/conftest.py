"""Shared fixtures for the generator's tests: a ProcessSpec that uses every construct the writer knows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from xietong.generator.spec import (
    Boundary,
    BoundaryKind,
    Escalation,
    Lane,
    Message,
    MultiInstance,
    Node,
    NodeKind,
    ProcessBody,
    ProcessSpec,
    SourceRef,
    Timer,
)


def _headers(step: str, **extra: str) -> dict[str, str]:
    return {"mechanismId": "sample", "stepId": step, "department": "发改局", **extra}


def build_rich_spec() -> ProcessSpec:
    b = ProcessBody()
    src = SourceRef("000_67b50267f15355c8.txt", 70, 71, "巡线员、沿线村民等发现安全隐患")
    b.add(Node("Start", NodeKind.START, "发现问题", lane="town", source=src))
    b.add(
        Node(
            "Triage",
            NodeKind.SERVICE_TASK,
            "镇（街道、区）研判",
            lane="town",
            task_type="xietong.triage",
            headers=_headers("s1", options="local,report", resultVariable="outcome"),
            inputs=[("=caseId", "caseId")],
        )
    )
    b.add(Node("Gw", NodeKind.EXCLUSIVE_GATEWAY, "能否自行解决", lane="town"))
    b.add(Node("Local", NodeKind.USER_TASK, "快速处置", lane="town", candidate_groups=["镇（街道、区）"]))
    b.add(
        Node(
            "Report",
            NodeKind.SERVICE_TASK,
            "上报发改局",
            lane="town",
            task_type="xietong.dispatch",
            headers=_headers("s2", toDepartment="发改局"),
            inputs=[("=caseId", "caseId")],
        )
    )
    inner = ProcessBody()
    inner.add(Node("S_start", NodeKind.START, "开始办理"))
    inner.add(
        Node(
            "S_due",
            NodeKind.SERVICE_TASK,
            "计算时限",
            task_type="xietong.deadline",
            headers=_headers("s3", dueVariable="orderDue"),
            inputs=[
                (
                    '=if urgent = true then {amount: 24, unit: "hours"} '
                    'else {amount: 3, unit: "workingDays"}',
                    "limit",
                )
            ],
        )
    )
    inner.add(Node("S_work", NodeKind.USER_TASK, "联合处置", candidate_groups=["发改局"]))
    inner.add(Node("S_end", NodeKind.END, "办结"))
    inner.add(
        Node(
            "S_sup",
            NodeKind.SERVICE_TASK,
            "督办",
            task_type="xietong.supervise",
            headers=_headers("s3", supervisor="指挥中心", level="1"),
            inputs=[("=caseId", "caseId")],
        )
    )
    inner.add(Node("S_throw", NodeKind.ESCALATION_THROW, "逾期上报", escalation_ref="Esc_overdue"))
    inner.add(Node("S_end2", NodeKind.END, "已督办"))
    timer = Timer(date="=orderDue")
    inner.boundaries.append(Boundary("S_timer", "超时", "S_work", BoundaryKind.TIMER, timer=timer))
    inner.connect("S_start", "S_due")
    inner.connect("S_due", "S_work")
    inner.connect("S_work", "S_end")
    inner.connect("S_timer", "S_sup")
    inner.connect("S_sup", "S_throw")
    inner.connect("S_throw", "S_end2")
    b.add(Node("Sub", NodeKind.SUB_PROCESS, "牵头部门限时处置", lane="lead", children=inner))
    escalation = Boundary("Sub_esc", "升级", "Sub", BoundaryKind.ESCALATION, escalation_ref="Esc_overdue")
    b.boundaries.append(escalation)
    b.add(
        Node(
            "Esc",
            NodeKind.SERVICE_TASK,
            "上报市级指挥协调机制",
            lane="lead",
            task_type="xietong.escalate",
            headers=_headers("s3", to="市级指挥协调机制", level="2"),
            inputs=[("=caseId", "caseId")],
        )
    )
    b.add(Node("EscEnd", NodeKind.END, "已上报", lane="lead"))
    b.add(
        Node(
            "Joint",
            NodeKind.USER_TASK,
            "协同部门配合",
            lane="collab",
            candidate_groups=["=collaborator"],
            multi_instance=MultiInstance("=collaborators", "collaborator", "results", "=result"),
        )
    )
    b.add(Node("Wait", NodeKind.MESSAGE_CATCH, "收到反馈", lane="collab", message_ref="Msg_fb"))
    b.add(
        Node(
            "Archive",
            NodeKind.SERVICE_TASK,
            "结案归档",
            lane="lead",
            task_type="xietong.archive",
            headers=_headers("s9"),
            inputs=[("=caseId", "caseId")],
        )
    )
    b.add(Node("End", NodeKind.END, "办结", lane="town"))
    b.add(Node("End2", NodeKind.END, "完毕", lane="lead"))
    b.connect("Start", "Triage")
    b.connect("Triage", "Gw")
    b.connect("Gw", "Local", "可自行解决", '=outcome = "local"')
    b.connect("Gw", "Report", "需部门处理", '=outcome = "report"')
    b.connect("Local", "End")
    b.connect("Report", "Sub")
    b.connect("Sub", "Joint")
    b.connect("Joint", "Wait")
    b.connect("Wait", "Archive")
    b.connect("Archive", "End2")
    b.connect("Sub_esc", "Esc")
    b.connect("Esc", "EscEnd")
    return ProcessSpec(
        "Process_sample",
        "示例：石油天然气管道保护",
        b,
        lanes=[Lane("town", "镇（街道、区）"), Lane("lead", "牵头部门"), Lane("collab", "协同部门")],
        messages=[Message("Msg_fb", "feedback", "=caseId")],
        escalations=[Escalation("Esc_overdue", "逾期", "overdue")],
    )


@pytest.fixture
def rich_spec() -> ProcessSpec:
    return build_rich_spec()


@pytest.fixture
def spec_factory() -> Callable[[], ProcessSpec]:
    return build_rich_spec
