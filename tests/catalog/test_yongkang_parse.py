"""The 永康 structural parser (document 000) on the real text: records, fields and every pitfall."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from xietong.catalog.importers.yongkang_parse import (
    ParseError,
    PitfallKind,
    RawMechanism,
    compact,
    parse_text,
)

from .conftest import source_line, source_text

DOC = "000_67b50267f15355c8.txt"


@pytest.fixture(scope="module")
def mechs() -> dict[int, RawMechanism]:
    return {m.number: m for m in parse_text(source_text(DOC))}


def kinds(m: RawMechanism) -> set[PitfallKind]:
    return {p.kind for p in m.pitfalls}


def test_sixty_eight_records_in_order_with_line_ranges(mechs: dict[int, RawMechanism]) -> None:
    assert sorted(mechs) == list(range(1, 69))
    ranges = [(m.start_line, m.end_line) for m in mechs.values()]
    assert all(a <= b for a, b in ranges)
    assert all(prev[1] < nxt[0] for prev, nxt in pairwise(ranges))
    for m in mechs.values():
        title_line = compact(source_line(DOC, m.start_line))
        assert title_line.startswith(str(m.number)), m.number
        assert m.title.startswith(compact(title_line)[len(str(m.number)) + 1 :][:6]), m.number
        assert m.lead and m.duties and m.steps


def test_mechanism_1_fields_match_the_text(mechs: dict[int, RawMechanism]) -> None:
    m = mechs[1]
    assert m.title == "永康市石油天然气管道保护事项协同机制"
    assert (m.start_line, m.lead) == (20, ["市发改局"])
    assert m.collaborators == ["市公安局", "市自然资源和规划局", "市应急管理局", "市综合行政执法局"]
    assert [d.department for d in m.duties] == [
        "市发改局",
        "市公安局",
        "市自然资源和规划局",
        "市应急管理局",
        "市综合行政执法局",
        "镇（街道、区）",
    ]
    fgj = m.duties[0]
    assert len(fgj.items) == 8 and fgj.items[0] == "牵头开展石油天然气管道保护法律法规宣传。"
    assert fgj.responsible_units == ["能源科（资源节约和环境保护科）"]
    assert m.duties[1].items == [
        "负责全市石油天然气管道保护的相关监督管理工作，以及危害管道安全违法行为的查处，"
        "维护良好的管道保护治安秩序。"
    ]
    assert m.duties[3].responsible_units == ["行政审批科", "应急救援科", "安全生产监察大队"]
    assert [s.label for s in m.steps] == ["（一）", "1．", "2．", "3．", "4．", "5．"]
    assert m.steps[0].phase == "日常管理" and m.steps[1].phase == "执法处置"
    assert m.steps[-1].text == "发改局将案件处置结果反馈给相关镇（街道、区）。"
    assert m.flowchart_title == "永康市石油天然气长输管道安全保护工作流程图"
    assert "发改局向镇（街道、区）反馈办理结果" in [n.text for n in m.flow_nodes]


def test_mechanism_36_two_tracks_and_numbered_steps(mechs: dict[int, RawMechanism]) -> None:
    m = mechs[36]
    assert m.lead == ["市农业农村局"] and m.collaborators == ["市市场监管局"]
    texts = [s.text for s in m.steps]
    assert texts[0] == "镇（街道、区）发现问题农产品联动处置"
    assert texts[5] == "县市级以上部门产品监测中发现问题农产品联动处置"
    assert len(texts) == 10
    assert m.steps[3].line == 3104 and "瘦肉精" in m.steps[3].text


def test_wrapped_lines_are_joined(mechs: dict[int, RawMechanism]) -> None:
    town = mechs[3].duties[-1]
    assert town.department == "镇（街道、区）"
    assert "结合农房审批，推广农村建房使用新型墙体材料，协助部门落实相关政策措施。" in town.items
    first, last = town.item_lines[1]  # the item wrapped over two lines of the document
    assert last == first + 1
    assert "推广农村建房使用新型墙体材料，协" in source_line(DOC, first)
    assert source_line(DOC, last).startswith("助部门落实相关政策措施。")
    assert PitfallKind.WRAPPED_LINE in kinds(mechs[3])


def test_two_items_side_by_side_on_one_line_are_split(mechs: dict[int, RawMechanism]) -> None:
    health = mechs[47].duties[0]
    assert health.items[:2] == [
        "组织开展病媒生物防制知识宣传。",
        "制定并组织实施病媒生物防制计划和技术方案。",
    ]
    assert health.item_lines[0] == health.item_lines[1]  # both from the same line of the document
    assert PitfallKind.ITEMS_ON_ONE_LINE in kinds(mechs[47])


def test_wrapped_titles_are_joined(mechs: dict[int, RawMechanism]) -> None:
    assert mechs[3].title == "永康市新墙材推广及淘汰落后产能管理事项协同机制"
    assert mechs[32].title == "永康市损坏河道堤防、渠道、泵站水闸等水利设施监管执法事项协同机制"
    assert mechs[29].title == "永康市生产建设项目水土保持监管事项协同机制"  # spaces inside the title line
    assert PitfallKind.WRAPPED_TITLE in kinds(mechs[3])


def test_page_number_inside_the_text_is_dropped(mechs: dict[int, RawMechanism]) -> None:
    m = mechs[14]
    page = [p for p in m.pitfalls if p.kind == PitfallKind.PAGE_NUMBER]
    assert [p.line for p in page] == [1132] and source_line(DOC, 1132).strip() == "197"
    assert all("197" not in s.text for s in m.steps)
    assert all(n.text != "197" for n in m.flow_nodes)
    assert m.flowchart_title == "永康市违法用地建设查处工作流程图"


def test_scrambled_flowchart_is_kept_as_a_set_and_the_steps_give_the_order(
    mechs: dict[int, RawMechanism],
) -> None:
    nodes = [n.text for n in mechs[1].flow_nodes]
    # the extraction puts 结案归档 before the box where problems are found: order is not meaningful
    assert nodes.index("结案归档") < nodes.index(
        "举报、投诉、镇（街道、区）巡查、沿线村民、管道保护企业巡线发现问题"
    )
    steps = [s.text for s in mechs[1].steps]
    assert steps[1].startswith("巡线员、沿线村民等发现安全隐患") and "反馈" in steps[-1]


def test_duplicated_flowchart_keeps_one_copy(mechs: dict[int, RawMechanism]) -> None:
    m = mechs[34]
    texts = [n.text for n in m.flow_nodes]
    assert len(texts) == len(set(texts)) == 19
    assert "市级层面指挥协调机制" in texts  # the three copies wrap this box differently
    dup = [p for p in m.pitfalls if p.kind == PitfallKind.DUPLICATE_FLOWCHART]
    assert len(dup) == 1 and "printed 3 times" in dup[0].detail
    for number in (30, 31):
        assert PitfallKind.DUPLICATE_FLOWCHART in kinds(mechs[number])
    # a box drawn twice in a single chart is two boxes, not a duplicated chart
    assert [n.text for n in mechs[49].flow_nodes].count("基层医疗卫生单位") == 2


def test_another_mechanisms_flowchart_inside_a_table_is_recognised_and_dropped(
    mechs: dict[int, RawMechanism],
) -> None:
    m = mechs[49]
    foreign = [p for p in m.pitfalls if p.kind == PitfallKind.FOREIGN_FLOWCHART]
    assert len(foreign) == 1 and "mechanism 34" in foreign[0].detail
    assert not any("山塘水库" in n.text for n in m.flow_nodes)
    assert "精神病防治院（市三院）" in [n.text for n in m.flow_nodes]
    assert "精神行为异常识别单" in m.materials  # the 所需材料 table, kept apart from the steps
    assert all("附件" not in s.text for s in m.steps)


def test_missing_and_misnamed_sections(mechs: dict[int, RawMechanism]) -> None:
    nine = mechs[9]
    assert nine.flowchart_title is None and nine.flow_nodes == []
    assert PitfallKind.MISSING_SECTION in kinds(nine)
    assert len(nine.steps) == 4  # the record still ends at the next title
    assert PitfallKind.MISNAMED_SECTION in kinds(mechs[11])  # 一、职责分工 heads the 责任部门 part
    assert mechs[11].lead == ["市人力社保局"] and len(mechs[11].collaborators) == 4
    assert PitfallKind.MISNAMED_SECTION in kinds(mechs[24])  # 一、部门分工
    assert mechs[24].lead == ["市交通运输局"]
    fifty_one = mechs[51]  # lead given in a sentence, no 协同部门 part at all
    assert fifty_one.lead == ["市应急管理局"] and fifty_one.collaborators == []
    assert PitfallKind.LEAD_IN_SENTENCE in kinds(fifty_one)
    numbered = [p for p in mechs[1].pitfalls if p.kind == PitfallKind.MISNUMBERED_SECTION]
    assert len(numbered) == 1 and compact(source_line(DOC, numbered[0].line)) == "二、具体流程"


def test_flowchart_title_glued_wrapped_and_vertical_text(mechs: dict[int, RawMechanism]) -> None:
    sixteen = mechs[16]
    assert sixteen.flowchart_title == "永康市全域土地综合整治工作流程图"
    assert sixteen.flow_nodes[0].text == "村集体向所在镇（街道、区）提出实施全域土地综合整治申请"
    assert PitfallKind.GLUED_FLOWCHART_TITLE in kinds(sixteen)
    thirty_two = mechs[32]
    assert thirty_two.flowchart_title == "永康市损坏河道堤防、渠道、泵站水闸等水利设施监管执法工作流程图"
    assert not thirty_two.steps[-1].text.endswith("水利设施")
    assert PitfallKind.WRAPPED_FLOWCHART_TITLE in kinds(thirty_two)
    seven = [n.text for n in mechs[7].flow_nodes]
    assert "市教育局汇总" in seven and "市教育局研判" in seven and "市" not in seven
    assert "部门联审" in [n.text for n in mechs[4].flow_nodes]


def test_word_comment_and_markup_do_not_leak(mechs: dict[int, RawMechanism]) -> None:
    assert PitfallKind.WORD_COMMENT in kinds(mechs[17])
    for m in mechs.values():
        for text in [s.text for s in m.steps] + [n.text for n in m.flow_nodes]:
            assert "Comment by" not in text and "<" not in text, m.number
        for d in m.duties:
            assert all(item and "\t" not in item for item in d.items)


def test_no_line_numbers_are_hard_coded() -> None:
    """Shifting the whole document keeps every record, each moved by the same amount."""
    text = source_text(DOC)
    base = parse_text(text)
    shifted = parse_text("\n\n\n说明文字。\n\n" + text)
    assert len(shifted) == len(base) == 68
    assert all(
        b.start_line + 5 == s.start_line and b.title == s.title for b, s in zip(base, shifted, strict=True)
    )


def test_structural_damage_is_an_error_naming_the_line() -> None:
    text = source_text(DOC)
    lines = text.split("\n")
    broken = "\n".join(
        line for i, line in enumerate(lines, 1) if not (2090 <= i <= 2090 + 200 and "具体流程" in line)
    )
    with pytest.raises(
        ParseError, match=r"000_67b50267f15355c8.txt:\d+: mechanism 2[56]: no 具体流程 section"
    ):
        parse_text(broken)
    renumbered = text.replace("12．永康市非法采矿", "13．永康市非法采矿", 1)
    with pytest.raises(ParseError, match="mechanism number 13, expected 12"):
        parse_text(renumbered)


def test_page_header_and_page_number_inside_a_duty_table_are_dropped() -> None:
    """A page break inside 职责分工 repeats the list's title and prints a page number between rows."""
    text = source_text(DOC)
    row = "3．对镇（街道、区）巡查人员开展知识培训和业务指导。"
    assert text.count(row) == 1
    broken = text.replace(row, "\n— 3 —\n永康市镇（街道、区）“属地管理”事项协同机制、流程图清单\n" + row, 1)
    clean = {m.number: m for m in parse_text(text)}
    got = {m.number: m for m in parse_text(broken)}
    assert got[1].duties[0].items == clean[1].duties[0].items  # no extra row, no row glued to a header
    kinds_found = [
        (p.kind, p.detail)
        for p in got[1].pitfalls
        if p.kind in (PitfallKind.PAGE_NUMBER, PitfallKind.PAGE_HEADER)
    ]
    assert kinds_found == [
        (PitfallKind.PAGE_NUMBER, "— 3 —"),
        (PitfallKind.PAGE_HEADER, "永康市镇（街道、区）“属地管理”事项协同机制、流程图清单"),
    ]
    assert [m.title for m in got.values()] == [m.title for m in clean.values()]


