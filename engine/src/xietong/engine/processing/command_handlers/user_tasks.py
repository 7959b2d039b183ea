"""Camunda user task commands: assign / claim / unassign, update, complete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xietong.engine import commands as c
from xietong.engine.errors import FailedPrecondition, InvalidArgument, NotFound
from xietong.engine.intents import Intent, ValueType
from xietong.engine.processing.command_handlers.instances import _check_variables
from xietong.engine.state.entities import UserTask, UserTaskState
from xietong.engine.timers import TimerValueError, as_given

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


class ChangesetInvalid(InvalidArgument):
    """A changeset value Camunda's REST gateway refuses before any command is sent (its
    ``RequestValidator``: dates, priority), so the answer carries no command intent and no
    ``Command 'UPDATE' rejected …`` prefix."""


class UserTaskHandler:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def _task(self, key: int, intent: str) -> UserTask:
        """Zeebe's ``UserTaskCommandPreconditionChecker``: the verb is the command's intent (not the
        request's ``action``); a completed or canceled task is gone from Zeebe's state, so it is
        NOT_FOUND like a key that never was one."""
        task = self.p.state.user_tasks.get(key)
        if task is None or task.state in (UserTaskState.COMPLETED, UserTaskState.CANCELED):
            raise NotFound(
                f"Expected to {intent} user task with key '{key}', but no such user task was found"
            )
        if task.state != UserTaskState.CREATED:  # a lifecycle transition in progress (Zeebe: ASSIGNING …)
            raise FailedPrecondition(
                f"Expected to {intent} user task with key '{key}', but it is in state '{task.state}'"
            )
        return task

    def assign(self, cmd: c.AssignUserTask) -> None:
        """``allowOverride`` false is Zeebe's CLAIM (``UserTaskClaimProcessor``); otherwise, and to
        unassign (an empty assignee), ASSIGN, which takes over whoever had the task."""
        p = self.p
        claim = not cmd.allow_override
        task = self._task(cmd.user_task_key, "claim" if claim else "assign")
        if claim and not (cmd.assignee or "").strip():
            raise FailedPrecondition(
                f"Expected to claim user task with key '{task.key}', but provided assignee is empty"
            )
        if claim and task.assignee and task.assignee != cmd.assignee:
            raise FailedPrecondition(
                f"Expected to claim user task with key '{task.key}', but it has already been assigned"
            )
        task.assignee = cmd.assignee or None
        p.state.touch(task)
        p.record(
            ValueType.USER_TASK,
            Intent.ASSIGNED,
            task.key,
            task.pi_key,
            {"assignee": task.assignee or "", "action": cmd.action},
        )

    def update(self, cmd: c.UpdateUserTask) -> None:
        p = self.p
        task = self._task(cmd.user_task_key, "update")
        changes = _check_variables(cmd.changeset, "changeset")
        applied: dict[str, Any] = {}
        for name, value in changes.items():
            if name in ("dueDate", "followUpDate"):
                try:
                    applied[name] = as_given(value) if value else None
                except (TimerValueError, AttributeError) as err:
                    raise ChangesetInvalid(
                        f"changeset.{name}: expected an ISO 8601 date-time, got {value!r}"
                    ) from err
            elif name in ("candidateGroups", "candidateUsers"):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ChangesetInvalid(f"changeset.{name}: expected a list of strings, got {value!r}")
                applied[name] = value
            elif name == "priority":
                if not isinstance(value, int) or not 0 <= value <= 100:
                    raise ChangesetInvalid(f"changeset.priority: expected an integer 0..100, got {value!r}")
                applied[name] = value
            else:
                raise ChangesetInvalid(
                    f"changeset.{name}: unknown attribute (allowed: dueDate, followUpDate, "
                    "candidateGroups, candidateUsers, priority)"
                )
        attribute = {
            "dueDate": "due_date",
            "followUpDate": "follow_up_date",
            "candidateGroups": "candidate_groups",
            "candidateUsers": "candidate_users",
            "priority": "priority",
        }
        for name, value in applied.items():
            setattr(task, attribute[name], value)
        p.state.touch(task)
        p.record(
            ValueType.USER_TASK,
            Intent.UPDATED,
            task.key,
            task.pi_key,
            {"changedAttributes": sorted(applied), "action": cmd.action},
        )

    def complete(self, cmd: c.CompleteUserTask) -> None:
        p = self.p
        task = self._task(cmd.user_task_key, "complete")
        variables = _check_variables(cmd.variables)
        ei = p.state.element_instances[task.ei_key]
        task.state = UserTaskState.COMPLETED
        task.completed_ms = p.now_ms
        p.state.touch(task)
        p.record(ValueType.USER_TASK, Intent.COMPLETED, task.key, task.pi_key, {"action": cmd.action})
        if variables:
            p.variables.deliver(ei, p.element(ei), dict(variables))
        p.later(p.flow.complete, ei)
