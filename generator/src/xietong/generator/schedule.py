"""Due and follow-up dates of user tasks (``zeebe:taskSchedule``), so task lists show and sort them.

The due date is read from the step's own deadline timer in the model, so the two are one instant:
a timer at a date (``=due_<step>``, the date the ``xietong.deadline`` worker computed on China's
working-day calendar) becomes the same expression; a timer after a duration (hours, calendar days,
months — ISO, or FEEL choosing the urgent limit) becomes ``now() +`` that duration, evaluated when
the task is created, as the timer is.

督办 steps (kind ``supervision``: 督办, 督促, 跟踪检查) also get a follow-up date: when the supervising
body should look again. The documents say only 及时 for that, so it is the county's ``promptly``
policy (config/policy.yaml), computed by the deadline worker like any working-day limit, in a task
placed just before the step.
"""

from __future__ import annotations

from xietong import task_types as tt
from xietong.catalog.model import DeadlineUnit, Policy, StepKind
from xietong.generator.forms import user_tasks
from xietong.generator.mapping import MappingInput, feel_name
from xietong.generator.spec import Boundary, BoundaryKind, Node, NodeKind, ProcessBody, ProcessSpec

FOLLOW_UP_POLICY = "promptly"
_FEEL_UNIT = {
    DeadlineUnit.hours: "hours",
    DeadlineUnit.calendar_days: "days",
    DeadlineUnit.working_days: "workingDays",
    DeadlineUnit.months: "months",
}


def due_date_of(timer_boundary: Boundary) -> str | None:
    timer = timer_boundary.timer
    if timer is None:
        return None
    if timer.date is not None:
        return timer.date if timer.date.startswith("=") else f'=date and time("{timer.date}")'
    if timer.duration is not None:
        if timer.duration.startswith("="):
            return f"=now() + ({timer.duration[1:].strip()})"
        return f'=now() + duration("{timer.duration}")'
    return None


def _deadline_timer(task: Node, body: ProcessBody) -> Boundary | None:
    for boundary in body.boundaries:
        if boundary.attached_to == task.id and boundary.kind is BoundaryKind.TIMER:
            return boundary
    return None


def _lane_name(spec: ProcessSpec, lane: str | None) -> str:
    return next((x.name for x in spec.lanes if x.id == lane), spec.name)


def _follow_up_task(spec: ProcessSpec, body: ProcessBody, task: Node, policy: Policy | None) -> str:
    """A deadline-worker task just before ``task`` computing its follow-up date; the variable's name."""
    amount, unit = (policy.amount, policy.unit) if policy else (1, DeadlineUnit.working_days)
    variable = f"followUp_{feel_name(task.id)}"
    node = Node(
        f"{task.id}_follow_up",
        NodeKind.SERVICE_TASK,
        "计算跟进日期",
        lane=task.lane,
        task_type=tt.DEADLINE,
        headers={
            "mechanismId": spec.id,
            "stepId": task.id,
            "department": _lane_name(spec, task.lane),
            "dueVariable": variable,
        },
        inputs=[(f'={{amount: {amount}, unit: "{_FEEL_UNIT[unit]}"}}', "limit")],
        documentation=f"督办步骤的跟进日期：按政策 {FOLLOW_UP_POLICY}（“及时”，{amount}"
        f"{'个工作日' if unit is DeadlineUnit.working_days else unit.value}）计算，显示在任务列表中。",
    )
    for flow in body.flows:
        if flow.target == task.id:
            flow.target = node.id
    body.nodes.insert(body.nodes.index(task), node)
    body.connect(node.id, task.id)
    return variable


def attach_schedules(spec: ProcessSpec, data: MappingInput, policies: dict[str, Policy]) -> None:
    """Set due dates on timed user tasks and follow-up dates on 督办 steps."""
    steps = {step.id: step for step in data.procedure.steps}
    for task, body, _ in list(user_tasks(spec)):
        timer = _deadline_timer(task, body)
        if timer is not None:
            task.due_date = due_date_of(timer)
        step = steps.get(task.id)
        if step is not None and step.kind is StepKind.supervision:
            variable = _follow_up_task(spec, body, task, policies.get(FOLLOW_UP_POLICY))
            task.follow_up_date = f"={variable}"
