"""Structural parser for the 永康 document (config/sources/000_67b50267f15355c8.txt).

The text was extracted from Word, so nothing can be located by line number or by exact heading:
section headings are misnamed or misnumbered (一、职责分工 where 一、责任部门 is meant; 3、具体流程
after 二、职责分工), lines wrap mid-sentence, a page number and a Word comment sit inside the text, a
flowchart title swallows its first box, one flowchart is printed three times and another mechanism's
flowchart turns up inside a materials table. The parser recognises each record by its shape and keeps
every oddity it repaired as a `Pitfall`, so tests and reviewers can see what was done and where.

Output is deliberately model-free (plain dataclasses): mapping onto the catalog model happens in
`yongkang.py`, so this module can be tested against the text alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from xietong.catalog.importers.text import (
    PAGE_NUMBER,
    chinese_number,
    clean_cell,
    numbered_lines,
    split_numbered_clauses,
    strip_markup,
)
from xietong.catalog.importers.text import split_names as shared_split_names

SOURCE_NAME = "000_67b50267f15355c8.txt"

CN_NUM = "一二三四五六七八九十"
_SENTENCE_END = "。；！？：:;!?）)”"

_TITLE_RE = re.compile(r"^\s*(\d{1,2})\s*[．.、]\s*(\S.*)$")
_RESP_RE = re.compile(rf"^\s*([{CN_NUM}]|\d)\s*[、．.]\s*(责任部门|职责分工|部门分工)\s*$")
_DUTIES_RE = re.compile(rf"^\s*([{CN_NUM}]|\d)\s*[、．.]\s*职责分工\s*$")
_STEPS_RE = re.compile(rf"^\s*([{CN_NUM}]|\d)\s*[、．.]\s*具体流程\s*$")
_MATERIALS_RE = re.compile(rf"^\s*([{CN_NUM}]+)\s*[、．.]\s*所需材料\s*(.*)$")
_PAREN_LABEL_RE = re.compile(rf"^\s*[（(]\s*([{CN_NUM}]+|\d+)\s*[)）]\s*(.*)$")
_NUM_LABEL_RE = re.compile(r"^\s*(\d{1,2})\s*[．.、]\s*(.*)$")
_NOTICE_TITLE_RE = re.compile(r"《(.+?)》")
_COMMENT_RE = re.compile(r"\s*Comment by [^:：]*[:：]\s*$")
_FLOW_TITLE_RE = re.compile(r"流程图")
_RESPONSIBLE_RE = re.compile(r"^\s*责任机构\s*[:：]\s*(.*)$")
_NOTE_RE = re.compile(r"^\s*(注|备注)\s*[:：]\s*(.*)$")
_LEAD_SENTENCE_RE = re.compile(r"由(.+?)牵头")


class ParseError(ValueError):
    """The document does not have the structure this parser relies on; names file and line."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line


class PitfallKind(StrEnum):
    """The kinds of extraction damage the parser repairs (DESIGN.md, "source documents")."""

    WRAPPED_TITLE = "wrapped_title"
    WRAPPED_LINE = "wrapped_line"
    MISNAMED_SECTION = "misnamed_section"
    MISNUMBERED_SECTION = "misnumbered_section"
    MISSING_SECTION = "missing_section"
    PAGE_NUMBER = "page_number"
    PAGE_HEADER = "page_header"
    WORD_COMMENT = "word_comment"
    GLUED_FLOWCHART_TITLE = "glued_flowchart_title"
    WRAPPED_FLOWCHART_TITLE = "wrapped_flowchart_title"
    WRAPPED_FLOWCHART_NODE = "wrapped_flowchart_node"
    VERTICAL_FLOWCHART_TEXT = "vertical_flowchart_text"
    DUPLICATE_FLOWCHART = "duplicate_flowchart"
    FOREIGN_FLOWCHART = "foreign_flowchart"
    MATERIALS_TABLE = "materials_table"
    LEAD_IN_SENTENCE = "lead_in_sentence"
    ITEMS_ON_ONE_LINE = "items_on_one_line"
    INLINE_RESPONSIBLE_UNIT = "inline_responsible_unit"


