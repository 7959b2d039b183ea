"""Shared text utilities for importers: the source documents are Word/PDF extractions.

They wrap lines mid-sentence, repeat table headers on every page, keep stray ``<p>``/``<ol>``
markup, number headings in four styles, and split cell texts over lines. These helpers undo that
without ever losing the line numbers a reviewer needs to check a record against the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xietong.catalog.model import Deadline, DeadlineMeaning, DeadlineUnit, Policy, SourceRef, StepKind
from xietong.catalog.registry import name_key

# --------------------------------------------------------------------------------------------
# Lines with their numbers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One physical line of a document, 1-based."""

    number: int
    text: str


@dataclass(frozen=True)
class Passage:
    """Several physical lines joined into one logical text, remembering where they were."""

    text: str
    first: int
    last: int

    def source(self, document: str) -> SourceRef:
        return SourceRef(document=document, line_start=self.first, line_end=self.last)


def numbered_lines(text: str) -> list[Line]:
    """Split a document into lines numbered as an editor shows them (1-based)."""
    return [Line(i, t.rstrip("\r")) for i, t in enumerate(text.split("\n"), start=1)]


def non_blank(lines: Iterable[Line]) -> list[Line]:
    return [ln for ln in lines if ln.text.strip()]


SENTENCE_END = "。；;！？!?：:"


def join_wrapped(lines: Sequence[Line], starts_new: re.Pattern[str] | None = None) -> list[Passage]:
    """Join lines that a PDF/Word extraction wrapped mid-sentence.

    A line continues the previous one unless the previous ends a sentence or the line itself
    starts a new numbered item (``starts_new``, default :data:`NUMBERING`). Blank lines always
    end a passage.
    """
    pattern = starts_new or NUMBERING
    passages: list[Passage] = []
    current: list[Line] = []

    def flush() -> None:
        if current:
            passages.append(
                Passage("".join(ln.text.strip() for ln in current), current[0].number, current[-1].number)
            )
            current.clear()

    for line in lines:
        stripped = line.text.strip()
        if not stripped:
            flush()
            continue
        if current and (current[-1].text.strip()[-1] in SENTENCE_END or pattern.match(stripped)):
            flush()
        current.append(line)
    flush()
    return passages


# --------------------------------------------------------------------------------------------
# Markup and cell texts
# --------------------------------------------------------------------------------------------

_TAG = re.compile(r"</?(?:p|ol|ul|li|br|span|div)\b[^>]*>", re.IGNORECASE)
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")


def strip_markup(text: str) -> str:
    """Remove leftover HTML tags (``<p>``, ``<ol style=…>``) and Word bookmarks, keep the words."""
    text = _BOOKMARK.sub("", text)
    text = _TAG.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def markup_blocks(text: str) -> list[str]:
    """Split a cell that uses ``<p>`` paragraphs / ``<ol>`` lists into its blocks, markup removed."""
    text = _BOOKMARK.sub("", text)
    parts = re.split(r"</?(?:p|ol|ul|li)\b[^>]*>", text, flags=re.IGNORECASE)
    return [p for p in (re.sub(r"\s+", " ", x).strip() for x in parts) if p]


def clean_cell(text: str) -> str:
    """A table cell's text: markup removed and wrapped-line whitespace dropped (消防救援\\n大队)."""
    return re.sub(r"\s+", "", strip_markup(text))


def normalise_name(name: str) -> str:
    """A department name comparable across documents: no whitespace, full-width brackets.

    Never strips prefixes (市场监管局 starts with 市; 县委编办 is not 编办's county).
    """
    return name_key(name)


