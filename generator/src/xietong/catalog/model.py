"""The catalog's typed model: departments, mechanisms and their procedures.

Everything downstream (BPMN generator, workers' routing, supervisors' views) reads these types,
so they are strict (no silent coercion of ``"5"`` into ``5``) and every field says what it means.

Input from YAML or JSON must be validated in JSON mode (``Model.model_validate_json`` or
:func:`validate_plain`), where enum fields accept their string values; Python code that builds
models directly passes enum members.

Cross-references that need the whole catalog (department names against the registry, policy
names against ``config/policy.yaml``, procedure templates) are checked by the loader
(:mod:`xietong.catalog.loader`); everything checkable inside one object is checked here.
"""

from __future__ import annotations

import json
from collections import deque
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: Transition target meaning "the process ends here".
END = "END"

#: Camunda's rule for group ids (camunda/camunda security configuration); departments are groups.
GROUP_ID_PATTERN = r"^[a-zA-Z0-9_~@.+-]+$"
#: Identifiers that must survive as BPMN/XML ids (NCName, ASCII only, Zeebe-safe).
ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=120)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1)]
#: Outcome codes are used inside FEEL conditions (``= outcome = "approved"``): keep them simple.
OutcomeCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


class StrictModel(BaseModel):
    """Base for every catalog type: strict types, unknown keys rejected, field docs required."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=True)


M = TypeVar("M", bound=BaseModel)


def validate_plain(model: type[M], data: Any) -> M:
    """Validate YAML/JSON-shaped data (plain dicts, lists, strings) in JSON mode.

    JSON mode lets strict enum fields accept their string values, which Python mode refuses.
    YAML dates (an unquoted ``2021-02-22``) arrive as text, as a reviewer would expect.
    """
    return model.model_validate_json(json.dumps(data, ensure_ascii=False, default=_plain))


def _plain(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not plain data")


# --------------------------------------------------------------------------------------------
# Sources and jurisdictions
# --------------------------------------------------------------------------------------------


class SourceRef(StrictModel):
    """Where a record comes from in a source document (1-based, inclusive line numbers)."""

    document: NonEmptyText = Field(
        description="File name of the source document under config/sources/, e.g. 001_2fe61fa7fe079855.txt."
    )
    line_start: int = Field(ge=1, description="First line (1-based) of the passage in the document.")
    line_end: int = Field(ge=1, description="Last line (1-based, inclusive) of the passage.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.line_end < self.line_start:
            raise ValueError(f"line_end {self.line_end} is before line_start {self.line_start}")
        return self


class Jurisdiction(StrictModel):
    """A government whose documents the catalog holds (county, county-level city, town)."""

    id: Identifier = Field(description="ASCII id used in file names and as mechanism id prefix, e.g. siyang.")
    name: NonEmptyText = Field(description="Official name, e.g. 泗阳县.")
    level: Literal["county", "county_level_city", "town"] = Field(description="Administrative level.")
    parent: str | None = Field(
        None, description="Enclosing jurisdiction's name when useful (云阳县 for 龙角镇), else null."
    )
    documents: list[NonEmptyText] = Field(
        default_factory=list, description="Source document file names published by this jurisdiction."
    )


# --------------------------------------------------------------------------------------------
# Departments and roles
# --------------------------------------------------------------------------------------------


class DepartmentKind(StrEnum):
    """What sort of body a department is; decides lanes and routing, not naming."""

    county_department = "county_department"  # 县直部门 (市场监管局, 公安局 …)
    city_department = "city_department"  # 市级部门 (or a city bureau's county branch, 市生态环境局武义分局)
    party_organ = "party_organ"  # 县委办, 县委编办, 统战部, 宣传部, 政法委
    government_office = "government_office"  # 县政府, 县政府办 and the leaders who approve
    command_centre = "command_centre"  # 综合指挥调度中心, 指挥中心
    town_government = "town_government"  # 镇/乡/街道 governments
    town_office = "town_office"  # a town's internal office or team (综合行政执法队, 便民服务中心)
    dispatched_station = "dispatched_station"  # 派出所, 司法所, 市场监管所, 自然资源所 …
    coordination_body = "coordination_body"  # 领导小组, 联席会议, 领导小组办公室
    vertical_agency = "vertical_agency"  # vertically managed (税务局, 气象局, 消防救援大队, 人民银行 …)
    judicial_organ = "judicial_organ"  # 法院, 检察院
    mass_organisation = "mass_organisation"  # 妇联, 残联, 供销总社
    public_enterprise = "public_enterprise"  # 供电公司 …
    village_committee = "village_committee"  # 村（居）民委员会


class Department(StrictModel):
    """One real body in one jurisdiction's registry, with every spelling the documents use."""

    id: Identifier = Field(description="ASCII id, unique within the jurisdiction, e.g. market_regulation.")
    name: NonEmptyText = Field(description="Canonical (usually official) name, e.g. 泗阳县市场监督管理局.")
    kind: DepartmentKind = Field(description="What sort of body this is.")
    level: Literal["province", "city", "county", "town", "village"] = Field(
        description="Administrative level at which the body sits."
    )
    jurisdiction: Identifier = Field(description="Jurisdiction id this registry entry belongs to.")
    aliases: list[NonEmptyText] = Field(
        default_factory=list,
        description="Every other exact spelling found in the documents (市场监管局, 市场监督管理局 …). "
        "Matching is exact after removing whitespace; never by stripping prefixes.",
    )
    parent: Identifier | None = Field(
        None, description="Id of the body this one belongs to (a dispatched station's county bureau), if any."
    )
    note: str | None = Field(None, description="Reviewer's note, e.g. why two spellings are one body.")

    @property
    def group_id(self) -> str:
        """The department as a Camunda group (candidate group of its user tasks): ``siyang.justice``.

        Stable (built from ids, never from the display name) and valid under Camunda's identity,
        whose group ids must match :data:`GROUP_ID_PATTERN`; the loader refuses one that is not.
        """
        return f"{self.jurisdiction}.{self.id}"


