"""Walk a generated model along every path on the in-process engine, with the real job handlers.

A simulated clerk completes the user tasks and chooses each outcome of each decision the catalog
defines; the real handlers of ``xietong.workers.handlers`` (with a real SQLite case store and China's
working-day calendar) do every job; integrators' messages are published; the engine's clock is moved
past every deadline on the runs that let deadlines pass. Each run must end with the instance
COMPLETED and no incident. Coverage is the set of sequence flows the engine records as taken.

Runs: first one per outcome index (run i chooses outcome i of every decision and entry i), with
deadlines kept and then passed; then seeded random choices until every flow is covered or the
budget is spent. A decision visited again in the same run (a loop such as 退回补充材料) takes the
next outcome, so a loop is left on the second visit.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from xietong.catalog.model import Procedure, Step
from xietong.engine.commands import (
    ActivatedJob,
    ActivateJobs,
    CompleteJob,
    CompleteUserTask,
    CreateProcessInstance,
    Deploy,
    PublishMessage,
)
from xietong.engine.engine import Engine
from xietong.engine.testing import Harness
from xietong.generator.mapping import role_variable
from xietong.workers.calendar import WorkingDayCalendar
from xietong.workers.case_store import CaseStore
from xietong.workers.handlers import HANDLERS, JobContext, JobInputError

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "zeebe": "http://camunda.org/schema/zeebe/1.0"}
MAX_ROUNDS = 400


def worker_outputs(
    engine: Engine,
    job: ActivatedJob,
    store: CaseStore,
    calendar: WorkingDayCalendar,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What the workers' own handler for ``job`` returns, run in process on the engine's clock (with
    ``variables`` in place of the job's, where a walk chooses an outcome)."""
    context = JobContext(
        job.key, job.type, job.process_instance_key, job.bpmn_process_id, job.element_id,
        job.variables if variables is None else variables, job.custom_headers, store, calendar,
        engine.clock.now(),
    )  # fmt: skip
    return HANDLERS[job.type].handle(context)


class WalkError(AssertionError):
    """A run that did not end cleanly: an incident, a failed job, or an instance that got stuck."""


@dataclass
class ModelShape:
    """What the walker needs to know of a model's XML."""

    process_id: str
    flows: set[str]
    timer_starts: list[str]
    message_starts: dict[str, str]  # start event id -> message name
    messages: dict[str, tuple[str, str]]  # catch element id -> (message name, correlation FEEL)
    item_numbers: list[int]  # rows of a parameter table (泗阳's items), if the model has one


def model_shape(content: bytes) -> ModelShape:
    tree = etree.fromstring(content)
    process = tree.find("bpmn:process", NS)
    assert process is not None
    names = {m.get("id"): m for m in tree.iterfind("bpmn:message", NS)}

    def message_of(element: etree._Element) -> tuple[str, str]:
        definition = element.find(".//bpmn:messageEventDefinition", NS)
        ref = element.get("messageRef") or definition.get("messageRef")
        message = names[ref]
        subscription = message.find(".//zeebe:subscription", NS)
        key = subscription.get("correlationKey") if subscription is not None else "=caseId"
        return message.get("name"), key

    starts = [s for s in process.iterfind("bpmn:startEvent", NS)]
    messages = {}
    for element in process.iter():
        tag = etree.QName(element).localname
        if tag == "receiveTask" or (
            tag == "intermediateCatchEvent" and element.find("bpmn:messageEventDefinition", NS) is not None
        ):
            messages[element.get("id")] = message_of(element)
    return ModelShape(
        process_id=process.get("id"),
        flows={f.get("id") for f in process.iter(f"{{{NS['bpmn']}}}sequenceFlow")},
        timer_starts=[s.get("id") for s in starts if s.find("bpmn:timerEventDefinition", NS) is not None],
        message_starts={
            s.get("id"): message_of(s.find("bpmn:messageEventDefinition", NS))[0]
            for s in starts
            if s.find("bpmn:messageEventDefinition", NS) is not None
        },
        messages=messages,
        item_numbers=sorted({int(n) for n in re.findall(r"\{number: (\d+),", content.decode("utf-8"))}),
    )


