"""云阳县龙角镇 履行职责事项清单 (document 002): three tab tables.

Pitfalls the text really has, each handled here:

- a table of contents repeating the three list titles (``1. 基本履职事项清单\\t1``);
- the header row ``序号\\t事项名称…`` repeated on every page, and a stray Markdown rule ``----``;
- category rows with their item counts (``一、党的建设（26项）``), used as checks;
- rows continued after a page break as ``\\t\\t\\t<continuation>`` (mid-word: ``…保护范围内建`` /
  ``设占压地下燃气管线…``);
- ``<p>``/``<ol style=…>`` markup inside cells, with or without clause numbers;
- upper-department cells split by spaces, even inside names (``县 市场监管局``, ``县规 划自然资源局``),
  a header leaking into the cell (``… 县公安局：``) and ``…云阳海事处等相关部门单位``;
- taken-back items that nobody takes over (``不再开展的事项无需列明承接部门``, ``取消…``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from xietong.catalog.importers.base import ImportContext, ImportResult, register
from xietong.catalog.importers.text import (
    Line,
    markup_blocks,
    numbered_lines,
    split_numbered_clauses,
    strip_markup,
)
from xietong.catalog.model import (
    BasicDuty,
    CoordinatingDuty,
    DepartmentDuties,
    DutyList,
    SourceRef,
    TakenBackItem,
)
from xietong.catalog.registry import DepartmentRegistry, resolve_role

DOCUMENT = "002_cbf3e3dac59cda43.txt"
JURISDICTION = "yunyang"
TOWN = "龙角镇"
TITLES = {
    "basic": "基本履职事项清单",
    "coordinating": "配合履职事项清单",
    "taken_back": "上级部门收回事项清单",
}
COLUMNS = {"basic": 2, "coordinating": 5, "taken_back": 3}
EXPECTED = {"basic": 115, "coordinating": 88, "taken_back": 80}

_CATEGORY = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+?)\s*[（(]\s*(\d+)\s*项\s*[)）]")
_RULE = re.compile(r"^[\s\-|]+$")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff（）])\s+(?=[\u4e00-\u9fff（）])")
_COUNTY_BODY = re.compile(r"^(县|云阳).{1,20}(局|委|办|院|联|部|队|处|中心|委员会|社)([（(].+[)）])?$")


def collapse_cjk_spaces(text: str) -> str:
    """Remove spaces a PDF put between Chinese characters (农村交通安全管 理)."""
    return _CJK_GAP.sub("", text.strip())


@dataclass
class RawRow:
    number: int
    category: str
    cells: list[str]
    first: int
    last: int
    extra_cells: bool = False
    #: Per column, the offsets where a continuation row (after a page break) was appended.
    breaks: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class RawTable:
    rows: list[RawRow] = field(default_factory=list)
    categories: list[tuple[str, int, int]] = field(default_factory=list)  # name, stated count, line


def read_table(lines: list[Line], columns: int, result: ImportResult) -> RawTable:
    """Rows of one list: numbered rows, continuation rows, category rows; headers dropped."""
    table = RawTable()
    category = ""
    for line in lines:
        text = line.text
        stripped = text.strip()
        if not stripped or _RULE.match(stripped) or stripped.startswith("序号"):
            continue
        m = _CATEGORY.match(stripped)
        if m:
            category = m.group(2)
            table.categories.append((category, int(m.group(3)), line.number))
            continue
        parts = text.split("\t")
        head = parts[0].strip()
        if head.isdigit():
            cells = [p for p in parts[1:]]
            extra = len(cells) > columns - 1 and any(c.strip() for c in cells[columns - 1:])
            cells = (cells + [""] * columns)[: columns - 1]
            table.rows.append(RawRow(int(head), category, cells, line.number, line.number, extra))
        elif table.rows:
            row = table.rows[-1]
            if len(parts) > 1:  # \t\t\t<continuation of column k> …
                for k, part in enumerate(parts[1:columns]):
                    if part.strip():
                        row.breaks.setdefault(k, []).append(len(row.cells[k]))
                        row.cells[k] += part
            else:  # a wrapped line without tabs continues the last cell
                row.cells[-1] += text
            row.last = line.number
        else:
            result.warn(line.number, f"text before the first row: {stripped[:40]!r}")
    return table


def check_table(name: str, table: RawTable, result: ImportResult) -> None:
    numbers = [r.number for r in table.rows]
    if numbers != list(range(1, len(numbers) + 1)):
        gaps = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
        dupes = sorted({n for n in numbers if numbers.count(n) > 1})
        result.warn(None, f"{TITLES[name]}: numbering not continuous (missing {gaps}, repeated {dupes})")
    for category, stated, line in table.categories:
        actual = sum(1 for r in table.rows if r.category == category)
        if actual != stated:
            result.warn(line, f"{TITLES[name]}: category {category} states {stated} items, found {actual}")
    if len(table.rows) != EXPECTED[name]:
        result.warn(None, f"{TITLES[name]}: expected {EXPECTED[name]} items, found {len(table.rows)}")
    for row in table.rows:
        if row.extra_cells:
            result.warn(row.first, f"{TITLES[name]} item {row.number}: more cells than columns")


# --------------------------------------------------------------------------------------------
# Department names
# --------------------------------------------------------------------------------------------


def name_checker(registry: DepartmentRegistry | None) -> Callable[[str], bool]:
    """Whether a candidate is a whole department or role name (registry first, else a pattern)."""

    def known(name: str) -> bool:
        if not name:
            return False
        if resolve_role(name) is not None:
            return True
        if registry is not None:
            return name in registry
        return bool(_COUNTY_BODY.match(name))

    return known


def split_departments(cell: str, known: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """Department names from a space- and 、-separated cell whose names may be split by spaces.

    Returns (names, fragments that could not be read). Tokens are merged left to right, shortest
    known merge first (two names must never fuse into one), so ``县 市场监管局`` and
    ``县规 划自然资源局`` come back whole.
    """
    text = strip_markup(cell).strip().rstrip("：:")
    tokens = [t for t in re.split(r"[\s、，,]+", text) if t]
    names: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(tokens):
        for span in (1, 2, 3, 4):
            candidate = "".join(tokens[i:i + span]).rstrip("：:")
            suffix_role = None
            for suffix in ("等相关部门单位", "等相关部门", "等相关单位", "等"):
                if candidate.endswith(suffix) and len(candidate) > len(suffix) + 1:
                    candidate = candidate[: -len(suffix)]
                    suffix_role = "相关部门" if suffix != "等" else None
                    break
            if known(candidate):
                names.append(candidate)
                if suffix_role:
                    names.append(suffix_role)
                i += span
                break
        else:
            unknown.append(tokens[i])
            names.append(tokens[i].rstrip("：:"))
            i += 1
    deduped = list(dict.fromkeys(names))
    return deduped, unknown


_HEADER = re.compile(r"(?:^|(?<=[\n。；;\s]))([^：:\n。；;\s]{2,120})[：:]")


def clauses(text: str) -> list[str]:
    """A cell's duty clauses: numbered ones if numbered, else one per sentence."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    numbered = split_numbered_clauses(text)
    if len(numbered) > 1:
        return [collapse_cjk_spaces(c) for c in numbered]
    sentences = [s.strip() for s in re.split(r"(?<=[。；;])", text)]
    return [collapse_cjk_spaces(s) for s in sentences if s.strip()]


