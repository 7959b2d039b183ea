"""A small builder for hand-judged procedures whose every step quotes its sentence.

Importers of prose documents (武义, 峨山) describe each mechanism as a few lines of
``b.step(...)``; the builder fills in source references and quotes from the located sentences and
leaves validation to the model (dangling edges, unreachable steps) so mistakes surface at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from xietong.catalog.importers.prose import Locator, Sentence
from xietong.catalog.model import (
    END,
    Actor,
    Deadline,
    Decision,
    Entry,
    Escalation,
    MessageWait,
    Outcome,
    Procedure,
    RecurrenceRule,
    Role,
    Step,
    StepKind,
    Transition,
)


@dataclass
class ProcedureBuilder:
    """Collects actors, entries and steps; ``build()`` validates the graph."""

    loc: Locator
    template: str
    description: str
    actors: list[Actor] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    used: list[Sentence] = field(default_factory=list)

    def _src(self, sentence: Sentence | None) -> dict:
        if sentence is None:
            return {}
        if sentence not in self.used:
            self.used.append(sentence)
        return {"source": sentence.source(self.loc.document), "quote": sentence.text}

    def department(self, actor_id: str, label: str, department: str) -> None:
        self.actors.append(Actor(id=actor_id, label=label, department=department))

    def role(self, actor_id: str, label: str, role: Role) -> None:
        self.actors.append(Actor(id=actor_id, label=label, role=role))

    def entry(self, entry_id: str, name: str, to: str, sentence: Sentence | None, *,
              message: str | None = None, recurrence: RecurrenceRule | None = None) -> None:
        trigger: Literal["none", "message", "timer"] = (
            "message" if message else "timer" if recurrence else "none"
        )
        self.entries.append(Entry(id=entry_id, name=name, to=to, trigger=trigger, message=message,
                                  recurrence=recurrence, **self._src(sentence)))

    def step(
        self,
        step_id: str,
        kind: StepKind,
        name: str,
        actor: str,
        sentence: Sentence | None,
        to: str | list[str] = END,
        *,
        end_label: str | None = None,
        deadline: Deadline | None = None,
        escalate_to: list[str] | None = None,
        interrupting: bool = False,
        human: bool = True,
        each_collaborator: bool = False,
        awaits: MessageWait | None = None,
        join_all: bool = False,
    ) -> None:
        targets = [to] if isinstance(to, str) else to
        self.steps.append(Step(
            id=step_id, kind=kind, name=name, actor=actor, human=human,
            next=[Transition(to=t, label=end_label if t == END else None) for t in targets],
            deadline=deadline,
            escalation=Escalation(chain=escalate_to, interrupting=interrupting) if escalate_to else None,
            multi_instance_over_collaborators=each_collaborator, awaits_message=awaits,
            join="all" if join_all else "any", **self._src(sentence),
        ))

    def decide(
        self,
        step_id: str,
        kind: StepKind,
        name: str,
        actor: str,
        sentence: Sentence | None,
        question: str,
        outcomes: list[tuple[str, str, str]],
        *,
        deadline: Deadline | None = None,
        escalate_to: list[str] | None = None,
    ) -> None:
        """A step with a decision; outcomes are (code, label, target step or END)."""
        self.steps.append(Step(
            id=step_id, kind=kind, name=name, actor=actor,
            decision=Decision(question=question, outcomes=[Outcome(code=c, label=lb) for c, lb,
                                                           _ in outcomes]),
            next=[Transition(to=t, outcome=c, label=lb) for c, lb, t in outcomes],
            deadline=deadline,
            escalation=Escalation(chain=escalate_to) if escalate_to else None,
            **self._src(sentence),
        ))

    def build(self) -> Procedure:
        return Procedure(template=self.template, description=self.description, actors=self.actors,
                         entries=self.entries, steps=self.steps)

    def steps_text(self) -> list[str]:
        """The quoted sentences in document order, for Mechanism.steps_text."""
        return [s.text for s in sorted(self.used, key=lambda s: s.first)]
