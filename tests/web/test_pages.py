"""The task list and the case console in a real browser (Debian's chromium through pytest-playwright)
against a real, protected ``xietong engine serve`` with the project's workers running.

Every page the tests pass through is saved as a screenshot in artifacts/web-screenshots/ (the
test output folder of this suite: pytest-playwright removes its own per-test folders of passed tests).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.web.world import PASSWORD, World, poll, task_keys_on


def login(page: Page, world: World, who: str, target: str = "/tasks") -> None:
    page.goto(f"{world.url}/login?next={target}")
    page.get_by_label("用户名").fill(who)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{target}*")


def shot(page: Page, output_path: Path, name: str) -> None:
    page.screenshot(path=str(output_path / f"web-{name}.png"), full_page=True)


def choose(page: Page, label: str) -> None:
    """Picks an outcome the way the page offers it: form-js's field or the outcome choice."""
    page.get_by_label(label, exact=True).check()


def test_a_clerk_sees_exactly_their_department_and_completes_legal_review(
    world: World, page: Page, output_path: Path
) -> None:
    mine = world.start_case("SY-WEB-1")
    other = world.start_case("SY-WEB-2")
    legal = world.move_to(mine, "legal_review")
    world.move_to(other, "initial_review")  # the command centre's, not the justice bureau's
    expected = {
        t["userTaskKey"]
        for t in world.call("POST", "/v2/user-tasks/search",
                            {"filter": {"state": "CREATED", "candidateGroup": "siyang.justice"}})["items"]
    }  # fmt: skip

    login(page, world, "sy_justice")
    expect(page.get_by_role("heading", name="待办任务")).to_be_visible()
    shot(page, output_path, "tasks")
    assert task_keys_on(page.content()) == expected and legal["userTaskKey"] in expected
    assert "SY-WEB-2" not in page.content()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: rows become cards
    expect(page.locator("thead")).to_be_hidden()
    shot(page, output_path, "tasks-phone")
    page.set_viewport_size({"width": 1366, "height": 768})

    page.get_by_role("row").filter(has_text="SY-WEB-1").get_by_role("link", name="法制审核").click()
    expect(page.get_by_role("heading", name="法制审核")).to_be_visible()
    expect(page.locator(".clause")).to_contain_text("001_2fe61fa7fe079855.txt")
    shot(page, output_path, "task")
    choose(page, "符合联动执法要求")
    page.get_by_role("button", name="办结").click()
    page.wait_for_url("**/tasks?notice=*")
    expect(page.locator(".notice")).to_contain_text("已办结")

    assert world.call("GET", f"/v2/user-tasks/{legal['userTaskKey']}")["state"] == "COMPLETED"
    assert world.call("GET", f"/v2/user-tasks/{legal['userTaskKey']}")["assignee"] == "sy_justice"
    moved_on = world.wait_task(mine, "submit_for_approval")
    assert moved_on["processInstanceKey"] == mine
    assert legal["userTaskKey"] not in task_keys_on(page.content())


def test_a_wrong_outcome_cannot_be_submitted(world: World, page: Page, output_path: Path) -> None:
    instance = world.start_case("SY-WEB-3")
    legal = world.move_to(instance, "legal_review")
    login(page, world, "sy_justice", f"/tasks/{legal['userTaskKey']}")
    # What a tampered page would send: a code the model has no branch for.
    page.evaluate(
        """() => {
          const form = document.getElementById('complete-form')
          const radio = form.querySelector('input[name=outcome]')
          if (radio) { radio.value = 'maybe'; radio.checked = true }
          const data = form.querySelector('input[name=form_data]')
          if (data) data.value = JSON.stringify({outcome: 'maybe'})
          form.submit()
        }"""
    )
    expect(page.locator(".error")).to_contain_text("办理结果")
    shot(page, output_path, "task-refused")
    assert world.call("GET", f"/v2/user-tasks/{legal['userTaskKey']}")["state"] == "CREATED"
    variables = world.call("POST", "/v2/variables/search",
                           {"filter": {"processInstanceKey": instance, "name": "outcome"}})["items"]
    assert [json.loads(v["value"]) for v in variables] != ["maybe"]


def test_an_incident_is_shown_fixed_and_resolved(world: World, page: Page, output_path: Path) -> None:
    instance = world.start_case("SY-WEB-4")
    review = world.move_to(instance, "initial_review")
    world.complete(review, {"outcome": "perhaps"})  # typed into a REST body: no branch takes it
    incident = poll(
        "the incident",
        lambda: world.call("POST", "/v2/incidents/search",
                           {"filter": {"processInstanceKey": instance, "state": "ACTIVE"}})["items"],
    )[0]  # fmt: skip

    login(page, world, "sy_supervisor", "/cases")
    row = page.locator(f"tr[data-instance='{instance}']")
    expect(row).to_have_class("incident")
    expect(row).to_contain_text("SY-WEB-4")
    shot(page, output_path, "cases")

    row.get_by_role("link", name="SY-WEB-4").click()
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator(".djs-overlay .badge.incident")).to_have_count(1)
    assert page.locator(f"[data-element-id='{incident['elementId']}'].has-incident").count() == 1
    expect(page.locator("article.incident")).to_have_attribute("data-incident", str(incident["incidentKey"]))
    expect(page.locator("article.incident")).to_contain_text("Expected at least one condition")
    # only an admin may cancel a case: a supervisor is told so instead of meeting the engine's 403
    expect(page.get_by_role("button", name="撤销案件")).to_have_count(0)
    expect(page.get_by_text("撤销案件须由管理员办理")).to_be_visible()
    shot(page, output_path, "case-incident")

    page.get_by_label("变量名").fill("outcome")
    page.get_by_label("新值").fill("eligible")
    page.get_by_role("button", name="修改变量").click()
    expect(page.locator(".notice")).to_contain_text("已设置变量 outcome")
    page.get_by_role("button", name="解决事件").click()
    expect(page.locator(".notice")).to_contain_text("已解决事件")
    assert world.call("GET", f"/v2/incidents/{incident['incidentKey']}")["state"] == "RESOLVED"
    world.wait_task(instance, "legal_review")
    world.drive_to_end(instance)
    page.reload()
    expect(page.locator("h1")).to_contain_text("已办结")
    shot(page, output_path, "case-completed")