def test_leftover_markup_is_removed() -> None:
    """<p>/<ol> left by a Word/HTML conversion (none in this document) would not reach the records."""
    text = source_text(DOC)
    row = "5．发改局将案件处置结果反馈给相关镇（街道、区）。"
    marked = text.replace(row, "<ol><li>" + row + "</li></ol>", 1).replace(
        "市公安局、市自然资源和规划局、市应急管理局、市综合行政执法局",
        "<p>市公安局、市自然资源和规划局、市应急管理局、市综合行政执法局</p>",
        1,
    )
    clean, got = parse_text(text)[0], parse_text(marked)[0]
    assert got.collaborators == clean.collaborators
    assert [s.text for s in got.steps] == [s.text for s in clean.steps]


def test_no_line_of_a_record_is_silently_lost(mechs: dict[int, RawMechanism]) -> None:
    """Every non-blank line of every record ends up in a parsed field, or in a recorded pitfall."""
    lines = source_text(DOC).split("\n")

    def norm(text: str) -> str:
        text = re.sub(r"\d+[．.、]|责任机构|Commentby\w*", "", text)
        return re.sub(r"[、，。；：:等|\s]", "", text)

    label = re.compile(r"^([（(][一二三四五六七八九十\d]+[)）]|\d+[．.、]|[一二三四五六七八九十]+[、．.])")
    headings = {"责任部门", "职责分工", "部门分工", "具体流程", "牵头部门", "协同部门"}
    checked = 0
    for m in mechs.values():
        parts = [m.title, m.flowchart_title or "", *m.lead, *m.collaborators, *m.materials]
        parts += [p.detail for p in m.pitfalls]
        for d in m.duties:
            parts += [d.department, *d.responsible_units, *d.notes]
            parts += [item + "".join(units) for item, units in zip(d.items, d.item_units, strict=True)]
        parts += [s.text for s in m.steps] + [(s.title or "") + (s.phase or "") for s in m.steps]
        parts += [n.text for n in m.flow_nodes + m.dropped_nodes]
        everything = norm("".join(parts))
        for number in range(m.start_line, m.end_line + 1):
            text = label.sub("", compact(lines[number - 1]))
            text = re.sub(r"^(注|备注)[:：]|^所需材料", "", text)  # markers and a heading glued to a box
            if not text or text in headings or re.fullmatch(r"[-—－–]*\d+[-—－–]*", text):
                continue
            checked += 1
            assert norm(text) in everything, (m.number, number, text)
    assert checked > 3900  # non-blank lines of the 68 records