class Role(StrEnum):
    """Placeholders the documents use instead of a department; resolved per mechanism."""

    lead_department = "lead_department"  # 牵头部门 / 牵头单位
    collaborating_units = "collaborating_units"  # 配合单位 / 配合部门 / 协同部门
    territorial_town = "territorial_town"  # 属地乡镇（街道） / 镇（街道、区） / 属地镇街
    industry_authorities = "industry_authorities"  # 各行业主管部门 / 行业主管部门 / 业务主管部门
    relevant_departments = "relevant_departments"  # 相关部门 / 有关部门 / 相关执法机关
    applicant = "applicant"  # 申请单位: whoever applied (a county department or a town)
    initiator = "initiator"  # 发现方: the body that found the matter and starts the case (移送方 …)
    competent_party = "competent_party"  # 有管辖权的一方: the body a case is transferred to
    complainant = "complainant"  # 举报人 / 投诉人: a member of the public, outside the government


# --------------------------------------------------------------------------------------------
# Deadlines and policies
# --------------------------------------------------------------------------------------------


class DeadlineUnit(StrEnum):
    """Units the documents use; working days follow China's official calendar (resolved later)."""

    hours = "hours"
    calendar_days = "calendar_days"
    working_days = "working_days"
    months = "months"


class DeadlineMeaning(StrEnum):
    """Whether the limit bounds the step's work or how early it must be started."""

    complete_within = "complete_within"  # the step must be done within the limit (timer on the task)
    lead_time = "lead_time"  # the step must happen at least this long before the event it prepares


class UrgentTest(StrictModel):
    """The decision in the model that makes a matter urgent: the urgent limit applies exactly when
    that step's decision took this outcome (情况紧急的 …), so choosing 情况紧急 really shortens it."""

    step: Identifier = Field(description="Id of the deciding step (its decision variable is tested).")
    outcome: OutcomeCode = Field(description="The outcome code meaning 紧急, e.g. urgent.")


