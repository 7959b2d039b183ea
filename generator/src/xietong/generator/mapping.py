"""Catalog procedure -> ProcessSpec: what each catalog construct becomes in the executable model.

- a step becomes a user task (``human``), a service task whose type comes from the task-type
  catalog (by the step's kind), or a message catch event (``awaits_message``);
- a decision becomes an exclusive gateway after the step, one FEEL-conditioned flow per outcome;
- several transitions without a decision run in parallel (parallel split); several incoming
  transitions merge (exclusive merge, or a parallel join when the step says ``join: all``);
- a ``complete_within`` deadline becomes a boundary timer: an ISO duration for hours and calendar
  days, or a date computed by the ``xietong.deadline`` worker (``=due_<step>``) for working days;
  the urgent variant applies when the urgency decision the catalog names (``urgent_if``) took its
  urgent outcome (``=urgency = "urgent"``); a deadline whose clock starts at an earlier event
  (``starts_at``: 收函, 发现) stamps that moment (``clock_<id> = now()``) and counts from it;
- the escalation chain's first body is sent a 督办 when the timer fires (the step goes on unless
  the escalation interrupts); further bodies are reached by a BPMN escalation thrown inside a
  sub-process wrapping the step and caught by a non-interrupting boundary on that sub-process;
- ``multi_instance_over_collaborators`` becomes a parallel multi-instance over ``collaborators``
  (default: the catalog's collaborators; a case may pass its own list);
- actors become lanes; department actors are assigned by their registry name, role actors by a
  process variable (``=town``, ``=collaborator`` …) resolved per case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from xietong import task_types as tt
from xietong.catalog.model import (
    END,
    Actor,
    Deadline,
    DeadlineMeaning,
    DeadlineUnit,
    Entry,
    Policy,
    Procedure,
    Role,
    Step,
    StepKind,
)
from xietong.catalog.model import SourceRef as CatalogSource
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


class MappingError(ValueError):
    """A catalog procedure the generator cannot turn into a model; names mechanism and step."""


# Automated (human: false) steps: the job type by step kind. Kinds missing here are work a person
# does; marking one of them automated is a catalog error, reported rather than guessed.
SERVICE_TYPE_BY_KIND: dict[StepKind, str] = {
    StepKind.intake: tt.REGISTER,
    StepKind.application: tt.REGISTER,
    StepKind.triage: tt.TRIAGE,
    StepKind.review: tt.TRIAGE,
    StepKind.dispatch: tt.DISPATCH,
    StepKind.report_up: tt.DISPATCH,
    StepKind.joint_order: tt.JOINT_ORDER,
    StepKind.transfer: tt.TRANSFER,
    StepKind.notify: tt.NOTIFY,
    StepKind.feedback: tt.NOTIFY,
    StepKind.information_copying: tt.NOTIFY,
    StepKind.reply: tt.NOTIFY,
    StepKind.supervision: tt.SUPERVISE,
    StepKind.archive: tt.ARCHIVE,
}

# Role actors: the process variable naming the acting body in a case (FEEL, with '=').
ROLE_VARIABLES: dict[Role, str] = {
    Role.lead_department: "leadDepartment",
    Role.collaborating_units: "collaborators",
    Role.territorial_town: "town",
    Role.industry_authorities: "industryAuthority",
    Role.relevant_departments: "relevantDepartments",
    Role.applicant: "applicant",
    Role.initiator: "initiator",
    Role.competent_party: "competentParty",
    Role.complainant: "complainant",
}


def role_variable(role: Role) -> str:
    """The case variable for a role; roles added to the catalog later get their camelCased name."""
    if role in ROLE_VARIABLES:
        return ROLE_VARIABLES[role]
    head, *rest = role.value.split("_")
    return head + "".join(part.title() for part in rest)


_UNIT_TEXT = {
    DeadlineUnit.hours: "小时",
    DeadlineUnit.calendar_days: "日",
    DeadlineUnit.working_days: "个工作日",
    DeadlineUnit.months: "个月",
}
_FEEL_UNIT = {
    DeadlineUnit.hours: "hours",
    DeadlineUnit.calendar_days: "days",
    DeadlineUnit.working_days: "workingDays",
    DeadlineUnit.months: "months",
}


#: How the time-word table's contexts read to a clerk (config/policy.yaml, Policy.context).
_CONTEXT_TEXT = {"onsite": "现场处置", "paperwork": "文书办理", "reporting": "事件上报"}


def limit_text(deadline: Deadline) -> str:
    return f"{deadline.amount}{_UNIT_TEXT[deadline.unit]}"


def iso_duration(deadline: Deadline) -> str:
    if deadline.unit is DeadlineUnit.hours:
        return f"PT{deadline.amount}H"
    if deadline.unit is DeadlineUnit.calendar_days:
        return f"P{deadline.amount}D"
    if deadline.unit is DeadlineUnit.months:
        return f"P{deadline.amount}M"
    raise ValueError("working days are not an ISO duration; the deadline worker computes the date")


def feel_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def feel_name(step_id: str) -> str:
    """A FEEL-safe variable name from a step id ('-' would parse as minus)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", step_id)


