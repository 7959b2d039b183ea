"""Which procedure shape a 永康 mechanism has, decided from its own 具体流程 and flowchart text.

Every rule names the phrases that identify its shape; the classification keeps the phrases it found
(with their lines) as evidence, so a reviewer can check why mechanism N got shape S. Rules are
tried in order, the most specific first: the 四个平台 dispatch wording, for instance, also contains
the town-first escalation wording, but not the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from xietong.catalog.importers.yongkang_parse import RawMechanism


class Shape(StrEnum):
    """The procedure shapes found in the 永康 document (docs/yongkang.md describes each)."""

    four_platform_dispatch = "four_platform_dispatch"
    info_centre_joint_order = "info_centre_joint_order"
    project_approval_lifecycle = "project_approval_lifecycle"
    epidemic_response = "epidemic_response"
    disaster_response = "disaster_response"
    medical_referral_network = "medical_referral_network"
    planning_permit_enforcement = "planning_permit_enforcement"
    two_track_handling = "two_track_handling"
    department_first_joint_rectification = "department_first_joint_rectification"
    check_rectify_recheck = "check_rectify_recheck"
    referral_by_matter = "referral_by_matter"
    verify_assist_penalty = "verify_assist_penalty"
    plan_triage_routing = "plan_triage_routing"
    plan_patrol_verify_transfer = "plan_patrol_verify_transfer"
    town_first_escalation = "town_first_escalation"


@dataclass(frozen=True)
class Evidence:
    phrase: str
    line: int


@dataclass(frozen=True)
class Classification:
    shape: Shape
    evidence: tuple[Evidence, ...]

    def describe(self) -> str:
        found = "; ".join(f"{e.phrase!r} (line {e.line})" for e in self.evidence)
        return f"{self.shape.value}: {found}"


class ClassificationError(ValueError):
    """No rule matched: a new shape, which needs a person to look at it."""


def _where(raw: RawMechanism, phrase: str) -> Evidence | None:
    """The first 具体流程 paragraph with the phrase. Flowcharts are not evidence: they are nearly all
    the same generic drawing (研判, 上报, 责令整改 …), so they would match every shape."""
    for step in raw.steps:
        if phrase in step.text:
            return Evidence(phrase, step.line)
    return None


def _all(*phrases: str) -> Callable[[RawMechanism], tuple[Evidence, ...] | None]:
    def rule(raw: RawMechanism) -> tuple[Evidence, ...] | None:
        found = [_where(raw, p) for p in phrases]
        return tuple(e for e in found if e) if all(found) else None

    return rule


def _any(*phrases: str) -> Callable[[RawMechanism], tuple[Evidence, ...] | None]:
    def rule(raw: RawMechanism) -> tuple[Evidence, ...] | None:
        for p in phrases:
            if e := _where(raw, p):
                return (e,)
        return None

    return rule


def _both(
    a: Callable[[RawMechanism], tuple[Evidence, ...] | None],
    b: Callable[[RawMechanism], tuple[Evidence, ...] | None],
) -> Callable[[RawMechanism], tuple[Evidence, ...] | None]:
    def rule(raw: RawMechanism) -> tuple[Evidence, ...] | None:
        ea, eb = a(raw), b(raw)
        return ea + eb if ea and eb else None

    return rule


def _two_tracks(raw: RawMechanism) -> tuple[Evidence, ...] | None:
    """Two headed tracks, each a numbered list: （一）…处置 1. 2. … （二）…处置 1. 2. …"""
    heads = [s for s in raw.steps if s.label.startswith("（") and "。" not in s.text]
    numbered = [s for s in raw.steps if s.label[:1].isdigit() and s.phase is None]
    if len(heads) >= 2 and len(numbered) >= 4:
        return tuple(Evidence(h.text[:30], h.line) for h in heads)
    return None


def _repeated_onsite_check(raw: RawMechanism) -> tuple[Evidence, ...] | None:
    """现场查看/核查 twice: by the finder, and by the lead after rectification (the recheck)."""
    hits = [(s, p) for s in raw.steps for p in ("现场查看", "现场核查") if p in s.text]
    if len({s.line for s, _ in hits}) >= 2 and any("落实" in s.text for s in raw.steps):
        return tuple(Evidence(p, s.line) for s, p in hits[:2])
    return None


RULES: list[tuple[Shape, Callable[[RawMechanism], tuple[Evidence, ...] | None]]] = [
    (Shape.planning_permit_enforcement, _all("逾期不整改", "催告")),
    (Shape.four_platform_dispatch, _all("四个平台负责人", "无法独立处置")),
    (Shape.info_centre_joint_order, _all("综合信息指挥中心", "转交给牵头部门")),
    (Shape.project_approval_lifecycle, _both(_any("联审", "批准"), _any("验收", "立项"))),
    (Shape.epidemic_response, _any("疫情")),
    (Shape.disaster_response, _all("灾情", "应急响应")),
    (Shape.medical_referral_network, _all("明确诊断", "送诊")),
    (Shape.two_track_handling, _two_tracks),
    (Shape.department_first_joint_rectification, _any("联席会议", "联合惩戒")),
    (Shape.check_rectify_recheck, _repeated_onsite_check),
    (Shape.referral_by_matter, _any("协助调查函")),
    (Shape.verify_assist_penalty, _any("协助调查", "协同调查")),
    (Shape.plan_triage_routing, _any("属本部门独立解决")),
    (Shape.plan_patrol_verify_transfer, _both(_any("监督管理", "监督检查"), _any("移送", "移交"))),
    (
        Shape.town_first_escalation,
        _both(_any("研判", "现场处置", "快速处置", "能够处置", "劝告制止", "处理无果"), _any("上报")),
    ),
]


def classify(raw: RawMechanism) -> Classification:
    """The first shape whose phrases all occur in the mechanism's text."""
    for shape, rule in RULES:
        evidence = rule(raw)
        if evidence:
            return Classification(shape, evidence)
    raise ClassificationError(f"mechanism {raw.number} ({raw.title}): no shape rule matches its 具体流程")


