"""峨山县 综合行政执法协调联动 + 统筹指挥 (document 004): seven procedures from the prose.

Case transfer (3 working days, 24 hours when urgent; stop an ongoing violation at once),
first-ask complaint handling (首问责任制) with both entries (the town team, a county department),
upper-lower joint enforcement (上下联动), emergency police support (应急处突, 第一时间), the
quarterly joint meeting (timer R/P3M, plus ad-hoc), the monthly joint rectification (R/P1M) and
case transfer to the dispatched stations with feedback.

The document uses half-width punctuation and has a stray 。 inside a sentence
(``发现违法行为正在进行的。应当立即劝阻…``); sentences are found by words, not by position.
"""

from __future__ import annotations

from xietong.catalog.importers.base import ImportContext, ImportResult, register
from xietong.catalog.importers.procedure_builder import ProcedureBuilder
from xietong.catalog.importers.prose import Locator, Sentence, sentences
from xietong.catalog.importers.text import numbered_lines
from xietong.catalog.model import END, Mechanism, MechanismKind, RecurrenceRule, Role, SourceRef, StepKind

DOCUMENT = "004_142988561856460f.txt"
JURISDICTION = "eshan"
TEAM = "乡镇（街道）综合行政执法队"


@register
class EshanImporter:
    """Reads document 004."""

    document = DOCUMENT
    jurisdiction = JURISDICTION

    def run(self, text: str, context: ImportContext) -> ImportResult:
        result = ImportResult(DOCUMENT)
        loc = Locator(DOCUMENT, sentences(numbered_lines(text)), result, context.policies)
        for build in (self.case_transfer, self.first_ask, self.upper_lower, self.police_support,
                      self.quarterly_meeting, self.monthly_rectification, self.station_transfer):
            mechanism = build(loc)
            if mechanism is not None:
                result.mechanisms.append(mechanism)
        return result

    def _mechanism(self, b: ProcedureBuilder, mech_id: str, title: str, kind: MechanismKind,
                   notes: list[str], heading: Sentence | None = None) -> Mechanism | None:
        if b.loc.missing:
            return None
        used = [*b.used, *([heading] if heading else [])]
        return Mechanism(
            id=mech_id, jurisdiction=JURISDICTION, kind=kind, title=title,
            source=SourceRef(document=DOCUMENT, line_start=min(s.first for s in used),
                             line_end=max(s.last for s in used)),
            lead=[TEAM] if any(a.department == TEAM for a in b.actors) else [],
            steps_text=b.steps_text(), procedure=b.build(), notes=notes,
        )

    # -- (四)建立案件移送抄告制度 -------------------------------------------------------------

    def case_transfer(self, loc: Locator) -> Mechanism | None:
        limit = loc.find("3个工作日内移送")
        ongoing = loc.find("立即劝阻当事人停止违法行为")
        materials = loc.find("移送案件时", "书面材料")
        if None in (limit, ongoing, materials):
            return None
        assert limit and ongoing and materials
        b = ProcedureBuilder(loc, "case_transfer",
                             "发现不属于本方管辖的违法行为：正在进行的立即劝阻并及时告知有管辖权的部门；形成书面材料，"
                             "3个工作日内（紧急的24小时内）移送有管辖权的一方处理。")
        b.role("initiator", "发现方（执法队或县级职能部门）", Role.initiator)
        b.role("receiver", "有管辖权的一方", Role.competent_party)
        b.entry("violation_found", "发现不属于本方管辖的违法行为", "assess_situation", limit)
        b.decide("assess_situation", StepKind.triage, "研判违法行为是否正在进行", "initiator", ongoing,
                 "违法行为是否正在进行", [("ongoing", "正在进行", "dissuade"), ("not_ongoing", "已结束",
                                                                  "prepare_materials")])
        b.step("dissuade", StepKind.onsite_handling, "劝阻当事人停止违法行为并告知有管辖权的部门",
               "initiator", ongoing,
               "prepare_materials", deadline=loc.policy("immediately"))
        b.step("prepare_materials", StepKind.investigation, "形成移送函、案源材料和证据材料", "initiator",
               materials,
               "transfer_case")
        b.step("transfer_case", StepKind.transfer, "移送有管辖权的一方", "initiator", limit, "handle_case",
               deadline=loc.deadline(limit))
        b.step("handle_case", StepKind.case_filing, "依法处理移送案件", "receiver", limit, END,
               end_label="依法处理")
        return self._mechanism(b, "eshan_case_transfer", "案件移送抄告",
                               MechanismKind.enforcement_cooperation,
                               ["The document's stray 。 splits 发现违法行为正在进行的 from its clause; the "
                                "ongoing-violation step quotes the clause."])

    # -- (五)严格落实首问责任制 ---------------------------------------------------------------

    def first_ask(self, loc: Locator) -> Mechanism | None:
        team_entry = loc.find("举报投诉", "应当及时受理")
        county_entry = loc.find("县级职能部门接到的群众投诉举报")
        feedback = loc.find("综合行政执法队应向告知的县级职能部门反馈调查处理结果")
        if None in (team_entry, county_entry, feedback):
            return None
        assert team_entry and county_entry and feedback
        b = ProcedureBuilder(loc, "first_ask_complaint",
                             "执法队及时受理权责范围内的举报投诉并初步核实：未发现违法的直接答复；需要处罚的立案调查；"
                             "无管辖权的移交有管辖权的部门，由最终办结单位答复。县级职能部门接到应由乡镇处理的投诉的，"
                             "登记并告知投诉人和执法队，执法队调查后向其反馈。")
        b.department("team", "乡镇（街道）综合行政执法队", TEAM)
        b.role("county_department", "县级职能部门", Role.relevant_departments)
        b.role("competent", "有管辖权的部门", Role.competent_party)
        b.entry("complaint_to_team", "执法队接到来电、来信、来访举报投诉", "accept_complaint", team_entry)
        b.entry("complaint_to_county", "县级职能部门接到应由乡镇处理的投诉举报", "register_complaint",
                county_entry)
        b.step("accept_complaint", StepKind.intake, "受理举报投诉", "team", team_entry, "verify",
               deadline=loc.policy("promptly"))
        b.decide("verify", StepKind.investigation, "初步核实", "team", team_entry, "核实结果",
                 [("no_violation", "未发现违法行为", "reply_no_violation"),
                  ("penalty_needed", "需要实施行政处罚", "file_case"),
                  ("not_competent", "无管辖权需要移送", "transfer_to_competent")])
        b.step("reply_no_violation", StepKind.reply, "直接答复举报人或投诉人", "team", team_entry, END,
               end_label="已答复")
        b.step("file_case", StepKind.case_filing, "立案调查处理", "team", team_entry, "reply_result",
               deadline=loc.policy("promptly"))
        b.step("reply_result", StepKind.reply, "将处理结果答复举报投诉人", "team", team_entry, END,
               end_label="已答复", deadline=loc.policy("promptly"))
        b.step("transfer_to_competent", StepKind.transfer, "形成书面资料移交有管辖权的部门", "team",
               team_entry,
               "competent_handles")
        b.step("competent_handles", StepKind.case_filing, "依法办理", "competent", team_entry,
               "competent_replies")
        b.step("competent_replies", StepKind.reply, "最终办结单位答复举报投诉人", "competent", team_entry,
               END,
               end_label="已答复", deadline=loc.policy("promptly"))
        b.step("register_complaint", StepKind.intake, "登记记录并告知投诉人、告知执法队", "county_department",
               county_entry, "team_investigates", deadline=loc.policy("promptly"))
        b.step("team_investigates", StepKind.investigation, "执法队调查并依法受理", "team", county_entry,
               "report_back")
        b.step("report_back", StepKind.feedback, "向告知的县级职能部门反馈调查处理结果", "team", feedback,
               END,
               end_label="已反馈")
        return self._mechanism(b, "eshan_first_ask", "首问责任制", MechanismKind.enforcement_cooperation,
                               ["The complainant is outside the government: reply steps notify them; no "
                                "complainant task exists."])

    # -- (六)建立上下联动执法制度 -------------------------------------------------------------

    def upper_lower(self, loc: Locator) -> Mechanism | None:
        support = loc.find("需要由县级职能部门提供技术支撑")
        if support is None:
            return None
        b = ProcedureBuilder(loc, "upper_lower_joint_enforcement",
                             "执法队认定违法事项需要技术支撑的，及时书面函告县级职能部门；县级部门提供支撑和业务指导，"
                             "必要时组织联合执法和协同执法。")
        b.department("team", "乡镇（街道）综合行政执法队", TEAM)
        b.role("county_department", "县级相关行政主管部门", Role.relevant_departments)
        b.entry("support_needed", "认定违法事项需要技术支撑", "send_letter", support)
        b.step("send_letter", StepKind.notify, "书面函告县级职能部门", "team", support, "provide_support",
               deadline=loc.policy("promptly"))
        b.decide("provide_support", StepKind.technical_opinion, "提供技术支撑和业务指导", "county_department",
                 support, "是否需要组织联合执法",
                 [("support_only", "提供技术支撑", "apply_support"), ("joint", "组织联合执法和协同执法",
                                                                "joint_enforcement")])
        b.step("joint_enforcement", StepKind.joint_enforcement, "组织联合执法和协同执法", "county_department",
               support,
               "apply_support")
        b.step("apply_support", StepKind.feedback, "依据支撑意见继续办案", "team", support, END,
               end_label="办结",
               join_all=False)
        return self._mechanism(b, "eshan_upper_lower_joint_enforcement", "上下联动执法",
                               MechanismKind.enforcement_cooperation,
                               ["The document states no limit for the county department's support; "
                                "none is set."])

    # -- 统筹指挥 (七)应急处突 (八)舆情管控, 运行模式 (三)联合处置 ------------------------------

    def police_support(self, loc: Locator) -> Mechanism | None:
        resistance = loc.find("遭遇强力对抗")
        opinion = loc.find("第一时间按要求上报事件处置情况")
        joint = loc.find("暴力抗法", "及时派出警力")
        if None in (resistance, opinion, joint):
            return None
        assert resistance and opinion and joint
        b = ProcedureBuilder(loc, "emergency_police_support",
                             "执法队员遭遇强力对抗时报警，派出所第一时间派员出警，控制现场、调查取证、疏散群众；"
                             "执法队做好现场宣传解释并第一时间上报事件处置情况。")
        b.department("team", "乡镇（街道）综合行政执法队", TEAM)
        b.department("police", "公安派出所", "公安派出所")
        b.entry("resistance_met", "执法中遭遇强力对抗或暴力抗法", "call_police", resistance)
        b.step("call_police", StepKind.report_up, "向派出所报警", "team", resistance, "dispatch_police",
               deadline=loc.policy("immediately"))
        b.step("dispatch_police", StepKind.police_support, "派员出警", "police", resistance, "control_scene",
               deadline=loc.policy("first_moment"))
        b.step("control_scene", StepKind.onsite_handling, "控制现场、调查取证、疏散群众", "police", joint,
               "report_handling")
        b.step("report_handling", StepKind.report_up, "宣传解释并上报事件处置情况", "team", opinion, END,
               end_label="已上报", deadline=loc.policy("first_moment"))
        return self._mechanism(b, "eshan_emergency_police_support", "应急处突与警力保障",
                               MechanismKind.enforcement_cooperation, [])

    # -- 统筹指挥 (二)联席会议机制 (每季度), 协调联动 1.联席会议制度 -----------------------------

    def quarterly_meeting(self, loc: Locator) -> Mechanism | None:
        quarterly = loc.find("每季度召开1次执法统筹指挥机制工作会议")
        ad_hoc = loc.find("遇重要事项时")
        town_meeting = loc.find("每季度召开1次联合会商会议")
        if None in (quarterly, ad_hoc, town_meeting):
            return None
        assert quarterly and ad_hoc and town_meeting
        b = ProcedureBuilder(loc, "recurring_meeting",
                             "执法队牵头，司法所、派出所、自然资源所、市场监管所每季度召开1次执法统筹指挥机制工作会议；"
                             "遇重要事项时适时召开。")
        b.department("team", "乡镇（街道）综合行政执法队", TEAM)
        b.role("members", "司法所、公安派出所、自然资源所、市场监管所", Role.collaborating_units)
        b.entry("every_quarter", "每季度", "convene", quarterly,
                recurrence=RecurrenceRule(every=1, period="quarter", iso8601="R/P3M"))
        b.entry("important_matter", "遇重要事项时适时召开", "convene", ad_hoc)
        b.step("convene", StepKind.meeting, "召开执法统筹指挥机制工作会议", "team", quarterly, "report_work")
        b.step("report_work", StepKind.report_up, "汇报行政执法工作情况", "members", quarterly, "follow_up",
               each_collaborator=True)
        b.step("follow_up", StepKind.supervision, "调度工作进展，研究部署阶段性重点工作", "team", ad_hoc, END,
               end_label="会议结束")
        mech = self._mechanism(b, "eshan_quarterly_joint_meeting", "季度联席会议", MechanismKind.routine,
                               ["The coordination mechanism's own quarterly meeting (执法队、司法所、派出所) "
                                "is the same routine with fewer members; it is quoted in steps_text."])
        if mech is not None:
            mech = mech.model_copy(update={
                "steps_text": sorted({*mech.steps_text, town_meeting.text},
                                     key=lambda t: [s.text for s in loc.sentences].index(t)),
                "collaborators": ["司法所", "公安派出所", "自然资源所", "市场监管所"],
            })
        return mech

    # -- 运行模式 (二)联合整治 (每月至少一次) -------------------------------------------------

    def monthly_rectification(self, loc: Locator) -> Mechanism | None:
        monthly = loc.find("每月至少开展一次")
        if monthly is None:
            return None
        b = ProcedureBuilder(loc, "recurring_joint_rectification",
                             "针对重点时间段、重点领域突出问题，相应部门合理配置人员，每月至少开展一次专项整治行动和联合检查。")
        b.department("team", "乡镇（街道）综合行政执法队", TEAM)
        b.role("members", "相应部门（派驻机构）", Role.collaborating_units)
        b.entry("every_month", "每月", "plan_rectification", monthly,
                recurrence=RecurrenceRule(every=1, period="month", iso8601="R/P1M"))
        b.step("plan_rectification", StepKind.plan, "确定整治重点并配置工作人员", "team", monthly,
               "joint_rectification")
        b.step("joint_rectification", StepKind.joint_enforcement, "开展专项整治行动和联合检查", "members",
               monthly,
               "handle_findings", each_collaborator=True)
        b.step("handle_findings", StepKind.onsite_handling, "依法高效处置发现的问题", "team", monthly, END,
               end_label="本月整治完成")
        mech = self._mechanism(b, "eshan_monthly_joint_rectification", "每月联合整治", MechanismKind.routine,
                               [])
        if mech is not None:
            mech = mech.model_copy(update={"collaborators": ["司法所", "公安派出所", "自然资源所",
                                                             "市场监管所"]})
        return mech

    # -- 统筹指挥 (四)案件移送与反馈机制 -------------------------------------------------------

    def station_transfer(self, loc: Locator) -> Mechanism | None:
        transfer = loc.find("移送给相关派出机构")
        if transfer is None:
            return None
        b = ProcedureBuilder(loc, "case_transfer_with_feedback",
                             "执法队将不属于自身职责的案件移送相关派出机构并做好交接记录；派出机构在规定时间内处理并"
                             "反馈结果。")
        b.department("team", "乡镇（街道）综合行政执法队", TEAM)
        b.role("station", "相关派出机构", Role.competent_party)
        b.entry("case_outside_duties", "发现不属于自身职责范围的案件", "transfer_case", transfer)
        b.step("transfer_case", StepKind.transfer, "移送派出机构并做好交接记录", "team", transfer,
               "handle_case",
               deadline=loc.policy("promptly"))
        handle = loc.find("派出机构应在规定时间内处理移送案件") or transfer  # the station's own sentence
        b.step("handle_case", StepKind.case_filing, "处理移送案件", "station", handle, "feedback_result",
               deadline=loc.policy("regulated_time_limit"), escalate_to=["team"])
        b.step("feedback_result", StepKind.feedback, "将处理结果反馈执法队", "station", handle, END,
               end_label="已反馈")
        return self._mechanism(b, "eshan_station_case_transfer", "向派驻机构移送案件与反馈",
                               MechanismKind.enforcement_cooperation,
                               ["在规定时间内 is not quantified in the document: the "
                                "regulated_time_limit policy applies."])