@dataclass
class JointItem:
    """One row of a parameter table (泗阳's high-frequency joint-enforcement items)."""

    number: int
    title: str
    lead: str
    collaborators: list[str]
    #: role collaborators named per case (属地乡镇（街道） -> the case variable ``town``, holding its group)
    role_variables: list[str] = field(default_factory=list)


@dataclass
class MappingInput:
    """Everything the mapping needs about one process to generate."""

    process_id: str
    name: str
    jurisdiction: str
    procedure: Procedure
    source: CatalogSource | None
    lead: list[str] = field(default_factory=list)  # resolved department names
    collaborators: list[str] = field(default_factory=list)
    items: list[JointItem] = field(default_factory=list)  # parameter table, if any
    notes: list[str] = field(default_factory=list)
    resolve_department: Callable[[str], str] = str  # reference -> the registry's canonical name
    resolve_group: Callable[[str], str] = str  # reference or name -> group id (siyang.justice)
    policies: dict[str, Policy] = field(default_factory=dict)  # the time-word table (config/policy.yaml)


def _source(src: CatalogSource | None, quote: str | None, fallback: str) -> SourceRef | None:
    if src is None:
        return None
    return SourceRef(src.document, src.line_start, src.line_end, quote or fallback)


class _Mapper:
    def __init__(self, data: MappingInput) -> None:
        self.data = data
        self.proc = data.procedure
        self.spec = ProcessSpec(
            id=data.process_id,
            name=data.name,
            body=ProcessBody(),
            lanes=[Lane(f"Lane_{a.id}", a.label) for a in self.proc.actors],
            documentation=self._process_doc(),
        )
        self.body = self.spec.body
        self.actors = {a.id: a for a in self.proc.actors}
        self.inbound: dict[str, int] = {s.id: 0 for s in self.proc.steps}
        for step in self.proc.steps:
            for t in step.next:
                if t.to != END:
                    self.inbound[t.to] += 1
        for entry in self.proc.entries:
            self.inbound[entry.to] += 1
        for step in self.proc.steps:  # a lead-time check sends a late application back to its step
            if step.deadline is not None and step.deadline.meaning is DeadlineMeaning.lead_time:
                self.inbound[step.id] += 1
        self.entry_of: dict[str, str] = {}  # step id -> element id incoming flows target
        # entries and steps at which a deadline's clock starts (自收函之日起 …): their moment is stamped
        self.clock_anchors = {
            s.deadline.starts_at for s in self.proc.steps if s.deadline and s.deadline.starts_at
        }
        self.exit_of: dict[str, str] = {}  # step id -> element id outgoing flows leave from
        self.late_flows: list[tuple[str, str, str]] = []  # lead-time checks: (gateway, step, label)

    def fail(self, step: Step | None, message: str) -> MappingError:
        where = f"{self.data.process_id}" + (f", step {step.id}" if step else "")
        return MappingError(f"{where}: {message}")

    def _process_doc(self) -> str:
        parts = [self.data.name]
        if self.data.source is not None:
            src = self.data.source
            parts[0] += f"（来源：{src.document} 第{src.line_start}–{src.line_end}行）"
        if self.proc.description:
            parts.append(self.proc.description)
        if self.data.items:
            parts.append(
                f"由 {len(self.data.items)} 个高频事项参数化："
                "启动时传入 itemNumber（高频事项序号）即按事项确定牵头与配合单位。"
            )
        parts.extend(self.data.notes)
        return "\n".join(parts)

    # -- actors --------------------------------------------------------------------------------

    def lane(self, actor_id: str) -> str:
        return f"Lane_{actor_id}"

    def actor_name(self, actor: Actor, multi: bool = False) -> str:
        """The body as a header value: its registry name, or for a role the FEEL expression naming it
        in the case (``=collaborator``, ``=jointItem.lead`` …); only when the case does not name the
        body does the expression fall back to the document's term for it (the lane label)."""
        expression = self.candidate_group(actor, multi)
        if not expression.startswith("=") or multi:
            return expression
        body = expression[1:]
        return f"=if ({body}) != null then ({body}) else {feel_string(actor.label)}"

    def candidate_group(self, actor: Actor, multi: bool) -> str:
        if actor.department is not None:
            return self.data.resolve_department(actor.department)
        assert actor.role is not None
        if multi:
            return "=collaborator"
        if actor.role is Role.lead_department:
            if self.data.items:
                return "=if jointItem != null then jointItem.lead else leadDepartment"
            if self.data.lead:
                return ",".join(self.data.lead)
        if actor.role is Role.collaborating_units and (self.data.items or self.data.collaborators):
            return self.collaborators_expression()
        return f"={role_variable(actor.role)}"

    def assignment_groups(self, actor: Actor, multi: bool) -> str:
        """``candidateGroups``: department group ids (``siyang.justice``), as Camunda's identity needs,
        never display names. A role's group comes from the case: the catalog's own lists and the item
        table carry group ids; a case naming the body itself (``town``, ``applicant``,
        ``collaborators`` …) passes its group id (docs/identity.md)."""
        groups = self.data.resolve_group
        if actor.department is not None:
            return groups(actor.department)
        assert actor.role is not None
        defaults = "[" + ", ".join(feel_string(groups(c)) for c in self.data.collaborators) + "]"
        if multi:  # one inner instance per collaborator: the group at the same position
            if self.data.items:
                return (
                    "=if jointItem != null then jointItem.collaboratorGroups[loopCounter] else collaborator"
                )
            if self.data.collaborators:
                return f"=if collaborators != null then collaborator else {defaults}[loopCounter]"
            return "=collaborator"
        if actor.role is Role.lead_department:
            if self.data.items:
                return "=if jointItem != null then jointItem.leadGroup else leadDepartment"
            if self.data.lead:
                return ",".join(groups(name) for name in self.data.lead)
        if actor.role is Role.collaborating_units and self.data.items:
            return "=if jointItem != null then jointItem.collaboratorGroups else collaborators"
        if actor.role is Role.collaborating_units and self.data.collaborators:
            return f"=if collaborators != null then collaborators else {defaults}"
        return f"={role_variable(actor.role)}"

    def collaborators_expression(self) -> str:
        if self.data.items:
            return "=if jointItem != null then jointItem.collaborators else collaborators"
        if self.data.collaborators:
            default = "[" + ", ".join(feel_string(c) for c in self.data.collaborators) + "]"
            return f"=if collaborators != null then collaborators else {default}"
        return "=collaborators"

    def headers(self, step: Step, actor: Actor, inside_instance: bool = False) -> dict[str, str]:
        """Common headers; ``inside_instance``: the job runs inside the multi-instance (``collaborator``
        is in scope), as opposed to the tasks around it (deadline, 督办)."""
        department = self.actor_name(actor, inside_instance)
        return {"mechanismId": self.data.process_id, "stepId": step.id, "department": department}

    def supervisor_of(self, step: Step, chain: list[str]) -> Actor:
        """Who is alerted first: the escalation's first body, else the lead department."""
        if chain:
            return self.actors[chain[0]]
        for actor in self.proc.actors:
            is_lead = actor.role is Role.lead_department or (
                actor.department is not None
                and self.data.resolve_department(actor.department) in self.data.lead
            )
            if is_lead and actor.id != step.actor:
                return actor
        # the lead's own step (or no lead role): the acting body's own leadership is reminded; picking
        # another department would make a collaborator supervise the lead
        return self.actors[step.actor]

    # -- steps ---------------------------------------------------------------------------------

    def build(self) -> ProcessSpec:
        steps = {s.id: s for s in self.proc.steps}
        for step in self.proc.steps:
            self.step(step)
        blank = [e for e in self.proc.entries if e.trigger == "none"]
        for entry in self.proc.entries:
            if entry.trigger == "none" and len(blank) > 1:
                continue
            target = steps[entry.to]
            start = Node(
                entry.id,
                NodeKind.START,
                entry.name,
                lane=self.lane(target.actor),
                source=_source(entry.source, entry.quote, entry.name),
            )
            if entry.trigger == "message":
                assert entry.message is not None
                start.message_ref = self.message(entry.message, None)
            elif entry.trigger == "timer":
                assert entry.recurrence is not None
                start.timer = Timer(cycle=entry.recurrence.iso8601)
            self.body.add(start)
            head = entry.id
            if entry.trigger == "timer":  # nobody starts a routine by hand: the case numbers itself
                numbered = self.body.add(
                    Node(
                        f"{entry.id}_case_id",
                        NodeKind.NONE_THROW,
                        "生成案件编号",
                        lane=self.lane(target.actor),
                        outputs=[(f'="{self.data.process_id}-" + string(now())', "caseId")],
                        documentation="定时启动的例行工作没有启动人传入 caseId：以流程编号加启动时刻编号。",
                    )
                )
                self.body.connect(head, numbered.id)
                head = numbered.id
            if self.data.items:
                items = self.items_event(entry.id, self.lane(target.actor))
                self.body.connect(head, items)  # after the case number, if any: one path from the start
                head = items
            head = self.entry_clocks(head, [entry], self.lane(target.actor))
            self.body.connect(head, self.entry_of[entry.to])
        if len(blank) > 1:
            self.routed_start(blank, steps)
        self.closing = self.case_closing()
        for step in self.proc.steps:
            self.transitions(step)
        for check, step_id, name in self.late_flows:
            late = f"Flow_{step_id}_lead_time_late"
            late_condition = '=leadTime = "late"'
            self.body.connect(check, self.entry_of[step_id], name, late_condition, late)
        return self.spec

    def case_closing(self) -> str | None:
        """Every way to the end passes one 结案归档 job, so the case store records the closure."""
        enders = [s for s in self.proc.steps for t in s.next if t.to == END]
        if not enders:
            return None
        last = enders[-1]
        actor = self.actors[last.actor]
        lane = self.lane(last.actor)
        headers = {
            "mechanismId": self.data.process_id,
            "stepId": "case_archive",
            "department": self.actor_name(actor),
        }
        archive = self.body.add(
            Node(
                "case_archive",
                NodeKind.SERVICE_TASK,
                "结案归档",
                lane=lane,
                task_type=tt.ARCHIVE,
                headers=headers,
                documentation="每条结束路径都经此登记结案（案件库记录办结）。",
            )
        )
        end = self.body.add(Node("case_end", NodeKind.END, "结案", lane=lane))
        self.body.connect(archive.id, end.id)
        if len(enders) == 1:
            return archive.id
        merge = self.body.add(Node("case_close", NodeKind.EXCLUSIVE_GATEWAY, "", lane=lane))
        self.body.connect(merge.id, archive.id)
        return merge.id

    def routed_start(self, blank: list[Entry], steps: dict[str, Step]) -> None:
        """Zeebe allows one blank start event: several ways in become one start and a choice on ``entry``."""
        lane = self.lane(steps[blank[0].to].actor)
        start = self.body.add(
            Node(
                "Start",
                NodeKind.START,
                "案件启动",
                lane=lane,
                documentation="启动变量 entry 选择启动方式："
                + "；".join(f"{e.id}＝{e.name}" for e in blank)
                + f"（缺省 {blank[0].id}）",
            )
        )
        head = start.id
        if self.data.items:
            head = self.items_event(start.id, lane)
            self.body.connect(start.id, head)
        head = self.entry_clocks(head, blank, lane)
        route = self.body.add(
            Node(
                "Start_route",
                NodeKind.EXCLUSIVE_GATEWAY,
                "启动方式",
                lane=lane,
                default_flow=f"Flow_Start_route_{blank[0].id}",
            )
        )
        self.body.connect(head, route.id)
        for index, entry in enumerate(blank):
            self.body.connect(
                route.id,
                self.entry_of[entry.to],
                name=entry.name,
                flow_id=f"Flow_Start_route_{entry.id}",
                condition=None if index == 0 else f'=entry = "{entry.id}"',
            )
            self.body.flows[-1].source_ref = _source(entry.source, entry.quote, entry.name)

    def clock_event(self, anchor: str, name: str, lane: str | None) -> str:
        """A moment a deadline counts from (收函, 发现): stamped as ``clock_<anchor>`` when reached."""
        node = Node(
            f"{anchor}_clock",
            NodeKind.NONE_THROW,
            f"计时起点：{name}",
            lane=lane,
            outputs=[("=now()", f"clock_{feel_name(anchor)}")],
            documentation=f"时限自“{name}”起算：此刻记入变量 clock_{feel_name(anchor)}，"
            "后续限时步骤据此计算到期时间。",
        )
        self.body.add(node)
        return node.id

    def entry_clocks(self, head: str, entries: list[Entry], lane: str) -> str:
        """Clock events for entries that start a deadline's count, chained after ``head``."""
        for entry in entries:
            if entry.id in self.clock_anchors:
                clock = self.clock_event(entry.id, entry.name, lane)
                self.body.connect(head, clock)
                head = clock
        return head

    def items_event(self, entry_id: str, lane: str) -> str:
        group = self.data.resolve_group  # the item table carries group ids beside the names

        def listed(values: list[str], roles: list[str]) -> str:
            # a role collaborator (属地乡镇) is the body the case names: appended when the case names it
            fixed = f"[{', '.join(feel_string(v) for v in values)}]"
            if not roles:
                return fixed
            named = ", ".join(f"if {r} != null then [{r}] else []" for r in roles)
            return f"concatenate({fixed}, {named})"

        rows = ", ".join(
            "{" + f"number: {i.number}, title: {feel_string(i.title)}, lead: {feel_string(i.lead)}, "
            f"collaborators: {listed(i.collaborators, i.role_variables)}, "
            f"leadGroup: {feel_string(','.join(group(n) for n in i.lead.split(',') if n))}, "
            f"collaboratorGroups: {listed([group(c) for c in i.collaborators], i.role_variables)}" + "}"
            for i in self.data.items
        )
        node = Node(
            f"{entry_id}_item",
            NodeKind.NONE_THROW,
            "确定联动执法事项",
            lane=lane,
            outputs=[
                (f"=if itemNumber = null then null else ([{rows}][number = itemNumber])[1]", "jointItem")
            ],
            documentation="按启动变量 itemNumber（高频事项序号）查出牵头单位与配合单位；"
            "未传 itemNumber 时使用申请中的 leadDepartment 与 collaborators。"
            + (
                "配合单位含属地乡镇（街道）的事项（"
                + "、".join(str(i.number) for i in self.data.items if i.role_variables)
                + "）由启动变量 town 指明属地（其组编号）。"
                if any(i.role_variables for i in self.data.items)
                else ""
            ),
        )
        self.body.add(node)
        return node.id

    def message(self, name: str, correlation: str | None) -> str:
        message_id = f"Message_{feel_name(name)}"
        existing = next((m for m in self.spec.messages if m.id == message_id), None)
        key = f"={correlation}" if correlation else None
        if existing is None:
            self.spec.messages.append(Message(message_id, name, key or "=caseId"))
        return message_id

    def core(self, step: Step, actor: Actor, lane: str | None) -> Node:
        source = _source(step.source, step.quote, step.name)
        multi = step.multi_instance_over_collaborators
        if step.awaits_message is not None:
            wait = step.awaits_message
            timed = step.deadline is not None and step.deadline.meaning is DeadlineMeaning.complete_within
            node = Node(
                step.id,
                NodeKind.RECEIVE_TASK if timed else NodeKind.MESSAGE_CATCH,
                step.name,
                lane=lane,
                source=source,
                message_ref=self.message(wait.name, wait.correlation),
            )
        elif step.human:
            node = Node(
                step.id,
                NodeKind.USER_TASK,
                step.name,
                lane=lane,
                source=source,
                candidate_groups=[self.assignment_groups(actor, multi)],
            )
        else:
            task_type = SERVICE_TYPE_BY_KIND.get(step.kind)
            if task_type is None:
                raise self.fail(
                    step,
                    f"kind {step.kind.value!r} is work for a person; it cannot be automated "
                    "(set human: true, or use a kind with a task type)",
                )
            if step.decision is not None and task_type != tt.TRIAGE:
                task_type = tt.TRIAGE
            headers = self.headers(step, actor, inside_instance=step.multi_instance_over_collaborators)
            headers.update(self.type_headers(task_type, step, actor))
            node = Node(
                step.id,
                NodeKind.SERVICE_TASK,
                step.name,
                lane=lane,
                source=source,
                task_type=task_type,
                headers=headers,
            )
        if multi:
            node.multi_instance = MultiInstance(
                self.collaborators_expression(), "collaborator", "results", "=result"
            )
        if step.deadline is not None and step.deadline.meaning is DeadlineMeaning.complete_within:
            # the clerk's task page shows the step's documentation: the limit and what it rests on
            limit = f"办理时限：{limit_text(step.deadline)}"
            if step.deadline.urgent_variant is not None:
                limit += f"（紧急 {limit_text(step.deadline.urgent_variant)}）"
            node.documentation = "\n".join(t for t in (limit, self.deadline_doc(step.deadline)) if t)
        if step.deadline is not None and step.deadline.meaning is DeadlineMeaning.lead_time:
            node.documentation = (
                f"须提前 {limit_text(step.deadline)}（提前量，不设计时器）：{step.deadline.quote or ''}"
            ).rstrip("：")
        return node

    def deadline_doc(self, deadline: Deadline) -> str:
        """Where a limit comes from: the quoted sentence, or — when the document gives none — the
        county's policy (marked 【政策选择】 so the console can show that it rests on a choice)."""
        parts = []
        if deadline.origin == "policy":
            policy = self.data.policies.get(deadline.policy or "")
            parts.append(
                f"【政策选择】时限 {limit_text(deadline)} 取自 config/policy.yaml 的政策 {deadline.policy}"
                "（文件只说“立即”“及时”等，未给具体时限）"
            )
            if policy is not None:
                basis = "有原文类比" if policy.basis == "source_analogy" else "无原文依据，待审核人确认"
                state = "已审核" if policy.reviewed else "未审核"
                context = _CONTEXT_TEXT.get(policy.context.value if policy.context else "", "各种情形")
                terms = "、".join(f"“{t}”" for t in policy.terms)
                parts.append(f"{terms}在{context}中按 {limit_text(deadline)} 计；依据：{basis}（{state}）")
                if policy.quote and policy.source:
                    where = f"{policy.source.document} 第{policy.source.line_start}行"
                    parts.append(f"类比原文：“{policy.quote}”（{where}）")
        elif deadline.quote:
            parts.append(f"原文：“{deadline.quote}”")
        if deadline.urgent_variant is not None:
            test = deadline.urgent_if
            chooser = f"步骤 {test.step} 选择 {test.outcome}" if test else "启动变量 urgent = true"
            condition = deadline.urgent_condition or "情况紧急"
            parts.append(f"{condition}时为 {limit_text(deadline.urgent_variant)}（由{chooser}）")
        if deadline.starts_at is not None:
            parts.append(f"自 {deadline.starts_at} 起算（原文所说的起算事件）")
        return "。".join(parts) + ("。" if parts else "")

    def type_headers(self, task_type: str, step: Step, actor: Actor) -> dict[str, str]:
        following = [self.actors[self.step_by_id(t.to).actor] for t in step.next if t.to != END]
        first_actor = self.actors[self.step_by_id(self.proc.entries[0].to).actor]
        if task_type == tt.TRIAGE:
            decision = step.decision
            options = [o.code for o in decision.outcomes] if decision else []
            return {
                "options": ",".join(options),
                "resultVariable": decision.variable if decision else "outcome",
            }
        if task_type in (tt.DISPATCH, tt.TRANSFER):
            return {"toDepartment": ",".join(dict.fromkeys(self.actor_name(a) for a in following))}
        if task_type == tt.JOINT_ORDER:
            return {"leadDepartment": self.actor_name(actor)}
        if task_type == tt.NOTIFY:
            targets = following if step.kind is StepKind.notify and following else [first_actor]
            return {"recipients": ",".join(dict.fromkeys(self.actor_name(a) for a in targets))}
        if task_type == tt.SUPERVISE:
            return {"supervisor": self.actor_name(actor), "level": "1"}
        return {}

    def step_by_id(self, step_id: str) -> Step:
        return self.proc.step(step_id)

    def step(self, step: Step) -> None:
        actor = self.actors[step.actor]
        lane = self.lane(step.actor)
        deadline = (
            step.deadline
            if step.deadline and step.deadline.meaning is DeadlineMeaning.complete_within
            else None
        )
        chain = list(step.escalation.chain) if step.escalation and deadline else []
        interrupting = bool(step.escalation and step.escalation.interrupting)
        if deadline is not None and len(chain) >= 2 and not interrupting:
            head, tail = self.escalating_sub_process(step, actor, lane, deadline, chain)
        else:
            node = self.core(step, actor, lane)
            tail = node.id
            head = node.id
            if deadline is not None:
                due = self.due_task(step, actor, lane, deadline, self.body)
                if due is not None:
                    self.body.connect(due, node.id)
                    head = due
                self.body.add(node)
                tail = self.timer_branch(step, node, deadline, chain, interrupting, self.body, lane)
            else:
                self.body.add(node)
        if step.deadline is not None and step.deadline.meaning is DeadlineMeaning.lead_time:
            tail = self.lead_time_check(step, step.deadline, lane, tail)
        if step.id in self.clock_anchors:
            clock = self.clock_event(step.id, step.name, lane)
            self.body.connect(clock, head)
            head = clock
        if self.inbound[step.id] > 1:
            kind = NodeKind.PARALLEL_GATEWAY if step.join == "all" else NodeKind.EXCLUSIVE_GATEWAY
            merge = self.body.add(Node(f"{step.id}_join", kind, "", lane=lane))
            self.body.connect(merge.id, head)
            head = merge.id
        self.entry_of[step.id] = head
        if step.decision is not None:
            gateway = self.body.add(
                Node(
                    f"{step.id}_decision",
                    NodeKind.EXCLUSIVE_GATEWAY,
                    step.decision.question,
                    lane=lane,
                    source=_source(step.source, step.quote, step.name),
                    documentation="结果（变量 "
                    + step.decision.variable
                    + "）："
                    + "；".join(f"{o.code}＝{o.label}" for o in step.decision.outcomes),
                )
            )
            self.body.connect(tail, gateway.id)
            tail = gateway.id
        elif len(step.next) > 1:
            split = self.body.add(Node(f"{step.id}_split", NodeKind.PARALLEL_GATEWAY, "", lane=lane))
            self.body.connect(tail, split.id)
            tail = split.id
        self.exit_of[step.id] = tail

    def lead_time_check(self, step: Step, deadline: Deadline, lane: str, tail: str) -> str:
        """提前N日: the planned start the applicant gives (``plannedStart``, ISO date-time) must lie at
        least the lead time ahead; a later date goes back to the step to be re-planned. Without a date
        the application goes on and the reviewing body checks the plan. Returns the new tail."""
        try:
            lead = iso_duration(deadline)
        except ValueError:
            raise self.fail(step, "a lead time in working days cannot be checked by FEEL") from None
        label = limit_text(deadline)
        measure = self.body.add(
            Node(
                f"{step.id}_lead_time_measure",
                NodeKind.NONE_THROW,
                f"核对是否提前{label}",
                lane=lane,
                outputs=[(
                    '=if plannedStart = null then "unknown" else if date and time(plannedStart) - now() '
                    f'>= duration("{lead}") then "in_time" else "late"',
                    "leadTime",
                )],
                source=_source(deadline.source, deadline.quote, label),
                documentation=f"拟实施时间（变量 plannedStart）须在提交时起至少 {label} 之后；"
                "不足的退回重新安排，未填写的由审核方核对方案。"
                "结果记入变量 leadTime（in_time / late / unknown）。",
            )
        )
        self.body.connect(tail, measure.id)
        check = self.body.add(
            Node(
                f"{step.id}_lead_time",
                NodeKind.EXCLUSIVE_GATEWAY,
                f"是否提前{label}",
                lane=lane,
                default_flow=f"Flow_{step.id}_lead_time_ok",
            )
        )
        self.body.connect(measure.id, check.id)
        ok = self.body.add(Node(f"{step.id}_in_time", NodeKind.NONE_THROW, "提前量已核对", lane=lane))
        self.body.connect(check.id, ok.id, name=f"已提前{label}", flow_id=f"Flow_{step.id}_lead_time_ok")
        self.late_flows.append((check.id, step.id, f"不足{label}，重新安排"))
        return ok.id

    def due_task(
        self, step: Step, actor: Actor, lane: str | None, deadline: Deadline, body: ProcessBody
    ) -> str | None:
        """The deadline worker's task before a working-day step; None when ISO durations suffice."""
        urgent = deadline.urgent_variant
        if not self.needs_due_task(deadline):
            return None

        def context(d: Deadline) -> str:
            return f'{{amount: {d.amount}, unit: "{_FEEL_UNIT[d.unit]}"}}'

        limit = (
            f"={context(deadline)}"
            if urgent is None
            else f"=if {self.urgent_condition(deadline)} then {context(urgent)} else {context(deadline)}"
        )
        inputs = [(limit, "limit")]
        if deadline.starts_at is not None:
            inputs.append((f"=clock_{feel_name(deadline.starts_at)}", "startedAt"))
        headers = self.headers(step, actor)
        headers["dueVariable"] = f"due_{feel_name(step.id)}"
        node = Node(
            f"{step.id}_due",
            NodeKind.SERVICE_TASK,
            f"计算时限：{limit_text(deadline)}",
            lane=lane,
            task_type=tt.DEADLINE,
            headers=headers,
            inputs=inputs,
            source=_source(deadline.source, deadline.quote, limit_text(deadline)),
            documentation=self.deadline_doc(deadline),
        )
        body.add(node)
        return node.id

    @staticmethod
    def needs_due_task(deadline: Deadline) -> bool:
        """Working days need China's calendar, and a clock started earlier needs its start: both are
        computed by the deadline worker; other limits are plain ISO durations on the timer."""
        urgent = deadline.urgent_variant
        return (
            deadline.starts_at is not None
            or deadline.unit is DeadlineUnit.working_days
            or (urgent is not None and urgent.unit is DeadlineUnit.working_days)
        )

    def urgent_condition(self, deadline: Deadline) -> str:
        """FEEL that is true when the case is urgent: the urgency decision's outcome, as the model sets it."""
        test = deadline.urgent_if
        if test is None:
            return "urgent = true"  # hand-written procedures may still pass ``urgent`` when starting
        decision = self.proc.step(test.step).decision
        assert decision is not None
        return f'{decision.variable} = "{test.outcome}"'

    def timer_of(self, step: Step, deadline: Deadline) -> Timer:
        urgent = deadline.urgent_variant
        if self.needs_due_task(deadline):
            return Timer(date=f"=due_{feel_name(step.id)}")
        if urgent is None:
            return Timer(duration=iso_duration(deadline))
        return Timer(
            duration=f'=if {self.urgent_condition(deadline)} then duration("{iso_duration(urgent)}") '
            f'else duration("{iso_duration(deadline)}")'
        )

    def timer_branch(
        self,
        step: Step,
        node: Node,
        deadline: Deadline,
        chain: list[str],
        interrupting: bool,
        body: ProcessBody,
        lane: str | None,
        throw: str | None = None,
    ) -> str:
        """Boundary timer on ``node`` and what follows it; returns the element the step exits from."""
        actor = self.actors[step.actor]
        name = f"超时：{limit_text(deadline)}"
        if deadline.urgent_variant is not None:
            name += f"（紧急{limit_text(deadline.urgent_variant)}）"
        timer = Boundary(
            f"{step.id}_overdue",
            name,
            node.id,
            BoundaryKind.TIMER,
            interrupting=interrupting,
            timer=self.timer_of(step, deadline),
            source=_source(deadline.source, deadline.quote, limit_text(deadline)),
            documentation=self.deadline_doc(deadline),
        )
        body.boundaries.append(timer)
        first = self.supervisor_of(step, chain)
        # with an escalation chain the 督办 is drawn in the first body's lane; without one (the supervisor
        # is only named in the header) it stays next to the step it is about
        first_lane = self.lane(first.id) if lane is not None and chain else lane
        headers = self.headers(step, actor)
        note = step.escalation.note if step.escalation and step.escalation.note else ""
        why = f"「{step.name}」超过时限（{limit_text(deadline)}）时由{first.label}处理。{note}".strip()

        def alert(suffix: str, name: str, task_type: str, addressee: str) -> Node:
            """The job the overdue timer starts (上报 or 督办), addressed to the first body as level 1."""
            return body.add(
                Node(
                    f"{step.id}_{suffix}",
                    NodeKind.SERVICE_TASK,
                    name,
                    lane=first_lane,
                    task_type=task_type,
                    headers={**headers, addressee: self.actor_name(first), "level": "1"},
                    source=_source(step.source, step.quote, step.name),
                    documentation=why,
                )
            )

        if interrupting:
            escalate = alert("escalate", f"上报{first.label}", tt.ESCALATE, "to")
            takeover = body.add(
                Node(
                    f"{step.id}_takeover",
                    NodeKind.USER_TASK,
                    f"{first.label}接办：{step.name}",
                    lane=first_lane,
                    candidate_groups=[self.assignment_groups(first, False)],
                )
            )
            done = body.add(Node(f"{step.id}_done", NodeKind.EXCLUSIVE_GATEWAY, "", lane=lane))
            body.connect(timer.id, escalate.id)
            body.connect(escalate.id, takeover.id)
            body.connect(takeover.id, done.id)
            body.connect(node.id, done.id)
            return done.id
        supervise = alert("supervise", f"{first.label}督办", tt.SUPERVISE, "supervisor")
        body.connect(timer.id, supervise.id)
        last = supervise.id
        if throw is not None:
            raise_ = body.add(
                Node(
                    f"{step.id}_raise",
                    NodeKind.ESCALATION_THROW,
                    "逾期升级",
                    lane=first_lane,
                    escalation_ref=throw,
                )
            )
            body.connect(last, raise_.id)
            last = raise_.id
        end = body.add(Node(f"{step.id}_supervised", NodeKind.END, "已督办", lane=first_lane))
        body.connect(last, end.id)
        return node.id

    def escalating_sub_process(
        self, step: Step, actor: Actor, lane: str, deadline: Deadline, chain: list[str]
    ) -> tuple[str, str]:
        """Step wrapped in a sub-process: 督办 inside, escalation to the next levels caught outside."""
        inner = ProcessBody()
        escalation = Escalation(f"Escalation_{step.id}", f"{step.name}逾期", f"overdue_{feel_name(step.id)}")
        self.spec.escalations.append(escalation)
        start = inner.add(Node(f"{step.id}_begin", NodeKind.START, "开始办理"))
        node = self.core(step, actor, None)
        due = self.due_task(step, actor, None, deadline, inner)
        inner.add(node)
        if due is not None:
            inner.connect(start.id, due)
            inner.connect(due, node.id)
        else:
            inner.connect(start.id, node.id)
        self.timer_branch(step, node, deadline, chain, False, inner, None, throw=escalation.id)
        finished = inner.add(Node(f"{step.id}_finished", NodeKind.END, "办结"))
        inner.connect(node.id, finished.id)
        sub = self.body.add(
            Node(
                f"{step.id}_scope",
                NodeKind.SUB_PROCESS,
                f"{step.name}（限时）",
                lane=lane,
                children=inner,
                documentation="逾期时先督办，再逐级上报（升级事件由子流程边界捕获）。",
            )
        )
        catch = Boundary(
            f"{step.id}_escalated",
            "逐级上报",
            sub.id,
            BoundaryKind.ESCALATION,
            interrupting=False,
            escalation_ref=escalation.id,
        )
        self.body.boundaries.append(catch)
        previous = catch.id
        for level, actor_id in enumerate(chain[1:], start=2):
            target = self.actors[actor_id]
            headers = self.headers(step, actor)
            headers.update({"to": self.actor_name(target), "level": str(level)})
            up = self.body.add(
                Node(
                    f"{step.id}_escalate_{level}",
                    NodeKind.SERVICE_TASK,
                    f"上报{target.label}",
                    lane=self.lane(actor_id),
                    task_type=tt.ESCALATE,
                    headers=headers,
                )
            )
            self.body.connect(previous, up.id)
            previous = up.id
        end = self.body.add(Node(f"{step.id}_reported", NodeKind.END, "已上报", lane=self.lane(chain[-1])))
        self.body.connect(previous, end.id)
        return sub.id, sub.id

    def transitions(self, step: Step) -> None:
        tail = self.exit_of[step.id]
        for index, t in enumerate(step.next):
            if t.to == END:
                assert self.closing is not None
                target = self.closing
            else:
                target = self.entry_of[t.to]
            if step.decision is not None:
                assert t.outcome is not None
                outcome = next(o for o in step.decision.outcomes if o.code == t.outcome)
                self.body.connect(
                    tail,
                    target,
                    name=outcome.label,
                    flow_id=f"Flow_{tail}_{t.outcome}",
                    condition=f'={step.decision.variable} = "{t.outcome}"',
                )
                # the branch carries the sentence that makes it (traceability, issue 14)
                self.body.flows[-1].source_ref = _source(step.source, step.quote, outcome.label)
            else:
                flow_id = f"Flow_{tail}_{target}" + (f"_{index}" if t.to == END and index else "")
                # bpmnlint: only flows leaving a gateway carry labels; the end is named 结案
                name = t.label or "" if t.to != END else ""
                self.body.connect(tail, target, name=name, flow_id=flow_id)


