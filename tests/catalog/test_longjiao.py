"""Importer for 龙角镇 (002) on the real document: 115 / 88 / 80 and each pitfall."""

from __future__ import annotations

import pytest

from xietong.catalog.importers.base import ImportContext, ImportResult, importer_for
from xietong.catalog.importers.longjiao import split_departments
from xietong.catalog.loader import load_catalog
from xietong.catalog.model import DutyList

from .conftest import CONFIG, source_line, source_text

DOC = "002_cbf3e3dac59cda43.txt"


@pytest.fixture(scope="module")
def result() -> ImportResult:
    catalog, _ = load_catalog(CONFIG)
    return importer_for(DOC).run(source_text(DOC), ImportContext(registry=catalog.registries["yunyang"]))


@pytest.fixture(scope="module")
def lists(result: ImportResult) -> DutyList:
    assert len(result.duty_lists) == 1
    return result.duty_lists[0]


def test_counts(lists: DutyList) -> None:
    assert (len(lists.basic), len(lists.coordinating), len(lists.taken_back)) == (115, 88, 80)
    assert [d.number for d in lists.basic] == list(range(1, 116))


def test_category_counts_match_the_stated_ones(lists: DutyList) -> None:
    categories: dict[str, int] = {}
    for duty in lists.basic:
        categories[duty.category] = categories.get(duty.category, 0) + 1
    assert categories["党的建设"] == 26 and categories["综合政务"] == 10
    assert sum(1 for t in lists.taken_back if t.category == "平安法治") == 42


def test_only_document_properties_are_warned(result: ImportResult) -> None:
    messages = [w.message for w in result.warnings]
    assert len(messages) == 3, messages
    assert any("item 10: header 县公安局" in m for m in messages)


def test_basic_sample_against_text(lists: DutyList) -> None:
    duty = lists.basic[114]
    assert duty.text.startswith("负责本镇工作人员工资")
    assert source_line(DOC, duty.source.line_start).startswith("115\t")
    assert lists.basic[0].category == "党的建设"  # the table of contents is not a section


def test_coordinating_markup_and_clauses(lists: DutyList) -> None:
    item = lists.coordinating[0]
    assert item.title == "推动建立综合治税（费）工作机制"
    assert item.upper_departments == ["县财政局", "县税务局"]
    assert [d.department for d in item.upper_duties] == ["县财政局", "县税务局"]
    assert item.upper_duties[0].duties[0] == "负责建立健全协税护税机制。"
    assert "<" not in " ".join(item.upper_duties[0].duties)
    assert len(item.town_duties) == 3


def test_continuation_after_page_break_is_joined_mid_word(lists: DutyList) -> None:
    item = lists.coordinating[3]  # 天然气管理工作: 县住建局 duty continues on the next page
    housing = next(d for d in item.upper_duties if d.department == "县住建局")
    assert housing.duties == [
        "依法对在燃气设施保护范围内建设占压地下燃气管线的建筑物、构筑物或者其他设施的行为实施处罚。"]
    assert item.source.line_end > item.source.line_start


def test_names_split_by_spaces_are_rejoined(lists: DutyList) -> None:
    item = next(c for c in lists.coordinating if c.title == "电动自行车管理服务")
    assert item.upper_departments == ["县经济信息委", "县市场监管局", "县规划自然资源局", "县住房城乡建委",
                                      "县消防救援局", "相关行业主管部门"]
    assert next(c for c in lists.coordinating if c.number == 35).title == "农村交通安全管理"


def test_leaked_header_and_open_lists(lists: DutyList) -> None:
    item = lists.coordinating[9]
    assert item.upper_departments == ["县政府办(县金融发展服务中心)", "县公安局", "行业主管部门"]
    police = next(d for d in item.upper_duties if d.department == "县公安局")
    assert police.duties[0].startswith("对非法金融活动开展风险排查")
    disaster = next(c for c in lists.coordinating if c.title == "地灾防治")
    assert disaster.upper_departments[-2:] == ["云阳海事处", "相关部门"]


def test_taken_back_discontinued(lists: DutyList) -> None:
    by_number = {t.number: t for t in lists.taken_back}
    assert by_number[54].discontinued and by_number[54].receiving_departments == []
    assert by_number[62].discontinued  # 取消 … 推广工作
    assert by_number[1].discontinued  # 该项目已实施完毕，不再开展此项工作
    assert not by_number[19].discontinued and by_number[19].receiving_departments == ["县公安局"]
    assert by_number[69].receiving_departments == ["县经济信息委", "县住房城乡建委"]
    assert sum(1 for t in lists.taken_back if t.discontinued) >= 3


def test_split_departments_without_registry_uses_the_county_pattern() -> None:
    from xietong.catalog.importers.longjiao import name_checker

    names, unknown = split_departments("县经济信息委 县 市场监管局 县规 划自然资源局", name_checker(None))
    assert names == ["县经济信息委", "县市场监管局", "县规划自然资源局"] and unknown == []


def test_reviewed_list_matches_the_importer() -> None:
    catalog, errors = load_catalog(CONFIG)
    assert not [e for e in errors if "lists/" in e.file]
    reviewed = next(d for d in catalog.duty_lists if d.id == "longjiao")
    assert len(reviewed.coordinating) == 88