@dataclass(frozen=True)
class Pitfall:
    kind: PitfallKind
    line: int
    detail: str


@dataclass
class RawDuty:
    """One department's block under 职责分工."""

    department: str
    line: int
    items: list[str] = field(default_factory=list)
    item_lines: list[tuple[int, int]] = field(default_factory=list)
    item_units: list[list[str]] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RawStep:
    """One 具体流程 paragraph; `phase` is an enclosing heading such as 日常管理 / 执法处置."""

    label: str
    text: str
    line: int
    title: str | None = None
    phase: str | None = None
    end_line: int = 0

    def __post_init__(self) -> None:
        self.end_line = max(self.end_line, self.line)


@dataclass(frozen=True)
class RawFlowNode:
    text: str
    line: int


@dataclass
class RawMechanism:
    number: int
    title: str
    start_line: int
    end_line: int
    lead: list[str] = field(default_factory=list)
    collaborators: list[str] = field(default_factory=list)
    duties: list[RawDuty] = field(default_factory=list)
    steps: list[RawStep] = field(default_factory=list)
    flowchart_title: str | None = None
    flowchart_line: int | None = None
    flow_nodes: list[RawFlowNode] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    stray_nodes: list[RawFlowNode] = field(default_factory=list)
    dropped_nodes: list[RawFlowNode] = field(default_factory=list)
    pitfalls: list[Pitfall] = field(default_factory=list)

    @property
    def steps_text(self) -> str:
        return "\n".join(s.text for s in self.steps)


# --------------------------------------------------------------------------- small text helpers


def compact(text: str) -> str:
    """A line without whitespace (ASCII and full-width): Chinese text has no meaningful spaces."""
    return clean_cell(text.replace("\u3000", " "))


def split_names(text: str) -> list[str]:
    """Department names of a 、-separated list (bracket-aware, via the shared splitter)."""
    return [n.rstrip("。") for n in shared_split_names(compact(text).rstrip("。")) if n.rstrip("。")]


def _ends_sentence(text: str) -> bool:
    return bool(text) and text[-1] in _SENTENCE_END


def _join_wrapped(previous: str, continuation: str) -> tuple[str, bool]:
    """Join a continuation line; returns (text, was_mid_sentence_wrap)."""
    if _ends_sentence(previous):
        return previous + "\n" + continuation, False
    return previous + continuation, True


# --------------------------------------------------------------------------- record boundaries


def _find_titles(lines: Sequence[str]) -> list[tuple[int, int, int, str, bool]]:
    """Locate mechanism titles: (first index, last index, number, title, wrapped).

    A title is a numbered line whose text — alone, or joined with the next non-empty line when the
    title wrapped — ends in 协同机制. Numbered duty items never end that way.
    """
    found: list[tuple[int, int, int, str, bool]] = []
    for i, line in enumerate(lines):
        m = _TITLE_RE.match(line)
        if not m:
            continue
        text = compact(m.group(2))
        if text.endswith("协同机制"):
            found.append((i, i, int(m.group(1)), text, False))
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and j - i <= 2:
            joined = text + compact(lines[j])
            if joined.endswith("协同机制") and len(joined) < 60 and "。" not in joined:
                found.append((i, j, int(m.group(1)), joined, True))
    return found


def parse_document(path: Path | str) -> list[RawMechanism]:
    """Parse the document file into its mechanisms, in document order."""
    path = Path(path)
    return parse_text(path.read_text(encoding="utf-8"), path)