class Deadline(StrictModel):
    """A time limit on a step: either quoted from the document or a named policy default."""

    amount: int = Field(gt=0, description="How many units.")
    unit: DeadlineUnit = Field(description="hours, calendar_days, working_days or months.")
    meaning: DeadlineMeaning = Field(
        DeadlineMeaning.complete_within, description="complete_within (default) or lead_time."
    )
    origin: Literal["text", "policy"] = Field(
        description="text: the document states this limit (quote and source required); "
        "policy: the document is vague (立即, 及时 …) and config/policy.yaml supplies the value."
    )
    quote: str | None = Field(None, description="The sentence (or clause) of the document stating the limit.")
    source: SourceRef | None = Field(None, description="Where the quote is in the document.")
    policy: Identifier | None = Field(
        None, description="Name of the policy in config/policy.yaml (required when origin is policy)."
    )
    urgent_variant: Deadline | None = Field(
        None, description="The shorter limit when the matter is urgent (情况紧急的 …), if stated."
    )
    urgent_condition: str | None = Field(
        None, description="The document's wording of when the urgent variant applies (情况紧急的)."
    )
    urgent_if: UrgentTest | None = Field(
        None, description="The decision (step and outcome) that selects the urgent variant; required with it."
    )
    starts_at: Identifier | None = Field(
        None,
        description="Entry or step id at whose start the clock starts, when the sentence names an earlier "
        "event than the step itself (自收函之日起, 发现…之日起); default: when the step starts.",
    )

    @model_validator(mode="after")
    def _origin_consistent(self) -> Self:
        if self.origin == "text" and (not self.quote or self.source is None):
            raise ValueError("a deadline with origin 'text' needs its quote and source")
        if self.origin == "policy" and not self.policy:
            raise ValueError("a deadline with origin 'policy' needs the policy name")
        if self.urgent_variant is not None and self.urgent_variant.urgent_variant is not None:
            raise ValueError("an urgent variant cannot itself have an urgent variant")
        if self.urgent_if is not None and self.urgent_variant is None:
            raise ValueError("urgent_if names the urgency decision, but there is no urgent_variant")
        return self


class PolicyContext(StrEnum):
    """Where a vague time word is used: it is read differently on a scene and at a desk."""

    onsite = "onsite"  # 现场处置, 出警, 赶赴现场: clock time, weekends do not stretch it
    paperwork = "paperwork"  # 移送, 函告, 反馈, 告知: office work, counted in working days
    reporting = "reporting"  # 上报, 报告 of an incident to a superior


class Policy(StrictModel):
    """One row of the time-word table: how a vague term (立即, 及时 …) is read in one context.

    It is the county's choice, not the document's text; ``basis`` says whether a real source line
    supports the reading (quoted in ``quote``/``source``) or it is plainly a policy choice that a
    reviewer must confirm. Deadlines naming the policy must use its amount and unit.
    """

    name: Identifier = Field(description="Policy name referenced by deadlines, e.g. immediately.")
    terms: list[NonEmptyText] = Field(min_length=1, description="Phrases it covers (立即 …).")
    context: PolicyContext | None = Field(
        None, description="onsite, paperwork or reporting: where the term is read this way."
    )
    amount: int = Field(gt=0, description="Default amount.")
    unit: DeadlineUnit = Field(description="Unit of the default amount (hours are clock time; working_days "
                               "follow China's calendar).")
    basis: Literal["source_analogy", "policy_choice"] = Field(
        "policy_choice",
        description="source_analogy: a quoted line of the documents sets this limit for a like step; "
        "policy_choice: no document line supports it, a reviewer must confirm it.",
    )
    quote: str | None = Field(None, description="The source line supporting the reading (exact text).")
    source: SourceRef | None = Field(None, description="Where the quote is.")
    description: NonEmptyText = Field(description="Why this value: the reasoning a reviewer should check.")
    reviewed: bool = Field(False, description="True once a county reviewer has confirmed the reading.")

    @model_validator(mode="after")
    def _basis_quoted(self) -> Self:
        if self.basis == "source_analogy" and (not self.quote or self.source is None):
            raise ValueError("a policy resting on a source analogy needs its quote and source")
        return self


