"""泗阳县 "联动执法+综合指挥" (document 001): command-centre flow, duty roles, 39 items.

The document has three attachments, found by their titles (not by position):
流程图 (flowchart box texts, one per line, in reading order but without arrows),
职责清单 (5 duty roles, a tab table) and 高频事项清单 (the numbered joint-enforcement items,
a tab table whose cells wrap: ``消防救援`` / ``大队``, ``统战部`` / ``（民宗局）``).

The flowchart has no arrows in the text, so the step graph is built by recognising each box by
its wording; a box that cannot be found is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xietong.catalog.importers.base import ImportContext, ImportResult, register
from xietong.catalog.importers.text import (
    Line,
    clean_cell,
    deadline_for,
    numbered_lines,
    numbered_rows,
    split_names,
    split_numbered_clauses,
    strip_markup,
    tab_cells,
    text_deadline,
)
from xietong.catalog.model import (
    END,
    Actor,
    Decision,
    Duty,
    Entry,
    Escalation,
    Mechanism,
    MechanismKind,
    Outcome,
    Procedure,
    ProcedureTemplate,
    Role,
    SourceRef,
    Step,
    StepKind,
    Transition,
)
from xietong.catalog.registry import resolve_role

DOCUMENT = "001_2fe61fa7fe079855.txt"
JURISDICTION = "siyang"
TEMPLATE_ID = "siyang_joint_enforcement"
FLOW_ID = "siyang_command_flow"
EXPECTED_ITEMS = 39
#: Table header cells, dropped wherever a page break repeats them.
ITEM_HEADER = ("序号", "事项名称", "牵头单位", "配合单位")
DUTY_HEADER = ("序号", "责任主体", "具体职责")

Clause = tuple[str, SourceRef]

_ATTACHMENT = re.compile(r"^\s*附件\s*(\d+)\s*$")


@dataclass(frozen=True)
class Section:
    title: str
    title_line: int
    lines: list[Line]

    @property
    def last(self) -> int:
        return max((ln.number for ln in self.lines if ln.text.strip()), default=self.title_line)


def sections(lines: list[Line]) -> list[Section]:
    """Split at ``附件N`` headings; each section's title is the next non-blank line."""
    starts = [i for i, ln in enumerate(lines) if _ATTACHMENT.match(ln.text)]
    found = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body = lines[start + 1:end]
        title_idx = next((i for i, ln in enumerate(body) if ln.text.strip()), None)
        if title_idx is None:
            continue
        title = body[title_idx]
        found.append(Section(title.text.strip(), title.number, body[title_idx + 1:]))
    return found


def _node_text(text: str) -> str:
    return re.sub(r"\s+", "", strip_markup(text))


@dataclass(frozen=True)
class Node:
    text: str
    line: int


# Box wording -> the step it is. Order matters only for readability.
_BOXES = {
    "leader_entry": "直接指派",
    "application": "提出联动执法申请",
    "reject": "驳回联动执法申请",
    "initial_review": "对申请进行初审",
    "forward_to_legal": "推送至县法制审核部门",
    "return_materials": "退回",
    "legal_review": "进行法制审核",
    "submit_for_approval": "上报至县领导审批",
    "dispatch": "任务派送",
    "joint_enforcement": "集中开展执法工作",
    "archive": "汇总执法结果",
}