def parse_text(text: str, path: Path | str = SOURCE_NAME) -> list[RawMechanism]:
    """Parse the document text; `path` only names the document in errors."""
    lines = [ln.text for ln in numbered_lines(text)]
    titles = _find_titles(lines)
    if not titles:
        raise ParseError(path, 1, "no mechanism title (a numbered line ending in 协同机制) found")
    headers = _running_headers(lines[: titles[0][0]])
    mechanisms: list[RawMechanism] = []
    for k, (first, last, number, title, wrapped) in enumerate(titles):
        end = titles[k + 1][0] if k + 1 < len(titles) else len(lines)
        while end - 1 > last and not lines[end - 1].strip():
            end -= 1
        expected = mechanisms[-1].number + 1 if mechanisms else 1
        if number != expected:
            raise ParseError(path, first + 1, f"mechanism number {number}, expected {expected}")
        mech = RawMechanism(number=number, title=title, start_line=first + 1, end_line=end)
        if wrapped:
            mech.pitfalls.append(Pitfall(PitfallKind.WRAPPED_TITLE, first + 1, title))
        _MechanismParser(path, lines, mech, last + 1, end, headers).run()
        mechanisms.append(mech)
    _resolve_stray_flowcharts(mechanisms)
    return mechanisms


def _running_headers(preamble: Sequence[str]) -> set[str]:
    """Page-header texts: the list's own title (《…》 in the notice) and the issuing office.

    A page break inside a record repeats them as a line of their own, in the middle of a table.
    """
    headers: set[str] = set()
    for line in preamble:
        if m := _NOTICE_TITLE_RE.search(line):
            headers.add(compact(m.group(1)))
        if compact(line).endswith("人民政府办公室"):
            headers.add(compact(line))
    return headers


# --------------------------------------------------------------------------- one record


