"""A small builder for procedure graphs, so each 永康 shape reads like its 具体流程.

Templates name the 具体流程 paragraph a step comes from by a key phrase (never by position), and the
clause that carries its time limit by another key phrase; the builder quotes that paragraph, reads
the limit from that clause with the shared text utilities, and checks the finished graph with the
catalog model's own validators. `Mentions` finds registry departments inside running text (移交市场
监管局开展执法处置 → market_regulation), which is how templates read their parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from xietong.catalog.importers.text import policy_deadline, text_deadline, vague_term
from xietong.catalog.importers.yongkang_parse import SOURCE_NAME, RawFlowNode, RawMechanism, RawStep
from xietong.catalog.model import (
    END,
    Actor,
    Deadline,
    Decision,
    Entry,
    Escalation,
    Outcome,
    Policy,
    Procedure,
    RecurrenceRule,
    Role,
    SourceRef,
    Step,
    StepKind,
    Transition,
)

_CLAUSE_ENDS = "，。；;！？"


def find_clauses(text: str, key: str) -> list[str]:
    """Every clause (between ，。；) of `text` containing `key`, with its closing punctuation."""
    text = text.replace("\n", "")
    found: list[str] = []
    pos = text.find(key)
    while pos >= 0:
        start = max(text.rfind(ch, 0, pos) for ch in _CLAUSE_ENDS) + 1
        ends = [i for i in (text.find(ch, pos + len(key)) for ch in _CLAUSE_ENDS) if i >= 0]
        end = min(ends) + 1 if ends else len(text)
        clause = text[start:end].strip()
        if clause not in found:
            found.append(clause)
        pos = text.find(key, end)
    return found


def find_clause(text: str, key: str) -> str | None:
    """The first clause of `text` containing `key`, or None."""
    clauses = find_clauses(text, key)
    return clauses[0] if clauses else None


@dataclass
class _StepDraft:
    id: str
    kind: StepKind
    name: str
    actor: str
    human: bool = True
    multi: bool = False
    src: RawStep | None = None
    deadline: Deadline | None = None
    escalate_to: list[str] = field(default_factory=list)
    next: list[Transition] = field(default_factory=list)
    decision: Decision | None = None
    join: str = "any"


class GraphBuilder:
    """Collects actors, entries and steps for one mechanism, then builds a validated Procedure."""

    def __init__(
        self,
        raw: RawMechanism,
        template: str,
        description: str,
        policies: Sequence[Policy] = (),
        lead_department: str | None = None,
    ) -> None:
        self.raw = raw
        self.lead_department = lead_department or raw.lead[0]
        self.template = template
        self.description = description
        self.policies = list(policies)
        self.actors: dict[str, Actor] = {}
        self.entries: list[Entry] = []
        self.steps: dict[str, _StepDraft] = {}
        self.problems: list[str] = []

    # -- actors ------------------------------------------------------------------------------

    def dept(self, actor_id: str, department: str, label: str | None = None) -> str:
        if actor_id not in self.actors:
            self.actors[actor_id] = Actor(id=actor_id, label=label or department, department=department)
        return actor_id

    def role(self, actor_id: str, role: Role, label: str) -> str:
        if actor_id not in self.actors:
            self.actors[actor_id] = Actor(id=actor_id, label=label, role=role)
        return actor_id

    def lead(self) -> str:
        return self.dept("lead", self.lead_department, self.raw.lead[0])

    def town(self, label: str = "镇（街道、区）", actor_id: str = "town") -> str:
        return self.role(actor_id, Role.territorial_town, label)

    def collaborators(self, label: str = "协同部门") -> str:
        return self.role("collaborators", Role.collaborating_units, label)

    # -- sources -----------------------------------------------------------------------------

    def src(self, *keys: str) -> RawStep | None:
        """The first 具体流程 paragraph containing every key phrase (None, noted, if there is none)."""
        for step in self.raw.steps:
            if all(k in step.text for k in keys):
                return step
        self.problems.append(f"no 具体流程 paragraph contains {' + '.join(keys)}")
        return None

    def src_any(self, *alternatives: str) -> RawStep | None:
        """The first paragraph containing the first alternative that occurs anywhere."""
        for key in alternatives:
            for step in self.raw.steps:
                if key in step.text:
                    return step
        self.problems.append(f"no 具体流程 paragraph contains any of {', '.join(alternatives)}")
        return None

    def flow_src(self, node: RawFlowNode) -> RawStep:
        """A flowchart box used as a step's source, where the 具体流程 is silent about the step."""
        return RawStep(label="流程图", text=node.text, line=node.line)

    def source_of(self, step: RawStep) -> SourceRef:
        return SourceRef(document=SOURCE_NAME, line_start=step.line, line_end=step.end_line)

    # -- steps and edges ---------------------------------------------------------------------

    def step(
        self,
        step_id: str,
        kind: StepKind,
        name: str,
        actor: str,
        src: RawStep | None = None,
        *,
        limit: str | None = None,
        escalate_to: Sequence[str] = (),
        human: bool = True,
        multi: bool = False,
    ) -> str:
        """Add a step; `limit` is the key phrase of the clause in `src` that bounds the step's time.

        A paragraph without that phrase simply gives no deadline: the same template serves
        mechanisms that say 立即上报 and ones that just say 上报.
        """
        if step_id in self.steps:
            raise ValueError(f"{self.raw.number}: duplicate step id {step_id}")
        draft = _StepDraft(step_id, kind, name, actor, human=human, multi=multi, src=src)
        if limit is not None and src is not None:
            clause = find_clause(src.text, limit)
            if clause is not None:
                draft.deadline = self._deadline(clause, src, kind)
                if draft.deadline is not None and escalate_to:
                    draft.escalate_to = list(escalate_to)
        self.steps[step_id] = draft
        return step_id

    def _deadline(self, clause: str, src: RawStep, kind: StepKind | None = None) -> Deadline | None:
        explicit = text_deadline(clause, self.source_of(src), quote=clause)
        if explicit is not None:
            return explicit
        policy = vague_term(clause, self.policies, kind)
        return policy_deadline(policy) if policy is not None else None

    def go(self, *ids: str, label: str | None = None) -> None:
        """A chain of plain edges a → b → c (END allowed last)."""
        for a, b in pairwise(ids):
            self.steps[a].next.append(Transition(to=b, label=label if b == END else None))

    def end(self, step_id: str, label: str) -> None:
        self.steps[step_id].next.append(Transition(to=END, label=label))

    def fork(self, step_id: str, targets: Sequence[str]) -> None:
        """All targets run in parallel after the step."""
        for t in targets:
            self.steps[step_id].next.append(Transition(to=t))

    def join_all(self, step_id: str) -> None:
        self.steps[step_id].join = "all"

    def decide(self, step_id: str, question: str, *outcomes: tuple[str, str, str]) -> None:
        """(code, document wording, target) per outcome; target may be END."""
        draft = self.steps[step_id]
        draft.decision = Decision(
            question=question, outcomes=[Outcome(code=c, label=lab) for c, lab, _ in outcomes]
        )
        draft.next = [Transition(to=t, outcome=c, label=lab if t == END else None) for c, lab, t in outcomes]

    def entry(
        self,
        entry_id: str,
        name: str,
        to: str,
        src: RawStep | None = None,
        *,
        yearly: bool = False,
        message: str | None = None,
    ) -> None:
        recurrence = RecurrenceRule(every=1, period="year", iso8601="R/P1Y") if yearly else None
        self.entries.append(
            Entry(
                id=f"start_{entry_id}",
                name=name,
                to=to,
                trigger="timer" if yearly else ("message" if message else "none"),
                message=message,
                recurrence=recurrence,
                source=self.source_of(src) if src is not None else None,
                quote=src.text if src is not None else None,
            )
        )

    # -- result ------------------------------------------------------------------------------

    def build(self) -> Procedure:
        steps = []
        for d in self.steps.values():
            if not d.next:
                raise ValueError(f"mechanism {self.raw.number}: step {d.id} has no outgoing edge")
            steps.append(
                Step(
                    id=d.id,
                    kind=d.kind,
                    name=d.name,
                    actor=d.actor,
                    human=d.human,
                    next=d.next,
                    join=d.join,  # type: ignore[arg-type]
                    decision=d.decision,
                    deadline=d.deadline,
                    escalation=Escalation(
                        chain=d.escalate_to,
                        interrupting=False,
                        note="督办: the step goes on; the supervising body is reminded.",
                    )
                    if d.escalate_to
                    else None,
                    multi_instance_over_collaborators=d.multi,
                    source=self.source_of(d.src) if d.src is not None else None,
                    quote=d.src.text if d.src is not None else None,
                )
            )
        used = {st.actor for st in steps} | {a for st in steps if st.escalation for a in st.escalation.chain}
        return Procedure(
            template=self.template,
            description=self.description,
            actors=[a for a in self.actors.values() if a.id in used],
            entries=self.entries,
            steps=steps,
        )


