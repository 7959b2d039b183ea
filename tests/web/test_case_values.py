"""A case's values are shown as the text they are, never as markup, and structured ones (the 联动事项,
a 汇总) as labelled fields a clerk reads, never as JSON.

Found by the qa pass: the generated forms open with the case as markdown (``**案件编号：** {{caseId}}``)
and form-js put the values into the markdown before rendering it, so an image or a link in a case
variable (a hotline import, a REST caller) appeared in a clerk's form.
"""

from __future__ import annotations

import json
from pathlib import Path

from markupsafe import escape
from playwright.sync_api import Page, expect

from tests.web.test_pages import login, shot
from tests.web.world import PROCESS_ID, World
from xietong.web.case_values import CaseValues, form_labels
from xietong.web.site import china_time
from xietong.web.tasks import variable_labels

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
    expect(page.locator("table.vars img")).to_have_count(0)  # the case table escapes it too
    expect(page.locator("table.vars tr", has_text="案件编号").locator("td")).to_have_text(case_id)
    shot(page, output_path, "task-plain-values")


def test_the_joint_item_reads_as_labelled_fields_not_json(
    world: World, page: Page, output_path: Path
) -> None:
    created = world.call("POST", "/v2/process-instances", {
        "processDefinitionId": PROCESS_ID,
        "variables": {"caseId": "SY-WEB-8", "entry": "application", "itemNumber": 2,
                      "applicant": "siyang.market_regulation",
                      "note": {"title": MARKUP, "checked": True, "parts": [{"number": 1}, {"number": 2}]}},
    })  # fmt: skip
    legal = world.move_to(str(created["processInstanceKey"]), "legal_review")

    login(page, world, "sy_justice", f"/tasks/{legal['userTaskKey']}")
    item = page.locator("table.vars tr", has_text="联动事项").locator("td")
    fields = item.locator("dl.value-fields")
    expect(fields.locator("dt")).to_have_text(["序号", "事项名称", "牵头单位", "配合单位"])  # no group ids
    expect(fields.locator("dd")).to_have_text(
        ["2", "对学校食堂违法行为进行专项执法", "泗阳县市场监督管理局", "泗阳县教育局"]
    )
    for raw in ("{", '"', "leadGroup", "siyang."):
        expect(item).not_to_contain_text(raw)
    # the form's own words label a variable (its header says 申请人), the group id reads as the name
    applicant = page.locator("table.vars tr", has_text="applicant")
    expect(applicant.locator("th")).to_contain_text("申请人")
    expect(applicant.locator("td")).to_have_text("泗阳县市场监督管理局")
    # any structured value: fields and lists, escaped, 是/否
    note = page.locator("table.vars tr", has_text="note").locator("td")
    expect(note.locator(":scope > dl > dt")).to_have_text(["事项名称", "checked", "parts"])
    expect(note.locator(":scope > dl > dd").first).to_have_text(MARKUP)
    expect(note.locator("img")).to_have_count(0)
    expect(note.locator(":scope > dl > dd").nth(1)).to_have_text("是")
    expect(note.locator("ol.value-list > li")).to_have_count(2)
    expect(note).not_to_contain_text("{")
    page.locator("table.vars").scroll_into_view_if_needed()
    shot(page, output_path, "task-case-values")

    # the supervisors' case page reads the same, the JSON (what 修改变量 takes) folded away beneath
    instance = created["processInstanceKey"]
    page.context.clear_cookies()
    login(page, world, "sy_supervisor", f"/cases/{instance}")
    item = page.locator("table.vars tr[data-variable='jointItem'] td")
    expect(item.locator(":scope > dl > dt")).to_have_text(["序号", "事项名称", "牵头单位", "配合单位"])
    raw = item.locator("details.json code")
    expect(raw).to_be_hidden()
    item.locator("details.json summary").click()
    expect(raw).to_contain_text('"leadGroup":"siyang.market_regulation"')
    expect(page.locator("table.vars tr[data-variable='note'] img")).to_have_count(0)
    expect(page.locator("table.vars tr[data-variable='itemNumber'] details")).to_have_count(0)  # 2 is 2


def test_case_values_render_escaped_with_labels() -> None:
    values = CaseValues(lambda text: {"siyang.justice": "泗阳县司法局"}.get(text, text), china_time)
    item = {
        "number": 11,
        "title": "违章建筑拆除联合执法",
        "lead": "泗阳县城市管理局（综合行政执法局）",
        "collaborators": ["泗阳县住房和城乡建设局", "siyang.justice"],
        "leadGroup": "siyang.urban_management",
        "collaboratorGroups": ["siyang.housing", "siyang.justice"],
    }
    html = str(values.html(item))
    assert html == (
        '<dl class="value-fields"><dt>序号</dt><dd>11</dd><dt>事项名称</dt><dd>违章建筑拆除联合执法</dd>'
        "<dt>牵头单位</dt><dd>泗阳县城市管理局（综合行政执法局）</dd>"
        "<dt>配合单位</dt><dd>泗阳县住房和城乡建设局、泗阳县司法局</dd></dl>"
    )
    assert str(values.html({"leadGroup": "siyang.justice"})) == (  # no name beside it: the group is shown
        '<dl class="value-fields"><dt>牵头单位</dt><dd>泗阳县司法局</dd></dl>'
    )
    assert str(values.html("2026-12-02T23:59:59+08:00")) == "2026-12-02 23:59"
    assert str(values.html({"amount": 3, "unit": "workingDays"})) == "3 工作日"
    assert str(values.html([None, False, 1.5])) == "已反馈 2/3：否、1.5"  # an output with one part open
    assert str(values.html([None, None])) == "已反馈 0/2"
    assert str(values.html([None])) == "—"
    assert str(values.html(MARKUP)) == str(escape(MARKUP))
    assert "<script>" not in str(values.html({"<script>": ["<script>"]}))
    deep: object = "x"
    for _ in range(10):
        deep = [deep, {"k": deep}]
    nested = str(values.html(deep))
    assert "<script" not in nested and "&#39;" not in nested  # escaped; JSON (not a repr) at the bottom
    assert nested.split("</")[0].count("<ol") + nested.split("</")[0].count("<dl") == 4  # four levels drawn
    summary = {"caseId": "C", "expected": 3, "received": 2, "missing": 1, "results": ["a", "b"],
               "summarizedAt": "2026-12-02T10:00:00+08:00"}  # fmt: skip
    assert str(values.html(summary)).count("<dt>") == 6 and "未反馈数" in str(values.html(summary))
    assert json.dumps(summary, ensure_ascii=False) not in str(values.html(summary))


def test_a_forms_words_label_the_variables_it_shows() -> None:
    header = (
        "#### 案件信息\n\n**案件编号：** {{caseId}}\n\n{{#if applicant}}**申请人：** {{applicant}}{{/if}}"
    )
    schema = {"components": [
        {"type": "text", "text": header},
        {"type": "group", "components": [{"type": "textarea", "key": "result", "label": "办理结果"}]},
    ]}  # fmt: skip
    assert form_labels(schema) == ({"caseId": "案件编号", "applicant": "申请人"}, {"result": "办理结果"})
    assert form_labels(None) == ({}, {})
    # the header's words first; the usual label before the step's own question for a value set earlier
    labels = variable_labels({"components": [*schema["components"], {"key": "outcome", "label": "是否同意"}]})
    assert (labels["applicant"], labels["outcome"], labels["caseMatter"]) == ("申请人", "办理结果", "事项")