class _MechanismParser:
    """A line state machine over one record: title → 责任部门 → 职责分工 → 具体流程 → 流程图."""

    def __init__(
        self,
        path: Path | str,
        lines: Sequence[str],
        mech: RawMechanism,
        begin: int,
        end: int,
        headers: set[str] | None = None,
    ) -> None:
        self.path = path
        self.headers = headers or set()
        self.lines = lines
        self.mech = mech
        self.begin = begin
        self.end = end
        self.state = "head"
        self.resp_part: str | None = None
        self.phase: str | None = None
        self.seen_sections: list[tuple[str, int]] = []
        self.materials_cells_started = False

    def pit(self, kind: PitfallKind, index: int, detail: str) -> None:
        self.mech.pitfalls.append(Pitfall(kind, index + 1, detail))

    def run(self) -> None:
        for i in range(self.begin, self.end):
            raw = self.lines[i]
            comment = _COMMENT_RE.search(raw)
            if comment:
                self.pit(PitfallKind.WORD_COMMENT, i, raw[comment.start() :].strip())
                raw = _COMMENT_RE.sub("", raw)
            if "<" in raw:  # leftover <p>/<ol> from a Word/HTML conversion
                raw = strip_markup(raw)
            if not raw.strip():
                continue
            if self.state != "materials" and PAGE_NUMBER.match(raw):
                self.pit(PitfallKind.PAGE_NUMBER, i, raw.strip())
                continue
            if compact(raw) in self.headers:
                self.pit(PitfallKind.PAGE_HEADER, i, compact(raw))
                continue
            if self._section_heading(raw, i):
                continue
            handler = getattr(self, f"_in_{self.state}")
            handler(raw, i)
        self._finish()

    # -- section switching -------------------------------------------------------------------

    def _section_heading(self, raw: str, i: int) -> bool:
        text = compact(raw)
        if self.state == "head" and (m := _RESP_RE.match(raw)):
            self.state = "resp"
            self.seen_sections.append(("责任部门", i))
            if m.group(2) != "责任部门":
                self.pit(PitfallKind.MISNAMED_SECTION, i, f"{text} stands for 一、责任部门")
            return True
        if self.state in ("head", "resp") and (m := _DUTIES_RE.match(raw)):
            self._check_number(m.group(1), 2, "职责分工", i)
            self.state = "duties"
            self.seen_sections.append(("职责分工", i))
            return True
        if self.state in ("resp", "duties") and (m := _STEPS_RE.match(raw)):
            self._check_number(m.group(1), 3, "具体流程", i)
            self.state = "steps"
            self.phase = None
            self.seen_sections.append(("具体流程", i))
            return True
        if self.state in ("steps", "materials") and (m := _MATERIALS_RE.match(raw)):
            self.state = "materials"
            self.pit(PitfallKind.MATERIALS_TABLE, i, "四、所需材料: a table of forms, kept as materials")
            if m.group(2).strip():
                self.mech.stray_nodes.append(RawFlowNode(compact(m.group(2)), i + 1))
            return True
        if self.state in ("steps", "materials") and _FLOW_TITLE_RE.search(text) and self._is_flow_title(text):
            self._start_flowchart(text, i)
            return True
        return False

    def _check_number(self, got: str, expected: int, name: str, i: int) -> None:
        value = chinese_number(got)
        if value != expected:
            self.pit(
                PitfallKind.MISNUMBERED_SECTION, i, f"{got}、{name} numbered {value}, expected {expected}"
            )

    @staticmethod
    def _is_flow_title(text: str) -> bool:
        head = text.split("流程图", 1)[0]
        return "。" not in head and len(head) < 50 and not _PAREN_LABEL_RE.match(text)

    def _start_flowchart(self, text: str, i: int) -> None:
        head, tail = text.split("流程图", 1)
        title = head + "流程图"
        if not title.startswith("永康市") and self.mech.steps:
            # The title's first half may have been read as the last paragraph of the last step.
            last = self.mech.steps[-1]
            body, _, tail_line = last.text.rpartition("\n")
            if tail_line.startswith("永康市") and not _ends_sentence(tail_line):
                last.text = body
                title = tail_line + title
                self.pit(PitfallKind.WRAPPED_FLOWCHART_TITLE, i, title)
        self.mech.flowchart_title = title
        self.mech.flowchart_line = i + 1
        self.state = "flow"
        if tail:
            self.pit(PitfallKind.GLUED_FLOWCHART_TITLE, i, f"{title} | {tail}")
            self.mech.flow_nodes.append(RawFlowNode(tail, i + 1))

    # -- per-section line handlers ---------------------------------------------------------

    def _in_head(self, raw: str, i: int) -> None:
        raise ParseError(self.path, i + 1, f"unexpected text before 责任部门 in mechanism {self.mech.number}")

    def _in_resp(self, raw: str, i: int) -> None:
        text = compact(raw)
        m = _PAREN_LABEL_RE.match(raw)
        if m and compact(m.group(2)) in ("牵头部门", "协同部门", "配合部门"):
            self.resp_part = "lead" if compact(m.group(2)) == "牵头部门" else "collab"
            return
        if (lm := _LEAD_SENTENCE_RE.search(text)) and self.resp_part is None:
            self.mech.lead.extend(split_names(lm.group(1)))
            self.pit(PitfallKind.LEAD_IN_SENTENCE, i, text)
            return
        if self.resp_part == "lead":
            self.mech.lead.extend(split_names(text))
        elif self.resp_part == "collab":
            self.mech.collaborators.extend(split_names(text))
        else:
            raise ParseError(self.path, i + 1, f"text under 责任部门 without 牵头/协同 heading: {text[:30]}")

    def _in_duties(self, raw: str, i: int) -> None:
        text = compact(raw)
        m = _PAREN_LABEL_RE.match(raw)
        if m and "。" not in m.group(2) and len(compact(m.group(2))) <= 30:
            self.mech.duties.append(RawDuty(department=compact(m.group(2)), line=i + 1))
            return
        if not self.mech.duties:
            raise ParseError(self.path, i + 1, f"duty text before any department heading: {text[:30]}")
        duty = self.mech.duties[-1]
        if rm := _RESPONSIBLE_RE.match(raw):
            duty.responsible_units.extend(split_names(rm.group(1)))
            return
        if nm := _NOTE_RE.match(raw):
            duty.notes.append(compact(nm.group(2)))
            return
        if im := _NUM_LABEL_RE.match(raw):
            # two text-box columns can put items side by side: "1．…宣传。      2．制定…"
            parts = split_numbered_clauses(raw.strip()) if im.group(1) == "1" else []
            if len(parts) > 1:
                self.pit(PitfallKind.ITEMS_ON_ONE_LINE, i, f"{len(parts)} numbered items on one line")
            for part in parts if len(parts) > 1 else [im.group(2)]:
                self._add_item(duty, compact(part), i)
            return
        if duty.items:
            duty.items[-1], wrapped = _join_wrapped(duty.items[-1], text)
            duty.item_lines[-1] = (duty.item_lines[-1][0], i + 1)
            if wrapped:
                self.pit(PitfallKind.WRAPPED_LINE, i, text[:20])
        else:
            self._add_item(duty, text, i)

    def _add_item(self, duty: RawDuty, text: str, i: int) -> None:
        """One duty item; a 责任机构 at the end of the item itself (…工作。责任机构：教育科) is its own."""
        units: list[str] = []
        if (pos := text.find("责任机构")) > 0 and (rm := _RESPONSIBLE_RE.match(text[pos:])):
            units = split_names(rm.group(1))
            text = text[:pos]
            self.pit(PitfallKind.INLINE_RESPONSIBLE_UNIT, i, "、".join(units))
        duty.items.append(text)
        duty.item_lines.append((i + 1, i + 1))
        duty.item_units.append(units)

    def _in_steps(self, raw: str, i: int) -> None:
        text = compact(raw)
        m = _PAREN_LABEL_RE.match(raw)
        if m:
            body = compact(m.group(2))
            label = f"（{m.group(1)}）"
            if body and "。" not in body and len(body) <= 8:
                # A phase heading such as （一）日常管理: numbered steps or a paragraph follow.
                self.phase = body
                self.mech.steps.append(RawStep(label=label, text="", line=i + 1, title=body, phase=body))
                return
            self.phase = None
            self.mech.steps.append(RawStep(label=label, text=body, line=i + 1, title=_step_title(body)))
            return
        n = _NUM_LABEL_RE.match(raw)
        if n and self.mech.steps is not None:
            body = compact(n.group(2))
            label = f"{n.group(1)}．"
            if self.phase and self.mech.steps and self.mech.steps[-1].text == "":
                self.mech.steps.pop()
            self.mech.steps.append(
                RawStep(label=label, text=body, line=i + 1, title=_step_title(body), phase=self.phase)
            )
            return
        if self.mech.steps and self.mech.steps[-1].text == "":
            # the paragraph under a phase heading （一）日常管理 starts on the next line
            self.mech.steps[-1].text = text
            self.mech.steps[-1].line = self.mech.steps[-1].end_line = i + 1
            return
        if not self.mech.steps:
            self.mech.steps.append(RawStep(label="", text=text, line=i + 1, phase=self.phase))
            return
        last = self.mech.steps[-1]
        last.text, wrapped = _join_wrapped(last.text, text)
        last.end_line = i + 1
        if wrapped:
            self.pit(PitfallKind.WRAPPED_LINE, i, text[:20])

    def _in_materials(self, raw: str, i: int) -> None:
        if raw.startswith("\t"):
            self.materials_cells_started = True
            cell = compact(raw)
            if cell:
                self.mech.materials.append(cell)
            return
        if self.materials_cells_started:
            if self.mech.materials:
                self.mech.materials[-1] += compact(raw)
            return
        self.mech.stray_nodes.append(RawFlowNode(compact(raw), i + 1))

    def _in_flow(self, raw: str, i: int) -> None:
        self.mech.flow_nodes.append(RawFlowNode(compact(raw), i + 1))

    # -- after the last line -----------------------------------------------------------------

    def _finish(self) -> None:
        mech = self.mech
        for name in ("责任部门", "职责分工", "具体流程"):
            if name not in [s for s, _ in self.seen_sections]:
                raise ParseError(self.path, mech.start_line, f"mechanism {mech.number}: no {name} section")
        mech.steps = [s for s in mech.steps if s.text]
        if mech.flowchart_title is None:
            self.pit(
                PitfallKind.MISSING_SECTION, mech.end_line - 1, "no 流程图 (flowchart) in this mechanism"
            )
        mech.flow_nodes = _join_node_fragments(mech, mech.flow_nodes)
        mech.stray_nodes = _join_node_fragments(mech, mech.stray_nodes)
        mech.flow_nodes = _dedupe_nodes(mech, mech.flow_nodes)
        if not mech.lead:
            raise ParseError(self.path, mech.start_line, f"mechanism {mech.number}: no lead department")