@dataclass(frozen=True)
class Spelling:
    """One way the document writes a registry department (市经信局, 经信局 …)."""

    text: str
    department_id: str
    name: str


class Mentions:
    """Finds registry departments named inside running text (longest spelling first, no overlaps)."""

    def __init__(self, spellings: Sequence[Spelling]) -> None:
        self.spellings = sorted(spellings, key=lambda s: -len(s.text))

    def __call__(self, text: str) -> list[Spelling]:
        found: list[tuple[int, Spelling]] = []
        taken = [False] * len(text)
        for sp in self.spellings:
            for m in re.finditer(re.escape(sp.text), text):
                if any(taken[m.start() : m.end()]):
                    continue
                for i in range(m.start(), m.end()):
                    taken[i] = True
                found.append((m.start(), sp))
        seen: set[str] = set()
        out = []
        for _, sp in sorted(found, key=lambda x: x[0]):
            if sp.department_id not in seen:
                seen.add(sp.department_id)
                out.append(sp)
        return out


@dataclass
class Ctx:
    """What a template reads: the parsed mechanism, the registry's spellings, the lead's id."""

    raw: RawMechanism
    mentions: Mentions
    lead_id: str

    def flow(self, *phrases: str) -> bool:
        """Whether some flowchart box contains all the phrases."""
        return any(all(p in n.text for p in phrases) for n in self.raw.flow_nodes)

    def opens_with_lead(self, step: RawStep) -> bool:
        """Whether the paragraph (after its short title, if any) starts with the lead's name."""
        body = step.text.split("。", 1)[1] if step.title else step.text
        spellings = [s.text for s in self.mentions.spellings if s.department_id == self.lead_id]
        return any(body.startswith(sp) for sp in spellings)

    def text(self, *phrases: str) -> bool:
        """Whether the 具体流程 contains all the phrases."""
        return all(p in self.raw.steps_text for p in phrases)

    def named_in(self, step: RawStep | None, key: str, exclude: Sequence[str] = ()) -> list[Spelling]:
        """Departments named in the first clause of `step` that contains `key` and names any (lead excluded).

        A paragraph's own title (移交执法。…) contains the key word but no department: it is skipped.
        """
        if step is None:
            return []
        for clause in find_clauses(step.text, key):
            named = [s for s in self.mentions(clause) if s.department_id not in (self.lead_id, *exclude)]
            if named:
                return named
        return []


Template = Callable[[GraphBuilder, Ctx], None]
