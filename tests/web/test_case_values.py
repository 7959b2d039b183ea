"""A case's values are shown as the text they are, never as markup.

Found by the qa pass: the generated forms open with the case as markdown (``**案件编号：** {{caseId}}``)
and form-js put the values into the markdown before rendering it, so an image or a link in a case
variable (a hotline import, a REST caller) appeared in a clerk's form.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.test_pages import login, shot
from tests.web.world import World

MARKUP = '![图](/favicon.ico) <img id="injected" src="/favicon.ico"> [链接](https://example.com) **粗**'


def test_case_values_in_the_forms_header_are_plain_text(world: World, page: Page, output_path: Path) -> None:
    case_id = f"SY-WEB-7 {MARKUP}"
    instance = world.start_case(case_id)
    legal = world.move_to(instance, "legal_review")

    login(page, world, "sy_justice", f"/tasks/{legal['userTaskKey']}")
    form = page.locator("#task-form-js")
    expect(form).to_have_attribute("data-ready", "true")
    header = form.locator(".fjs-form-field").filter(has_text="案件信息")
    expect(header).to_have_count(1)
    expect(header).to_contain_text(case_id)  # every character as typed, markdown and tags included
    expect(header).to_contain_text("事项：")  # the rest of the header is still formatted text
    expect(header.locator("strong", has_text="案件编号：")).to_have_count(1)
    expect(header.locator("img")).to_have_count(0)
    expect(header.locator("a")).to_have_count(0)
    expect(header.locator("strong", has_text="粗")).to_have_count(0)
    expect(header).to_contain_text("泗阳县市场监督管理局")  # the applicant's group id, read as its name
    expect(header).not_to_contain_text("siyang.market_regulation")
    shot(page, output_path, "task-plain-values")