def start_variables(procedure: Procedure, case_id: str) -> dict[str, Any]:
    """What an integrator passes when starting a case: the case id and a body for every role."""
    variables: dict[str, Any] = {"caseId": case_id}
    for actor in procedure.actors:
        if actor.role is not None:
            name = role_variable(actor.role)
            demo = f"{actor.label}（演示）"
            variables[name] = ["配合单位甲", "配合单位乙"] if name == "collaborators" else demo
    variables.setdefault("town", "属地乡镇（演示）")  # items whose collaborators include 属地乡镇（街道）
    return variables


@dataclass
class RunPlan:
    """One run's choices: outcome index per decision step, the entry, whether deadlines pass."""

    outcome_index: dict[str, int]
    entry: str
    pass_deadlines: bool
    greedy: bool = False  # prefer outcomes whose flows are still uncovered


@dataclass
class WalkReport:
    process_id: str
    flows: set[str]
    covered: set[str] = field(default_factory=set)
    runs: int = 0
    timers_fired: int = 0

    @property
    def uncovered(self) -> set[str]:
        return self.flows - self.covered

    def line(self) -> str:
        return (f"{self.process_id}: {len(self.covered & self.flows)}/{len(self.flows)} flows, "
                f"{self.runs} runs, {self.timers_fired} timers fired")


