"""The task-type catalog: the contract between the generated BPMN and the workers.

Every service task the generator writes has a ``zeebe:taskDefinition type`` from this catalog;
the workers register one handler per type; ``xietong bpmn check`` rejects models using a type,
header or input the catalog does not know; the Modeler element templates are made from it. One
list, so the three cannot drift apart.

Conventions: every job carries the headers ``mechanismId`` (catalog id of the mechanism or
procedure), ``stepId`` (catalog id of the step) and ``department`` (the acting department, as the
catalog names it). ``caseId`` is the process-wide correlation key of a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variable:
    name: str
    type: str  # FEEL type name: string, boolean, number, list, context, date and time
    description: str
    required: bool = True


@dataclass(frozen=True)
class Header:
    key: str
    description: str
    required: bool = True


@dataclass(frozen=True)
class TaskType:
    name: str  # the job type
    label: str  # Chinese label shown to designers
    description: str
    inputs: tuple[Variable, ...] = ()
    outputs: tuple[Variable, ...] = ()
    headers: tuple[Header, ...] = field(default=())

    @property
    def required_headers(self) -> list[str]:
        return [h.key for h in self.headers if h.required]

    @property
    def required_inputs(self) -> list[str]:
        return [v.name for v in self.inputs if v.required]


COMMON_HEADERS = (
    Header("mechanismId", "catalog id of the mechanism or procedure (e.g. yongkang-01)"),
    Header("stepId", "catalog id of the step this task performs"),
    Header("department", "the acting department, as named in the catalog"),
)
CASE_ID = Variable("caseId", "string", "the case's id; also the correlation key of its messages")

REGISTER = "xietong.register"
DEADLINE = "xietong.deadline"
TRIAGE = "xietong.triage"
DISPATCH = "xietong.dispatch"
JOINT_ORDER = "xietong.jointOrder"
TRANSFER = "xietong.transfer"
NOTIFY = "xietong.notify"
SUPERVISE = "xietong.supervise"
ESCALATE = "xietong.escalate"
SUMMARIZE = "xietong.summarize"
ARCHIVE = "xietong.archive"

TASK_TYPES: dict[str, TaskType] = {
    t.name: t
    for t in (
        TaskType(
            REGISTER,
            "受理登记",
            "Registers a matter entering the system (受理, 接报, 申请) and gives the case its id if the "
            "starter did not.",
            inputs=(Variable("caseId", "string", "the case's id, if the starter set one", required=False),),
            outputs=(CASE_ID, Variable("registeredAt", "date and time", "when the case was registered")),
            headers=COMMON_HEADERS,
        ),
        TaskType(
            DEADLINE,
            "计算办理时限",
            "Turns a time limit into a due date-time. Working days follow China's official calendar "
            "(holidays and adjusted weekend workdays), so the date is computed by a worker, not by FEEL; "
            "the boundary timer of the timed step then fires at that date.",
            inputs=(
                Variable(
                    "limit",
                    "context",
                    '{amount: number, unit: "workingDays" | "days" | "hours" | "months"}; '
                    "the model chooses the urgent or normal limit with a FEEL condition",
                ),
                Variable("startedAt", "date and time", "count from here instead of now", required=False),
            ),
            outputs=(
                Variable("<dueVariable>", "date and time", "the due date-time, ISO 8601 with offset"),
                Variable(
                    "<dueVariable>Provisional",
                    "boolean",
                    "true when the date was counted on a year whose State Council notice is not entered "
                    "yet (statutory holidays only); xietong calendar recheck corrects it",
                ),
            ),
            headers=(*COMMON_HEADERS, Header("dueVariable", "name of the variable to set (e.g. orderDue)")),
        ),
        TaskType(
            TRIAGE,
            "研判",
            "Decides where a reported problem goes: handled on the spot by the town, or reported to the "
            "lead department; the gateway after it branches on the variable named by resultVariable.",
            inputs=(CASE_ID, Variable("report", "context", "the reported problem", required=False)),
            outputs=(
                Variable("<resultVariable>", "string", "one of the outcome codes in the header options"),
            ),
            headers=(
                *COMMON_HEADERS,
                Header("options", "comma-separated outcome codes the worker may return"),
                Header("resultVariable", "name of the variable to set (the decision's, e.g. outcome)"),
            ),
        ),
        TaskType(
            DISPATCH,
            "派单交办",
            "Assigns the case to a department (指派, 交办, 上报) and records when it was assigned.",
            inputs=(CASE_ID,),
            outputs=(Variable("assignedAt", "date and time", "when the case was assigned"),),
            headers=(*COMMON_HEADERS, Header("toDepartment", "the department receiving the case")),
        ),
        TaskType(
            JOINT_ORDER,
            "联合执法指令",
            "Sends a joint-enforcement order to one collaborating department; the generated model runs it "
            "as a parallel multi-instance over the collaborators list.",
            inputs=(
                CASE_ID,
                Variable("collaborator", "string", "the collaborating department of this instance"),
            ),
            outputs=(Variable("orderId", "string", "id of the order sent"),),
            headers=(*COMMON_HEADERS, Header("leadDepartment", "the department leading the joint action")),
        ),
        TaskType(
            TRANSFER,
            "移送",
            "Transfers a case with its evidence to the department competent to act on it (案件移送).",
            inputs=(CASE_ID,),
            outputs=(Variable("transferId", "string", "id of the transfer letter"),),
            headers=(*COMMON_HEADERS, Header("toDepartment", "the department receiving the case")),
        ),
        TaskType(
            NOTIFY,
            "通报反馈",
            "Sends information to other parties: results fed back, decisions copied (抄告), situations "
            "reported.",
            inputs=(CASE_ID,),
            outputs=(Variable("notifiedAt", "date and time", "when the notice went out"),),
            headers=(*COMMON_HEADERS, Header("recipients", "comma-separated recipients")),
        ),
        TaskType(
            SUPERVISE,
            "督办",
            "Urges the acting department when a deadline passes; the step itself goes on (non-interrupting).",
            inputs=(CASE_ID,),
            outputs=(Variable("supervisedAt", "date and time", "when the 督办 was issued"),),
            headers=(
                *COMMON_HEADERS,
                Header("supervisor", "who issues the 督办 (e.g. 指挥中心)"),
                Header("level", "escalation level, 1 for the first"),
            ),
        ),
        TaskType(
            ESCALATE,
            "上报上级协调",
            "Reports an overdue or unresolved case to the next level of coordination "
            "(e.g. 市级指挥协调机制).",
            inputs=(CASE_ID,),
            outputs=(Variable("escalatedAt", "date and time", "when the report went up"),),
            headers=(
                *COMMON_HEADERS,
                Header("to", "the body the case is escalated to"),
                Header("level", "escalation level, 2 after the first 督办"),
            ),
        ),
        TaskType(
            SUMMARIZE,
            "汇总",
            "Collects the results of the departments involved into one summary.",
            inputs=(
                CASE_ID,
                Variable("results", "list", "results of the collaborating departments", required=False),
            ),
            outputs=(Variable("summary", "context", "the collected results"),),
            headers=COMMON_HEADERS,
        ),
        TaskType(
            ARCHIVE,
            "结案归档",
            "Closes the case and files its record.",
            inputs=(CASE_ID,),
            outputs=(Variable("archivedAt", "date and time", "when the case was filed"),),
            headers=COMMON_HEADERS,
        ),
    )
}


def task_type(name: str) -> TaskType:
    try:
        return TASK_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown task type {name!r}; known: {', '.join(sorted(TASK_TYPES))}") from None
