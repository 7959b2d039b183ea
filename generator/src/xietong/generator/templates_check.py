"""Validate Camunda Modeler element templates against the official JSON schema (npm, pinned).

Designers install ``bpmn/element-templates/*.json`` in Modeler to drop our task types into a model; a
template the schema rejects is silently ignored by Modeler, so the check runs the schema package itself
(``@camunda/zeebe-element-templates-json-schema`` with ajv, ``tools/node/element-templates-validate.mjs``)
in one Node process for all files. It also rejects the same template id+version defined twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from xietong.generator.lint import NODE_TOOLS_DIR, NodeToolFailed, require_node_packages, run_node_json

TEMPLATES_SCRIPT = NODE_TOOLS_DIR / "element-templates-validate.mjs"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TemplateProblem:
    """One schema violation. ``pointer`` is a JSON pointer into the file (``/properties/2/binding``)."""

    file: Path
    template_id: str | None
    pointer: str
    message: str

    def __str__(self) -> str:
        where = self.pointer or "/"
        return f"{self.file}: {self.template_id or '-'}: {where}: {self.message}"


def validate_templates(paths: Sequence[Path]) -> list[TemplateProblem]:
    """Problems of the given template files (each one template or an array of them); empty when valid."""
    paths = [Path(p) for p in paths]
    if not paths:
        return []
    require_node_packages("ajv", "@camunda/zeebe-element-templates-json-schema")
    report = run_node_json(TEMPLATES_SCRIPT, [str(p.resolve()) for p in paths])
    results = report.get("files", [])
    if len(results) != len(paths):
        raise NodeToolFailed(f"{TEMPLATES_SCRIPT.name} reported {len(results)} files for {len(paths)} given")
    problems = [
        TemplateProblem(path, e.get("templateId"), e.get("pointer", ""), e["message"])
        for path, result in zip(paths, results, strict=True)
        for e in result.get("errors", [])
    ]
    log.debug("bpmn.templates_checked", files=len(paths), problems=len(problems))
    return problems