class Walker:
    """Runs one model's instances on an engine whose clock the walker owns."""

    def __init__(self, engine: Engine, store: CaseStore, procedure: Procedure, content: bytes,
                 name: str, forms: tuple[tuple[str, bytes], ...] = ()) -> None:
        self.engine = engine
        self.harness = Harness(engine)  # the instance's state and active elements, as tests read them
        self.store = store
        self.calendar = WorkingDayCalendar()
        self.procedure = procedure
        self.shape = model_shape(content)
        self.decisions: dict[str, Step] = {s.id: s for s in procedure.steps if s.decision is not None}
        # 提前N日 steps: the clerk gives a planned start in time, too late or none (mapping.lead_time_check)
        self.lead_times: dict[str, timedelta] = {
            s.id: timedelta(days=s.deadline.amount)
            for s in procedure.steps
            if s.deadline is not None and s.deadline.meaning.value == "lead_time"
        }
        self.entries = [e for e in procedure.entries]
        engine.execute(Deploy(((name, content), *forms)))  # its user tasks link forms of the deployment
        self.report = WalkReport(self.shape.process_id, self.shape.flows)
        self.count = 0

    # -- one run ---------------------------------------------------------------------------------

    def run(self, plan: RunPlan) -> int:
        self.count += 1
        variables = start_variables(self.procedure, f"W-{self.shape.process_id}-{self.count}")
        entry = next(e for e in self.entries if e.id == plan.entry)
        if entry.trigger == "timer":
            pi = self.start_by_timer(entry.id)
        elif entry.trigger == "message":
            pi = self.start_by_message(entry.id, variables)
        else:
            blank = [e for e in self.entries if e.trigger == "none"]
            if len(blank) > 1:
                variables["entry"] = entry.id
            numbers = self.shape.item_numbers
            if numbers and self.count % 2 == 0:  # every other run is one of the items, in turn
                variables["itemNumber"] = numbers[(self.count // 2) % len(numbers)]
            pi = self.engine.execute(
                CreateProcessInstance(bpmn_process_id=self.shape.process_id, variables=variables)
            ).process_instance_key
        visits: dict[str, int] = {}
        if "itemNumber" in variables and self.engine.queries.variables(pi).get("jointItem") is None:
            number = variables["itemNumber"]
            raise WalkError(f"{self.shape.process_id}: item {number} found no row (jointItem is null)")
        for _ in range(MAX_ROUNDS):
            self.check_incidents(pi)
            if self.harness.state(pi) == "COMPLETED":
                break
            if self.do_jobs(pi, plan, visits):
                continue
            if self.publish_messages(pi):
                continue
            if plan.pass_deadlines and self.pass_deadline(pi):
                continue
            if self.complete_user_tasks(pi, plan, visits):
                continue
            if self.pass_deadline(pi):  # only deadlines left (a timer the clerk cannot act on)
                continue
            raise WalkError(f"{self.shape.process_id}: run {self.count} is stuck at "
                            f"{self.harness.active_elements(pi)} with nothing to do")
        else:
            raise WalkError(f"{self.shape.process_id}: run {self.count} did not end in {MAX_ROUNDS} rounds")
        self.check_incidents(pi)
        closed = sum(
            1
            for r in self.engine.queries.records(pi)
            if r.intent == "ELEMENT_COMPLETED" and r.value.get("elementId") == "case_archive"
        )
        if closed > 1:  # two tokens reached the end: the case was closed (结案归档) twice
            raise WalkError(f"{self.shape.process_id}: run {self.count} closed the case {closed} times")
        self.report.runs += 1
        self.report.covered |= self.taken_flows(pi)
        return pi

    def codes(self, step_id: str) -> list[str]:
        if step_id in self.lead_times:
            return ["in_time", "late", "unknown"]
        decision = self.decisions[step_id].decision
        assert decision is not None
        return [o.code for o in decision.outcomes]

    def choose(self, step_id: str, plan: RunPlan, visits: dict[str, int]) -> str:
        codes = self.codes(step_id)
        visit = visits.get(step_id, 0)
        visits[step_id] = visit + 1
        if plan.greedy and visit == 0:  # an outcome whose flow no run has taken yet comes first
            fresh = [c for c in codes if f"Flow_{step_id}_decision_{c}" in self.report.uncovered]
            if fresh:
                return fresh[plan.outcome_index.get(step_id, 0) % len(fresh)]
        return codes[(plan.outcome_index.get(step_id, 0) + visit) % len(codes)]

    # -- engine interactions ---------------------------------------------------------------------

    def check_incidents(self, pi: int) -> None:
        incidents = self.engine.queries.search_incidents(process_instance_key=pi)
        if incidents:
            shown = "; ".join(f"{i.element_id}: {i.error_message}" for i in incidents)
            raise WalkError(f"{self.shape.process_id}: incident in run {self.count}: {shown}")

    def do_jobs(self, pi: int, plan: RunPlan, visits: dict[str, int]) -> bool:
        did = False
        for task_type in HANDLERS:
            for job in self.engine.execute(ActivateJobs(task_type, "walker", 60_000, 50)):
                if job.process_instance_key != pi:
                    continue  # an instance a timer start created while the clock moved: not this run's
                variables = dict(job.variables)
                if task_type == "xietong.triage" and job.element_id in self.decisions:
                    step = self.decisions[job.element_id]
                    assert step.decision is not None
                    variables[step.decision.variable] = self.choose(job.element_id, plan, visits)
                try:
                    outputs = worker_outputs(self.engine, job, self.store, self.calendar, variables)
                except JobInputError as error:
                    where = f"{self.shape.process_id}/{job.element_id}"
                    raise WalkError(f"{where}: the worker refused the job: {error}") from None
                self.engine.execute(CompleteJob(job.key, outputs))
                did = True
        return did

    def complete_user_tasks(self, pi: int, plan: RunPlan, visits: dict[str, int]) -> bool:
        tasks = self.engine.queries.search_user_tasks(state="CREATED", process_instance_key=pi)
        if not tasks:
            return False
        for task in tasks:
            variables: dict[str, Any] = {}
            step = self.decisions.get(task.element_id)
            if step is not None and step.decision is not None:
                variables[step.decision.variable] = self.choose(task.element_id, plan, visits)
            lead = self.lead_times.get(task.element_id)
            if lead is not None:
                when = self.choose(task.element_id, plan, visits)
                now = self.engine.clock.now()
                dates = {"in_time": now + lead + timedelta(days=1), "late": now + timedelta(days=1)}
                planned = dates.get(when)
                variables["plannedStart"] = planned.isoformat() if planned else None
            self.engine.execute(CompleteUserTask(task.user_task_key, variables))
        return True

    def publish_messages(self, pi: int) -> bool:
        waiting = [e for e in self.harness.active_elements(pi) if e in self.shape.messages]
        if not waiting:
            return False
        values = self.engine.queries.variables(pi)
        for element_id in waiting:
            name, key = self.shape.messages[element_id]
            correlation = values.get(key.lstrip("=").strip(), "")
            self.engine.execute(PublishMessage(name, str(correlation), 0))
        return True

    def open_timers(self, pi: int) -> list[int]:
        """Due times (ms) of this instance's waiting timers: created, not yet triggered or cancelled."""
        open_: dict[int, int] = {}
        for record in self.engine.queries.records(pi):
            if record.value_type != "TIMER":
                continue
            if record.intent == "CREATED":
                open_[record.key] = int(record.value.get("dueDate", 0))
            else:
                open_.pop(record.key, None)
        return sorted(open_.values())

    def pass_deadline(self, pi: int) -> bool:
        """Move the clock just past the next deadline of this instance, if it has one."""
        due = self.open_timers(pi)
        if not due:
            return False
        step = max(due[0] - self.engine.clock.now_ms(), 0) + 60_000
        self.engine.clock.add(timedelta(milliseconds=step))
        self.report.timers_fired += 1
        return True

    def start_by_timer(self, start_id: str) -> int:
        """Move the clock a day at a time until the recurring start creates an instance (at most a year)."""
        known = {p.process_instance_key for p in self.engine.queries.search_process_instances()}
        for _ in range(370):
            self.engine.clock.add(timedelta(days=1))
            fresh = [p for p in self.engine.queries.search_process_instances()
                     if p.process_instance_key not in known and p.bpmn_process_id == self.shape.process_id]
            if fresh:
                return fresh[0].process_instance_key
        raise WalkError(f"{self.shape.process_id}: the timer start {start_id} never fired")

    def start_by_message(self, start_id: str, variables: dict[str, Any]) -> int:
        known = {p.process_instance_key for p in self.engine.queries.search_process_instances()}
        name = self.shape.message_starts[start_id]
        self.engine.execute(PublishMessage(name, variables["caseId"], 0, variables=variables))
        fresh = [p for p in self.engine.queries.search_process_instances()
                 if p.process_instance_key not in known and p.bpmn_process_id == self.shape.process_id]
        if not fresh:
            raise WalkError(f"{self.shape.process_id}: the message {name!r} started no instance")
        return fresh[0].process_instance_key

    def taken_flows(self, pi: int) -> set[str]:
        return {
            r.value.get("elementId", "")
            for r in self.engine.queries.records(pi)
            if r.intent == "SEQUENCE_FLOW_TAKEN"
        }

    # -- all runs --------------------------------------------------------------------------------

    def walk(self, random_runs: int = 40, seed: int = 14) -> WalkReport:
        widths = [len(self.codes(s)) for s in [*self.decisions, *self.lead_times]]
        n = max([*widths, len(self.entries), 1])
        for pass_deadlines in (False, True):
            for i in range(n):
                self.run(self.plan(lambda k, i=i: i % k, i % len(self.entries), pass_deadlines))
        rng = random.Random(seed)
        for r in range(random_runs):
            if not self.report.uncovered:
                break
            plan = self.plan(lambda k: rng.randrange(k), rng.randrange(len(self.entries)), r % 2 == 1)
            plan.greedy = True
            self.run(plan)
        return self.report

    def plan(self, pick: Any, entry_index: int, pass_deadlines: bool) -> RunPlan:
        indexes = {step_id: pick(len(self.codes(step_id))) for step_id in [*self.decisions, *self.lead_times]}
        return RunPlan(indexes, self.entries[entry_index].id, pass_deadlines)


def forms_beside(model: Path) -> tuple[tuple[str, bytes], ...]:
    """The generated forms of the model's jurisdiction (bpmn/<jurisdiction>/forms/), deployed with it."""
    return tuple((f.name, f.read_bytes()) for f in sorted((model.parent / "forms").glob("*.form")))


def walk_model(path: Path, procedure: Procedure, engine: Engine, store: CaseStore) -> WalkReport:
    return Walker(engine, store, procedure, path.read_bytes(), path.name, forms_beside(path)).walk()
