"""Procedure templates for the 永康 shapes: one function per shape, parameters read from the text.

Each template follows the wording the shape's mechanisms share and reads its per-mechanism
parameters from the mechanism's own 具体流程 and flowchart: who the case is transferred to, whether a
joint-enforcement order goes out, whether the lead chooses between 责令整改 and 立案查处, whether a
crime is handed to the police, whether there is a yearly plan. Singletons (the 精神障碍 referral
network, the 自然灾害 response, the 全域土地综合整治 lifecycle …) get their own function: a template
is only worth having where a shape really repeats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xietong.catalog.importers.yongkang_classify import SHAPE_DESCRIPTIONS, Classification, Shape
from xietong.catalog.importers.yongkang_graph import (
    Ctx,
    GraphBuilder,
    Mentions,
    Spelling,
    Template,
    find_clause,
    find_clauses,
)
from xietong.catalog.importers.yongkang_parse import RawMechanism, RawStep
from xietong.catalog.importers.yongkang_shapes import shape_builder
from xietong.catalog.model import END, Policy, Procedure, Role, StepKind

K = StepKind

# --------------------------------------------------------------------------------------------
# pieces several templates share
# --------------------------------------------------------------------------------------------


def _close(b: GraphBuilder, c: Ctx, feedback_src: RawStep | None, penalty_src: RawStep | None = None) -> str:
    """汇总 → (处罚) → 反馈镇（街道、区） → (镇核查整改动态) → 结案归档; returns the first step id.

    The flowcharts draw 汇总, 反馈 and 结案归档 for nearly every mechanism; a 具体流程 that puts a
    penalty after the summary (汇总后…行政处罚) or has the town follow the rectification up
    (整改动态) gets that step too.
    """
    lead = b.lead()
    first = "lead_summary"
    b.step(first, K.archive, f"{c.raw.lead[0]}汇总处置情况", lead, feedback_src)
    chain = [first]
    if penalty_src is not None:
        chain.append(
            b.step("penalty", K.penalty_decision, "根据情况和部门职权作出行政处罚", lead, penalty_src)
        )
    chain.append(b.step("lead_feedback", K.feedback, "向镇（街道、区）反馈办理结果", lead, feedback_src))
    follow_src = next((s for s in c.raw.steps if "整改动态" in s.text), None)
    if follow_src is not None:
        chain.append(
            b.step(
                "town_follow_up",
                K.recheck,
                "镇（街道、区）核查违法行为整改动态并反馈部门",
                b.town(),
                follow_src,
                limit="掌握",
            )
        )
    chain.append(b.step("archive", K.archive, "结案归档", lead, feedback_src))
    b.go(*chain)
    b.end("archive", "结案归档")
    return first


_ROLE_TARGETS = ("相关职能部门", "相关部门", "有关部门")


def _enforcers(b: GraphBuilder, c: Ctx, src: RawStep | None) -> tuple[list[Spelling], bool, str | None]:
    """Who files the case according to the paragraph: (departments, lead is one of them, role text).

    移交/移送/交由 X, or 由 X 依法查处, names the enforcer. The police named beside 犯罪 is the crime
    route, not the ordinary enforcer. When the clause names the lead as well (上报农业农村局、生态环境分局
    依法查处) they enforce together: no transfer. 移送相关职能部门 names a role, not a department.
    """
    text = src.text if src is not None else ""
    crime = "犯罪" in text
    for key in ("移交", "移送", "交由", "依法查处"):
        for clause in find_clauses(text, key):
            everyone = c.mentions(clause)
            named = [s for s in everyone if s.department_id != c.lead_id]
            if crime:
                named = [s for s in named if s.department_id != "public_security"]
            if named:
                return named, len(named) < len(everyone), None
            if role := next((r for r in _ROLE_TARGETS if r in clause), None):
                return [], False, role
    return [], False, None


def _own_paragraph(c: Ctx, targets: list[Spelling], src: RawStep | None) -> RawStep | None:
    """The later paragraph in which a single enforcer is the subject (市综合行政执法局负责及时查处…),
    else the transfer paragraph itself: the case step quotes what the enforcer does."""
    if src is None or len(targets) != 1:
        return src
    spellings = [s.text for s in c.mentions.spellings if s.department_id == targets[0].department_id]
    later = [s for s in c.raw.steps if s.line > src.line]
    return next((s for s in later if any(s.text.startswith(sp) for sp in spellings)), src)


def _crime_source(c: Ctx, src: RawStep | None) -> RawStep | None:
    """The paragraph (this one or a later one) that sends crimes to the police, if any."""
    if src is None:
        return None
    for step in c.raw.steps:
        police = any(s.department_id == "public_security" for s in c.mentions(step.text))
        if step.line >= src.line and "犯罪" in step.text and police:
            return step
    return None


def _enforcement(b: GraphBuilder, c: Ctx, src: RawStep | None, then: str, prefix: str = "") -> str:
    """The case part after the lead's 研判: transfer to the enforcer, a joint order, or the lead itself.

    Reads the paragraph: 移交/移送 X → X files the case; 联合执法指令 / 组织 … 相关 … 部门 → joint
    enforcement by the collaborators; otherwise the lead files it. 涉嫌犯罪 → a police transfer.
    Returns the id of the first step.
    """
    lead = b.lead()
    text = src.text if src is not None else ""
    targets, with_lead, role_text = _enforcers(b, c, src)
    crime_src = _crime_source(c, src)
    joint = "联合执法指令" in text or "协同处置指令" in text or re.search(r"组织.{0,40}相关.{0,10}部门", text)
    case_id = prefix + "case"
    if joint:
        order = b.step(prefix + "joint_order", K.joint_order, "发起联合执法指令", lead, src)
        b.step(
            case_id,
            K.joint_enforcement,
            "协同部门按职责现场处置或立案查处",
            b.collaborators(),
            src,
            multi=True,
        )
        b.go(order, case_id)
        first = order
    elif targets and with_lead:
        names = "、".join([c.raw.lead[0], *(t.text for t in targets)])
        actor = b.role("enforcers", Role.relevant_departments, names)
        first = b.step(case_id, K.case_filing, f"{names}依法立案查处", actor, src)
    elif targets or role_text:
        names = "、".join(t.text for t in targets) or str(role_text)
        if len(targets) == 1:
            actor = b.dept(targets[0].department_id, targets[0].department_id, targets[0].name)
        else:
            actor = b.role("enforcers", Role.relevant_departments, names)
        first = b.step(prefix + "transfer", K.transfer, f"移交{names}", lead, src, limit="移")
        b.step(case_id, K.case_filing, f"{names}依法立案查处", actor, _own_paragraph(c, targets, src))
        b.go(first, case_id)
    else:
        first = b.step(case_id, K.case_filing, f"{c.raw.lead[0]}依法立案查处", lead, src)
    if crime_src is not None:
        pol = b.dept("public_security", "public_security", "市公安局")
        b.decide(
            case_id,
            "是否涉嫌犯罪",
            ("no_crime", "依法查处", then),
            ("crime", "涉嫌犯罪", prefix + "to_police"),
        )
        mover = lead if b.steps[case_id].multi else b.steps[case_id].actor
        b.step(prefix + "to_police", K.transfer, "涉嫌犯罪的移送公安机关", mover, crime_src)
        b.step(prefix + "police_case", K.case_filing, "公安机关依法追究刑事责任", pol, crime_src)
        b.go(prefix + "to_police", prefix + "police_case", then)
    else:
        b.go(case_id, then)
    return first


def _lead_decision(
    b: GraphBuilder,
    c: Ctx,
    triage: str,
    src: RawStep | None,
    then: str,
    extra: Sequence[tuple[str, str, str]] = (),
) -> None:
    """The lead's 研判 outcome: 责令整改 or 立案查处 when the flowchart draws both, else the case;
    `extra` adds routes the 具体流程 names (行业主管部门处置, 市委市政府 …)."""
    case_first = _enforcement(b, c, src, then)
    outcomes = list(extra)
    if c.flow("责令整改") and (c.flow("立案查处") or c.flow("依法查处")):
        b.step("rectification_order", K.rectification_order, "责令整改", b.lead(), src)
        b.go("rectification_order", then)
        outcomes = [("rectify", "责令整改", "rectification_order"), *outcomes]
    if outcomes:
        b.decide(triage, "牵头部门研判", *outcomes, ("file_case", "立案查处", case_first))
    else:
        b.go(triage, case_first)


def _major_route(b: GraphBuilder, c: Ctx, then: str) -> tuple[str, str, str] | None:
    """涉及重要/重大或紧急事项 → 向市委市政府（领导小组）汇报 → 部门联合处理机制, when the text says so."""
    src = next((s for s in c.raw.steps if "汇报" in s.text and ("重要" in s.text or "重大" in s.text)), None)
    if src is None:
        return None
    gov = b.dept("party_and_government_leadership", "party_and_government_leadership", "市委市政府")
    b.step("report_leadership", K.report_up, "重要或紧急事项向市委市政府汇报", b.lead(), src, limit="汇报")
    b.step("joint_mechanism", K.meeting, "建立部门联合处理机制，与镇（街道、区）协同解决", gov, src)
    b.go("report_leadership", "joint_mechanism", then)
    return ("major", "涉及重要或紧急事项", "report_leadership")


def _routine_entry(b: GraphBuilder, c: Ctx) -> None:
    """A 日常管理 paragraph (plans, joint inspections, training) becomes its own entry and step."""
    src = next((s for s in c.raw.steps if s.phase == "日常管理"), None)
    if src is not None:
        b.step("routine", K.patrol, "日常管理：计划、联合检查、培训和业务指导", b.lead(), src)
        b.end("routine", "日常管理")
        b.entry("routine", "日常管理", "routine", src)


def _lead_patrol_entry(b: GraphBuilder, c: Ctx, to: str) -> None:
    """Departments' own patrols enter at the lead's 研判 when the flowchart draws that box."""
    node = next(
        (n for n in c.raw.flow_nodes if "日常巡查发现" in n.text and not n.text.startswith("镇")), None
    )
    if node is not None:
        b.entry("department_patrol", node.text[:60], to)


# --------------------------------------------------------------------------------------------
# town_first_escalation: 镇研判 → 现场处置 or 上报 → 牵头部门研判 → 整改/查处 → 汇总反馈归档
# --------------------------------------------------------------------------------------------


def town_first_escalation(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town_label = "镇（街道、区）"
    handling = [s for s in c.raw.steps if s.phase != "日常管理"]
    first_src = handling[0]
    if m := re.search(r"(农业和农村办公室|经济发展办(?:公室)?)", c.raw.steps_text):
        town_label += m.group(1)
    town = b.town(town_label)
    onsite_src = b.src_any("现场处置", "制止", "处置")
    report_src = b.src_any("上报", "报告")
    later = [s for s in handling if s.line > first_src.line]
    by_lead = [
        s for s in later if c.lead_id in {m.department_id for m in c.mentions(s.text)} and s is not report_src
    ] or later
    # the lead as the paragraph's subject (经信局接受信息并分析研判…), not merely mentioned in it
    subject = [s for s in by_lead if c.opens_with_lead(s)]
    triage_src = next((s for s in subject + by_lead if "研判" in s.text or "接" in s.text), None)
    if triage_src is None:  # 上报…依法查处 with no separate 研判 paragraph: the report is the source
        triage_src = report_src or by_lead[0]
    case_src = next(
        (
            s
            for s in handling
            if s.line >= triage_src.line and any(k in s.text for k in ("移交", "移送", "查处"))
        ),
        triage_src,
    )
    report_clause = find_clause(report_src.text, "上报") if report_src else None
    # 及时赶赴现场 bounds the on-site step like any other 及时 (issue 14: 35 had no limit while others did)
    onsite = b.step(
        "town_onsite", K.onsite_handling, "镇（街道、区）研判并现场处置", town, onsite_src, limit="及时"
    )
    report = b.step(
        "report_up",
        K.report_up,
        _short_name(report_clause, f"上报{c.raw.lead[0]}"),
        town,
        report_src,
        limit="上报",
        escalate_to=[lead],
    )
    b.decide(
        onsite,
        "镇（街道、区）能否自行处置",
        ("handled", "能现场处置的，快速处置完毕", END),
        ("escalate", "需要部门牵头处理的上报", report),
    )
    triage = b.step("lead_triage", K.triage, f"{c.raw.lead[0]}研判", lead, triage_src, limit="接报后")
    b.go(report, triage)
    penalty_src = next((s for s in handling if "汇总后" in s.text and "处罚" in s.text), None)
    closing = _close(b, c, next((s for s in reversed(handling) if "反馈" in s.text), None), penalty_src)
    extra: list[tuple[str, str, str]] = []
    if triage_src is not None and "行业主管部门进行处置" in triage_src.text:
        industry = b.role("industry_authorities", Role.industry_authorities, "行业主管部门")
        b.step(
            "industry_handling", K.onsite_handling, "由行业主管部门处置，有关部门配合", industry, triage_src
        )
        b.go("industry_handling", closing)
        extra.append(("industry", "由行业主管部门进行处置", "industry_handling"))
    if triage_src is not None and "市级层面指挥协调" in triage_src.text:
        gov = b.dept("party_and_government_leadership", "party_and_government_leadership", "市委市政府")
        b.step(
            "city_coordination", K.report_up, "需要市级层面指挥协调的及时汇报", lead, triage_src, limit="汇报"
        )
        b.step("city_mechanism", K.meeting, "市级层面指挥协调机制", gov, triage_src)
        b.go("city_coordination", "city_mechanism", closing)
        extra.append(("city_level", "需要市级层面指挥协调的", "city_coordination"))
    if major := _major_route(b, c, closing):
        extra.append(major)
    _lead_decision(b, c, triage, case_src, closing, extra)
    b.entry("report", _entry_name(first_src), onsite, first_src)
    _lead_patrol_entry(b, c, triage)
    _routine_entry(b, c)
    if (hotline := next((s for s in handling if "110" in s.text), None)) is not None:
        # 群众直接举报110的，由110按规定指令联动处置: the police command centre dispatches to the lead
        police = b.dept("public_security", "public_security", "市公安局（110指挥中心）")
        b.step("police_110_dispatch", K.dispatch, "110按规定指令联动处置", police, hotline)
        b.go("police_110_dispatch", triage)
        b.entry("hotline_110", "群众直接举报110", "police_110_dispatch", hotline)


def _entry_name(step: RawStep) -> str:
    """What starts the case, as its paragraph's first clause says (title like 发现问题。 skipped)."""
    body = step.text.split("。", 1)[1] if step.title else step.text
    clause = re.split(r"[，。；]", body, maxsplit=1)[0]
    return clause if len(clause) <= 40 else clause[:39] + "…"


