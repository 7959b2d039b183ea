"""The supervisors' board shows finished cases on request: 已结束 (办结 or 撤销), latest first.

Found by the qa pass: the board listed open cases only, so a finished case was reachable only by its id.
The filter is Camunda 8.8's process-instance ``state`` with ``$in`` [COMPLETED, TERMINATED].
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.test_pages import login, shot
from tests.web.world import World


def test_the_board_lists_finished_cases_completed_and_cancelled(
    world: World, page: Page, output_path: Path
) -> None:
    completed = world.start_case("SY-WEB-8")
    world.drive_to_end(completed)
    world.advance(dt.timedelta(minutes=1))  # the engine's clock is pinned: the cancellation comes later
    cancelled = world.start_case("SY-WEB-9")
    world.wait_task(cancelled, "apply")
    world.call("POST", f"/v2/process-instances/{cancelled}/cancellation")
    still_open = world.start_case("SY-WEB-10")
    world.wait_task(still_open, "apply")

    login(page, world, "sy_supervisor", "/cases")
    expect(page.locator(f"tr[data-instance='{still_open}']")).to_have_count(1)
    expect(page.locator(f"tr[data-instance='{completed}']")).to_have_count(0)
    page.get_by_label("状态").select_option(label="已结束（办结、撤销）")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/cases?*state=finished*")

    expect(page.locator("h1")).to_contain_text("已结束")
    done = page.locator(f"tr[data-instance='{completed}']")
    expect(done).to_contain_text("SY-WEB-8")
    expect(done.locator(".tag")).to_have_text("已办结")
    stopped = page.locator(f"tr[data-instance='{cancelled}']")
    expect(stopped).to_contain_text("SY-WEB-9")
    expect(stopped.locator(".tag")).to_have_text("已撤销")
    expect(page.locator(f"tr[data-instance='{still_open}']")).to_have_count(0)
    # latest first: the cancellation came after the completion
    rows = page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.instance)")
    assert rows.index(cancelled) < rows.index(completed)
    shot(page, output_path, "cases-finished")

    # the clerks' department narrows finished cases to those it had a step in
    page.goto(f"{world.url}/cases?state=finished&department=siyang.justice")
    expect(page.locator(f"tr[data-instance='{completed}']")).to_have_count(1)  # 法制审核 was theirs
    expect(page.locator(f"tr[data-instance='{cancelled}']")).to_have_count(0)  # cancelled before