def split_names(text: str) -> list[str]:
    """Split a list of names written with 、，; or spaces; drop trailing 等.

    A newline is a cell wrap (消防救援\n大队), never a separator.
    """
    text = strip_markup(text.replace("\r", "").replace("\n", ""))
    # Parenthesised qualifiers may contain separators (宣传部（新闻出版局）): protect them.
    parts: list[str] = []
    depth = 0
    buf = ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,；; \t\n":
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    names: list[str] = []
    for p in parts:
        p = normalise_name(p)
        if p.endswith("等") and len(p) > 2:
            p = p[:-1]
        if p.startswith("（") and names:  # a qualifier wrapped onto its own line: 统战部\n（民宗局）
            names[-1] += p
        elif p:
            names.append(p)
    return names


# --------------------------------------------------------------------------------------------
# Numbering
# --------------------------------------------------------------------------------------------

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                  "八": 8, "九": 9}


def chinese_number(text: str) -> int:
    """Parse 一 … 九十九 (and Arabic digits); ValueError otherwise."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in CHINESE_DIGITS and ch not in "十百" for ch in text):
        raise ValueError(f"not a number: {text!r}")
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CHINESE_DIGITS[ch]
    return total + current


_CN = "一二三四五六七八九十百零〇两"
NUMBERING = re.compile(
    rf"^\s*(?:(?P<cn>[{_CN}]+)[、.．]"  # 一、
    rf"|[（(](?P<paren_cn>[{_CN}]+)[)）]"  # （一）
    rf"|[（(](?P<paren>\d+)[)）]"  # （1）
    rf"|(?P<arabic>\d+)(?:[.．、](?!\d)|\s))"  # 1. 1、 1．
)


@dataclass(frozen=True)
class Numbered:
    """A line's numbering, normalised: level 1 = 一、, 2 = （一）, 3 = 1., 4 = （1）."""

    level: int
    number: int
    rest: str


def parse_numbering(text: str) -> Numbered | None:
    """Recognise the four heading/numbering styles the documents mix; None if unnumbered."""
    m = NUMBERING.match(text)
    if not m:
        return None
    rest = text[m.end():].strip()
    if m.group("cn"):
        return Numbered(1, chinese_number(m.group("cn")), rest)
    if m.group("paren_cn"):
        return Numbered(2, chinese_number(m.group("paren_cn")), rest)
    if m.group("arabic"):
        return Numbered(3, int(m.group("arabic")), rest)
    return Numbered(4, int(m.group("paren")), rest)


_CLAUSE = re.compile(r"(?:(?<=^)|(?<=[。；;\s]))(\d+)[.．、](?!\d)")


def split_numbered_clauses(text: str) -> list[str]:
    """Split ``1.… 2.… 3.…`` written in one cell into its clauses (numbers removed).

    Only splits on the expected next number, so ``第2.5条`` or a stray digit never splits.
    """
    text = strip_markup(text)
    matches = list(_CLAUSE.finditer(text))
    cuts: list[tuple[int, int]] = []
    expected = 1
    for m in matches:
        if int(m.group(1)) == expected:
            cuts.append((m.start(), m.end()))
            expected += 1
    if len(cuts) < 2 and not (cuts and cuts[0][0] == 0):
        return [text] if text else []
    clauses = []
    if cuts[0][0] > 0 and text[: cuts[0][0]].strip():
        clauses.append(text[: cuts[0][0]].strip())
    for i, (_, end) in enumerate(cuts):
        stop = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        clause = text[end:stop].strip()
        if clause:
            clauses.append(clause)
    return clauses


# --------------------------------------------------------------------------------------------
# Page furniture
# --------------------------------------------------------------------------------------------

PAGE_NUMBER = re.compile(r"^\s*[-—－–]*\s*\d+\s*[-—－–]*\s*$")


def remove_page_furniture(lines: Iterable[Line], header: re.Pattern[str] | None = None) -> list[Line]:
    """Drop page numbers (``— 12 —``) and repeated table-header rows matching ``header``."""
    kept = []
    for line in lines:
        if PAGE_NUMBER.match(line.text) and line.text.strip():
            continue
        if header is not None and header.match(line.text.strip()):
            continue
        kept.append(line)
    return kept


# --------------------------------------------------------------------------------------------
# Time limits
# --------------------------------------------------------------------------------------------

