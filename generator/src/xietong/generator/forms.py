"""A Camunda Form (form-js JSON) for every human step, linked with ``zeebe:formDefinition formId``.

What a form asks is read from the model the writer is about to write, so the form and the model
cannot drift apart: a user task whose flow reaches an exclusive gateway whose conditions test
``=<variable> = "<code>"`` gets a required choice of exactly those codes, labelled with the flows'
names (the catalog's Chinese outcome labels), plus an optional opinion; a multi-instance task whose
instances are collected (``outputElement="=result"``) asks for that result; any other task asks for
a required opinion. Every form opens with the case as read-only text (case id, matter, applicant,
the clause of the source document the step implements), filled from variables the task maps in
(``caseMatter``, ``sourceClause``), so that tasks with the same fields share one form.

Forms are written as Camunda Modeler 5.40 (the first to mark Camunda 8.8 stable, with form-js 1.17)
writes them: ``schemaVersion`` 19, ``executionPlatform`` "Camunda Cloud" 8.8.0, a layout row for
every component (form-js adds one on import, so a form opened and saved unchanged stays unchanged).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xietong.generator.fingerprint import Changes, compare
from xietong.generator.mapping import MappingInput, feel_string
from xietong.generator.spec import Flow, Node, NodeKind, ProcessBody, ProcessSpec

SCHEMA_VERSION = 19  # @bpmn-io/form-js 1.17.0 (Camunda Modeler 5.40, Camunda 8.8)
EXECUTION_PLATFORM = "Camunda Cloud"
EXECUTION_PLATFORM_VERSION = "8.8.0"
EXPORTER = {"name": "xietong", "version": "1"}
FINGERPRINT_KEY = "xietong:fingerprint"  # kept by Modeler (form-js exports unknown root keys as they are)
FORMS_DIR = "forms"
MATTER_VARIABLE = "caseMatter"
CLAUSE_VARIABLE = "sourceClause"
RADIO_AT_MOST = 5  # more choices than this: a dropdown

_CONDITION = re.compile(r'^=\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"\\]*)"\s*$')
_OUTPUT_ELEMENT = re.compile(r"^=\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")

CASE_HEADER = (
    "#### 案件信息\n\n"
    "**案件编号：** {{caseId}}\n\n"
    "**事项：** {{caseMatter}}\n\n"
    "{{#if applicant}}**申请人：** {{applicant}}{{/if}}\n\n"
    "{{#if sourceClause}}**本步骤依据：** {{sourceClause}}{{/if}}"
)


class FormError(ValueError):
    """A user task whose form cannot be derived from the model; names the process and the task."""


@dataclass(frozen=True)
class Choice:
    value: str  # the outcome code the gateway's condition tests
    label: str  # the flow's name: the catalog's Chinese label


@dataclass(frozen=True)
class Decision:
    variable: str
    question: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class FormFields:
    """What distinguishes one form from another: tasks with equal fields share a form."""

    decision: Decision | None
    text_key: str
    text_label: str
    text_required: bool


@dataclass
class GeneratedForm:
    form_id: str
    jurisdiction: str
    fields: FormFields
    used_by: list[str] = field(default_factory=list)  # "process_id/task_id"

    @property
    def path(self) -> str:
        """Relative to bpmn/, beside the models it belongs to."""
        return f"{self.jurisdiction}/{FORMS_DIR}/{self.form_id}.form"

    def schema(self) -> dict:
        return form_schema(self.form_id, self.fields)

    def content(self) -> bytes:
        return form_bytes(self.schema())


# -- reading the model ---------------------------------------------------------------------------


def _bodies(body: ProcessBody, parent: Node | None = None) -> Iterator[tuple[ProcessBody, Node | None]]:
    yield body, parent
    for node in body.nodes:
        if node.children is not None:
            yield from _bodies(node.children, node)


def user_tasks(spec: ProcessSpec) -> Iterator[tuple[Node, ProcessBody, Node | None]]:
    """Every user task with the body it is in and that body's sub-process (None at the top)."""
    for body, parent in _bodies(spec.body):
        for node in body.nodes:
            if node.kind is NodeKind.USER_TASK:
                yield node, body, parent