# Headers naming a body: when the body is a role, its FEEL goes into this local variable (Zeebe never
# evaluates headers) and the header refers to it as ``=variable``, which the workers resolve.
HEADER_VARIABLES = {
    "department": "actingDepartment",
    "supervisor": "supervisingBody",
    "to": "escalationTarget",
    "toDepartment": "receivingDepartment",
    "leadDepartment": "leadingDepartment",
    "recipients": "noticeRecipients",
}
_REFERENCE = re.compile(r"^=[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _headers_as_references(body: ProcessBody) -> None:
    """Headers are static text: a computed body becomes an input mapping plus a ``=variable`` header."""
    for node in body.nodes:
        if node.children is not None:
            _headers_as_references(node.children)
        for key, value in list(node.headers.items()):
            if value.startswith("=") and not _REFERENCE.match(value):
                variable = HEADER_VARIABLES.get(key, f"{key}Value")
                node.inputs.append((value, variable))
                node.headers[key] = f"={variable}"


def _map_required_inputs(body: ProcessBody) -> None:
    """Map every input the worker requires explicitly (``=caseId`` -> caseId): the contract is visible
    in the model and ``xietong bpmn check`` can verify it."""
    for node in body.nodes:
        if node.children is not None:
            _map_required_inputs(node.children)
        if node.task_type is None:
            continue
        present = {target for _, target in node.inputs}
        if node.multi_instance is not None:
            present.add(node.multi_instance.input_element)
        for name in tt.task_type(node.task_type).required_inputs:
            if name not in present and not name.startswith("<"):
                node.inputs.append((f"={name}", name))


def procedure_to_spec(data: MappingInput) -> ProcessSpec:
    spec = _Mapper(data).build()
    _headers_as_references(spec.body)
    _map_required_inputs(spec.body)
    spec.validate()
    return spec