_AMOUNT = rf"(?P<amount>\d+|[{_CN}]+)"
_UNIT = r"(?P<unit>个?工作日|个?小时|个?自然日|日|天|个月)"
# The tail is required: "24小时值班" or "2月22日" are not limits, "24小时内" and "5日前" are.
TIME_LIMIT = re.compile(
    rf"{_AMOUNT}\s*{_UNIT}(?P<tail>以内|之内|内|前)"
    rf"|(?:不超过|不得超过|最长不超过){_AMOUNT.replace('amount', 'amount2')}"
    rf"\s*{_UNIT.replace('unit', 'unit2')}"
)
_UNITS = {
    "工作日": DeadlineUnit.working_days,
    "个工作日": DeadlineUnit.working_days,
    "小时": DeadlineUnit.hours,
    "个小时": DeadlineUnit.hours,
    "自然日": DeadlineUnit.calendar_days,
    "个自然日": DeadlineUnit.calendar_days,
    "日": DeadlineUnit.calendar_days,
    "天": DeadlineUnit.calendar_days,
    "个月": DeadlineUnit.months,
}
URGENT_MARKERS = ("情况紧急", "紧急情况", "紧急的", "特殊情况", "证据可能灭失")


@dataclass(frozen=True)
class TimeLimit:
    """A time limit found in a sentence, with where in the sentence it was."""

    amount: int
    unit: DeadlineUnit
    meaning: DeadlineMeaning
    start: int
    urgent: bool


def find_time_limits(sentence: str) -> list[TimeLimit]:
    """Every explicit time limit in a sentence (5个工作日内, 24小时内, 提前5日前 …).

    A limit is *urgent* when an urgency marker (情况紧急的 …) precedes it in the same clause group.
    A limit followed by 前 or preceded by 提前 is a lead time.
    """
    found = []
    for m in TIME_LIMIT.finditer(sentence):
        try:
            amount = chinese_number(m.group("amount") or m.group("amount2"))
        except ValueError:
            continue
        unit_text = m.group("unit") or m.group("unit2")
        if amount <= 0:
            continue
        before = sentence[: m.start()]
        lead = m.group("tail") == "前" or before.endswith("提前") or "提前" in before[-6:]
        # Urgency applies within the clause group after the last full stop or semicolon.
        clause_start = max(before.rfind(ch) for ch in "。；;")
        urgent = any(marker in before[clause_start + 1:] for marker in URGENT_MARKERS)
        found.append(
            TimeLimit(
                amount=amount,
                unit=_UNITS[unit_text],
                meaning=DeadlineMeaning.lead_time if lead else DeadlineMeaning.complete_within,
                start=m.start(),
                urgent=urgent,
            )
        )
    return found


def text_deadline(sentence: str, source: SourceRef, quote: str | None = None) -> Deadline | None:
    """The deadline a sentence states, with its urgent variant if the sentence gives one.

    ``在3个工作日内移送；情况紧急的…在24小时内移送`` becomes 3 working days with an urgent
    variant of 24 hours. Returns None when the sentence has no explicit limit.
    """
    limits = find_time_limits(sentence)
    if not limits:
        return None
    normal = [t for t in limits if not t.urgent]
    urgent = [t for t in limits if t.urgent]
    quote = quote or sentence
    main_limit = normal[0] if normal else urgent[0]
    variant = None
    if normal and urgent:
        variant = Deadline(amount=urgent[0].amount, unit=urgent[0].unit, meaning=urgent[0].meaning,
                           origin="text", quote=quote, source=source)
    condition = None
    if variant is not None:
        condition = next((m for m in URGENT_MARKERS if m in sentence), None)
    return Deadline(
        amount=main_limit.amount,
        unit=main_limit.unit,
        meaning=main_limit.meaning,
        origin="text",
        quote=quote,
        source=source,
        urgent_variant=variant,
        urgent_condition=condition,
    )


