"""The inbox's 督办 tag counts the 督办 on the task it urged, not on every task of the case.

A 督办 names the step it watches (``stepId``) and, after a multi-instance step, only the departments whose
part was still open; a later step of the same case, or another department's part, was not urged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.web.test_pages import login, shot
from tests.web.world import World, poll
from xietong.web.tasks import urged
from xietong.workers.case_store import CaseEvent, EventKind

ITEM = 21  # 非法宗教活动治理执法: led by 统战部, ten collaborators among them 司法局 and 公安局
STILL_WORKING = {"siyang.justice", "siyang.public_security"}


def test_a_supervision_is_counted_on_the_tasks_it_urged_only(
    world: World, page: Page, output_path: Path
) -> None:
    instance = world.start_case("SY-WEB-9", item_number=ITEM)
    world.move_to(instance, "collaborator_documents")

    def open_parts() -> list[dict[str, Any]] | None:
        found = [t for t in world.open_tasks(instance) if t["elementId"] == "collaborator_documents"]
        return found if len(found) == 10 else None

    parts = poll("the ten parts", open_parts)
    for part in parts:  # eight departments send theirs in time
        if not set(part["candidateGroups"]) & STILL_WORKING:
            world.complete(part)
    due = poll(
        "the step's due date",
        lambda: world.call("POST", "/v2/variables/search", {"filter": {
            "processInstanceKey": instance, "name": "due_collaborator_documents"}})["items"],
    )[0]  # fmt: skip
    world.advance(
        dt.datetime.fromisoformat(json.loads(due["value"])) - world.clock.now + dt.timedelta(hours=1)
    )
    with world.store() as store:
        [supervision] = poll(
            "the 督办",
            lambda: [e for e in store.events("SY-WEB-9") if e.kind is EventKind.SUPERVISED],
            lambda: world.server.log(20_000),
        )
    assert supervision.department == "泗阳县公安局,泗阳县司法局"  # the open parts, in the step's order

    justice = next(p for p in parts if "siyang.justice" in p["candidateGroups"])
    login(page, world, "sy_justice", "/tasks?q=SY-WEB-9")
    row = page.locator(f"tr[data-task='{justice['userTaskKey']}']")
    expect(row.locator(".tag.warn")).to_have_text("督办 1")
    shot(page, output_path, "tasks-supervised")
    page.goto(f"{world.url}/tasks/{justice['userTaskKey']}")
    urging = page.locator(".timeline li.ev-supervised")
    expect(urging).to_contain_text("泗阳县公安局、泗阳县司法局")  # whom it urged, by name

    for part in parts:  # the two late departments send theirs: the case moves on to its lead
        if set(part["candidateGroups"]) & STILL_WORKING:
            world.complete(part)
    report = world.wait_task(instance, "report_results")
    page.context.clear_cookies()
    login(page, world, "sy_united", "/tasks?q=SY-WEB-9")
    row = page.locator(f"tr[data-task='{report['userTaskKey']}']")
    expect(row).to_contain_text("上传执法结果至综合指挥调度平台")
    expect(row.locator(".tag.warn")).to_have_count(0)  # the lead's step was never urged


def event(step: str, department: str | None, at: dt.datetime) -> CaseEvent:
    return CaseEvent(1, "C", EventKind.SUPERVISED, at, 1, 1, step, department, {})


def test_which_supervisions_urged_a_task() -> None:
    created = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    task: dict[str, Any] = {
        "elementId": "collaborator_documents",
        "candidateGroups": ["siyang.justice"],
        "creationDate": created.isoformat().replace("+00:00", "Z"),
    }
    names = {"siyang.justice": "泗阳县司法局"}
    later = created + dt.timedelta(days=1)
    assert urged(task, [event("collaborator_documents", "泗阳县公安局,泗阳县司法局", later)], names) == 1
    assert urged(task, [event("collaborator_documents", "siyang.justice", later)], names) == 1  # by id
    assert urged(task, [event("collaborator_documents", None, later)], names) == 1  # the whole step
    assert urged(task, [event("collaborator_documents", "泗阳县公安局", later)], names) == 0  # another's part
    assert urged(task, [event("report_results", "泗阳县司法局", later)], names) == 0  # another step
    earlier = created - dt.timedelta(days=1)
    assert urged(task, [event("collaborator_documents", "泗阳县司法局", earlier)], names) == 0  # a past round
    escalated = CaseEvent(2, "C", EventKind.ESCALATED, later, 2, 1, "collaborator_documents", None, {})
    assert urged(task, [escalated], names) == 0