def _step_title(body: str) -> str | None:
    """`发现问题。因巡查…` has a short title before its first full stop."""
    head = body.split("。", 1)[0]
    return head if head != body and len(head) <= 8 else None


def _is_fragment_pair(previous: str, current: str) -> bool:
    """Two flowchart lines that are one box wrapped in the PDF (市级层面指挥 / 协调机制)."""
    if current.startswith(("（", "(")) and current.endswith(("）", ")")) and len(previous) <= 10:
        return not _ends_sentence(previous)
    return current in ("协调机制", "联审") and not _ends_sentence(previous) and len(previous) <= 8


def _join_node_fragments(mech: RawMechanism, nodes: list[RawFlowNode]) -> list[RawFlowNode]:
    out: list[RawFlowNode] = []
    vertical = False  # inside a run of one-character lines: a box with vertical text (市/教/育/局)
    for node in nodes:
        if len(node.text) == 1:
            if vertical:
                out[-1] = RawFlowNode(out[-1].text + node.text, out[-1].line)
            else:
                out.append(node)
                vertical = True
            continue
        if vertical:
            mech.pitfalls.append(Pitfall(PitfallKind.VERTICAL_FLOWCHART_TEXT, out[-1].line, out[-1].text))
        vertical = False
        if out and _is_fragment_pair(out[-1].text, node.text):
            mech.pitfalls.append(
                Pitfall(PitfallKind.WRAPPED_FLOWCHART_NODE, node.line, out[-1].text + "|" + node.text)
            )
            out[-1] = RawFlowNode(out[-1].text + node.text, out[-1].line)
        else:
            out.append(node)
    return out


