"""Traceability: a mechanism's source clauses side by side with the steps that implement them.

A county official comparing a model with their document must find each clause of the document in
it. The clauses are the mechanism's 具体流程 (``steps_text``; for the prose documents of 泗阳, 武义
and 峨山, the whole cited passage) cut at 。 and ；, numbered headings
(``1. 案件移送主体。``) left out. A clause is implemented when an entry, step or deadline quotes it,
or shares with its quote a run of text at least :data:`MIN_SHARED` characters long (or two fifths
of the clause, whichever is longer; spacing ignored), or when a reviewer's note starting
``Reviewed decision:`` quotes part of it and says why it is not a step. Anything else is flagged,
so ``xietong catalog show ID --source`` is the review worklist.

A step that quotes a whole paragraph implements every clause of it by this measure: the view shows
which steps quote a clause, and a reviewer judges whether the step really does what it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from xietong.catalog.model import Mechanism, MechanismKind

MIN_FRAGMENT = 6
MIN_SHARED = 10
_NUMBERING = re.compile(r"^[（(]?[0-9一二三四五六七八九十]+[）)．.、]\s*")
DECISION_PREFIX = "Reviewed decision:"
_CLAUSE_END = re.compile(r"(?<=[。；;])")
_FRAGMENT_SPLIT = re.compile(r"[，,。；;：:、（）()“”\"'《》\s]+")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fragments(text: str) -> list[str]:
    return [f for f in _FRAGMENT_SPLIT.split(text) if len(f) >= MIN_FRAGMENT]


def clauses(mech: Mechanism, passage: list[str] | None = None) -> list[str]:
    """The mechanism's 具体流程 cut into clauses (at 。 and ；), numbering and blanks dropped.

    ``passage``: the cited lines of the source document; a prose procedure (not a 永康 mechanism,
    whose 具体流程 is its own section) is read clause by clause from them.
    """
    out: list[str] = []
    if mech.kind is MechanismKind.joint_enforcement_item:
        return out  # a row of a table (title, lead, collaborators): parameters of the shared flow, no clauses
    prose = passage is not None and mech.kind is not MechanismKind.territorial_coordination
    paragraphs = [line for line in passage if line.strip()] if prose and passage else mech.steps_text
    for paragraph in paragraphs:
        for piece in _CLAUSE_END.split(paragraph):
            piece = piece.strip()
            body = _plain(_NUMBERING.sub("", piece))
            numbered = body != _plain(piece)
            # a heading (1. 案件移送主体。, （一）关于…) or a flowchart box or table title: no sentence
            heading = (numbered and len(body) <= 14 and body.endswith("。")) or (
                not body.endswith(("。", "；", ";")) and len(body) < 30
            )
            if len(body) >= MIN_FRAGMENT and not heading:
                out.append(piece)
    return out


def _shares(clause: str, quote: str) -> bool:
    if clause in quote or quote in clause:
        return True
    match = SequenceMatcher(None, clause, quote, autojunk=False).find_longest_match()
    return match.size >= max(MIN_SHARED, int(len(clause) * 0.4))


@dataclass
class ClauseTrace:
    """One clause and what implements it: step/entry ids, or the reviewed decision that explains it."""

    clause: str
    implemented_by: list[str] = field(default_factory=list)
    decision: str | None = None

    @property
    def flagged(self) -> bool:
        return not self.implemented_by and self.decision is None


def _quotes(mech: Mechanism) -> list[tuple[str, str]]:
    """(what, quoted text) for every entry, step and deadline that quotes the document."""
    assert mech.procedure is not None
    found = [(f"entry {e.id}", e.quote) for e in mech.procedure.entries if e.quote]
    for step in mech.procedure.steps:
        if step.quote:
            found.append((f"step {step.id}", step.quote))
        deadline = step.deadline
        if deadline is not None:
            for variant, label in ((deadline, "deadline"), (deadline.urgent_variant, "urgent deadline")):
                if variant is not None and variant.quote:
                    found.append((f"{label} of {step.id}", variant.quote))
    return [(what, _plain(text)) for what, text in found]


def passage_lines(mech: Mechanism, sources_dir: Path) -> list[str] | None:
    """The lines of the source document the mechanism cites (None if the document is not there)."""
    path = sources_dir / mech.source.document
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").split("\n")
    return lines[mech.source.line_start - 1:mech.source.line_end]


def trace(mech: Mechanism, passage: list[str] | None = None) -> list[ClauseTrace]:
    """Each clause with the elements whose quote shares a run of text with it."""
    quotes = _quotes(mech)
    decisions = [n for n in mech.notes if n.startswith(DECISION_PREFIX)]
    traces = []
    for clause in clauses(mech, passage):
        plain = _plain(clause)
        fragments = _fragments(_NUMBERING.sub("", clause))
        item = ClauseTrace(clause)
        item.implemented_by = [what for what, quote in quotes if _shares(plain, quote)]
        if not item.implemented_by:
            item.decision = next((d for d in decisions if any(f in _plain(d) for f in fragments)), None)
        traces.append(item)
    return traces


def trace_text(mech: Mechanism, passage: list[str] | None = None) -> str:
    """The side-by-side view printed by ``xietong catalog show ID --source``."""
    src = mech.source
    lines = [f"{mech.id}  {mech.title}  ({src.document} 第{src.line_start}–{src.line_end}行)"]
    traces = trace(mech, passage)
    for number, item in enumerate(traces, start=1):
        if item.implemented_by:
            mark, by = "✓", ", ".join(dict.fromkeys(item.implemented_by))
        elif item.decision is not None:
            mark, by = "◇", item.decision
        else:
            mark, by = "✗", "未实现：没有步骤、分支或时限引用此条（UNIMPLEMENTED）"
        lines.append(f"{mark} {number:>2}. {item.clause}")
        lines.append(f"       → {by}")
    flagged = sum(1 for t in traces if t.flagged)
    done = len(traces) - flagged
    lines.append(f"{len(traces)} clauses: {done} implemented or decided, {flagged} unimplemented")
    return "\n".join(lines)