@register
class SiyangImporter:
    """Reads document 001."""

    document = DOCUMENT
    jurisdiction = JURISDICTION

    def run(self, text: str, context: ImportContext) -> ImportResult:
        result = ImportResult(DOCUMENT)
        lines = numbered_lines(text)
        found = sections(lines)
        flow = next((s for s in found if "流程图" in s.title), None)
        duties = next((s for s in found if "职责清单" in s.title), None)
        items = next((s for s in found if "事项清单" in s.title), None)
        for name, section in (("流程图", flow), ("职责清单", duties), ("事项清单", items)):
            if section is None:
                result.warn(None, f"section {name} not found")
        if flow is None or duties is None or items is None:
            return result
        nodes = [Node(_node_text(ln.text), ln.number) for ln in flow.lines if _node_text(ln.text)]
        duty_list, flow_clauses = self.duties(duties, result)
        template = self.template(flow, nodes, flow_clauses, context, result)
        if template is None:
            return result
        result.templates.append(template)
        result.mechanisms.append(
            Mechanism(
                id=FLOW_ID,
                jurisdiction=JURISDICTION,
                kind=MechanismKind.joint_enforcement_flow,
                title=flow.title,
                source=SourceRef(document=DOCUMENT, line_start=flow.title_line, line_end=duties.last),
                duties=duty_list,
                flowchart_nodes=[n.text for n in nodes],
                procedure_template=TEMPLATE_ID,
                notes=[
                    "The flowchart text has no arrows; edges follow the boxes' wording and the "
                    "符合/不符合/批准/未批准 labels.",
                    "The 5-working-day limit for results is 牵头单位 duty 6 in 附件2.",
                ],
            )
        )
        result.mechanisms.extend(self.items(items, context, result))
        return result

    # -- 附件2: duty roles -----------------------------------------------------------------

    def duties(self, section: Section, result: ImportResult) -> tuple[list[Duty], dict[str, Clause]]:
        """The duties per role, plus the two clauses the flow needs (results, documents)."""
        rows = numbered_rows(tab_cells(section.lines), header=DUTY_HEADER)
        duties: list[Duty] = []
        clauses_for_flow: dict[str, Clause] = {}
        for row in rows:
            if len(row.cells) < 2:
                result.warn(row.first, f"duty row {row.number} has {len(row.cells)} cells, expected 2")
                continue
            holder = clean_cell(row.cells[0].text)
            body = row.cells[1]
            role = resolve_role(holder)
            clauses = split_numbered_clauses(body.text.replace("\n", ""))
            source = SourceRef(document=DOCUMENT, line_start=row.first, line_end=row.last)
            for clause in clauses:
                if role is not None:
                    duties.append(Duty(role=role, text=clause, source=source))
                else:
                    duties.append(Duty(department=holder, text=clause, source=source))
                if role is Role.lead_department and "执法结果" in clause and "工作日内" in clause:
                    clauses_for_flow["report"] = (clause, source)
                if role is Role.collaborating_units and "执法工作结束后" in clause:
                    clauses_for_flow["collect"] = (clause, source)
        if len(rows) != 5:
            result.warn(section.title_line, f"expected 5 duty roles, found {len(rows)}")
        return duties, clauses_for_flow

    # -- 附件1: the command-centre flow ----------------------------------------------------

    def template(
        self,
        section: Section,
        nodes: list[Node],
        flow_clauses: dict[str, Clause],
        context: ImportContext,
        result: ImportResult,
    ) -> ProcedureTemplate | None:
        box: dict[str, Node] = {}
        for key, words in _BOXES.items():
            match = next((n for n in nodes if words in n.text), None)
            if match is None:
                result.warn(section.title_line, f"flowchart box for {key} ({words}) not found")
            else:
                box[key] = match
        if len(box) != len(_BOXES):
            return None

        def src(*keys: str) -> SourceRef:
            numbers = [box[k].line for k in keys]
            return SourceRef(document=DOCUMENT, line_start=min(numbers), line_end=max(numbers))

        def quote(*keys: str) -> str:
            return "；".join(box[k].text for k in keys)

        labels = {n.text for n in nodes}
        ok_label = "符合联动执法要求" if "符合联动执法要求" in labels else "符合"
        bad_label = "不符合联动执法要求" if "不符合联动执法要求" in labels else "不符合"
        approved = "批准同意" if "批准同意" in labels else "批准"
        refused = "未批准同意" if "未批准同意" in labels else "未批准"
        report = flow_clauses.get("report")
        collect = flow_clauses.get("collect")
        if report is None or collect is None:
            result.warn(None, "附件2 lacks the clauses on results (牵头单位) or documents (配合单位)")
            return None
        report_deadline = text_deadline(*report)
        collect_deadline = deadline_for(collect[0], collect[1], context.policies)

        actors = [
            Actor(id="applicant", label="申请单位（县直部门、乡镇）", role=Role.applicant),
            Actor(id="command_centre", label="县综合指挥调度中心", department="综合指挥调度中心"),
            Actor(id="legal_review", label="县法制审核部门（司法局）", department="县法制审核部门"),
            Actor(id="county_leaders", label="县领导", department="县领导"),
            Actor(id="lead", label="牵头单位", role=Role.lead_department),
            Actor(id="collaborators", label="配合单位", role=Role.collaborating_units),
        ]
        entries = [
            Entry(id="application_received", name="联动执法申请", to="apply", source=src("application"),
                  quote=quote("application")),
            Entry(id="leader_directed", name="县领导交办（直接指派）", to="dispatch",
                  source=src("leader_entry"), quote=quote("leader_entry")),
        ]
        steps = [
            Step(id="apply", kind=StepKind.application, name="提出联动执法申请", actor="applicant",
                 next=[Transition(to="initial_review")], source=src("application"),
                 quote=quote("application")),
            Step(
                id="initial_review", kind=StepKind.review, name="初审", actor="command_centre",
                decision=Decision(question="是否符合联动执法要求", outcomes=[
                    Outcome(code="eligible", label=ok_label), Outcome(code="ineligible", label=bad_label)]),
                next=[Transition(to="forward_to_legal", outcome="eligible", label=ok_label),
                      Transition(to="reject_application", outcome="ineligible", label=bad_label)],
                source=src("initial_review"), quote=quote("initial_review"),
            ),
            Step(id="reject_application", kind=StepKind.notify, name="驳回联动执法申请",
                 actor="command_centre",
                 next=[Transition(to=END, label="申请驳回")], source=src("reject"), quote=quote("reject")),
            Step(id="forward_to_legal", kind=StepKind.transfer, name="推送初审材料至法制审核部门",
                 actor="command_centre", human=False, next=[Transition(to="legal_review")],
                 source=src("forward_to_legal"), quote=quote("forward_to_legal")),
            Step(
                id="legal_review", kind=StepKind.legal_review, name="法制审核", actor="legal_review",
                decision=Decision(question="是否符合联动执法要求（法制审核）", outcomes=[
                    Outcome(code="passed", label=ok_label), Outcome(code="failed", label=bad_label)]),
                next=[Transition(to="submit_for_approval", outcome="passed", label=ok_label),
                      Transition(to="return_materials", outcome="failed", label=bad_label)],
                source=src("legal_review"), quote=quote("legal_review"),
            ),
            Step(id="return_materials", kind=StepKind.feedback, name="退回相关材料", actor="legal_review",
                 next=[Transition(to=END, label="材料退回")], source=src("return_materials"),
                 quote=quote("return_materials")),
            Step(
                id="submit_for_approval", kind=StepKind.approval, name="县领导审批", actor="county_leaders",
                decision=Decision(question="县领导是否批准", outcomes=[
                    Outcome(code="approved", label=approved), Outcome(code="refused", label=refused)]),
                next=[Transition(to="dispatch", outcome="approved", label=approved),
                      Transition(to=END, outcome="refused", label=refused)],
                source=src("submit_for_approval"), quote=quote("submit_for_approval"),
            ),
            Step(id="dispatch", kind=StepKind.dispatch, name="派送联动执法任务", actor="command_centre",
                 next=[Transition(to="joint_enforcement")], source=src("dispatch"), quote=quote("dispatch")),
            Step(id="joint_enforcement", kind=StepKind.joint_enforcement, name="按指定时间地点集中开展执法",
                 actor="lead", next=[Transition(to="collaborator_documents")],
                 source=src("joint_enforcement"), quote=quote("joint_enforcement")),
            Step(id="collaborator_documents", kind=StepKind.report_up,
                 name="配合单位汇总法律文书并报牵头单位",
                 actor="collaborators", multi_instance_over_collaborators=True, deadline=collect_deadline,
                 next=[Transition(to="report_results")], source=collect[1], quote=collect[0]),
            Step(id="report_results", kind=StepKind.feedback, name="上传执法结果至综合指挥调度平台",
                 actor="lead", deadline=report_deadline,
                 escalation=Escalation(chain=["command_centre"], interrupting=False,
                                       note="调度中心督促牵头单位按时反馈执法结果"),
                 next=[Transition(to="archive")], source=report[1], quote=report[0]),
            Step(id="archive", kind=StepKind.archive, name="汇总执法结果并存档", actor="command_centre",
                 next=[Transition(to=END, label="存档")], source=src("archive"), quote=quote("archive")),
        ]
        procedure = Procedure(
            template="joint_enforcement_command",
            description="联动执法申请经调度中心初审、司法局法制审核、县领导审批后派送执法；"
            "县领导交办的直接派送。牵头单位5个工作日内上传结果，调度中心汇总存档。",
            actors=actors,
            entries=entries,
            steps=steps,
        )
        return ProcedureTemplate(
            id=TEMPLATE_ID,
            jurisdiction=JURISDICTION,
            title=section.title,
            source=SourceRef(document=DOCUMENT, line_start=section.title_line, line_end=section.last),
            procedure=procedure,
        )

    # -- 附件3: the high-frequency items ---------------------------------------------------

    def items(self, section: Section, context: ImportContext, result: ImportResult) -> list[Mechanism]:
        mechanisms = []
        rows = numbered_rows(tab_cells(section.lines), header=ITEM_HEADER)
        for row in rows:
            if len(row.cells) != 3:
                result.warn(row.first, f"item {row.number} has {len(row.cells)} cells, expected 3")
                continue
            title = re.sub(r"\s+", "", row.cells[0].text)
            lead = split_names(row.cells[1].text)
            collaborators: list[str] = []
            roles: list[Role] = []
            for name in split_names(row.cells[2].text):
                role = resolve_role(name)
                if role is not None:
                    roles.append(role)
                else:
                    collaborators.append(name)
            registry = context.registry
            if registry is not None:
                for name in [*lead, *collaborators]:
                    if name not in registry:
                        result.warn(row.first, f"item {row.number}: {name!r} is not in the siyang registry")
            notes = []
            if row.cells[2].text.rstrip().endswith("等"):
                notes.append("配合单位 ends with 等: the list is open; others may be drawn in.")
            mechanisms.append(
                Mechanism(
                    id=f"siyang_joint_{row.number:02d}",
                    jurisdiction=JURISDICTION,
                    kind=MechanismKind.joint_enforcement_item,
                    title=title,
                    number=row.number,
                    source=SourceRef(document=DOCUMENT, line_start=row.first, line_end=row.last),
                    lead=lead,
                    collaborators=collaborators,
                    collaborator_roles=roles,
                    procedure_template=TEMPLATE_ID,
                    notes=notes,
                )
            )
        if len(rows) != EXPECTED_ITEMS:
            result.warn(section.title_line, f"expected {EXPECTED_ITEMS} items, found {len(rows)}")
        return mechanisms
