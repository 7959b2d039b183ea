"""Procedures for the 永康 shapes that occur once or twice, each drawn from its own 具体流程.

A template is only worth having where a shape really repeats: the 精神障碍 referral network, the
自然灾害 response, the two project-approval lifecycles, the two-track agricultural mechanisms, the
two epidemic responses and the planning-permit enforcement chain are written out here, step by
step, with every step quoting the paragraph it comes from.
"""

from __future__ import annotations

from xietong.catalog.importers.yongkang_graph import Ctx, GraphBuilder
from xietong.catalog.importers.yongkang_parse import RawStep
from xietong.catalog.model import END, Role, StepKind

K = StepKind

# --------------------------------------------------------------------------------------------
# two_track_handling: two headed tracks (town finds / upper monitoring finds; collection / illegal disposal)
# --------------------------------------------------------------------------------------------


def two_track_handling(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town("镇（街道、区）农业和农村办公室")
    s = c.raw.steps
    heads = [x for x in s if x.label.startswith("（") and "。" not in x.text]
    tracks: list[list[RawStep]] = []
    for x in s:
        if x in heads:
            tracks.append([])
        elif tracks:
            tracks[-1].append(x)
    t1, t2 = tracks[0], tracks[1]
    if c.text("快速检测"):  # 农产品质量安全
        market = b.dept("market_regulation", "market_regulation", "市市场监管局")
        police = b.dept("public_security", "public_security", "市公安局")
        b.step("notify_town", K.notify, "执法结果通报镇（街道、区）", lead, t1[-1], limit="通报")
        b.end("notify_town", "结案")
        b.step("quick_test", K.investigation, "指导开展农产品快速检测", town, t1[0])
        b.step(
            "onsite",
            K.onsite_handling,
            "现场处置，收集证据并上报农业农村局",
            town,
            t1[1],
            limit="上报",
            escalate_to=[lead],
        )
        b.step("verify", K.investigation, "核实问题线索，确定违法行为", lead, t1[2])
        b.step("case", K.case_filing, "未进入市场的，依法立案查处", lead, t1[2])
        b.step(
            "recall", K.rectification_order, "已进入市场的，责令召回无害化处理并移交市场监管局", lead, t1[2]
        )
        b.step("market_case", K.case_filing, "市场监管局依法查处", market, t1[2])
        b.step("to_police", K.transfer, "生产有毒食品的移交公安部门", lead, t1[2], limit="移交")
        b.step("police_case", K.case_filing, "公安机关依法查处", police, t1[2])
        b.go("quick_test", "onsite", "verify")
        b.decide(
            "quick_test", "检测结果", ("pass", "检测合格", END), ("fail", "仍显示存在质量安全问题", "onsite")
        )
        b.steps["quick_test"].next = [x for x in b.steps["quick_test"].next if x.outcome]
        b.decide(
            "verify",
            "问题农产品所处环节",
            ("not_in_market", "尚未进入市场或加工企业", "case"),
            ("in_market", "已进入批发、零售市场或加工企业", "recall"),
            ("toxic", "使用禁用农（兽）药、瘦肉精等生产有毒食品", "to_police"),
        )
        b.go("case", "notify_town")
        b.go("recall", "market_case", "notify_town")
        b.go("to_police", "police_case", "notify_town")
        b.entry("town_patrol", heads[0].text, "quick_test", t1[0])
        # The upper department's notice comes from outside 永康's process: a message start event.
        b.step(
            "suspend", K.rectification_order, "责令问题农产品暂停上市，并监督到位", town, t2[1], limit="责令"
        )
        b.step("sampling", K.investigation, "农业综合行政执法队监督抽检并依法处置", lead, t2[2])
        b.step("upper_notify", K.notify, "执法结果通报镇（街道、区）", lead, t2[-1], limit="通报")
        b.go("suspend", "sampling")
        b.decide(
            "sampling",
            "抽检结果",
            ("unqualified", "不合格农产品依法查处", "upper_notify"),
            ("toxic", "生产有毒食品的移交公安", "to_police"),
        )
        b.end("upper_notify", "结案")
        b.entry("upper_monitoring", heads[1].text, "suspend", t2[0], message="upper_monitoring_notice")
        return
    # 病死动物无害化处理
    centre = b.dept("harmless_treatment_centre", "harmless_treatment_centre", "无害化处理中心")
    water = b.dept("water", "water", "市水务局")
    b.step("guide_owner", K.onsite_handling, "指导饲养业主联系无害化处理中心收运", town, t1[0], limit="收运")
    b.step("treat", K.onsite_handling, "无害化处理", centre, t1[0])
    b.go("guide_owner", "treat")
    b.step("inspect_dump", K.investigation, "赴现场查看，分类处理", town, t1[1])
    b.step("town_collect", K.onsite_handling, "本镇（街道、区）牵头组织收集、打捞", town, t1[1])
    b.step("water_collect", K.onsite_handling, "联系水务局组织收集、打捞", water, t1[1])
    b.decide(
        "inspect_dump",
        "病死动物遗弃地点",
        ("public_place", "公共场所、村（社区）内或野外环境", "town_collect"),
        ("waters", "江河、湖泊以及水务局直接管理的水库", "water_collect"),
    )
    b.step("report_collected", K.report_up, "收集、打捞完毕后上报农业农村局", town, t1[2], limit="上报")
    b.step("transport", K.onsite_handling, "会同镇（街道、区）运送至无害化处理中心", lead, t1[2])
    b.go("town_collect", "report_collected")
    b.go("water_collect", "report_collected")
    b.go("report_collected", "transport", "treat")
    eco = b.dept("ecology_environment", "ecology_environment", "市生态环境分局")
    b.step("discharge_supervision", K.supervision, "加强无害化处理场所排污监管", eco, t1[3])
    b.go("treat", "discharge_supervision")
    b.end("discharge_supervision", "无害化处理完毕")
    b.entry("farm_report", "日常巡查发现或养殖场报告病死动物", "guide_owner", t1[0])
    b.entry("dump_report", "接到举报发现非法遗弃病死动物", "inspect_dump", t1[1])
    b.step("notify_town", K.notify, "执法结果通报镇（街道、区）", lead, t2[1])
    b.step(
        "stop_report", K.report_up, "予以制止并上报农业农村局", town, t2[0], limit="上报", escalate_to=[lead]
    )
    b.step("joint_check", K.investigation, "会同市场监管局到现场核查", lead, t2[1])
    b.step("case", K.case_filing, "确认存在违法行为的依法查处", lead, t2[1])
    b.step("follow_up", K.recheck, "协助核查后续整改动态并反馈部门", town, t2[2], limit="反馈")
    major_src = t2[3]
    gov = b.dept("party_and_government_leadership", "party_and_government_leadership", "市委市政府")
    b.step("joint_mechanism", K.meeting, "通过市委市政府建立部门联合处理机制", gov, major_src)
    b.go("stop_report", "joint_check")
    b.decide(
        "joint_check",
        "核查结论",
        ("violation", "确认存在违法行为", "case"),
        ("major", "涉及重大或紧急事项", "joint_mechanism"),
        ("no_violation", "未发现违法行为", END),
    )
    b.go("case", "notify_town", "follow_up")
    b.go("joint_mechanism", "case")
    b.end("follow_up", "整改到位")
    b.entry("illegal_disposal", heads[1].text, "stop_report", t2[0])


# --------------------------------------------------------------------------------------------
# epidemic_response (重大动植物疫病, 传染病) and disaster_response (自然灾害)
# --------------------------------------------------------------------------------------------


def epidemic_response(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    s = c.raw.steps
    if c.text("疫区"):  # 重大动植物疫病
        officer = b.town("镇（街道、区）农业和农村办公室", "town_office")
        gov = b.dept("city_government", "city_government", "市政府")
        report_src, onsite_src, verify_src = s[0], s[1], s[2]
        zone_src, case_src, support_src = b.src("疫区"), b.src("违法行为的"), b.src("应急处理中")
        b.step(
            "report",
            K.report_up,
            "发现动物群体发病或死亡，报告所在镇（街道、区）",
            town,
            report_src,
            limit="报告",
        )
        b.step("onsite", K.onsite_handling, "赶赴现场查看处置，确认疫情程度，初步调查", officer, onsite_src)
        b.step(
            "report_lead",
            K.report_up,
            "向农业农村局报告",
            officer,
            onsite_src,
            limit="报告",
            escalate_to=[lead],
        )
        b.step("verify", K.investigation, "指派技术人员赶赴现场调查核实", lead, verify_src, limit="指派")
        b.step(
            "report_province",
            K.report_up,
            "重大动物疫情2小时内逐级报省动物防疫监督机构",
            lead,
            verify_src,
            limit="小时",
        )
        b.step("notify_health", K.notify, "通报卫健局", lead, verify_src, limit="通报")
        b.step(
            "zoning",
            K.plan,
            "划定疫点、疫区和受威胁区，调查疫源，提出启动应急预案和封锁的建议",
            lead,
            zone_src,
            limit="划定",
        )
        b.step(
            "government_decision", K.approval, "市政府决定是否启动应急指挥系统、应急预案和封锁", gov, zone_src
        )
        b.step(
            "emergency_support",
            K.onsite_handling,
            "组织辖区力量宣传防治知识，协助疫情信息收集和应急处理",
            town,
            support_src,
        )
        b.step("case", K.case_filing, "存在防疫违法行为的，指派农业综合行政执法队依法查处", lead, case_src)
        b.go("report", "onsite", "report_lead", "verify")
        b.decide(
            "verify",
            "是否初步认为属于重大动物疫情",
            ("major_epidemic", "属于重大动物疫情", "report_province"),
            ("ordinary", "不属于重大动物疫情", "case"),
        )
        b.fork("report_province", ["notify_health", "zoning"])
        b.end("notify_health", "已通报卫健局")
        b.go("zoning", "government_decision")
        b.decide(
            "government_decision",
            "是否启动应急响应",
            ("start", "启动应急响应", "emergency_support"),
            ("no_start", "不启动", "case"),
        )
        b.go("emergency_support", "case")
        b.end("case", "处置完毕")
        b.entry("report", "发现动物群体发病或者死亡", "report", report_src)
        return
    # 传染病: reported by the town, the health centre acts or reports within 2 hours, the bureau/CDC
    # starts within 2 hours and completes within 7 working days.
    centre = b.dept("township_health_centres", "township_health_centres", "乡镇卫生院（社区卫生服务中心）")
    cdc = b.dept("disease_control_centre", "disease_control_centre", "市疾病预防控制中心")
    plan_src = next((x for x in s if x.phase == "日常管理"), None)
    report_src, centre_src = b.src("报告所在"), b.src("小时内上报")
    inv_src, measures_src, close_src = b.src("完成调查处置"), b.src("落实相关疫情防控措施"), b.src("结案")
    if plan_src is not None:
        b.step("plan", K.plan, "制定传染病防控工作计划，开展宣传和排查", lead, plan_src)
        b.end("plan", "计划下达")
        b.entry("plan_start", "传染病防控工作计划", "plan", plan_src)
    b.step("report", K.report_up, "发现传染病疫情，报告所在卫生院", town, report_src, limit="报告")
    b.step("centre_handling", K.onsite_handling, "卫生院能及时处置的及时处置", centre, centre_src)
    b.step(
        "report_up",
        K.report_up,
        "不能处置的上报市卫健局和市疾病预防控制中心",
        centre,
        centre_src,
        limit="小时内上报",
        escalate_to=["lead"],
    )
    b.step(
        "start_investigation",
        K.investigation,
        "疫情核实后组织专业人员开展调查处置",
        cdc,
        inv_src,
        limit="组织专业人员",
    )
    b.step(
        "complete_investigation",
        K.investigation,
        "完成调查处置工作",
        cdc,
        inv_src,
        limit="完成调查处置",
        escalate_to=["lead"],
    )
    b.step("measures", K.onsite_handling, "落实疫情防控措施并反馈", town, measures_src)
    b.step("close", K.feedback, "结案并将结果反馈镇（街道、区）", lead, close_src)
    b.go("report", "centre_handling")
    b.decide(
        "centre_handling",
        "能否及时处置",
        ("handled", "能及时处置的", END),
        ("report", "不能处置的", "report_up"),
    )
    b.go("report_up", "start_investigation", "complete_investigation", "measures", "close")
    b.end("close", "结案")
    b.entry("report", "镇（街道、区）、各部门发现传染病疫情", "report", report_src)


def disaster_response(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    s = c.raw.steps
    training_src, plan_src, occur_src = s[0], b.src("预案"), b.src("灾害发生后")
    relief_src, dept_src, major_src, assess_src = (
        b.src("核查"),
        b.src("救灾捐赠"),
        b.src("市委市政府汇报"),
        b.src("评估"),
    )
    depts = b.collaborators("民政、财政、建设、交通等部门")
    gov = b.dept("party_and_government_leadership", "party_and_government_leadership", "市委市政府")
    office = b.dept(
        "disaster_reduction_committee_office", "disaster_reduction_committee_office", "市减灾委办公室"
    )
    b.step("training", K.plan, "法律法规宣传、应急知识培训和业务指导", lead, training_src)
    b.step("contingency_plan", K.plan, "制定自然灾害应急救助预案，组织演练，预警和应急准备", lead, plan_src)
    b.go("training", "contingency_plan")
    b.end("contingency_plan", "准备就绪")
    b.entry("preparedness", "宣传培训与预案演练", "training", training_src)
    b.step("report", K.report_up, "灾害发生后开展自然灾害信息统计上报", town, occur_src, limit="上报")
    b.step("response", K.triage, "灾情分析研判，作出应急响应", lead, occur_src)
    b.step(
        "verify_publish", K.information_copying, "及时核查、报送、发布灾情", lead, relief_src, limit="核查"
    )
    b.step("relocation", K.onsite_handling, "转移安置灾民，保障基本生活", town, relief_src)
    b.step(
        "department_relief",
        K.onsite_handling,
        "各部门按职责开展救灾捐赠、物资筹措拨付、灾后重建和运输保障",
        depts,
        dept_src,
        multi=True,
    )
    b.step(
        "report_leadership", K.report_up, "重要或紧急事项同步向市委市政府汇报", lead, major_src, limit="汇报"
    )
    b.step("joint_mechanism", K.meeting, "建立部门联合处理机制，会同镇（街道、区）协同解决", gov, major_src)
    b.step("assessment", K.evaluation, "灾情稳定后组织灾害损失综合评估", lead, assess_src)
    b.step("publish_losses", K.information_copying, "按统一口径发布自然灾害损失情况", office, assess_src)
    b.go("report", "response")
    b.decide(
        "response",
        "是否启动应急响应",
        ("respond", "作出应急响应", "verify_publish"),
        ("major", "涉及重要或紧急事项", "report_leadership"),
        ("no_response", "无需启动应急响应", "assessment"),
    )
    b.fork("verify_publish", ["relocation", "department_relief"])
    # both relief branches meet in the lead's summary (the flowchart's 市应急管理局汇总) before the
    # assessment, which the no-response path reaches directly
    b.step("relief_summary", K.archive, "汇总救灾工作情况", lead, relief_src)
    b.go("relocation", "relief_summary")
    b.go("department_relief", "relief_summary")
    b.join_all("relief_summary")
    b.go("relief_summary", "assessment")
    b.go("report_leadership", "joint_mechanism", "verify_publish")
    b.go("assessment", "publish_losses")
    b.end("publish_losses", "评估发布")
    b.entry("disaster", "自然灾害发生", "report", occur_src)


# --------------------------------------------------------------------------------------------
# project_approval_lifecycle (二次开发, 全域土地综合整治)
# --------------------------------------------------------------------------------------------


def project_approval_lifecycle(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    s = c.raw.steps
    if c.text("省全域办"):
        gov = b.dept("city_government", "city_government", "市政府")
        province = b.dept(
            "provincial_land_consolidation_office", "provincial_land_consolidation_office", "省全域办"
        )
        group = b.dept("land_consolidation_leading_group", "land_consolidation_leading_group", "市领导小组")
        depts = b.collaborators("农业农村、水务、生态环境等相关部门")
        plan_src, scheme_src, review_src, build_src, issue_src = s[0], s[1], s[2], s[3], s[4]
        b.step(
            "screening", K.review, "镇（街道、区）初步筛选村集体的申请，提交市领导小组审核", town, plan_src
        )
        b.step("group_review", K.approval, "市领导小组审核", group, plan_src)
        b.step("project_plan", K.plan, "确定实施地块，制定工程计划", lead, plan_src)
        b.step("submit_plan", K.report_up, "市政府上报省全域办批准工程计划", gov, plan_src)
        b.step("province_plan", K.approval, "省全域办审核工程计划", province, plan_src)
        b.step("scheme", K.plan, "委托技术单位编制实施方案、永农调整方案、村庄规划", town, scheme_src)
        b.step("scheme_review", K.review, "召集相关部门论证实施方案", lead, review_src)
        b.step("submit_scheme", K.report_up, "完善后由市政府上报省全域办批准实施方案", gov, review_src)
        b.step("province_scheme", K.approval, "省全域办审核实施方案", province, review_src)
        b.step("setup", K.plan, "成立专项工作领导小组，落实子项目立项", town, build_src)
        b.step("construction", K.onsite_handling, "政策处理及工程建设，组织日常巡查", town, build_src)
        b.step("guidance", K.supervision, "按各自职责开展项目管理和指导", depts, build_src, multi=True)
        b.step("sub_acceptance", K.recheck, "子项目竣工后提交各主管部门验收", depts, build_src, multi=True)
        b.step(
            "preliminary_acceptance", K.recheck, "工程整体初验，落实后续管护，提请整体验收", town, build_src
        )
        b.step("overall_acceptance", K.recheck, "召集相关部门对工程进行整体验收", lead, build_src)
        b.step("upper_acceptance", K.approval, "县级验收通过后，市政府提请市级验收及省级验收", gov, build_src)
        b.step("filing", K.evaluation, "系统报备，牵头开展项目绩效评价", lead, build_src)
        b.step(
            "patrol_issue",
            K.report_up,
            "巡查中发现问题及时上报并制止",
            town,
            build_src,
            limit="上报",
            escalate_to=[lead],
        )
        b.step(
            "issue_handling",
            K.investigation,
            "核实、处置巡查发现的问题，结果反馈镇（街道、区）",
            lead,
            issue_src,
        )
        b.go("screening", "group_review")
        b.decide(
            "group_review",
            "市领导小组审核",
            ("approved", "审核通过", "project_plan"),
            ("rejected", "审核不通过，事项结束", END),
        )
        b.go("project_plan", "submit_plan", "province_plan")
        b.decide(
            "province_plan",
            "省全域办审核工程计划",
            ("approved", "审核通过", "scheme"),
            ("rejected", "审核不通过，事项结束", END),
        )
        b.go("scheme", "scheme_review", "submit_scheme", "province_scheme")
        b.decide(
            "province_scheme",
            "省全域办审核实施方案",
            ("approved", "审核通过", "setup"),
            ("rejected", "审核不通过，事项结束", END),
        )
        b.fork("setup", ["construction", "guidance"])
        b.go("construction", "sub_acceptance")
        b.go("guidance", "sub_acceptance")
        b.join_all("sub_acceptance")
        b.go("sub_acceptance", "preliminary_acceptance", "overall_acceptance", "upper_acceptance", "filing")
        b.end("filing", "事项结束")
        b.go("patrol_issue", "issue_handling")
        b.end("issue_handling", "问题处置完毕")
        b.entry(
            "application", "村集体向所在镇（街道、区）提出实施全域土地综合整治申请", "screening", plan_src
        )
        b.entry("patrol", "项目实施中巡查发现问题", "patrol_issue", build_src)
        return
    # 低效闲置工业用地“二次开发”
    nr = b.dept("natural_resources_planning", "natural_resources_planning", "市自然资源和规划局")
    depts = b.collaborators("有关部门")
    policy_src, apply_src, first_review_src, joint_src, impl_src, accept_src = (
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[5],
    )
    b.step("policy", K.plan, "政策制定及宣传", lead, policy_src)
    b.end("policy", "政策发布")
    b.entry("policy_start", "二次开发政策制定", "policy", policy_src)
    b.step("survey_apply", K.application, "全面排摸低效闲置工业用地企业，组织二次开发申报", town, apply_src)
    b.step("first_review", K.review, "项目指导、初审", town, first_review_src)
    b.step("joint_review", K.review, "组织有关部门对项目产业导向等进行联审", lead, joint_src)
    b.step("joint_review_members", K.review, "各部门联审", depts, joint_src, multi=True)
    b.step(
        "review_result",
        K.information_copying,
        "审核结果及时提供给部门和镇（街道、区）",
        lead,
        joint_src,
        limit="审核结果",
    )
    b.step("approval", K.approval, "二次开发项目审批", nr, impl_src)
    b.step(
        "implementation", K.supervision, "组织项目实施，跟踪检查企业承诺事项，督促项目推进", town, impl_src
    )
    b.step("reclaim", K.penalty_decision, "依法收回低效闲置工业用地", nr, impl_src)
    b.step("acceptance", K.recheck, "组织固定资产投资和产业导向验收", town, accept_src)
    b.step("filing", K.archive, "验收情况报部门备案", town, accept_src)
    b.go("survey_apply", "first_review")
    b.decide("first_review", "初审", ("pass", "初审通过", "joint_review"), ("fail", "初审不通过", END))
    b.go("joint_review", "joint_review_members", "review_result")
    b.decide(
        "review_result",
        "联审结果",
        ("approved", "符合产业导向", "approval"),
        ("rejected", "不符合产业导向", END),
    )
    b.decide(
        "approval", "项目审批", ("approved", "审批通过", "implementation"), ("rejected", "不予审批", END)
    )
    b.decide(
        "implementation",
        "企业承诺事项是否落实",
        ("kept", "承诺落实，项目完成", "acceptance"),
        ("broken", "未按承诺推进（流程图：依法收回低效闲置工业用地）", "reclaim"),
    )
    b.end("reclaim", "依法收回")
    b.go("acceptance", "filing")
    b.end("filing", "结案归档")
    b.entry("application", "镇（街道、区）巡查、摸排低效闲置工业用地", "survey_apply", apply_src)


# --------------------------------------------------------------------------------------------
# medical_referral_network (严重精神障碍) and planning_permit_enforcement (违反建设工程规划许可)
# --------------------------------------------------------------------------------------------


def medical_referral_network(b: GraphBuilder, c: Ctx) -> None:
    town = b.town()
    hospital = b.dept("third_peoples_hospital", "third_peoples_hospital", "市三院")
    primary = b.dept("township_health_centres", "township_health_centres", "基层医疗卫生机构")
    police = b.dept("public_security", "public_security", "公安机关")
    care = b.town("关爱帮扶小组", "care_group")
    others = b.role("relevant_departments", Role.relevant_departments, "各部门")
    s = c.raw.steps
    town_src, primary_src, hospital_src, custody_src, public_src, police_src = (
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[5],
    )
    diag_src, classify_src, care_src, control_src, relief_src = s[6], s[7], s[8], s[9], s[10]
    b.step(
        "town_screen", K.intake, "日常巡查发现疑似患者，建议就诊，信息交换给基层医疗卫生机构", town, town_src
    )
    b.step(
        "primary_report", K.report_up, "基层医疗卫生机构报市卫健局，建议至市三院就诊", primary, primary_src
    )
    b.step("other_hospital_screen", K.triage, "其他医疗机构初步筛查，建议到市三院就诊", others, hospital_src)
    b.step("custody_referral", K.dispatch, "监管场所送市三院就诊或请市三院会诊", others, custody_src)
    b.step("police_handling", K.onsite_handling, "公安机关初步处理，协助送市三院诊治", police, police_src)
    b.step("diagnosis", K.triage, "市三院明确诊断", hospital, diag_src, limit="明确诊断")
    b.step(
        "report_card",
        K.notify,
        "填写发病报告卡，告知权益，信息转至基层医疗卫生机构",
        hospital,
        diag_src,
        limit="填写",
    )
    b.step(
        "discharge",
        K.notify,
        "明确不是患者的，尽快出院并告知公安等部门处置",
        hospital,
        diag_src,
        limit="出院",
    )
    b.step(
        "consultation",
        K.technical_opinion,
        "暂时不能确定的，组织会诊或鉴定",
        hospital,
        diag_src,
        limit="会诊",
    )
    b.step("police_check", K.investigation, "对明确不是患者的进行问题查处", police, control_src)
    b.step("classify", K.triage, "基层医疗卫生机构分类处理", primary, classify_src)
    b.step("community_management", K.patrol, "纳入社区管理，完善信息，进行随访", primary, classify_src)
    b.step("care_attention", K.notify, "报告关爱帮扶小组给予重点关注并记录", primary, classify_src)
    b.step("joint_management", K.patrol, "关爱帮扶小组联合管理，病情不稳定的协助送诊", care, care_src)
    b.step(
        "key_person_control",
        K.patrol,
        "肇事肇祸或危险性评估三级及以上患者纳入重点人员管控，联合随访",
        police,
        control_src,
    )
    b.step(
        "relief",
        K.onsite_handling,
        "各部门落实救治救助政策，协助调解、化解或案件调查认定",
        others,
        relief_src,
    )
    b.go("town_screen", "primary_report", "diagnosis")
    b.go("other_hospital_screen", "diagnosis")
    b.go("custody_referral", "diagnosis")
    b.go("police_handling", "diagnosis")
    b.decide(
        "diagnosis",
        "诊断结论",
        ("confirmed", "确诊为严重精神障碍", "report_card"),
        ("not_patient", "明确不是患者", "discharge"),
        ("uncertain", "暂时不能确定", "consultation"),
    )
    b.go("consultation", "diagnosis")
    b.go("discharge", "police_check")
    b.end("police_check", "查处完毕")
    b.go("report_card", "classify")
    b.decide(
        "classify",
        "是否同意参加社区服务管理",
        ("agree", "同意参加社区服务管理", "community_management"),
        ("refuse", "不同意参加社区服务管理", "care_attention"),
    )
    b.go("community_management", "joint_management")
    b.go("care_attention", "joint_management")
    b.decide(
        "joint_management",
        "病情与危险性",
        ("stable", "病情稳定", "relief"),
        ("unstable", "病情不稳定，协助送市三院治疗", "diagnosis"),
        ("dangerous", "肇事肇祸或危险性评估三级及以上", "key_person_control"),
    )
    b.go("key_person_control", "relief")
    b.step("summary", K.archive, "市卫健局（市精卫办）汇总，向镇（街道、区）反馈", b.lead(), relief_src)
    b.go("relief", "summary")
    b.end("summary", "纳入长期管理")
    b.entry("town_patrol", "镇（街道、区）各部门日常巡查发现疑似患者", "town_screen", town_src)
    b.entry("primary_visit", "基层医疗卫生机构走访发现疑似患者", "primary_report", primary_src)
    b.entry("other_hospital", "其他医疗机构发现疑似患者", "other_hospital_screen", hospital_src)
    b.entry("custody", "监管场所内发现疑似患者", "custody_referral", custody_src)
    b.entry("public_report", "群众向公安机关举报、投诉肇事肇祸行为或倾向", "police_handling", public_src)


def planning_permit_enforcement(b: GraphBuilder, c: Ctx) -> None:
    lead = b.lead()
    town = b.town()
    s = c.raw.steps
    centre = b.town("镇（街道、区）综合指挥中心", "town_centre")
    platforms = b.town("镇（街道、区）四个平台", "town_platforms")
    nr = b.dept("natural_resources_planning", "natural_resources_planning", "自然资源和规划局")
    town_src, nr_src, case_src, exec_src = s[0], s[1], s[2], s[3]
    b.step("accept", K.intake, "综合指挥中心接收问题，交办四个平台负责人", centre, town_src)
    b.step("onsite", K.onsite_handling, "落实综合行政执法中队具体承办，赴现场处置", platforms, town_src)
    b.step("town_done", K.feedback, "办结情况反馈四个平台负责人和综合指挥中心", platforms, town_src)
    b.step("escalate", K.report_up, "无法独立处置的上报牵头部门综合行政执法局", platforms, town_src)
    b.go("accept", "onsite")
    b.decide(
        "onsite", "能否处置", ("handled", "能够处置的", "town_done"), ("unable", "无法独立处置的", "escalate")
    )
    b.end("town_done", "办结")
    b.step("order_self_correction", K.rectification_order, "责令当事人自行改正", nr, nr_src)
    b.step("nr_archive", K.archive, "当事人自行改正的，结案归档", nr, nr_src)
    b.step("nr_transfer", K.transfer, "需要立案查处的，将证据材料移交综合行政执法局", nr, nr_src)
    b.step(
        "planning_opinion",
        K.technical_opinion,
        "研判是否可采取改正措施消除对规划实施影响",
        nr,
        nr_src,
        limit="及时研判",
    )
    b.decide(
        "order_self_correction",
        "当事人是否自行改正",
        ("corrected", "当事人自行改正的", "nr_archive"),
        ("not_corrected", "需要立案查处的", "nr_transfer"),
    )
    b.end("nr_archive", "结案归档")
    b.step("investigate", K.investigation, "及时调查取证", lead, case_src, limit="调查取证")
    b.step("deadline_order", K.rectification_order, "责令当事人限期整改", lead, case_src)
    b.step("penalty", K.penalty_decision, "逾期不整改的立案查处，下达处罚决定书", lead, case_src)
    b.step(
        "town_assist", K.investigation, "属地镇（街道、区）配合查处，协助调查取证和现场确认", town, case_src
    )
    b.go("escalate", "investigate")
    b.go("nr_transfer", "planning_opinion", "investigate")
    b.go("investigate", "town_assist", "deadline_order")
    b.step("follow", K.supervision, "跟进处罚决定书履行情况", lead, exec_src)
    b.step("close", K.feedback, "向相应镇（街道、区）反馈办理结果，结案归档", lead, exec_src)
    b.decide(
        "deadline_order",
        "是否按期整改",
        ("rectified", "按期整改", "close"),
        ("overdue", "逾期不整改的", "penalty"),
    )
    b.go("penalty", "follow")
    b.step("remedy", K.onsite_handling, "补办手续或进行没收", lead, exec_src)
    b.step("demolition_notice", K.rectification_order, "要求当事人自行拆除，并催告", lead, exec_src)
    b.step(
        "forced_demolition",
        K.joint_enforcement,
        "催告后仍不拆除的，函告属地镇（街道、区）牵头组织强制拆除",
        town,
        exec_src,
    )
    b.decide(
        "follow",
        "处罚内容",
        ("remedy_or_confiscate", "补办或没收", "remedy"),
        ("demolition", "包含拆除", "demolition_notice"),
    )
    b.go("remedy", "close")
    b.decide(
        "demolition_notice",
        "当事人是否自行拆除",
        ("demolished", "自行拆除", "close"),
        ("refused", "催告后仍不拆除的", "forced_demolition"),
    )
    b.go("forced_demolition", "close")
    b.end("close", "结案归档")
    b.entry("town_report", "群众举报、上级交办或网格员巡查发现", "accept", town_src)
    b.entry("planning_patrol", "自然资源和规划局接收举报或巡查发现", "order_self_correction", nr_src)
