"""Camunda user tasks: assignment, candidate groups, due dates from FEEL, claim/update/complete."""

from __future__ import annotations

import pytest

from xietong.engine.commands import AssignUserTask, CancelProcessInstance, CompleteUserTask, UpdateUserTask
from xietong.engine.errors import FailedPrecondition, InvalidArgument, NotFound
from xietong.engine.testing import Harness, bpmn, chain

USER_TASK = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:userTask id="review" name="审核"><bpmn:extensionElements>'
    "<zeebe:userTask/>"
    '<zeebe:assignmentDefinition assignee="=reviewer" candidateGroups="城管局,住建局"/>'
    '<zeebe:taskSchedule dueDate="=deadline"/><zeebe:formDefinition externalReference="https://forms.example/review"/>'
    '</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e"/>' + chain("s", "review", "e")
)


def test_user_task_is_created_with_assignment_and_due_date(h: Harness) -> None:
    h.deploy(USER_TASK)
    pi = h.start(variables={"reviewer": "li", "deadline": "2025-03-05T17:00:00+08:00"})
    (task,) = h.engine.queries.search_user_tasks(process_instance_key=pi)
    assert task.assignee == "li" and task.candidate_groups == ("城管局", "住建局")
    assert task.due_date == "2025-03-05T17:00:00+08:00"  # the offset it was given, as Zeebe keeps it
    assert task.state == "CREATED" and task.name == "审核"
    assert task.form_key is None and task.external_form_reference == "https://forms.example/review"
    assert task.as_rest()["userTaskKey"] == task.user_task_key
    assert [t.user_task_key for t in h.engine.queries.search_user_tasks(candidate_group="住建局")] == [
        task.user_task_key
    ]


def test_claim_update_and_complete(h: Harness) -> None:
    h.deploy(USER_TASK)
    pi = h.start(variables={"reviewer": None})
    (task,) = h.engine.queries.search_user_tasks(state="CREATED")
    key = task.user_task_key
    h.engine.execute(AssignUserTask(key, "wang", action="claim", allow_override=False))
    with pytest.raises(FailedPrecondition, match="it has already been assigned"):
        h.engine.execute(AssignUserTask(key, "zhao", action="claim", allow_override=False))
    h.engine.execute(UpdateUserTask(key, {"priority": 80, "candidateGroups": ["应急局"]}))
    with pytest.raises(InvalidArgument, match=r"changeset\.colour"):
        h.engine.execute(UpdateUserTask(key, {"colour": "red"}))
    updated = h.engine.queries.get_user_task(key)
    assert updated.assignee == "wang" and updated.priority == 80 and updated.candidate_groups == ("应急局",)
    h.engine.execute(CompleteUserTask(key, {"approved": True}))
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["approved"] is True
    assert h.engine.queries.get_user_task(key).state == "COMPLETED"  # read from the history
    with pytest.raises(NotFound):  # the finished instance's task left the runtime state, as in Zeebe
        h.engine.execute(CompleteUserTask(key))
    with pytest.raises(NotFound):
        h.engine.execute(CompleteUserTask(99))


def test_cancelling_the_instance_cancels_the_task(h: Harness) -> None:
    h.deploy(USER_TASK)
    pi = h.start(variables={"reviewer": "li"})
    h.engine.execute(CancelProcessInstance(pi))
    (task,) = h.engine.queries.search_user_tasks(process_instance_key=pi)
    assert task.state == "CANCELED"
    assert h.state(pi) == "TERMINATED"


def test_job_based_user_task_creates_a_job(h: Harness) -> None:
    h.deploy(
        bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="u"/><bpmn:endEvent id="e"/>' + chain("s", "u", "e"))
    )
    h.start()
    assert h.jobs("io.camunda.zeebe:userTask")[0].element_id == "u"