class _Graph:
    """Outgoing flows per element over every body, and the sub-process each body belongs to."""

    def __init__(self, spec: ProcessSpec) -> None:
        self.nodes: dict[str, Node] = {}
        self.outgoing: dict[str, list[Flow]] = {}
        self.parent_of: dict[str, Node | None] = {}
        for body, parent in _bodies(spec.body):
            for node in body.nodes:
                self.nodes[node.id] = node
                self.parent_of[node.id] = parent
            for flow in body.flows:
                self.outgoing.setdefault(flow.source, []).append(flow)

    def decision_after(self, task: Node, process_id: str) -> Decision | None:
        """The decision the task's completion feeds: the first gateway with conditions reached through
        merges (exclusive gateways with one way out) and sub-process ends; None when the way reaches
        anything else first (a service task, a parallel split, another user task)."""
        seen: set[str] = set()
        current = task
        while True:
            flows = self.outgoing.get(current.id, [])
            if not flows and current.kind is NodeKind.END:
                parent = self.parent_of.get(current.id)
                if parent is None:
                    return None
                current = parent  # the sub-process completes: follow its way out
                continue
            if len(flows) != 1:
                return None
            target = self.nodes[flows[0].target]
            if target.id in seen:
                return None
            seen.add(target.id)
            if target.kind is NodeKind.END:
                current = target
                continue
            if target.kind is not NodeKind.EXCLUSIVE_GATEWAY:
                return None
            out = self.outgoing.get(target.id, [])
            conditioned = [f for f in out if f.condition is not None]
            if not conditioned:
                current = target  # a merge
                continue
            return _decision(target, conditioned, process_id, task.id)


def _decision(gateway: Node, flows: list[Flow], process_id: str, task_id: str) -> Decision:
    variables: set[str] = set()
    choices: list[Choice] = []
    for flow in flows:
        assert flow.condition is not None
        match = _CONDITION.match(flow.condition)
        if match is None:
            raise FormError(
                f"{process_id}: {task_id}: the condition {flow.condition!r} on {flow.id} is not "
                '"=<variable> = \\"<code>\\"", so no choice can be offered for it'
            )
        variables.add(match.group(1))
        choices.append(Choice(match.group(2), flow.name or match.group(2)))
    if len(variables) != 1:
        raise FormError(
            f"{process_id}: {task_id}: the gateway {gateway.id} tests several variables "
            f"({', '.join(sorted(variables))}); a form can set only one"
        )
    return Decision(variables.pop(), gateway.name or "办理结果", tuple(choices))


def fields_of(task: Node, graph: _Graph, process_id: str) -> FormFields:
    decision = graph.decision_after(task, process_id)
    if decision is not None:
        return FormFields(decision, "opinion", "意见说明", False)
    loop = task.multi_instance
    if loop is not None and loop.output_element:
        match = _OUTPUT_ELEMENT.match(loop.output_element)
        if match is not None:
            return FormFields(None, match.group(1), "办理结果", True)
    return FormFields(None, "opinion", "办理意见", True)


# -- the form itself -----------------------------------------------------------------------------


def form_id_for(jurisdiction: str, fields: FormFields) -> str:
    """Stable and readable: the jurisdiction, what is asked, and a short hash of the exact fields."""
    digest = hashlib.sha256(repr(fields).encode()).hexdigest()[:8]
    what = f"decision_{fields.decision.variable}" if fields.decision else fields.text_key
    return f"Form_{jurisdiction}_{what}_{digest}"


def _component(kind: str, cid: str, row: int, **attrs: object) -> dict:
    return {"type": kind, "id": cid, **attrs, "layout": {"row": f"Row_{row}", "columns": None}}


def form_schema(form_id: str, fields: FormFields) -> dict:
    components = [_component("text", "Text_case", 1, text=CASE_HEADER)]
    if fields.decision is not None:
        decision = fields.decision
        kind = "radio" if len(decision.choices) <= RADIO_AT_MOST else "select"
        components.append(
            _component(
                kind,
                f"Field_{decision.variable}",
                2,
                key=decision.variable,
                label=decision.question,
                values=[{"label": c.label, "value": c.value} for c in decision.choices],
                validate={"required": True},
            )
        )
    components.append(
        _component(
            "textarea",
            f"Field_{fields.text_key}",
            len(components) + 1,
            key=fields.text_key,
            label=fields.text_label,
            validate={"required": fields.text_required},
        )
    )
    schema: dict = {
        "executionPlatform": EXECUTION_PLATFORM,
        "executionPlatformVersion": EXECUTION_PLATFORM_VERSION,
        "exporter": dict(EXPORTER),
        "schemaVersion": SCHEMA_VERSION,
        "id": form_id,
        "components": components,
        "type": "default",
    }
    schema[FINGERPRINT_KEY] = form_fingerprint(schema)
    return schema