# --------------------------------------------------------------------------------------------
# Procedures: a typed step graph per mechanism
# --------------------------------------------------------------------------------------------


class StepKind(StrEnum):
    """What a step does; the generator maps kinds to task types and the workers to handlers."""

    intake = "intake"  # 受理, 接报, 发现: the matter enters the system
    application = "application"  # 提出申请 (联动执法申请, 专项启动申请)
    review = "review"  # 初审, 审核 by the coordinating body
    triage = "triage"  # 研判, 分析研判, 会商研判
    legal_review = "legal_review"  # 法制审核
    approval = "approval"  # 审批, 批准, 同意 by a leader or a superior body
    plan = "plan"  # 制定方案, 工作方案, 年度计划
    dispatch = "dispatch"  # 派单, 指派, 任务派送, 统一部署
    joint_order = "joint_order"  # 联合检查/执法的部署 to several departments
    joint_enforcement = "joint_enforcement"  # 联合执法, 集中开展执法, 联合整治
    onsite_handling = "onsite_handling"  # 现场处置, 先期处置, 出警
    investigation = "investigation"  # 调查, 核实, 取证
    case_filing = "case_filing"  # 立案
    penalty_decision = "penalty_decision"  # 作出处理决定, 处罚
    rectification_order = "rectification_order"  # 责令整改, 限期整改
    recheck = "recheck"  # 复查, 复核, 回访
    transfer = "transfer"  # 移送, 移交 to the competent body
    technical_opinion = "technical_opinion"  # 认定, 鉴定, 咨询意见 from the competent authority
    information_copying = "information_copying"  # 抄告, 告知 of approvals and decisions
    consultation = "consultation"  # 协商 between parties
    arbitration = "arbitration"  # 决定/协调 of a dispute by a superior body
    report_up = "report_up"  # 上报, 报告, 汇报 to a superior
    notify = "notify"  # 通报, 通知, 告知 (not a decision)
    feedback = "feedback"  # 反馈 results to the body that asked
    reply = "reply"  # 答复 to a complainant
    police_support = "police_support"  # 出警保障, 警力支援
    meeting = "meeting"  # 联席会议, 联合会商, 专题会议
    patrol = "patrol"  # 巡查, 联合巡查, 值守
    evaluation = "evaluation"  # 考核, 评估, 总结
    archive = "archive"  # 汇总, 存档, 归档
    supervision = "supervision"  # 督办, 督促


class Outcome(StrictModel):
    """One possible answer of a decision."""

    code: OutcomeCode = Field(description="Machine code used in transitions and FEEL conditions.")
    label: NonEmptyText = Field(description="The document's wording of this answer (符合联动执法要求 …).")


class Decision(StrictModel):
    """A step whose result chooses the next step (an exclusive gateway after the task)."""

    question: NonEmptyText = Field(description="What is being decided, in the document's terms.")
    outcomes: list[Outcome] = Field(min_length=2, description="The possible answers, each with a code.")
    variable: Identifier = Field(
        "outcome", description="Process variable the step's worker or user sets to an outcome code."
    )

    @model_validator(mode="after")
    def _unique_codes(self) -> Self:
        codes = [o.code for o in self.outcomes]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate outcome codes: {codes}")
        return self


class Transition(StrictModel):
    """An edge of the step graph."""

    to: Identifier = Field(description=f"Target step id, or {END!r} to end the process.")
    outcome: OutcomeCode | None = Field(
        None, description="The decision outcome that takes this edge (required iff the step has a decision)."
    )
    label: str | None = Field(None, description="Label for the edge or the end event (驳回, 存档 …).")


class Escalation(StrictModel):
    """Who is alerted (in order) when a step's deadline passes."""

    chain: list[Identifier] = Field(
        min_length=1, description="Actor ids alerted in order: the first at the deadline, then the next …"
    )
    interrupting: bool = Field(
        False, description="True: the step is cancelled and handed up; false: the step continues, a reminder "
        "goes up (督办)."
    )
    note: str | None = Field(None, description="Why and how, in the document's terms, if it says.")


