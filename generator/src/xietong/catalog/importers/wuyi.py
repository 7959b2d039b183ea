"""武义县 "1+X" 综合行政执法协作配合 (document 003): five procedures from the prose.

Each procedure is built from the sentences that define it, located by their wording:
launch modes (routine / special with its 5-day lead time / emergency) and the joint operation;
case transfer (3 working days, 24 hours when urgent) with the jurisdiction dispute that goes to
县司法局; technical opinions (5 working days); information copying (10 working days, at once when
urgent; penalty results back within at most 10 working days); duty disputes (县委编办 → 县政府).
"""

from __future__ import annotations

from xietong.catalog.importers.base import ImportContext, ImportResult, register
from xietong.catalog.importers.procedure_builder import ProcedureBuilder
from xietong.catalog.importers.prose import Locator, sentences
from xietong.catalog.importers.text import numbered_lines
from xietong.catalog.model import END, Mechanism, MechanismKind, Role, SourceRef, StepKind

DOCUMENT = "003_3683dd0429a6386d.txt"
JURISDICTION = "wuyi"

ENFORCEMENT = "综合行政执法部门"
OFFICE = "领导小组办公室"


@register
class WuyiImporter:
    """Reads document 003."""

    document = DOCUMENT
    jurisdiction = JURISDICTION

    def run(self, text: str, context: ImportContext) -> ImportResult:
        result = ImportResult(DOCUMENT)
        loc = Locator(DOCUMENT, sentences(numbered_lines(text)), result, context.policies)
        for build in (self.launch, self.case_transfer, self.technical_opinion, self.information_copying,
                      self.duty_dispute):
            mechanism = build(loc)
            if mechanism is not None:
                result.mechanisms.append(mechanism)
        return result

    def _mechanism(self, b: ProcedureBuilder, mech_id: str, title: str, heading: str, notes: list[str],
                   lead: list[str] | None = None) -> Mechanism | None:
        if b.loc.missing:
            return None
        first = b.loc.find(heading)
        used = [*b.used, *([first] if first else [])]
        return Mechanism(
            id=mech_id, jurisdiction=JURISDICTION, kind=MechanismKind.enforcement_cooperation, title=title,
            source=SourceRef(document=DOCUMENT, line_start=min(s.first for s in used),
                             line_end=max(s.last for s in used)),
            lead=lead or [], steps_text=b.steps_text(), procedure=b.build(), notes=notes,
        )

    # -- 四、（一）启动机制 and （二）实施机制 -------------------------------------------------

    def launch(self, loc: Locator) -> Mechanism | None:
        routine = loc.find("常规启动机制")
        special = loc.find("专项启动机制")
        emergency = loc.find("应急启动机制")
        deploy = loc.find("联合执法由领导小组办公室统一部署")
        separate = loc.find("问题处理再分家")
        if None in (routine, special, emergency, deploy, separate):
            return None
        assert routine and special and emergency and deploy and separate
        b = ProcedureBuilder(loc, "joint_enforcement_launch",
                             "常规、专项（提前5日申请并报送方案，办公室同意后由申请单位牵头）、应急（立即汇报，办公室"
                             "协调拟定方案，组长批准）三种启动方式，办公室统一部署联合执法，处理再分家。")
        b.department("office", "领导小组办公室", OFFICE)
        b.department("group_leader", "领导小组组长", "领导小组组长")
        b.role("applicant", "申请单位（综合行政执法部门或业务主管部门）", Role.applicant)
        b.role("participants", "参与执法部门", Role.collaborating_units)
        b.entry("routine_launch", "常规启动（工作需要或上级、领导小组要求）", "organise_routine", routine)
        b.entry("special_launch", "专项启动申请", "apply_special", special)
        b.entry("emergency_launch", "应急启动（突发事件或紧急事项）", "report_emergency", emergency)
        b.step("organise_routine", StepKind.plan, "按职责组织常规联合执法", "office", routine, "deploy")
        b.step("apply_special", StepKind.application, "提前5日提出专项联合执法申请并报送方案", "applicant",
               special,
               "review_special", deadline=loc.deadline(special))
        b.decide("review_special", StepKind.approval, "领导小组办公室审核专项申请", "office", special,
                 "领导小组办公室是否同意", [("agreed", "同意", "deploy"), ("refused", "不同意", END)])
        b.step("report_emergency", StepKind.report_up, "立即向领导小组办公室汇报", "applicant", emergency,
               "draft_emergency_plan", deadline=loc.policy("immediately"))
        b.step("draft_emergency_plan", StepKind.plan, "协调各有关单位拟定联合执法行动方案", "office",
               emergency,
               "approve_emergency", deadline=loc.policy("promptly"))
        b.decide("approve_emergency", StepKind.approval, "领导小组组长批准", "group_leader", emergency,
                 "组长是否批准", [("approved", "批准", "deploy"), ("refused", "不批准", END)])
        b.step("deploy", StepKind.joint_order, "统一部署联合执法", "office", deploy, "joint_enforcement")
        b.step("joint_enforcement", StepKind.joint_enforcement, "各部门派人集中统一参与联合执法",
               "participants",
               deploy, "separate_handling", each_collaborator=True)
        b.step("separate_handling", StepKind.case_filing, "各执法部门根据职责分别立案、调查、依法处理",
               "participants",
               separate, END, end_label="分别处理完毕", each_collaborator=True)
        return self._mechanism(b, "wuyi_joint_enforcement_launch", "联合执法启动与实施机制", "（一）启动机制",
                               ["专项启动: the office's agreement is the gate; the applicant then leads.",
                                "The 5-day lead time is a lead_time deadline on the application."])

    # -- 五、（三）案件移送抄告 ------------------------------------------------------------------

    def case_transfer(self, loc: Locator) -> Mechanism | None:
        subject = loc.find("案件移送主体")
        materials = loc.find("在移送案件时", "书面材料")
        limit = loc.find("3个工作日内移送")
        dispute = loc.find("提请县司法局决定")
        if None in (subject, materials, limit, dispute):
            return None
        assert subject and materials and limit and dispute
        transfer_deadline = loc.deadline(limit)
        b = ProcedureBuilder(loc, "case_transfer_with_dispute",
                             "发现应由对方查处的违法行为：紧急的立即责令停止并告知；以单位名义形成书面材料，3个工作日内"
                             "（紧急24小时内）移送；管辖有争议的协商，协商未果提请县司法局决定。")
        b.role("initiator", "移送方（业务主管部门或综合行政执法部门）", Role.initiator)
        b.role("receiver", "有权处理一方", Role.competent_party)
        b.department("justice", "县司法局", "县司法局")
        b.entry("violation_found", "发现应由对方查处的违法行为", "assess_urgency", limit)
        b.decide("assess_urgency", StepKind.triage, "研判是否情况紧急", "initiator", limit, "情况是否紧急",
                 [("urgent", "情况紧急", "order_stop"), ("normal", "一般情况", "prepare_materials")])
        b.step("order_stop", StepKind.onsite_handling, "责令当事人停止违法行为并告知有权处理一方",
               "initiator", limit,
               "prepare_materials", deadline=loc.policy("immediately"))
        b.step("prepare_materials", StepKind.investigation, "形成移送函、案源材料和证据材料", "initiator",
               materials,
               "transfer_case")
        b.step("transfer_case", StepKind.transfer, "以部门名义移送案件", "initiator", limit, "accept_case",
               deadline=transfer_deadline)
        b.decide("accept_case", StepKind.review, "接收移送案件", "receiver", limit, "对管辖是否有争议",
                 [("accepted", "接收", "handle_case"), ("disputed", "管辖有争议", "consult")])
        b.decide("consult", StepKind.consultation, "双方充分协商管辖", "initiator", dispute, "协商结果",
                 [("agreed_receiver", "协商由接收方管辖", "handle_case"),
                  ("agreed_initiator", "协商由移送方管辖", END), ("failed", "协商未果", "justice_decision")])
        b.step("justice_decision", StepKind.arbitration, "提请县司法局决定管辖", "justice", dispute, END,
               end_label="按决定办理")
        b.step("handle_case", StepKind.case_filing, "依法立案处理", "receiver", limit, END,
               end_label="依法处理")
        return self._mechanism(b, "wuyi_case_transfer", "案件移送抄告", "（三）实行案件移送抄告",
                               ["The transfer deadline carries its urgent variant (24 hours).",
                                "After a 协商 that keeps the case with the initiator the process ends: the "
                                "initiator handles it under its own procedure."])

    # -- 五、（二）执法协作: technical opinions --------------------------------------------------

    def technical_opinion(self, loc: Locator) -> Mechanism | None:
        request = loc.find("书面函告该部门", "5个工作日内")
        if request is None:
            return None
        b = ProcedureBuilder(loc, "technical_opinion",
                             "综合行政执法部门书面函告业务主管部门，后者自收函之日起5个工作日内书面反馈认定、鉴定或"
                             "咨询意见；紧急或证据可能灭失的，及时派员现场处置。")
        b.department("enforcement", "综合行政执法部门", ENFORCEMENT)
        b.role("authority", "业务主管部门", Role.industry_authorities)
        b.department("office", "领导小组办公室", OFFICE)
        b.entry("opinion_needed", "执法中需要认定、鉴定或咨询意见", "send_letter", request)
        b.step("send_letter", StepKind.notify, "书面函告业务主管部门", "enforcement", request,
               "assess_urgency",
               deadline=loc.policy("promptly"))
        b.decide("assess_urgency", StepKind.triage, "研判是否紧急或证据可能灭失", "authority", request,
                 "情况是否紧急", [("urgent", "情况紧急或证据可能灭失", "onsite_support"),
                            ("normal", "一般情况", "written_opinion")])
        b.step("onsite_support", StepKind.onsite_handling, "派员现场处置", "authority", request,
               "written_opinion",
               deadline=loc.policy("promptly"))
        b.step("written_opinion", StepKind.technical_opinion, "书面反馈认定、鉴定或咨询意见", "authority",
               request,
               "receive_opinion", deadline=loc.deadline(request, clause="自收函之日起5个工作日内书面反馈"),
               escalate_to=["office"])
        b.step("receive_opinion", StepKind.feedback, "接收意见并据以办案", "enforcement", request, END,
               end_label="意见已反馈")
        return self._mechanism(b, "wuyi_technical_opinion", "执法协作：认定、鉴定与咨询意见",
                               "（二）开展执法协作",
                               ["Escalation to the office (领导小组办公室) is a reminder: the document "
                                "makes the office assess cooperation (七、（四）)."])

    # -- 五、（一）信息资源共享: information copying --------------------------------------------

    def information_copying(self, loc: Locator) -> Mechanism | None:
        approval = loc.find("行政审批事项", "10个工作日内告知")
        penalty = loc.find("行政处罚决定后", "反馈给相关业务主管部门")
        if approval is None or penalty is None:
            return None
        b = ProcedureBuilder(loc, "information_copying",
                             "业务主管部门作出行政审批后一般10个工作日内（紧急的立即）告知综合行政执法部门；综合行政"
                             "执法部门作出行政处罚决定后及时（最长10个工作日）反馈业务主管部门。")
        b.role("authority", "业务主管部门", Role.industry_authorities)
        b.department("enforcement", "综合行政执法部门", ENFORCEMENT)
        b.entry("approval_made", "作出行政审批事项", "copy_approval", approval,
                message="administrative_approval_made")
        b.entry("penalty_decided", "作出行政处罚决定", "copy_penalty", penalty,
                message="penalty_decision_made")
        deadline = loc.deadline(approval)
        if deadline is not None and loc.policies.get("immediately") is not None:
            immediately = loc.policy("immediately")
            deadline = deadline.model_copy(update={"urgent_variant": immediately,
                                                   "urgent_condition": "情况紧急的"})
        b.step("copy_approval", StepKind.information_copying, "告知综合行政执法部门行政审批事项", "authority",
               approval, "receive_approval", deadline=deadline)
        b.step("receive_approval", StepKind.archive, "接收并登记审批信息", "enforcement", approval, END,
               end_label="已告知", human=False)
        b.step("copy_penalty", StepKind.information_copying, "反馈行政处罚处理结果", "enforcement", penalty,
               "receive_penalty", deadline=loc.deadline(penalty))
        b.step("receive_penalty", StepKind.archive, "接收并登记处罚结果", "authority", penalty, END,
               end_label="已反馈", human=False)
        return self._mechanism(b, "wuyi_information_copying", "信息共享与抄告", "（一）加强信息资源共享",
                               ["Two message-started entries: the approval system and the case system "
                                "publish administrative_approval_made / penalty_decision_made."])

    # -- 六、（四）职责分工争议协调机制 --------------------------------------------------------

    def duty_dispute(self, loc: Locator) -> Mechanism | None:
        dispute = loc.find("职责分工争议", "县委编办")
        if dispute is None:
            return None
        b = ProcedureBuilder(loc, "duty_dispute_escalation",
                             "业务主管部门与综合行政执法部门发生职责分工争议：先予协同处置违法行为，由县委编办协调解决，"
                             "协商不成的提请县政府决定。")
        b.role("parties", "争议双方（业务主管部门、综合行政执法部门）", Role.relevant_departments)
        b.department("establishment_office", "县委编办", "县委编办")
        b.department("county_government", "县政府", "县政府")
        b.entry("dispute_raised", "发生职责分工争议", "joint_provisional_handling", dispute)
        b.step("joint_provisional_handling", StepKind.onsite_handling, "对违法行为先予协同处置", "parties",
               dispute,
               "coordinate")
        b.decide("coordinate", StepKind.consultation, "县委编办协调解决", "establishment_office", dispute,
                 "协调是否成功", [("resolved", "协调解决", END), ("unresolved", "协商不成",
                                                        "government_decision")])
        b.step("government_decision", StepKind.arbitration, "提请县政府决定", "county_government", dispute,
               END,
               end_label="县政府决定")
        return self._mechanism(b, "wuyi_duty_dispute", "职责分工争议协调", "（四）健全职责分工争议协调机制",
                               [])
