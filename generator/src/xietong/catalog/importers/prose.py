"""Reading policy prose (武义, 峨山): sentences with exact line ranges, found by their wording.

These documents describe procedures in running text. The procedure graph is a judgement, but
every step must point at the sentence it comes from, and every time limit must be the one the
sentence states; so importers locate sentences by the words that define them (never by line
number) and report any sentence they cannot find instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from xietong.catalog.importers.base import ImportResult
from xietong.catalog.importers.text import Line, deadline_for, parse_numbering, policy_deadline
from xietong.catalog.model import Deadline, Policy, SourceRef


@dataclass(frozen=True)
class Sentence:
    """One sentence (ended by 。; semicolons stay inside) with the lines it spans."""

    text: str
    first: int
    last: int

    def source(self, document: str) -> SourceRef:
        return SourceRef(document=document, line_start=self.first, line_end=self.last)


def sentences(lines: Sequence[Line]) -> list[Sentence]:
    """Split a document into sentences across wrapped lines, each with its exact line span.

    A numbered heading line (一、 / （三） / 1.) always starts a new sentence, even when the
    previous line did not end with punctuation, so headings never glue onto the text before.
    """
    found: list[Sentence] = []
    buf = ""
    first = last = 0

    def flush() -> None:
        nonlocal buf
        text = buf.strip()
        if text:
            previous = found[-1] if found else None
            if previous is not None and previous.last == first and _is_run_in_heading(previous.text):
                # "2. 专项启动机制。针对…": a run-in heading belongs to the sentence it introduces.
                found[-1] = Sentence(previous.text + text, previous.first, last)
            else:
                found.append(Sentence(text, first, last))
        buf = ""

    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        heading = parse_numbering(text) is not None or re.match(r"^附件\s*\d", text)
        if heading:
            flush()
        if heading and "。" not in text and len(text) <= 30:
            # "(五)严格落实首问责任制" on its own line: a heading, never glued to the body below.
            buf, first, last = text, line.number, line.number
            flush()
            continue
        for piece in re.split(r"(?<=。)", text):
            if not piece:
                continue
            if not buf:
                first = line.number
            buf += piece
            last = line.number
            if piece[-1] == "。":
                flush()
    flush()
    return found


def _is_run_in_heading(text: str) -> bool:
    numbered = parse_numbering(text)
    return numbered is not None and len(numbered.rest) <= 16 and text.endswith("。")


class Locator:
    """Finds sentences by their words, remembering what was used and warning on what is missing."""

    def __init__(self, document: str, found: list[Sentence], result: ImportResult,
                 policies: Sequence[Policy] = ()) -> None:
        self.document = document
        self.sentences = found
        self.result = result
        self.policies = {p.name: p for p in policies}
        self.policy_list = list(policies)
        self.missing = 0

    def find(self, *words: str, after: Sentence | None = None) -> Sentence | None:
        """The first sentence containing all ``words`` (after ``after`` if given)."""
        start = self.sentences.index(after) + 1 if after is not None else 0
        for sentence in self.sentences[start:]:
            compact = re.sub(r"\s+", "", sentence.text)
            if all(w in compact for w in words):
                return sentence
        self.missing += 1
        self.result.warn(None, f"no sentence containing {' + '.join(words)}")
        return None

    def source(self, *found: Sentence) -> SourceRef:
        return SourceRef(document=self.document, line_start=min(s.first for s in found),
                         line_end=max(s.last for s in found))

    def deadline(self, sentence: Sentence, clause: str | None = None) -> Deadline | None:
        """The deadline stated in the sentence (or one clause of it), or its vague term's policy."""
        text = clause if clause is not None else sentence.text
        return deadline_for(text, sentence.source(self.document), self.policy_list, quote=sentence.text)

    def policy(self, name: str) -> Deadline | None:
        """A named policy default (None, with a warning, if config/policy.yaml lacks it)."""
        policy = self.policies.get(name)
        if policy is None:
            self.result.warn(None, f"policy {name!r} is not defined; the step gets no deadline")
            return None
        return policy_deadline(policy)