class MessageWait(StrictModel):
    """The step waits for an outside party's message (a Zeebe message catch / receive task)."""

    name: Identifier = Field(description="Message name as published by integrators, e.g. transfer_result.")
    correlation: Identifier = Field(
        description="Process variable holding the correlation key, e.g. case_id."
    )


class Actor(StrictModel):
    """Who performs steps: one department from the registry, or a role resolved per mechanism."""

    id: Identifier = Field(description="Actor id, unique in the procedure; becomes the BPMN lane id.")
    label: NonEmptyText = Field(description="Lane label shown to designers, e.g. 县综合指挥调度中心.")
    department: str | None = Field(
        None, description="Department reference (registry id, name or alias) in the mechanism's jurisdiction."
    )
    role: Role | None = Field(None, description="Role placeholder, resolved per mechanism.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.department is None) == (self.role is None):
            raise ValueError("an actor is either a department or a role (exactly one of the two)")
        return self


class RecurrenceRule(StrictModel):
    """A timer start: a routine that the mechanism repeats (quarterly meeting, monthly rectification)."""

    every: int = Field(gt=0, description="Repeat every this many periods.")
    period: Literal["week", "month", "quarter", "year"] = Field(description="Period unit.")
    iso8601: NonEmptyText = Field(description="The same as a Zeebe timer cycle, e.g. R/P3M for quarterly.")


class Entry(StrictModel):
    """A way into the procedure (a start event): manual, by message, or on a timer."""

    id: Identifier = Field(description="Start event id, unique in the procedure.")
    name: NonEmptyText = Field(description="What starts the process, in the document's terms.")
    to: Identifier = Field(description="First step id.")
    trigger: Literal["none", "message", "timer"] = Field(
        "none", description="none: started by a client; message: by a published message; timer: recurring."
    )
    message: Identifier | None = Field(None, description="Message name when trigger is message.")
    recurrence: RecurrenceRule | None = Field(None, description="Timer cycle when trigger is timer.")
    source: SourceRef | None = Field(None, description="Where the document describes this entry.")
    quote: str | None = Field(None, description="The document's sentence describing this entry.")

    @model_validator(mode="after")
    def _trigger_consistent(self) -> Self:
        if (self.trigger == "message") != (self.message is not None):
            raise ValueError("message is required exactly when trigger is 'message'")
        if (self.trigger == "timer") != (self.recurrence is not None):
            raise ValueError("recurrence is required exactly when trigger is 'timer'")
        return self


class Step(StrictModel):
    """One step of a procedure (a BPMN task, with its gateway, timers and message waits)."""

    id: Identifier = Field(description="Step id, unique in the procedure; becomes the BPMN element id.")
    kind: StepKind = Field(description="What the step does.")
    name: NonEmptyText = Field(description="Chinese task name shown in the model and task lists.")
    actor: Identifier = Field(description="Id of the actor (lane) performing the step.")
    human: bool = Field(True, description="True: a person does it (user task); false: a service task.")
    next: list[Transition] = Field(
        min_length=1,
        description="Outgoing edges. With a decision: one per outcome. Without: one edge, or several "
        "edges meaning all of them run in parallel.",
    )
    join: Literal["any", "all"] = Field(
        "any", description="With several incoming edges: any = continue on each arrival; all = wait for all."
    )
    decision: Decision | None = Field(None, description="The question this step answers, if it branches.")
    deadline: Deadline | None = Field(None, description="Time limit on the step, if any.")
    escalation: Escalation | None = Field(None, description="Who is alerted when the deadline passes.")
    awaits_message: MessageWait | None = Field(
        None, description="Set when the step waits for an outside message instead of doing work."
    )
    multi_instance_over_collaborators: bool = Field(
        False, description="True: one instance per collaborating department, in parallel."
    )
    source: SourceRef | None = Field(None, description="Where the document describes this step.")
    quote: str | None = Field(None, description="The document's sentence(s) for this step.")

    @model_validator(mode="after")
    def _edges_consistent(self) -> Self:
        if self.decision is None:
            if any(t.outcome is not None for t in self.next):
                raise ValueError("transition outcomes need a decision on the step")
        else:
            codes = {o.code for o in self.decision.outcomes}
            used = [t.outcome for t in self.next]
            if None in used:
                raise ValueError("every transition of a deciding step names its outcome")
            unknown = sorted({u for u in used if u is not None} - codes)
            if unknown:
                raise ValueError(f"transition outcomes not in the decision: {unknown}")
            missing = sorted(codes - set(used))  # type: ignore[arg-type]
            if missing:
                raise ValueError(f"decision outcomes without a transition: {missing}")
        if self.escalation is not None and self.deadline is None:
            raise ValueError("an escalation needs a deadline to fire on")
        return self


class Procedure(StrictModel):
    """A mechanism's explicit, typed step graph."""

    template: Identifier | None = Field(
        None, description="Shape name (town_first_escalation, joint_enforcement_command …), for grouping."
    )
    description: str | None = Field(None, description="One-paragraph summary for reviewers.")
    actors: list[Actor] = Field(min_length=1, description="Lanes: who acts.")
    entries: list[Entry] = Field(min_length=1, description="Start events (several entries are allowed).")
    steps: list[Step] = Field(min_length=1, description="The steps, in reading order.")

    @model_validator(mode="after")
    def _graph_consistent(self) -> Self:
        errors: list[str] = []
        for what, ids in (
            ("actor", [a.id for a in self.actors]),
            ("entry", [e.id for e in self.entries]),
            ("step", [s.id for s in self.steps]),
        ):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                errors.append(f"duplicate {what} ids: {dupes}")
        step_ids = {s.id for s in self.steps}
        if END in step_ids:
            errors.append(f"{END!r} is reserved and cannot be a step id")
        clash = step_ids & {e.id for e in self.entries}
        if clash:
            errors.append(f"ids used by both a step and an entry: {sorted(clash)}")
        actor_ids = {a.id for a in self.actors}
        for entry in self.entries:
            if entry.to not in step_ids:
                errors.append(f"entry {entry.id!r} starts at unknown step {entry.to!r}")
        for step in self.steps:
            if step.actor not in actor_ids:
                errors.append(f"step {step.id!r} names unknown actor {step.actor!r}")
            for t in step.next:
                if t.to != END and t.to not in step_ids:
                    errors.append(f"step {step.id!r} goes to unknown step {t.to!r}")
            if step.escalation is not None:
                for a in step.escalation.chain:
                    if a not in actor_ids:
                        errors.append(f"step {step.id!r} escalates to unknown actor {a!r}")
            errors.extend(self._deadline_references(step))
        if errors:
            raise ValueError("; ".join(errors))
        self._check_reachability()
        return self

    def _deadline_references(self, step: Step) -> list[str]:
        """The urgency decision and the clock's starting event must exist in this procedure."""
        deadline = step.deadline
        if deadline is None:
            return []
        errors = []
        test = deadline.urgent_if
        if test is not None:
            decider = next((s for s in self.steps if s.id == test.step), None)
            if decider is None or decider.decision is None:
                errors.append(f"step {step.id!r}: urgent_if names {test.step!r}, not a deciding step")
            elif test.outcome not in {o.code for o in decider.decision.outcomes}:
                errors.append(f"step {step.id!r}: urgent_if outcome {test.outcome!r} is not an outcome of "
                              f"{test.step!r}")
        anchor = deadline.starts_at
        if anchor is not None and anchor not in {s.id for s in self.steps} | {e.id for e in self.entries}:
            errors.append(f"step {step.id!r}: the clock starts at {anchor!r}, which is no entry or step")
        return errors

    def _check_reachability(self) -> None:
        """Every step is reachable from an entry, and every step can reach the end."""
        successors = {s.id: [t.to for t in s.next] for s in self.steps}
        seen: set[str] = set()
        queue = deque(e.to for e in self.entries)
        while queue:
            node = queue.popleft()
            if node == END or node in seen:
                continue
            seen.add(node)
            queue.extend(successors[node])
        unreachable = [s.id for s in self.steps if s.id not in seen]
        if unreachable:
            raise ValueError(f"steps not reachable from any entry: {unreachable}")
        predecessors: dict[str, list[str]] = {END: []}
        for s in self.steps:
            predecessors.setdefault(s.id, [])
        for s in self.steps:
            for t in s.next:
                predecessors[t.to].append(s.id)
        finishing: set[str] = set()
        queue = deque(predecessors[END])
        while queue:
            node = queue.popleft()
            if node in finishing:
                continue
            finishing.add(node)
            queue.extend(predecessors[node])
        stuck = [s.id for s in self.steps if s.id not in finishing]
        if stuck:
            raise ValueError(f"steps from which the end cannot be reached: {stuck}")

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError if absent)."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id (KeyError if absent)."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)