def _short_name(clause: str | None, fallback: str) -> str:
    """A clause as a task name when it is short enough to read as one (trailing punctuation off)."""
    if clause is None:
        return fallback
    name = clause.rstrip("，。；")
    for lead_in in ("并", "及时", "将"):
        name = name.removeprefix(lead_in)
    return name if 4 <= len(name) <= 30 else fallback


# --------------------------------------------------------------------------------------------
# info_centre_joint_order: 基层治理综合信息平台 → 综合信息指挥中心 → 较轻属地处置 / 转交牵头部门 →
# 研判 → 联合执法指令 → 反馈指挥中心 → 反馈信息来源并接受评价
# --------------------------------------------------------------------------------------------


def info_centre_joint_order(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    centre = b.town("镇（街道、区）综合信息指挥中心", "town_centre")
    town = b.town("属地镇（街道、区）政府")
    intake_src, accept_src = b.src("录入基层治理综合信息平台") or c.raw.steps[0], b.src("受理")
    triage_src = b.src("分析研判") or b.src("研判")
    close_src = next((s for s in c.raw.steps if "联合执法处置后" in s.text), None) or next(
        (s for s in reversed(c.raw.steps) if "反馈" in s.text), None
    )
    b.step("record", K.intake, "录入基层治理综合信息平台或报告综合信息指挥中心", centre, intake_src)
    b.step("centre_accept", K.triage, "综合信息指挥中心受理研判", centre, accept_src)
    b.go("record", "centre_accept")
    b.step("town_correct", K.onsite_handling, "属地政府纠正处置", town, accept_src)
    b.step("transfer_to_lead", K.transfer, f"问题线索转交牵头部门{c.raw.lead[0]}", centre, accept_src)
    b.decide(
        "centre_accept",
        "违法违规行为的轻重",
        ("minor", "较轻违法违规行为和纠纷", "town_correct"),
        ("major", "无法纠正处置或较大及以上", "transfer_to_lead"),
    )
    b.step("lead_triage", K.triage, f"{c.raw.lead[0]}接受信息并分析研判", lead, triage_src)
    b.go("transfer_to_lead", "lead_triage")
    b.step("centre_reply", K.reply, "综合信息指挥中心将处置结果反馈信息来源并接受评价", centre, close_src)
    b.end("centre_reply", "办结")
    b.go("town_correct", "centre_reply")
    publish = c.text("统一网站公开")
    then = "lead_feedback"
    b.step(then, K.feedback, "联合处置或查处结果反馈综合信息指挥中心", lead, close_src)
    b.go(then, "centre_reply")
    if publish:
        pub_src = b.src("统一网站公开")
        b.step("publish", K.notify, "处罚结果在统一网站公开", lead, pub_src)
        b.go("publish", then)
        then = "publish"
    first = _enforcement(b, c, triage_src, then)
    b.go("lead_triage", first)
    b.entry("report", "网格员巡查发现、群众举报、部门移交、上级交办", "record", intake_src)
    if c.text("交通警察大队在巡查"):
        police_src = b.src("交通警察大队")
        traffic = b.dept("traffic_police", "traffic_police", "市公安局交通警察大队")
        b.step("police_safety", K.onsite_handling, "采取安全措施，疏导交通", traffic, police_src)
        b.step("notify_lead", K.notify, f"通知{c.raw.lead[0]}到现场调查处理", traffic, police_src)
        b.step(
            "lead_repair", K.onsite_handling, "到现场设置警示标志并及时修复", lead, police_src, limit="修复"
        )
        b.go("police_safety", "notify_lead", "lead_repair")
        b.end("lead_repair", "修复完毕")
        b.entry("police_patrol", "交警巡查或处理交通事故时发现公路设施损毁", "police_safety", police_src)


# --------------------------------------------------------------------------------------------
# four_platform_dispatch: 综合指挥中心 → 四个平台 → 承办人员现场处置 → 分析研究 → 上报牵头部门 →
# 调查 → 限期整改 / 处罚决定 → 汇总反馈、考核协同部门 → 镇评价牵头部门、反馈信息来源
# --------------------------------------------------------------------------------------------


def four_platform_dispatch(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    s1 = c.raw.steps[0]
    centre_label = (
        "镇（街道、区）社会治理办公室（综合信息指挥室）"
        if "社会治理办公室" in s1.text
        else "镇（街道、区）综合指挥中心"
    )
    centre = b.town(centre_label, "town_centre")
    platforms = b.town("镇（街道、区）四个平台负责人", "town_platforms")
    staff = b.town("四个平台具体承办人员", "town_staff")
    assign_src, onsite_src = b.src("落实"), b.src("赴现场处置")
    analyse_src, inv_src = b.src("无法独立处置"), b.src_any("调查", "分析研判")
    summary_src, eval_src = b.src("汇总"), b.src("对牵头部门进行考核评价")
    unit = re.search(r"落实(.+?)具体承办", assign_src.text if assign_src else "")
    b.step("accept", K.intake, "受理群众举报、上级交办或网格员巡查发现的问题", centre, s1)
    b.step("assign", K.dispatch, "交办四个平台负责人处置", centre, s1)
    b.step(
        "assign_unit",
        K.dispatch,
        f"落实{unit.group(1) if unit else '承办单位'}具体承办",
        platforms,
        assign_src,
    )
    b.step("onsite", K.onsite_handling, "承办人员赴现场处置", staff, onsite_src)
    b.step("done_report", K.feedback, "办结情况反馈四个平台负责人和综合指挥中心", staff, onsite_src)
    b.step("report_platform", K.report_up, "无法处置的报告四个平台负责人和综合指挥中心", staff, onsite_src)
    b.step("analyse", K.triage, "综合指挥中心分析研究", centre, analyse_src)
    b.step("escalate", K.report_up, f"上报事项牵头部门{c.raw.lead[0]}", centre, analyse_src)
    b.go("accept", "assign", "assign_unit", "onsite")
    b.entry("report", "群众举报、上级交办或网格员巡查发现", "accept", s1)
    b.decide(
        "onsite",
        "承办人员能否处置",
        ("handled", "能够处置", "done_report"),
        ("unable", "无法处置", "report_platform"),
    )
    b.end("done_report", "办结")
    b.go("report_platform", "analyse")
    b.decide(
        "analyse",
        "镇（街道、区）能否独立处置",
        ("town_can", "镇（街道、区）可以处置", "assign"),
        ("town_cannot", "镇（街道、区）无法独立处置", "escalate"),
    )
    # the lead's part
    inv_text = inv_src.text if inv_src else ""
    joint_named = c.named_in(inv_src, "联合") if "联合" in inv_text else []
    inv_name = _short_name(find_clause(inv_text, "调查") or find_clause(inv_text, "研判"), "调查")
    b.step("investigate", K.investigation, inv_name, lead, inv_src)
    b.go("escalate", "investigate")
    summary = "summary"
    b.step(summary, K.archive, "汇总处置情况，反馈综合指挥中心", lead, summary_src)
    after_summary = summary
    if summary_src is not None and "考核评价" in summary_src.text:
        b.step("evaluate_collaborators", K.evaluation, "对协同部门进行考核评价", lead, summary_src)
        b.go(summary, "evaluate_collaborators")
        after_summary = "evaluate_collaborators"
    b.step(
        "town_evaluation", K.evaluation, "对牵头部门进行考核评价，并对问题信息来源进行反馈", centre, eval_src
    )
    b.go(after_summary, "town_evaluation")
    b.end("town_evaluation", "办结")
    if "协同处置指令" in inv_text or "发起" in inv_text:
        b.step("joint_order", K.joint_order, "发起协同处置指令", lead, inv_src)
        b.step(
            "joint_handling",
            K.joint_enforcement,
            "协同部门按职责依法处置，处置情况报送牵头部门",
            b.collaborators(),
            inv_src,
            multi=True,
        )
        b.go("investigate", "joint_order", "joint_handling", summary)
        return
    if joint_named or (summary_src is not None and "各协同部门配合" in summary_src.text):
        b.step(
            "collaborator_support",
            K.investigation,
            "协同部门配合调查认定",
            b.collaborators(),
            inv_src,
            multi=True,
        )
    outcomes: list[tuple[str, str, str]] = []
    if "限期整改" in inv_text:
        b.step("rectification_order", K.rectification_order, "要求限期整改", lead, inv_src)
        b.go("rectification_order", summary)
        outcomes.append(("rectify", "可以整改提升的", "rectification_order"))
    penalty_first = "penalty"
    found = re.search(r"违法事实成立的，([^。]+)", inv_text)
    penalty_name = found.group(1) if found and len(found.group(1)) <= 30 else "立案查处，下达处罚决定书"
    if "法制审核" in penalty_name:  # 56 names review and crime route in the same breath: separate steps
        penalty_name = "下达处罚决定书"
    b.step("penalty", K.penalty_decision, penalty_name, lead, inv_src)
    if "法制审核" in inv_text:
        b.step("legal_review", K.legal_review, "法制审核", lead, inv_src)
        b.go("legal_review", "penalty")
        penalty_first = "legal_review"
    if "移送公安" in inv_text:
        pol = b.dept("public_security", "public_security", "市公安局")
        b.step("to_police", K.transfer, "涉嫌犯罪的移送公安局", lead, inv_src)
        b.step("police_case", K.case_filing, "公安机关立案侦查", pol, inv_src)
        b.go("to_police", "police_case", summary)
        b.decide(
            "penalty", "是否涉嫌犯罪", ("no_crime", "依法处罚", summary), ("crime", "涉嫌犯罪", "to_police")
        )
    else:
        b.go("penalty", summary)
    outcomes.append(("violation", "违法事实成立的", penalty_first))
    if "违法事实成立" in inv_text:
        outcomes.append(("no_violation", "违法事实不成立", summary))
    decider = "investigate"
    if "collaborator_support" in b.steps:
        b.go("investigate", "collaborator_support")
        decider = "collaborator_support"
    if len(outcomes) >= 2:
        b.decide(decider, "调查结论", *outcomes)
    else:
        b.go(decider, penalty_first)


# --------------------------------------------------------------------------------------------
# check_rectify_recheck: 现场查看 → 上报 → 联合调查处置、整改意见 → 落实整改并反馈 → 现场复查 →
# (移送立案) → 反馈
# --------------------------------------------------------------------------------------------


def check_rectify_recheck(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    s = c.raw.steps
    find_src = s[0]
    town = b.town("镇（街道、区）")
    onsite_src = b.src("能现场处置")
    first = "onsite_check"
    if "卫生院" in c.raw.steps_text:
        centre = b.dept("township_health_centres", "township_health_centres", "镇（街道、区）所在卫生院")
        b.step("report_health_centre", K.report_up, "报告所在地卫生院", town, find_src, limit="报告")
        b.step(first, K.onsite_handling, "卫生院现场查看，能现场处置的现场处置", centre, onsite_src)
        b.go("report_health_centre", first)
        entry_to = "report_health_centre"
        reporter = centre
    else:
        name = "前往现场查看，能现场处置的现场处置"
        b.step(first, K.onsite_handling, name, town, onsite_src, limit="及时前往")
        entry_to = first
        reporter = town
    b.step(
        "report_up",
        K.report_up,
        f"上报{c.raw.lead[0]}",
        reporter,
        onsite_src,
        limit="上报",
        escalate_to=[lead],
    )
    outcomes = [("handled", "能现场处置的现场处置", END), ("report", "不能现场处置的上报", "report_up")]
    if onsite_src is not None and "综合行政执法中队立案查处" in onsite_src.text:
        squad = b.dept(
            "comprehensive_law_enforcement", "comprehensive_law_enforcement", "有管辖权的综合行政执法中队"
        )
        b.step("squad_case", K.case_filing, "有管辖权的综合行政执法中队立案查处", squad, onsite_src)
        b.end("squad_case", "立案查处")
        outcomes.append(("file_case", "需立案查处的", "squad_case"))
    b.decide(first, "能否现场处置", *outcomes)
    inv_src = b.src("接报后")
    command = "防汛防旱指挥部" in c.raw.steps_text
    if command:
        hq = b.dept("flood_drought_command", "flood_drought_command", "市防汛防旱指挥部")
        b.step(
            "report_command", K.report_up, "上报市防汛防旱指挥部，提供技术支撑", lead, inv_src, limit="上报"
        )
        b.step("command_guidance", K.dispatch, "指挥部指导山洪灾害防御处置", hq, inv_src)
        b.go("report_up", "report_command", "command_guidance")
        rect_from = "command_guidance"
    else:
        b.step(
            "investigate", K.investigation, "接报后联合相关部门开展调查处置", lead, inv_src, limit="接报后"
        )
        b.go("report_up", "investigate")
        rect_from = "investigate"
        if inv_src is not None and "联合执法指令" in inv_src.text:
            b.step(
                "joint_enforcement",
                K.joint_enforcement,
                "协同部门按职责现场处置或立案查处",
                b.collaborators(),
                inv_src,
                multi=True,
            )
            b.go("investigate", "joint_enforcement")
            rect_from = "joint_enforcement"
        b.step("rectification_order", K.rectification_order, "反馈存在的问题以及整改意见", lead, inv_src)
        b.go(rect_from, "rectification_order")
        rect_from = "rectification_order"
    rect_src = b.src("落实")
    b.step("rectify", K.onsite_handling, "落实整改措施，并将落实情况反馈", town, rect_src, limit="落实")
    b.go(rect_from, "rectify")
    recheck_src = s[-1]
    b.step("recheck", K.recheck, f"{c.raw.lead[0]}对处置后的问题进行现场查看", lead, recheck_src)
    b.go("rectify", "recheck")
    b.step("lead_feedback", K.feedback, "向镇（街道、区）反馈办理结果", lead, recheck_src)
    b.end("lead_feedback", "结案")
    case_src: RawStep | None = recheck_src if "确定是否需要立案查处" in recheck_src.text else None
    named = c.named_in(recheck_src, "移送") if case_src else []
    if case_src is None:
        # the 具体流程 stops at the recheck, but the flowchart may hand cases on (交由X调查处理)
        node = next((n for n in c.raw.flow_nodes if re.search(r"交由.+?(调查处理|查处)", n.text)), None)
        if node is not None and c.flow("立案查处"):
            case_src = b.flow_src(node)
            named = [s for s in c.mentions(node.text.split("交由", 1)[1]) if s.department_id != c.lead_id]
    if case_src is not None and named:
        target = named[0]
        enforcer = b.dept(target.department_id, target.department_id, target.name)
        b.step("transfer", K.transfer, f"将相关证据材料移送{target.text}", lead, case_src)
        b.step("case", K.case_filing, f"{target.text}按程序立案查处", enforcer, case_src)
        b.step(
            "enforcer_feedback", K.feedback, "处理结果反馈牵头部门和对应镇（街道、区）", enforcer, case_src
        )
        b.go("transfer", "case", "enforcer_feedback")
        b.end("enforcer_feedback", "结案")
        b.decide(
            "recheck",
            "是否需要立案查处",
            ("no_case", "无需立案查处", "lead_feedback"),
            ("file_case", "确需立案查处的", "transfer"),
        )
    else:
        b.go("recheck", "lead_feedback")
    b.entry("report", "巡查或受理投诉举报发现问题", entry_to, find_src)


# --------------------------------------------------------------------------------------------
# plan_patrol_verify_transfer: 监督管理计划 → 宣传培训 → 监督检查; 镇巡查上报 → 核实 → 移送执法 →
# 网站公开 → 反馈
# --------------------------------------------------------------------------------------------


def plan_patrol_verify_transfer(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    plan_src = next(
        (s for s in c.raw.steps if ("计划" in s.text and "制定" in s.text) or "制订" in s.text), None
    )
    training_src = next((s for s in c.raw.steps if "宣传培训" in s.text), None)
    inspect_src = next((s for s in c.raw.steps if "监督检查" in s.text or "批后监管" in s.text), None)
    routine: list[str] = []
    if plan_src is not None:
        routine.append(b.step("plan", K.plan, "制定监督管理计划", lead, plan_src))
    if training_src is not None:
        routine.append(b.step("training", K.plan, "组织宣传培训（部门负责讲解）", town, training_src))
    if inspect_src is not None and inspect_src is not plan_src:
        routine.append(b.step("inspection", K.patrol, "依计划开展监督检查", lead, inspect_src))
    if routine:
        b.go(*routine)
        b.end(routine[-1], "计划执行")
        first_routine = plan_src or training_src or inspect_src
        assert first_routine is not None  # a routine step came from one of them
        b.entry(
            "plan_start",
            "年度计划"
            if "年度" in first_routine.text
            else ("制定监督管理计划" if plan_src else "日常监督检查"),
            routine[0],
            first_routine,
            yearly="年度" in first_routine.text,
        )
    patrol_src = next((s for s in c.raw.steps if "巡查" in s.text and "上报" in s.text), None) or b.src(
        "上报"
    )
    verify_src = next((s for s in c.raw.steps if "核实" in s.text or "研判" in s.text), None)
    b.step(
        "patrol",
        K.patrol,
        "镇（街道、区）日常巡查，发现问题制止并上报",
        town,
        patrol_src,
        limit="上报",
        escalate_to=[lead],
    )
    b.step("verify", K.investigation, f"{c.raw.lead[0]}核实", lead, verify_src)
    b.go("patrol", "verify")
    b.step("lead_feedback", K.feedback, "查处结果反馈镇（街道、区）", lead, c.raw.steps[-1])
    b.end("lead_feedback", "结案")
    then = "lead_feedback"
    if c.text("验收"):
        acc_src = b.src("验收")
        rect_src = b.src("督促落实整改")
        b.step("town_rectify", K.supervision, "镇（街道、区）督促落实整改", town, rect_src)
        b.step("acceptance", K.recheck, "会同相关部门验收整改情况", lead, acc_src)
        b.go("town_rectify", "acceptance", "lead_feedback")
        then = "town_rectify"
    if c.text("统一网站公开"):
        pub_src = b.src("统一网站公开")
        b.step("publish", K.notify, "处罚结果在统一网站公开", lead, pub_src)
        b.go("publish", then)
        then = "publish"
    case_src = next((s for s in c.raw.steps if "移送" in s.text or "移交" in s.text), verify_src)
    case_first = _enforcement(b, c, case_src, then)
    outcomes = [("file_case", "需要立案查处的", case_first)]
    if c.text("责令整改"):
        b.step("rectification_order", K.rectification_order, "对存在问题的责令整改", lead, b.src("责令整改"))
        b.go("rectification_order", "lead_feedback")
        outcomes.append(("rectify", "责令整改", "rectification_order"))
    else:
        outcomes.append(("no_case", "无需立案查处", "lead_feedback"))
    if c.text("市委市政府汇报"):
        major_src = b.src("市委市政府汇报")
        gov = b.dept("party_and_government_leadership", "party_and_government_leadership", "市委市政府")
        b.step("report_leadership", K.report_up, "同步向市委市政府汇报", lead, major_src, limit="汇报")
        b.step("joint_mechanism", K.meeting, "建立部门联合处理机制，协同解决", gov, major_src)
        b.go("report_leadership", "joint_mechanism", "lead_feedback")
        outcomes.append(("major", "涉及重要或紧急事项", "report_leadership"))
    b.decide("verify", "核实结论", *outcomes)
    b.entry("report", "镇（街道、区）巡查发现或群众举报", "patrol", patrol_src)


# --------------------------------------------------------------------------------------------
# plan_triage_routing: 年度检查计划; 巡查上报、先期处置 → 核实 → 本部门办理 / 明确牵头转交 / 转交相关部门
# --------------------------------------------------------------------------------------------


def plan_triage_routing(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    plan_src = b.src("计划")
    if plan_src is not None:
        yearly = "年度" in plan_src.text
        b.step("plan", K.plan, "制定监督检查计划" + ("（年度）" if yearly else ""), lead, plan_src)
        exec_src = next(
            (
                s
                for s in c.raw.steps
                if "按计划组织实施" in s.text or "按计划进行检查" in s.text or "按各自职责" in s.text
            ),
            plan_src,
        )
        b.step("inspection", K.patrol, "按计划检查、抽查", lead, exec_src)
        b.go("plan", "inspection")
        b.end("inspection", "计划执行")
        b.entry(
            "plan_start",
            "年度监督检查计划" if yearly else "制定监督检查计划",
            "plan",
            plan_src,
            yearly=yearly,
        )
    patrol_src = next((s for s in c.raw.steps if "巡查" in s.text and "上报" in s.text), None)
    verify_src = b.src("属本部门独立解决")
    major_src = b.src("市委市政府汇报")
    close_src = b.src("结案后")
    others = b.role("relevant_departments", Role.relevant_departments, "相关责任部门")
    gov = b.dept("party_and_government_leadership", "party_and_government_leadership", "市委市政府")
    b.step(
        "patrol", K.patrol, "巡查发现问题，先期处置并上报", town, patrol_src, limit="上报", escalate_to=[lead]
    )
    b.step("verify", K.investigation, "对问题进行核实", lead, verify_src)
    # the three routes as this mechanism words them (52 files cases itself and forms a joint team)
    verify_text = verify_src.text if verify_src is not None else ""
    own = re.search(r"属本部门独立解决事项的，([^；。]+)", verify_text)
    shared = re.search(r"(需[^，；。]*(?:联合查处|协调办理)[^，；。]*)，([^；。]+)", verify_text)
    b.step(
        "handle_own",
        K.onsite_handling,
        f"属本部门独立解决事项的，{own.group(1)}" if own else "属本部门独立解决事项的，立即予以办理",
        lead,
        verify_src,
        limit="立即",
    )
    b.step(
        "designate_lead",
        K.dispatch,
        shared.group(2) if shared else "明确牵头部门，转交相关责任部门",
        lead,
        verify_src,
    )
    b.step("transfer_other", K.transfer, "不属于本部门事项的，转交相关部门", lead, verify_src)
    b.step("handle_other", K.onsite_handling, "责任部门按职责办理", others, verify_src)
    b.step("report_leadership", K.report_up, "同步向市委市政府汇报", lead, major_src, limit="汇报")
    b.step(
        "joint_mechanism",
        K.meeting,
        "建立部门联合处理机制，申请镇（街道、区）工作支持，协同解决",
        gov,
        major_src,
    )
    b.step("lead_feedback", K.feedback, "结案后向镇（街道、区）反馈办理结果", lead, close_src)
    b.go("patrol", "verify")
    b.decide(
        "verify",
        "事项归属",
        ("own", "属本部门独立解决事项", "handle_own"),
        ("coordinated", shared.group(1) if shared else "需其他责任部门协调办理", "designate_lead"),
        ("not_own", "不属于本部门事项", "transfer_other"),
        ("major", "涉及重要或紧急事项", "report_leadership"),
    )
    b.go("designate_lead", "handle_other")
    b.go("transfer_other", "handle_other")
    b.go("handle_own", "lead_feedback")
    b.go("handle_other", "lead_feedback")
    b.go("report_leadership", "joint_mechanism", "lead_feedback")
    b.end("lead_feedback", "结案")
    b.entry("report", "镇（街道、区）巡查、群众举报或部门检查发现问题", "patrol", patrol_src)


# --------------------------------------------------------------------------------------------
# referral_by_matter: 上报 → 研判 → 落实处理措施 → 查处中按涉及事项向各部门发协助调查函或移送 → 反馈
# --------------------------------------------------------------------------------------------

_REFERRAL = re.compile(r"(?:向|会同)(?P<who>[^，。；]+?)(?:发送协助调查函|进行查处|责令改正)")


def referral_by_matter(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    report_src, triage_src = c.raw.steps[0], b.src("研判")
    b.step("report", K.report_up, f"上报镇（街道、区）或{c.raw.lead[0]}", town, report_src)
    b.step("triage", K.triage, f"{c.raw.lead[0]}研判", lead, triage_src)
    b.step("measures", K.onsite_handling, "各部门按职责落实处理措施并反馈", town, triage_src)
    b.step("investigate", K.investigation, "案件查处", lead, triage_src)
    b.go("report", "triage", "measures", "investigate")
    final_src = next((s for s in reversed(c.raw.steps) if "反馈" in s.text), None)
    b.step("collect", K.feedback, "各部门将办理结果反馈牵头部门", lead, final_src)
    b.step("lead_feedback", K.feedback, "办理结果反馈镇（街道、区）和有关部门", lead, final_src)
    b.go("collect", "lead_feedback")
    b.end("lead_feedback", "结案")
    outcomes: list[tuple[str, str, str]] = [("none", "不涉及其他部门职责", "collect")]
    for step in c.raw.steps:
        m = _REFERRAL.search(step.text)
        if m is None or "涉" not in step.text:
            continue
        matter = re.search(r"(涉[^，。；]+?)(?:的|等)", step.text)
        named = [s for s in c.mentions(m.group("who")) if s.department_id != c.lead_id]
        if named:
            dept = named[0]
            actor = b.dept(dept.department_id, dept.department_id, dept.name)
            code = f"refer_{dept.department_id}"
            b.step(code, K.transfer, f"向{dept.text}发送协助调查函或移送案件", lead, step)
            b.step(f"{code}_handle", K.investigation, f"{dept.text}协助调查或查处", actor, step)
            b.go(code, f"{code}_handle", "collect")
        else:  # 会同镇（街道、区）责令改正
            code = "order_correction"
            b.step(code, K.rectification_order, "会同镇（街道、区）责令改正", lead, step)
            b.go(code, "collect")
        outcomes.append((code, (matter.group(1) if matter else m.group(0))[:40], code))
    b.decide("investigate", "查处中涉及的事项", *outcomes)
    b.entry("report", "日常巡查、群众投诉举报或其他渠道发现", "report", report_src)


# --------------------------------------------------------------------------------------------
# verify_assist_penalty: 巡查上报 → 核实 → 相关单位协助调查（按时间要求提供材料）→ 处罚/承诺/整改 → 归档
# --------------------------------------------------------------------------------------------


def verify_assist_penalty(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    plan_src = next((s for s in c.raw.steps if s.phase == "日常管理" or "计划" in s.text), None)
    if plan_src is not None and c.raw.steps.index(plan_src) == 0:
        b.step("plan", K.plan, "制定监督管理计划，指导镇（街道、区）", lead, plan_src)
        accept_src = next((s for s in c.raw.steps if "督导验收" in s.text), None)
        if accept_src is not None:
            b.step("acceptance", K.recheck, "根据计划督导验收隐患排查整改情况", lead, accept_src)
            b.go("plan", "acceptance")
            b.end("acceptance", "验收完毕")
        else:
            b.end("plan", "计划下达")
        b.entry("plan_start", "制定监督管理计划、考核办法和培训计划", "plan", plan_src)
    patrol_src = next(
        (s for s in c.raw.steps if "上报" in s.text and ("巡查" in s.text or "排查" in s.text)), None
    )
    assist_src = next((s for s in c.raw.steps if "协助调查" in s.text or "协同调查" in s.text), None)
    verifier = lead
    if assist_src is not None and "派出所" in assist_src.text:
        verifier = b.dept("police_stations", "police_stations", "市公安局（各派出所）")
    b.step(
        "patrol",
        K.patrol,
        "巡查发现，初步核实、劝告制止并上报",
        town,
        patrol_src,
        limit="上报",
        escalate_to=[lead],
    )
    if patrol_src is not None and "能够及时改正" in patrol_src.text:
        b.step("town_done", K.feedback, "能够及时改正的，办结情况反馈汇总", town, patrol_src)
        b.end("town_done", "办结")
        b.step(
            "report_up",
            K.report_up,
            "无法处置或拒不改正的，固定证据并上报",
            town,
            patrol_src,
            limit="上报",
            escalate_to=[lead],
        )
        b.decide(
            "patrol",
            "能否及时改正",
            ("corrected", "能够及时改正的", "town_done"),
            ("escalate", "无法处置的或拒不改正的", "report_up"),
        )
        after_patrol = "report_up"
    else:
        after_patrol = "patrol"
    b.step(
        "verify", K.investigation, "对举报或上报的问题进行核实，提请相关单位协助调查", verifier, assist_src
    )
    b.go(after_patrol, "verify")
    limit = "按照时间要求" if assist_src is not None and "按照时间要求" in assist_src.text else "及时提供"
    b.step(
        "assist",
        K.investigation,
        "相关单位收到协助调查后提供对应材料",
        b.collaborators("协助调查的相关单位"),
        assist_src,
        limit=limit,
        multi=True,
    )
    b.go("verify", "assist")
    b.step("penalty", K.penalty_decision, "综合证据材料，依法作出行政处罚", lead, assist_src)
    b.step("archive", K.archive, "结案后相关材料同步归档", lead, c.raw.steps[-1])
    b.end("archive", "结案归档")
    outcomes = [("penalty", "依法应当给予行政处罚的", "penalty")]
    after_penalty = "archive"
    last = c.raw.steps[-1]
    if "承诺书" in last.text:
        b.step("commitment", K.onsite_handling, "情节轻微已纠正的，现场制作笔录并签订承诺书", verifier, last)
        b.go("commitment", "archive")
        outcomes.insert(0, ("commitment", "情节轻微且已纠正、未造成危害后果", "commitment"))
        if "曝光" in last.text:
            b.step("publish", K.notify, "处理结果在市新闻媒体刊播曝光", lead, last)
            b.go("publish", "archive")
            after_penalty = "publish"
    if "限期改正" in last.text:
        b.step("confirm_correction", K.recheck, "牵头属地镇（街道、区）现场确认改正", lead, last)
        b.step(
            "forced_rectification",
            K.joint_order,
            "牵头交通、应急及属地镇（街道、区）勘查隐患路段提出整改建议",
            lead,
            last,
        )
        b.decide(
            "penalty",
            "整改要求",
            ("correct_in_time", "要求限期改正的", "confirm_correction"),
            ("forced", "要求强制整改的", "forced_rectification"),
        )
        b.go("confirm_correction", "archive")
        b.go("forced_rectification", "archive")
    else:
        b.go("penalty", after_penalty)
    assist_text = assist_src.text if assist_src is not None else ""
    if "联合执法" in assist_text:
        b.step(
            "joint_enforcement",
            K.joint_enforcement,
            "启动市级指挥协调机制，多部门联合执法",
            b.collaborators(),
            assist_src,
            multi=True,
        )
        fb = next((s for s in c.raw.steps if "反馈" in s.text and s is not patrol_src), None)
        b.step("lead_feedback", K.feedback, "案件办理结果反馈镇（街道、区）", lead, fb)
        b.go("joint_enforcement", "lead_feedback")
        b.steps["penalty"].next.clear()
        b.go("penalty", "lead_feedback", "archive")
        outcomes.append(("joint", "涉及多部门职责、案情复杂的", "joint_enforcement"))
    if len(outcomes) >= 2:
        b.decide("assist", "案情", *outcomes)
    else:
        b.go("assist", outcomes[0][2])
    b.entry("report", "巡查发现或群众举报", "patrol", patrol_src)


# --------------------------------------------------------------------------------------------
# department_first_joint_rectification: 部门/学校先行处置、通报牵头部门 → 联合整治 → 重大事项汇报领导小组
# --------------------------------------------------------------------------------------------


def department_first_joint_rectification(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    s = c.raw.steps
    major_src = next((x for x in s if "领导小组汇报" in x.text), None)
    if c.text("移交给相关镇"):  # 幼儿园: the lead finds, hands to the town, the town leads the ban
        b.step("evidence", K.investigation, "赴现场取证", lead, s[0])
        b.step("handover", K.transfer, "将相关线索移交给相关镇（街道、区）", lead, s[0])
        b.step("town_verify", K.investigation, "镇（街道、区）到现场核查确认", town, s[1])
        b.step(
            "joint_enforcement",
            K.joint_enforcement,
            "联系职能部门联合依法查处并取缔",
            b.collaborators(),
            s[1],
            multi=True,
        )
        coord_src = next((x for x in s if "协同组织实施联合执法" in x.text), s[1])
        b.step("coordinate", K.supervision, "协同组织实施联合执法工作", lead, coord_src)
        b.go("evidence", "handover", "town_verify", "joint_enforcement", "coordinate")
        b.entry("lead_patrol", "市教育局日常巡查发现无证幼儿园及其他违规违法问题", "evidence", s[0])
        decide_at = "coordinate"
    elif c.text("联合惩戒"):  # 校外培训机构: every department investigates and handles its part
        others = b.role("relevant_departments", Role.relevant_departments, "各职能部门")
        clue, inv, handle, discipline = s[0], s[1], s[2], s[-1]
        b.step(
            "town_triage", K.triage, "镇（街道、区）网格巡查发现线索，及时组织研判", town, clue, limit="研判"
        )
        b.step("share_clue", K.notify, "将线索告知相关职能部门", others, clue, limit="告知")
        b.step(
            "investigate",
            K.investigation,
            "各职能部门依法调查核实",
            b.collaborators("各职能部门"),
            inv,
            limit="调查核实",
            multi=True,
        )
        b.step("handle", K.penalty_decision, "一般违法违规行为由各职能部门依法处理并反馈", others, handle)
        b.step("transfer", K.transfer, "违法办学案件线索移交市综合行政执法局", lead, handle)
        enforcer = b.dept(
            "comprehensive_law_enforcement", "comprehensive_law_enforcement", "市综合行政执法局"
        )
        b.step("case", K.case_filing, "市综合行政执法局依法查处", enforcer, handle)
        b.step(
            "closure",
            K.joint_enforcement,
            "无证办学取缔：镇（街道、区）牵头联合执法，责令停办并查封",
            town,
            handle,
        )
        b.step("discipline", K.information_copying, "信息采集、互联互通，联合惩戒", others, discipline)
        b.go("town_triage", "share_clue", "investigate")
        b.decide(
            "investigate",
            "违法违规行为的类别",
            ("general", "一般违法违规行为", "handle"),
            ("illegal_school", "违法办学", "transfer"),
            ("unlicensed", "无证办学取缔及吊销办学许可关停", "closure"),
        )
        b.go("transfer", "case")
        police = b.dept("public_security", "public_security", "公安部门")
        b.step("police_case", K.case_filing, "涉嫌犯罪的，由公安部门依法立案侦查", police, handle)
        b.decide(
            "case",
            "是否涉嫌犯罪",
            ("no_crime", "依法查处", "discipline"),
            ("crime", "涉嫌犯罪", "police_case"),
        )
        b.go("police_case", "discipline")
        b.go("handle", "discipline")
        b.go("closure", "discipline")
        b.end("discipline", "联合惩戒")
        b.entry("report", "检查、群众举报或网格巡查获取线索", "town_triage", clue)
        _lead_patrol_entry(b, c, "investigate")
        return
    else:  # 校园周边: departments act first and notify the lead, which organises joint rectification
        others = b.role("relevant_departments", Role.relevant_departments, "各相关部门")
        b.step("first_handling", K.onsite_handling, "各相关部门先行处置", others, s[0])
        b.step("notify_lead", K.notify, f"通报{c.raw.lead[0]}", others, s[0], limit="通报")
        b.step("joint_order", K.joint_order, "根据问题种类联系相关职能部门", lead, s[1])
        b.step(
            "joint_enforcement",
            K.joint_enforcement,
            "联合开展依法整治，消除安全防控隐患",
            b.collaborators(),
            s[1],
            limit="消除",
            multi=True,
        )
        b.go("first_handling", "notify_lead", "joint_order", "joint_enforcement")
        b.entry("report", "日常巡查发现或学校报告校园周边安全防控问题", "first_handling", s[0])
        decide_at = "joint_enforcement"
    group = b.dept("education_leading_group", "education_leading_group", "市委教育工作领导小组")
    b.step("report_group", K.report_up, "向市委教育工作领导小组汇报", lead, major_src, limit="汇报")
    b.step("joint_meeting", K.meeting, "召开部门联席会议，实行部门联合处理机制", group, major_src)
    b.step("lead_feedback", K.feedback, "反馈办理结果，结案归档", lead, major_src)
    b.go("report_group", "joint_meeting", "lead_feedback")
    b.end("lead_feedback", "结案归档")
    b.decide(
        decide_at,
        "是否重大或紧急事项",
        ("ordinary", "一般事项", "lead_feedback"),
        ("major", "重大或紧急事项", "report_group"),
    )


TEMPLATES: dict[Shape, Template] = {
    Shape.town_first_escalation: town_first_escalation,
    Shape.info_centre_joint_order: info_centre_joint_order,
    Shape.four_platform_dispatch: four_platform_dispatch,
    Shape.check_rectify_recheck: check_rectify_recheck,
    Shape.plan_patrol_verify_transfer: plan_patrol_verify_transfer,
    Shape.plan_triage_routing: plan_triage_routing,
    Shape.referral_by_matter: referral_by_matter,
    Shape.verify_assist_penalty: verify_assist_penalty,
    Shape.department_first_joint_rectification: department_first_joint_rectification,
    Shape.two_track_handling: shape_builder("two_track_handling"),
    Shape.epidemic_response: shape_builder("epidemic_response"),
    Shape.disaster_response: shape_builder("disaster_response"),
    Shape.project_approval_lifecycle: shape_builder("project_approval_lifecycle"),
    Shape.medical_referral_network: shape_builder("medical_referral_network"),
    Shape.planning_permit_enforcement: shape_builder("planning_permit_enforcement"),
}


def build_procedure(
    raw: RawMechanism,
    classification: Classification,
    mentions: Mentions,
    lead_id: str,
    policies: Sequence[Policy] = (),
) -> tuple[Procedure, list[str]]:
    """The mechanism's procedure from its shape's template; also the template's reading problems."""
    builder = GraphBuilder(
        raw,
        classification.shape.value,
        SHAPE_DESCRIPTIONS[classification.shape],
        policies,
        lead_department=lead_id,
    )
    try:
        TEMPLATES[classification.shape](builder, Ctx(raw, mentions, lead_id))
    except (IndexError, KeyError, AttributeError) as exc:
        # a paragraph the template relies on is not there: the mechanism does not have this shape
        raise TemplateMismatch(
            f"mechanism {raw.number}: the {classification.shape.value} template cannot follow its 具体流程 "
            f"({type(exc).__name__}: {exc}); classified by {classification.describe()}"
        ) from exc
    return builder.build(), builder.problems


class TemplateMismatch(ValueError):
    """A mechanism classified into a shape whose template cannot read its text."""