#: Step kinds done on a scene: a vague term there is read in clock hours (policy.yaml, context onsite).
ONSITE_KINDS = frozenset({StepKind.onsite_handling, StepKind.police_support, StepKind.patrol})


def vague_term(sentence: str, policies: Sequence[Policy], kind: StepKind | None = None) -> Policy | None:
    """The policy covering the first vague time word in the sentence (立即, 第一时间, 及时 …).

    A term read differently on a scene and at a desk (及时) has a row per context; the step's kind
    chooses the row (onsite kinds the onsite row, others the paperwork row).
    """
    best: tuple[int, list[Policy]] | None = None
    for policy in policies:
        for term in policy.terms:
            pos = sentence.find(term)
            if pos < 0:
                continue
            if best is None or pos < best[0]:
                best = (pos, [policy])
            elif pos == best[0] and policy not in best[1]:
                best[1].append(policy)
    if best is None:
        return None
    wanted = "onsite" if kind in ONSITE_KINDS else "paperwork"
    matching = [p for p in best[1] if p.context is not None and p.context.value == wanted]
    others = [p for p in best[1] if p.context is None or p.context.value != "onsite"]
    return (matching or others or best[1])[0]


def policy_deadline(policy: Policy) -> Deadline:
    """A deadline taken from a named policy default, marked as policy (not document text)."""
    return Deadline(amount=policy.amount, unit=policy.unit, origin="policy", policy=policy.name)


def deadline_for(
    sentence: str, source: SourceRef, policies: Sequence[Policy] = (), quote: str | None = None,
    kind: StepKind | None = None,
) -> Deadline | None:
    """The explicit deadline in a sentence, else the policy default for its vague term, else None."""
    explicit = text_deadline(sentence, source, quote)
    if explicit is not None:
        return explicit
    policy = vague_term(sentence, policies, kind)
    return policy_deadline(policy) if policy else None


# --------------------------------------------------------------------------------------------
# Tables whose cells come out as tab-prefixed lines
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell: a tab-prefixed line plus the untabbed lines that wrapped after it."""

    text: str
    first: int
    last: int


def tab_cells(lines: Iterable[Line]) -> list[Cell]:
    """Cells of a Word table extracted as one ``\\t``-prefixed line per cell.

    A non-blank line without the leading tab continues the previous cell (消防救援 / 大队); the
    wrap is kept as a newline so callers decide whether it is a break or a mid-word wrap.
    """
    cells: list[Cell] = []
    for line in lines:
        if not line.text.strip():
            continue
        if line.text.startswith("\t"):
            cells.append(Cell(line.text.strip(), line.number, line.number))
        elif cells:
            prev = cells[-1]
            cells[-1] = Cell(prev.text + "\n" + line.text.strip(), prev.first, line.number)
    return cells


@dataclass(frozen=True)
class Row:
    """A numbered table row: its 序号, the line of that number, and the remaining cells."""

    number: int
    number_line: int
    cells: list[Cell]

    @property
    def first(self) -> int:
        return self.number_line

    @property
    def last(self) -> int:
        return max([self.number_line, *(c.last for c in self.cells)])


def numbered_rows(cells: Sequence[Cell], header: Iterable[str] = ()) -> list[Row]:
    """Group cells into rows, each starting with the next expected 序号 (1, 2, 3 …).

    Cells before row 1 are dropped, and so are cells equal to a ``header`` text anywhere (the
    header row a page break repeats inside the table). Keying on the *expected* number means a
    duty text that happens to be a bare number cannot start a phantom row.
    """
    header_texts = {re.sub(r"\s+", "", h) for h in header}
    rows: list[Row] = []
    expected = 1
    for cell in cells:
        if re.sub(r"\s+", "", cell.text) in header_texts:
            continue
        if cell.text.isdigit() and int(cell.text) == expected:
            rows.append(Row(expected, cell.first, []))
            expected += 1
        elif rows:
            rows[-1].cells.append(cell)
    return rows
