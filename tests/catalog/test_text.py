"""Shared text utilities, on sentences taken from the source documents."""

from __future__ import annotations

from xietong.catalog.importers.text import (
    Line,
    clean_cell,
    deadline_for,
    join_wrapped,
    markup_blocks,
    parse_numbering,
    split_names,
    split_numbered_clauses,
    text_deadline,
)
from xietong.catalog.model import DeadlineMeaning, DeadlineUnit, Policy, SourceRef

SRC = SourceRef(document="003_3683dd0429a6386d.txt", line_start=50, line_end=50)
TRANSFER = ("业务主管部门、综合行政执法部门发现违法行为应由对方查处的，应在3个工作日内移送；情况紧急的，"
            "应立即责令当事人停止违法行为，及时告知有权处理一方，并在24小时内移送。")


def test_transfer_limit_has_urgent_variant() -> None:
    d = text_deadline(TRANSFER, SRC)
    assert d is not None
    assert (d.amount, d.unit) == (3, DeadlineUnit.working_days)
    assert d.urgent_variant is not None
    assert (d.urgent_variant.amount, d.urgent_variant.unit) == (24, DeadlineUnit.hours)
    assert d.origin == "text" and d.quote == TRANSFER


def test_lead_time_and_non_limits() -> None:
    d = text_deadline("可提前5日前向联合执法领导小组办公室提出申请", SRC)
    assert d is not None and d.meaning == DeadlineMeaning.lead_time and d.amount == 5
    assert text_deadline("执行汛期24小时值班和领导带班制度", SRC) is None
    assert text_deadline("武义县人民政府 2021年2月22日", SRC) is None


def test_vague_term_maps_to_policy() -> None:
    policies = [Policy(name="immediately", terms=["立即"], amount=2, unit=DeadlineUnit.hours,
                       description="x")]
    d = deadline_for("应立即向领导小组办公室汇报", SRC, policies)
    assert d is not None and d.origin == "policy" and d.policy == "immediately"


def test_numbering_styles() -> None:
    assert parse_numbering("一、总体要求").level == 1  # type: ignore[union-attr]
    assert parse_numbering("（三）实行案件移送抄告。").number == 3  # type: ignore[union-attr]
    assert parse_numbering("(二)建立协调制度").level == 2  # type: ignore[union-attr]
    assert parse_numbering("3. 应急启动机制").level == 3  # type: ignore[union-attr]
    assert parse_numbering("2021年2月22日") is None


def test_wrapped_lines_are_joined_and_keep_line_numbers() -> None:
    lines = [Line(10, "行政"), Line(11, "处罚权划转前的历史遗留问题。"), Line(12, "1. 新条目")]
    passages = join_wrapped(lines)
    assert [p.text for p in passages] == ["行政处罚权划转前的历史遗留问题。", "1. 新条目"]
    assert (passages[0].first, passages[0].last) == (10, 11)


def test_markup_and_cells() -> None:
    cell = '<p>县财政局：</p> <ol style="list-style-type: none">负责建立健全协税护税机制。'
    assert markup_blocks(cell) == ["县财政局：", "负责建立健全协税护税机制。"]
    assert clean_cell("消防救援\n大队") == "消防救援大队"
    assert split_names("统战部\n（民宗局）") == ["统战部（民宗局）"]
    assert split_names("公安局、发改局、工信局、应急管理局等") == ["公安局", "发改局", "工信局", "应急管理局"]


def test_numbered_clauses() -> None:
    assert split_numbered_clauses("1.开展安全宣传教育。 2.协助做好现场处置。") == [
        "开展安全宣传教育。", "协助做好现场处置。"]
    assert split_numbered_clauses("负责第2.5条所列事项。") == ["负责第2.5条所列事项。"]


def test_page_furniture_is_dropped() -> None:
    import re

    from xietong.catalog.importers.text import remove_page_furniture

    lines = [Line(1, "— 12 —"), Line(2, "序号\t事项名称"), Line(3, "1\t负责公文流转"), Line(4, "-3-"),
             Line(5, "2021年")]
    kept = remove_page_furniture(lines, header=re.compile(r"^序号\t"))
    assert [ln.number for ln in kept] == [3, 5]


def test_chinese_numbers() -> None:
    from xietong.catalog.importers.text import chinese_number

    assert [chinese_number(t) for t in ("一", "十", "十二", "二十", "九十九", "一百零五", "24")] == [
        1, 10, 12, 20, 99, 105, 24]
