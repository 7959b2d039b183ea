"""Tasks: job-worker tasks, FEEL script tasks, Camunda user tasks, receive tasks, pass-through tasks."""

from __future__ import annotations

from typing import Any

from xietong.engine.expressions import Expression, ExpressionError
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model import Element
from xietong.engine.processing.elements.base import ElementProcessor
from xietong.engine.processing.forms import linked_form
from xietong.engine.state.entities import ElementInstance, UserTask, UserTaskState
from xietong.engine.timers import TimerValueError, as_given, as_timer_text


class JobWorkerTaskProcessor(ElementProcessor):
    """Service, send and business-rule tasks (and job-based script/user tasks): a job per entry."""

    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        self.p.jobs.create(ei, element)

    def on_terminate(self, ei: ElementInstance, element: Element) -> None:
        self.p.jobs.cancel(ei)


class PassThroughTaskProcessor(ElementProcessor):
    """Manual and undefined tasks complete at once, as in Zeebe."""


class ScriptTaskProcessor(JobWorkerTaskProcessor):
    """``zeebe:script``: evaluate FEEL, store the result in ``resultVariable``; otherwise a job."""

    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        if element.script is None:
            super().on_activate(ei, element)
            return
        p = self.p
        value = element.script.evaluate_json(p.variables.view(ei.key), p.now)
        p.variables.deliver(ei, element, {element.result_variable: value})
        p.later(p.flow.complete, ei)


class ReceiveTaskProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        self.p.events.open_for(ei, element)


def _list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ExpressionError(
        f"expected {what} to be a list of strings or a comma-separated string, not {value!r}"
    )


def _date(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return as_given(as_timer_text(value))
    except TimerValueError as err:
        raise ExpressionError(f"expected {what} to be an ISO 8601 date-time, but was {value!r}") from err


class UserTaskProcessor(JobWorkerTaskProcessor):
    """Camunda user tasks (``zeebe:userTask``) create a user task record; others are job-based."""

    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        definition = element.user_task
        if definition is None:
            super().on_activate(ei, element)
            return
        p = self.p
        view = p.variables.view(ei.key)

        def value(expression: Expression | None) -> Any:
            return None if expression is None else expression.evaluate_json(view, p.now)

        assignee = value(definition.assignee)
        if assignee is not None and not isinstance(assignee, str):
            raise ExpressionError(f"expected the assignee to be a string, but was {assignee!r}")
        priority = value(definition.priority)
        try:
            priority = 50 if priority is None else int(priority)
        except (TypeError, ValueError) as err:
            raise ExpressionError(f"expected the priority to be a number, but was {priority!r}") from err
        summary = p.state.instances[ei.pi_key]
        form_key = None
        if definition.form_id is not None:
            form_key = linked_form(p, ei, definition, value(definition.form_id), summary.tenant_id).key
        external = value(definition.external_reference)
        if external is not None and not isinstance(external, str):
            raise ExpressionError(f"expected the externalReference to be a string, but was {external!r}")
        task = UserTask(
            key=p.keys.next(),
            ei_key=ei.key,
            pi_key=ei.pi_key,
            def_key=ei.def_key,
            element_id=ei.element_id,
            name=element.name,
            bpmn_process_id=summary.bpmn_process_id,
            version=summary.version,
            state=UserTaskState.CREATED,
            assignee=assignee or None,
            candidate_groups=_list(value(definition.candidate_groups), "candidateGroups"),
            candidate_users=_list(value(definition.candidate_users), "candidateUsers"),
            due_date=_date(value(definition.due_date), "dueDate"),
            follow_up_date=_date(value(definition.follow_up_date), "followUpDate"),
            form_key=form_key,
            priority=priority,
            created_ms=p.now_ms,
            tenant_id=summary.tenant_id,
            external_form_reference=external or None,
        )
        p.state.put(task)
        ei.ref_key = task.key
        p.record(
            ValueType.USER_TASK,
            Intent.CREATED,
            task.key,
            ei.pi_key,
            {
                "elementId": ei.element_id,
                "assignee": task.assignee or "",
                "candidateGroups": task.candidate_groups,
                "dueDate": task.due_date or "",
            },
        )
        if task.assignee:
            p.record(ValueType.USER_TASK, Intent.ASSIGNED, task.key, ei.pi_key, {"assignee": task.assignee})

    def on_terminate(self, ei: ElementInstance, element: Element) -> None:
        if element.user_task is None:
            super().on_terminate(ei, element)
            return
        task = self.p.state.user_tasks.get(ei.ref_key)
        if task is not None and task.state == "CREATED":
            task.state = UserTaskState.CANCELED
            task.completed_ms = self.p.now_ms
            self.p.state.touch(task)
            self.p.record(
                ValueType.USER_TASK, Intent.CANCELED, task.key, ei.pi_key, {"elementId": ei.element_id}
            )