#: One paragraph per shape for reviewers (also Procedure.description); docs/yongkang.md has more.
SHAPE_DESCRIPTIONS: dict[Shape, str] = {
    Shape.town_first_escalation: (
        "镇（街道、区）研判并先行处置，处置不了的上报牵头部门；牵头部门研判后责令整改"
        "或移交执法部门立案查处，汇总后向镇（街道、区）反馈并结案归档。"
    ),
    Shape.info_centre_joint_order: (
        "问题录入基层治理综合信息平台，镇（街道、区）综合信息指挥中心受理：较轻的属地处置，"
        "较大的转交牵头部门研判并发起联合执法指令，结果经指挥中心反馈信息来源并接受评价。"
    ),
    Shape.four_platform_dispatch: (
        "综合指挥中心受理并交办四个平台，承办人员现场处置；镇（街道、区）无法独立处置的"
        "上报牵头部门调查，限期整改或处罚，汇总反馈并与镇（街道、区）互相考核评价。"
    ),
    Shape.check_rectify_recheck: (
        "发现后现场查看，处置不了的上报；牵头部门联合调查并下达整改意见，属地落实整改后"
        "牵头部门现场复查，需要的移送立案查处，最后反馈办理结果。"
    ),
    Shape.plan_patrol_verify_transfer: (
        "牵头部门制定监督管理计划并组织宣传培训和监督检查；镇（街道、区）巡查发现问题"
        "制止并上报，牵头部门核实后移送执法部门立案查处，结果公开并反馈。"
    ),
    Shape.plan_triage_routing: (
        "制定（年度）监督检查计划；巡查发现问题先期处置并上报，部门核实后按事项归属"
        "本部门办理、明确牵头转交或转交相关部门，重大事项报市委市政府。"
    ),
    Shape.referral_by_matter: (
        "上报后牵头部门研判并查处，查处中按涉及的事项向相应部门发送协助调查函或移送案件，"
        "各部门反馈后由牵头部门反馈镇（街道、区）。"
    ),
    Shape.verify_assist_penalty: (
        "巡查上报后牵头部门核实并提请相关单位协助调查（按时间要求提供材料），"
        "综合证据作出处罚或其他处理，结案后同步归档。"
    ),
    Shape.department_first_joint_rectification: (
        "职能部门先行处置或取证后通报牵头部门，牵头部门组织联合整治或执法；"
        "重大紧急事项向领导小组汇报并召开联席会议。"
    ),
    Shape.two_track_handling: (
        "两条并列的处置路线（各自有发现、上报、核查、查处和通报），由同一牵头部门协调。"
    ),
    Shape.epidemic_response: (
        "疫情报告、现场确认、限时上报和调查处置（2小时、7个工作日等）；"
        "重大疫情逐级上报、划定疫区并提请启动应急响应。"
    ),
    Shape.disaster_response: (
        "预案与演练；灾害发生后统计上报、研判并启动应急响应，核查发布灾情、转移安置与"
        "各部门救灾并行，灾情稳定后综合评估。"
    ),
    Shape.project_approval_lifecycle: (
        "申请、初审、联审或逐级审批（不通过即结束），实施与跟踪，分级验收和备案评价。"
    ),
    Shape.medical_referral_network: (
        "多渠道发现疑似患者，统一送市三院诊断；确诊者信息推送基层、分类管理、联合随访，危险患者纳入重点管控。"
    ),
    Shape.planning_permit_enforcement: (
        "两个入口（镇四个平台、规划部门）；责令改正或移交执法，限期整改，逾期立案处罚，跟进履行直至强制拆除。"
    ),
}