def test_overdue_after_the_clock_passes_a_deadline_and_its_supervision(
    world: World, page: Page, output_path: Path
) -> None:
    instance = world.start_case("SY-WEB-5")
    waiting = world.move_to(instance, "collaborator_documents")
    due_name = f"due_{waiting['elementId']}"
    due = poll(
        "the deadline worker's due date",
        lambda: world.call("POST", "/v2/variables/search",
                           {"filter": {"processInstanceKey": instance, "name": due_name}})["items"],
    )[0]  # fmt: skip
    assert dt.datetime.fromisoformat(json.loads(due["value"])) > world.clock.now

    login(page, world, "sy_supervisor", f"/cases/{instance}")
    expect(page.locator("h1 .tag.bad", has_text="逾期")).to_have_count(0)
    world.advance(dt.timedelta(days=3))
    with world.store() as store:
        poll("督办 in the case store",
             lambda: [e for e in store.events("SY-WEB-5") if str(e.kind) == "supervised"],
             lambda: world.server.log(20_000))  # fmt: skip

    page.goto(f"{world.url}/cases?state=overdue")
    row = page.locator(f"tr[data-instance='{instance}']")
    expect(row).to_contain_text("逾期")
    expect(row.locator(".tag.warn")).to_have_count(1)  # 督办 count
    page.goto(f"{world.url}/cases/{instance}")
    expect(page.locator("h1")).to_contain_text("逾期")
    expect(page.locator(".timeline")).to_contain_text("督办")
    # the deadline worker's variables by their step's name; the open parts' output counted, not dashes
    due_row = page.locator(f"tr[data-variable='{due_name}'] th")
    expect(due_row).to_contain_text(f"{waiting['name']}：时限")
    expect(page.locator("tr[data-variable='results'] th")).to_contain_text("反馈结果")
    expect(page.locator("tr[data-variable='results'] td")).to_contain_text("已反馈 0/")
    history = page.locator("table.rows")  # 办理记录: unnamed joins and splits by what they do, not their ids
    expect(history).to_contain_text("汇合")
    expect(history).not_to_contain_text("dispatch_join")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    shot(page, output_path, "case")


def test_two_clerks_complete_the_same_task(world: World, browser: Browser, output_path: Path) -> None:
    instance = world.start_case("SY-WEB-6")
    legal = world.move_to(instance, "legal_review")
    pages = []
    for who in ("sy_justice", "sy_justice2"):
        context = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="zh-CN", ignore_https_errors=True
        )
        page = context.new_page()
        login(page, world, who, f"/tasks/{legal['userTaskKey']}")
        choose(page, "符合联动执法要求")
        pages.append(page)
    first, second = pages
    first.get_by_role("button", name="办结").click()
    first.wait_for_url("**/tasks?notice=*")
    second.get_by_role("button", name="办结").click()
    expect(second.locator(".error")).to_contain_text("已办结")
    expect(second.locator(".unsent")).to_contain_text("符合联动执法要求")  # nothing they did is lost
    shot(second, output_path, "task-conflict")
    assert world.call("GET", f"/v2/user-tasks/{legal['userTaskKey']}")["assignee"] == "sy_justice"
    world.wait_task(instance, "submit_for_approval")
    assert [t["elementId"] for t in world.open_tasks(instance)] == ["submit_for_approval"]
    for page in pages:
        page.context.close()


def test_processes_and_login_pages(world: World, page: Page, output_path: Path) -> None:
    page.goto(f"{world.url}/tasks")
    expect(page).to_have_url(re.compile(r"/login\?next=/tasks$"))
    shot(page, output_path, "login")
    page.get_by_label("用户名").fill("sy_supervisor")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".error")).to_contain_text("用户名或密码不正确")
    login(page, world, "sy_supervisor", "/processes")
    expect(page.get_by_role("link", name="泗阳县“联动执法+综合指挥”流程图")).to_be_visible()
    shot(page, output_path, "processes")
    page.get_by_role("link", name="泗阳县“联动执法+综合指挥”流程图").click()
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator("#diagram")).to_have_attribute("data-warnings", "0")
    shot(page, output_path, "process")
    viewport = page.locator("#diagram svg .viewport").first
    before = viewport.get_attribute("transform")
    page.locator("#diagram svg").first.focus()
    page.keyboard.press("Control+ArrowLeft")  # the diagram moves by keyboard, not only by mouse
    expect(viewport).not_to_have_attribute("transform", before or "")
