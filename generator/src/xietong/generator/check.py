"""``xietong bpmn check``: any BPMN file (generated or hand-made) against the workers' contract.

The linters (bpmn-moddle, bpmnlint, camunda-compat, DI) know BPMN and Zeebe but not our workers;
this module adds what only the project knows: every job type is in the task-type catalog, every
job carries the headers and inputs its worker requires, and every FEEL expression parses with the
engine's own FEEL (:func:`xietong.feel.compile_expression`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from lxml import etree

from xietong import bpmn_vocabulary as bpmn
from xietong.generator.fingerprint import fingerprint_of, stored_fingerprint
from xietong.generator.lint import Finding
from xietong.task_types import TASK_TYPES

_BPMN = bpmn.BPMN_NS
_ZEEBE = bpmn.ZEEBE_NS

# (element tag, attribute or None for text): places where Zeebe reads FEEL when the value starts with '='
_EXPRESSION_SITES: tuple[tuple[str, str | None], ...] = (
    (f"{{{_BPMN}}}conditionExpression", None),
    (f"{{{_BPMN}}}timeDate", None),
    (f"{{{_BPMN}}}timeDuration", None),
    (f"{{{_BPMN}}}timeCycle", None),
    (f"{{{_ZEEBE}}}input", "source"),
    (f"{{{_ZEEBE}}}output", "source"),
    (f"{{{_ZEEBE}}}loopCharacteristics", "inputCollection"),
    (f"{{{_ZEEBE}}}loopCharacteristics", "outputElement"),
    (f"{{{_ZEEBE}}}loopCharacteristics", "completionCondition"),
    (f"{{{_ZEEBE}}}assignmentDefinition", "candidateGroups"),
    (f"{{{_ZEEBE}}}assignmentDefinition", "candidateUsers"),
    (f"{{{_ZEEBE}}}assignmentDefinition", "assignee"),
    (f"{{{_ZEEBE}}}taskSchedule", "dueDate"),
    (f"{{{_ZEEBE}}}taskSchedule", "followUpDate"),
    (f"{{{_ZEEBE}}}subscription", "correlationKey"),
    (f"{{{_ZEEBE}}}taskDefinition", "type"),
    (f"{{{_ZEEBE}}}taskDefinition", "retries"),
    (f"{{{_ZEEBE}}}header", "value"),  # role bodies in headers: workers evaluate '=…' against the job
)


def _feel_compiler() -> Callable[[str], object] | None:  # the engine's FEEL, or None while absent
    try:
        from xietong.feel import compile_expression
    except ImportError:
        return None
    return compile_expression


def _owner_id(el: etree._Element) -> str | None:
    """The id of the nearest BPMN element carrying an id (the element a designer would select)."""
    node: etree._Element | None = el
    while node is not None:
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{_BPMN}}}") and node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _line_of(el: etree._Element) -> str:
    return f" (line {el.sourceline})" if el.sourceline else ""


def _expressions(root: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    """(element, where, FEEL source without '=') for every FEEL expression in the model."""
    for tag, attribute in _EXPRESSION_SITES:
        for el in root.iter(tag):
            value = (el.text or "") if attribute is None else (el.get(attribute) or "")
            value = value.strip()
            if value.startswith("="):
                local = tag.split("}", 1)[1]
                yield el, f"{local}{'@' + attribute if attribute else ''}", value[1:]


def check_contract(path: Path, xml: bytes | None = None) -> list[Finding]:
    """Task-type catalog and FEEL findings for one file."""
    path = Path(path)
    try:
        root = etree.fromstring(xml if xml is not None else path.read_bytes())
    except (OSError, etree.XMLSyntaxError) as exc:
        return [Finding(path, None, "xietong/parse", f"cannot read the file as XML: {exc}", "error")]
    findings: list[Finding] = []
    if root.tag != f"{{{_BPMN}}}definitions":
        local = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        return [
            Finding(
                path,
                None,
                "xietong/not-bpmn",
                f"the root element is <{local}>, not bpmn:definitions: not a BPMN 2.0 model",
                "error",
            )
        ]

    def add(el: etree._Element, rule: str, message: str, severity: str = "error") -> None:
        findings.append(Finding(path, _owner_id(el), rule, message + _line_of(el), severity))  # type: ignore[arg-type]

    for definition in root.iter(f"{{{_ZEEBE}}}taskDefinition"):
        job_type = definition.get("type") or ""
        ext = definition.getparent()
        task = ext.getparent() if ext is not None else None  # taskDefinition -> extensionElements -> task
        if job_type.startswith("="):
            add(
                definition,
                "xietong/dynamic-task-type",
                "job type is a FEEL expression; cannot check it",
                "warning",
            )
            continue
        task_type = TASK_TYPES.get(job_type)
        if task_type is None:
            add(
                definition,
                "xietong/unknown-task-type",
                f"job type {job_type!r} is not in the task-type catalog "
                f"(known: {', '.join(sorted(TASK_TYPES))})",
            )
            continue
        if ext is None or task is None:
            add(definition, "xietong/misplaced-task-definition", "zeebe:taskDefinition outside a task")
            continue
        headers = {h.get("key"): h.get("value") for h in ext.iter(f"{{{_ZEEBE}}}header")}
        for key in task_type.required_headers:
            if not headers.get(key):
                add(definition, "xietong/missing-header", f"{job_type} requires the task header {key!r}")
        targets = {i.get("target") for i in ext.iter(f"{{{_ZEEBE}}}input")}
        for loop in task.iter(f"{{{_ZEEBE}}}loopCharacteristics"):
            targets.add(loop.get("inputElement"))
        for name in task_type.required_inputs:
            if name not in targets:
                add(
                    definition,
                    "xietong/missing-input",
                    f"{job_type} requires the input {name!r}: map it with a zeebe:input (target {name!r})",
                )
    stored = stored_fingerprint(root)
    if stored is not None and stored != fingerprint_of(root):
        process = root.find(f"{{{_BPMN}}}process")
        add(
            process if process is not None else root,
            "xietong/hand-edited",
            "changed since `xietong bpmn generate` wrote it: regeneration will refuse to overwrite it "
            "(carry the change into the catalog, or regenerate with --force)",
            "warning",
        )
    for tag in ("conditionExpression",):
        for el in root.iter(f"{{{_BPMN}}}{tag}"):
            text = (el.text or "").strip()
            if text and not text.startswith("="):
                add(el, "xietong/condition-not-feel", f"condition {text!r} lacks the leading '=' Zeebe needs")
    compile_expression = _feel_compiler()
    if compile_expression is not None:
        for el, where, source in _expressions(root):
            try:
                compile_expression(source)
            except Exception as exc:  # any compile failure is a finding, not a crash
                add(el, "xietong/feel-syntax", f"{where}: FEEL does not parse: {exc}")
    return findings


Progress = Callable[[Iterable[Path]], Iterable[Path]]


def _form_findings(path: Path) -> list[Finding]:
    """Linked forms present and offering exactly the codes their gateways test (generator/form_check.py)."""
    from xietong.generator.form_check import check_form_links

    try:
        root = etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return []  # check_contract already named it
    return check_form_links(path, root)


def check_files(
    paths: Sequence[Path], *, lint: bool = True, progress: Progress | None = None
) -> list[Finding]:
    """Contract findings for every file, then the linters' findings (one Node process for all).
    ``progress`` wraps the files as they are checked, so a command can show how far it is."""
    paths = [Path(p) for p in paths]
    findings = [f for p in (progress(paths) if progress else paths) for f in check_contract(p)]
    findings += [f for p in paths for f in _form_findings(p)]
    if lint and paths:
        from xietong.generator.lint import lint_files

        findings += lint_files(paths)
    return findings