def split_upper_duties(
    cell: str, departments: list[str], known: Callable[[str], bool]
) -> tuple[list[DepartmentDuties], bool]:
    """上级部门职责 split at department headers (``县财政局：``); (duties, headers were found)."""
    text = "\n".join(markup_blocks(cell))
    headers = []
    for m in _HEADER.finditer(text):
        parts, unknown = split_departments(m.group(1), known)
        if parts and not unknown:
            headers.append((m.start(1), m.end(), parts))
    if not headers:
        if len(departments) == 1:
            return [DepartmentDuties(department=departments[0], duties=clauses(text))], True
        return [], False
    result = []
    for k, (_, body_start, parts) in enumerate(headers):
        body_end = headers[k + 1][0] if k + 1 < len(headers) else len(text)
        body = clauses(text[body_start:body_end])
        for part in parts:
            result.append(DepartmentDuties(department=part, duties=body))
    return result, True


@register
class LongjiaoImporter:
    """Reads document 002."""

    document = DOCUMENT
    jurisdiction = JURISDICTION

    def run(self, text: str, context: ImportContext) -> ImportResult:
        result = ImportResult(DOCUMENT)
        lines = numbered_lines(text)
        starts: dict[str, int] = {}
        for i, line in enumerate(lines):
            for name, title in TITLES.items():
                if line.text.strip() == title and name not in starts:
                    starts[name] = i
        missing = [TITLES[n] for n in TITLES if n not in starts]
        if missing:
            result.warn(None, f"list titles not found: {missing}")
            return result
        order = sorted(starts, key=starts.__getitem__)
        tables: dict[str, RawTable] = {}
        for k, name in enumerate(order):
            end = starts[order[k + 1]] if k + 1 < len(order) else len(lines)
            tables[name] = read_table(lines[starts[name] + 1:end], COLUMNS[name], result)
            check_table(name, tables[name], result)
        known = name_checker(context.registry)

        def src(row: RawRow) -> SourceRef:
            return SourceRef(document=DOCUMENT, line_start=row.first, line_end=row.last)

        basic = [
            BasicDuty(number=r.number, category=r.category,
                      text=collapse_cjk_spaces(strip_markup(r.cells[0])), source=src(r))
            for r in tables["basic"].rows
        ]
        coordinating = []
        for r in tables["coordinating"].rows:
            title_cell, upper_cell, upper_duties_cell, town_cell = r.cells
            upper, unknown = split_departments(upper_cell, known)
            for fragment in unknown:
                result.warn(r.first, f"配合 item {r.number}: unknown upper department {fragment!r}")
            leaked = re.search(r"\s(\S+)[：:]\s*$", strip_markup(upper_cell))
            if leaked and r.breaks.get(2):
                # A header that slipped into the department cell (… 县公安局：) heads the text
                # continued after the page break.
                at, header = r.breaks[2][0], leaked.group(1)
                upper_duties_cell = f"{upper_duties_cell[:at]}<p>{header}：</p>{upper_duties_cell[at:]}"
                result.warn(r.first, f"配合 item {r.number}: header {header}： found in the department "
                            "cell, applied to the continued duties")
            duties, found = split_upper_duties(upper_duties_cell, upper, known)
            if not found:
                result.warn(r.first, f"配合 item {r.number}: no department headers in 上级部门职责")
            if not upper:
                result.warn(r.first, f"配合 item {r.number}: no upper department")
                continue
            registry = context.registry

            def body(name: str, registry: DepartmentRegistry | None = registry) -> str:
                dept = registry.resolve(name) if registry else None
                return dept.id if dept else name

            stated = {body(d.department) for d in duties}
            without = [u for u in upper if found and body(u) not in stated]
            if without and len(upper) > 1:
                result.warn(r.first, f"配合 item {r.number}: no duties stated for {'、'.join(without)}")
            coordinating.append(
                CoordinatingDuty(
                    number=r.number,
                    category=r.category,
                    title=collapse_cjk_spaces(strip_markup(title_cell)),
                    upper_departments=upper,
                    upper_duties=duties,
                    town_duties=clauses("\n".join(markup_blocks(town_cell))),
                    source=src(r),
                )
            )
        taken_back = [self.taken_back(r, known, result, src(r)) for r in tables["taken_back"].rows]
        result.duty_lists.append(
            DutyList(
                id="longjiao",
                jurisdiction=JURISDICTION,
                town=TOWN,
                source_document=DOCUMENT,
                basic=basic,
                coordinating=coordinating,
                taken_back=taken_back,
            )
        )
        return result

    def taken_back(
        self, row: RawRow, known: Callable[[str], bool], result: ImportResult, source: SourceRef
    ) -> TakenBackItem:
        title = collapse_cjk_spaces(strip_markup(row.cells[0]))
        body = re.sub(r"\s+", " ", strip_markup(row.cells[1])).strip()
        m = re.search(r"承接部门[：:]\s*(.*?)\s*工作方式[：:]\s*(.*)$", body)
        receiving: list[str] = []
        method: str | None = body or None
        if m:
            receiving, unknown = split_departments(m.group(1), known)
            for fragment in unknown:
                result.warn(row.first, f"收回 item {row.number}: unknown receiving department {fragment!r}")
            method = m.group(2).strip() or None
        discontinued = (not receiving) or "不再开展" in body or bool(method and method.startswith("取消"))
        if not receiving and not discontinued:
            result.warn(row.first, f"收回 item {row.number}: no 承接部门")
        return TakenBackItem(
            number=row.number,
            category=row.category,
            title=title,
            receiving_departments=receiving,
            working_method=method,
            discontinued=discontinued,
            source=source,
        )