# --------------------------------------------------------------------------------------------
# Mechanisms
# --------------------------------------------------------------------------------------------


class MechanismKind(StrEnum):
    """Which family of document passage a mechanism comes from."""

    territorial_coordination = "territorial_coordination"  # 属地管理事项协同机制 (永康)
    joint_enforcement_flow = "joint_enforcement_flow"  # a command-centre flow (泗阳 附件1)
    joint_enforcement_item = "joint_enforcement_item"  # one high-frequency item (泗阳 附件3)
    enforcement_cooperation = "enforcement_cooperation"  # 武义 / 峨山 cooperation procedures
    routine = "routine"  # recurring meetings, patrols, rectification campaigns


class Duty(StrictModel):
    """What one department (or role) must do in a mechanism."""

    department: str | None = Field(None, description="Department reference (id, name or alias), or null.")
    role: Role | None = Field(None, description="Role placeholder when the duty belongs to a role.")
    text: NonEmptyText = Field(description="The duty as the document states it.")
    responsible_unit: str | None = Field(
        None, description="责任机构: the internal office that carries it (执法科, 综合办 …), if named."
    )
    source: SourceRef | None = Field(None, description="Where the duty is stated.")

    @model_validator(mode="after")
    def _one_holder(self) -> Self:
        if (self.department is None) == (self.role is None):
            raise ValueError("a duty belongs to exactly one of department or role")
        return self