def _dedupe_nodes(mech: RawMechanism, nodes: list[RawFlowNode]) -> list[RawFlowNode]:
    """Drop repeated boxes: a flowchart printed several times keeps its first copy."""
    seen: set[str] = set()
    out: list[RawFlowNode] = []
    dropped: list[RawFlowNode] = []
    for node in nodes:
        if node.text in seen:
            dropped.append(node)
            continue
        seen.add(node.text)
        out.append(node)
    # Only a repeat of (most of) the chart counts as a duplicated flowchart; a lone repeated box
    # such as 基层医疗卫生单位 drawn twice is a real second box and stays.
    if len(dropped) >= max(3, len(out) // 2):
        mech.dropped_nodes.extend(dropped)
        mech.pitfalls.append(
            Pitfall(
                PitfallKind.DUPLICATE_FLOWCHART,
                dropped[0].line,
                f"{len(dropped)} repeated boxes dropped "
                f"(the chart is printed {1 + round(len(dropped) / len(out))} times)",
            )
        )
        return out
    return nodes


def _resolve_stray_flowcharts(mechanisms: list[RawMechanism]) -> None:
    """Untitled boxes outside a flowchart: identify the mechanism whose chart they copy, then drop them."""
    for mech in mechanisms:
        if not mech.stray_nodes:
            continue
        stray = {n.text for n in mech.stray_nodes}
        best, overlap = None, 0
        for other in mechanisms:
            if other is mech:
                continue
            common = len(stray & {n.text for n in other.flow_nodes})
            if common > overlap:
                best, overlap = other, common
        if best is not None and overlap >= len(stray) * 0.7:
            mech.pitfalls.append(
                Pitfall(
                    PitfallKind.FOREIGN_FLOWCHART,
                    mech.stray_nodes[0].line,
                    f"{len(stray)} boxes copied from mechanism {best.number} ({best.title}) dropped",
                )
            )
            mech.dropped_nodes.extend(mech.stray_nodes)
        else:
            mech.flow_nodes = mech.stray_nodes + mech.flow_nodes
        mech.stray_nodes = []