def form_bytes(schema: dict) -> bytes:
    """Two-space JSON with a final newline, as Modeler saves a form."""
    return (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode()


# -- fingerprints: a designer's edit is seen, a re-save by Modeler is not ------------------------

_NOT_CONTENT = {"exporter", "schemaVersion", FINGERPRINT_KEY}  # Modeler rewrites these on every save


def _canonical(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def form_hashes(schema: dict) -> dict[str, str]:
    """Component id -> hash (nested components included), and ``#form`` for the root's own fields."""
    hashes: dict[str, str] = {}

    def visit(components: object) -> None:
        if not isinstance(components, list):
            return
        for index, component in enumerate(components):
            if not isinstance(component, dict):
                continue
            own = {k: v for k, v in component.items() if k != "components"}
            hashes[str(component.get("id") or f"#{index}")] = _short(_canonical(own))
            visit(component.get("components"))

    root = {k: v for k, v in schema.items() if k not in _NOT_CONTENT and k != "components"}
    hashes["#form"] = _short(_canonical(root))
    visit(schema.get("components"))
    return hashes


def form_fingerprint(schema: dict) -> str:
    joined = "\n".join(f"{k}={v}" for k, v in sorted(form_hashes(schema).items()))
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()[:32]


# -- attaching forms to a process ----------------------------------------------------------------


def _clause(node: Node) -> str | None:
    return node.source.render() if node.source is not None else None


def _matter(data: MappingInput) -> str:
    if data.items:  # a parameterised procedure: the case's item names the matter
        return f"=if jointItem != null then jointItem.title else {feel_string(data.name)}"
    return "=" + feel_string(data.name)


def attach_forms(spec: ProcessSpec, data: MappingInput) -> list[GeneratedForm]:
    """Link every user task of ``spec`` to its form and map in the case header's variables; returns
    the forms, one per distinct set of fields."""
    graph = _Graph(spec)
    forms: dict[str, GeneratedForm] = {}
    for task, _body, _parent in user_tasks(spec):
        fields = fields_of(task, graph, spec.id)
        form_id = form_id_for(data.jurisdiction, fields)
        form = forms.setdefault(form_id, GeneratedForm(form_id, data.jurisdiction, fields))
        form.used_by.append(f"{spec.id}/{task.id}")
        task.form_id = form_id
        targets = {target for _, target in task.inputs}
        if MATTER_VARIABLE not in targets:
            task.inputs.append((_matter(data), MATTER_VARIABLE))
        clause = _clause(task)
        if clause is not None and CLAUSE_VARIABLE not in targets:
            task.inputs.append(("=" + feel_string(clause), CLAUSE_VARIABLE))
    return list(forms.values())


def merge_forms(collected: list[GeneratedForm]) -> list[GeneratedForm]:
    """Forms of several processes: one per form id (same id, same fields), users joined, sorted."""
    merged: dict[str, GeneratedForm] = {}
    for form in collected:
        existing = merged.get(form.form_id)
        if existing is None:
            merged[form.form_id] = GeneratedForm(
                form.form_id, form.jurisdiction, form.fields, list(form.used_by)
            )
        else:
            existing.used_by.extend(form.used_by)
    return [merged[k] for k in sorted(merged)]


def form_edits(text: bytes, recorded: dict[str, str] | None) -> tuple[str, Changes | None] | None:
    """Why a form on disk may not be overwritten (reason, changed components), or None if it is still
    the generator's: the manifest's component hashes decide, else the fingerprint stored in the form."""
    try:
        schema = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"not a readable form ({exc}); fix or remove it", None
    if not isinstance(schema, dict):
        return "not a form (the JSON is not an object); fix or remove it", None
    if recorded is not None:
        changes = compare(recorded, form_hashes(schema))
        return ("changed by hand", changes) if changes else None
    stored = schema.get(FINGERPRINT_KEY)
    if stored is None:
        return f"not written by the generator (no {FINGERPRINT_KEY})", None
    if stored != form_fingerprint(schema):
        return "changed by hand (fingerprint differs; components unknown without the manifest)", None
    return None


def model_resources(model: Path) -> list[tuple[str, bytes]]:
    """A generated model and the forms it links, as (resource name, content) for one deployment:
    ``bindingType="deployment"`` needs them together. The forms are read from forms/ beside it."""
    content = model.read_bytes()
    resources = [(model.name, content)]
    for form_id in sorted(set(re.findall(rb'formId="([^"=][^"]*)"', content))):
        form = model.parent / FORMS_DIR / f"{form_id.decode()}.form"
        resources.append((f"{FORMS_DIR}/{form.name}", form.read_bytes()))
    return resources