class ReviewState(StrEnum):
    """Whether a person has checked the record against the document."""

    proposed = "proposed"  # written by an importer, not yet checked
    reviewed = "reviewed"  # checked by a person; importers never overwrite it


class Mechanism(StrictModel):
    """One coordination mechanism, joint-enforcement item or cooperation procedure."""

    id: Identifier = Field(description="Stable id, used as the BPMN process id, e.g. siyang_joint_01.")
    jurisdiction: Identifier = Field(description="Jurisdiction id; departments resolve in its registry.")
    kind: MechanismKind = Field(description="Family of passage this comes from.")
    title: NonEmptyText = Field(description="The document's title for the mechanism or item.")
    number: int | None = Field(None, description="The item's number in its document list (序号), if any.")
    source: SourceRef = Field(description="The passage's line range in the source document.")
    review: ReviewState = Field(ReviewState.proposed, description="proposed (importer) or reviewed (person).")
    lead: list[str] = Field(
        default_factory=list, description="Lead department references (牵头单位); usually one."
    )
    collaborators: list[str] = Field(
        default_factory=list, description="Collaborating department references (配合单位), in document order."
    )
    collaborator_roles: list[Role] = Field(
        default_factory=list,
        description="Role placeholders among the collaborators (属地乡镇（街道） …), resolved per case.",
    )
    duties: list[Duty] = Field(default_factory=list, description="Per-department duties with 责任机构.")
    steps_text: list[NonEmptyText] = Field(
        default_factory=list, description="具体流程 as the document words it, one entry per step."
    )
    flowchart_nodes: list[NonEmptyText] = Field(
        default_factory=list, description="Flowchart box texts as extracted (order not meaningful)."
    )
    procedure: Procedure | None = Field(
        None, description="The explicit step graph. After loading it is always set (templates expanded)."
    )
    procedure_template: Identifier | None = Field(
        None, description="Id of a shared procedure in config/procedures/ used instead of an inline one."
    )
    notes: list[str] = Field(default_factory=list, description="Reviewer notes and importer pitfalls.")

    @model_validator(mode="after")
    def _has_procedure(self) -> Self:
        if self.procedure is None and self.procedure_template is None:
            raise ValueError("a mechanism needs a procedure or a procedure_template")
        return self


class ProcedureTemplate(StrictModel):
    """A procedure shared by several mechanisms; its role actors resolve per mechanism."""

    id: Identifier = Field(description="Template id referenced by Mechanism.procedure_template.")
    jurisdiction: Identifier | None = Field(
        None, description="Jurisdiction whose registry resolves department actors; null if only roles."
    )
    title: NonEmptyText = Field(description="What the shared procedure is.")
    source: SourceRef = Field(description="Where the document describes it.")
    procedure: Procedure = Field(description="The step graph.")


# --------------------------------------------------------------------------------------------
# Duty lists (龙角镇)
# --------------------------------------------------------------------------------------------


class BasicDuty(StrictModel):
    """基本履职事项: a duty the town performs on its own."""

    number: int = Field(ge=1, description="序号 in the list.")
    category: NonEmptyText = Field(description="Section heading without its count, e.g. 党的建设.")
    text: NonEmptyText = Field(description="The duty (事项名称) as stated.")
    source: SourceRef = Field(description="Where it is.")


class DepartmentDuties(StrictModel):
    """One upper department's duties within a coordinating item."""

    department: str = Field(description="Department reference as in the document (may be a role text).")
    duties: list[NonEmptyText] = Field(description="Its duties, one per numbered clause.")


class CoordinatingDuty(StrictModel):
    """配合履职事项: an upper department's matter in which the town assists."""

    number: int = Field(ge=1, description="序号 in the list.")
    category: NonEmptyText = Field(description="Section heading without its count.")
    title: NonEmptyText = Field(description="事项名称.")
    upper_departments: list[str] = Field(
        min_length=1, description="对应上级部门, as department references or role texts (行业主管部门)."
    )
    upper_duties: list[DepartmentDuties] = Field(description="上级部门职责, per department.")
    town_duties: list[NonEmptyText] = Field(description="镇配合职责, one per numbered clause.")
    source: SourceRef = Field(description="Where it is (including continuation rows after page breaks).")


class TakenBackItem(StrictModel):
    """上级部门收回事项: a matter the town no longer owns."""

    number: int = Field(ge=1, description="序号 in the list.")
    category: NonEmptyText = Field(description="Section heading without its count.")
    title: NonEmptyText = Field(description="事项名称.")
    receiving_departments: list[str] = Field(
        default_factory=list, description="承接部门 references; empty when the matter is discontinued."
    )
    working_method: str | None = Field(None, description="工作方式 text, markup removed.")
    discontinued: bool = Field(description="True when nobody takes it over (不再开展 / 取消).")
    source: SourceRef = Field(description="Where it is.")


class DutyList(StrictModel):
    """A town's three duty lists: what it does, where it assists, what it no longer owns."""

    id: Identifier = Field(description="Stable id, also the file name under config/lists/ (longjiao).")
    jurisdiction: Identifier = Field(description="Jurisdiction whose registry resolves the departments.")
    town: NonEmptyText = Field(description="The town the lists belong to, e.g. 龙角镇.")
    source_document: NonEmptyText = Field(description="Source document file name.")
    basic: list[BasicDuty] = Field(description="基本履职事项清单.")
    coordinating: list[CoordinatingDuty] = Field(description="配合履职事项清单.")
    taken_back: list[TakenBackItem] = Field(description="上级部门收回事项清单.")
