"""Independent lint of BPMN files: the same parsers and linters Camunda Modeler uses, run from Node.

Our own generator must not be its own judge, so the checks are the npm packages Modeler is built on
(bpmn-moddle with the zeebe and modeler extensions, bpmnlint, bpmnlint-plugin-camunda-compat), run by
``tools/node/bpmn-validate.mjs`` in ONE Node process for all files, plus the DI checks of
:mod:`xietong.generator.di_check`. Every problem comes back as a :class:`Finding` naming the file, the
element id and the rule.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import structlog

from xietong.generator.di_check import di_problems
from xietong.settings import PROJECT_ROOT

NODE_TOOLS_DIR = PROJECT_ROOT / "tools" / "node"
VALIDATOR_SCRIPT = NODE_TOOLS_DIR / "bpmn-validate.mjs"

Severity = Literal["error", "warning"]

log = structlog.get_logger(__name__)


class NodeToolsMissing(RuntimeError):
    """Node or the pinned npm packages are not installed."""


class NodeToolFailed(RuntimeError):
    """A Node tool crashed or printed something that is not its JSON report."""


@dataclass(frozen=True)
class Finding:
    """One problem in one BPMN file. ``rule`` is bpmnlint's rule name (``camunda-compat/timer``,
    ``no-bpmndi``), ``moddle/import-warning``/``moddle/round-trip`` from parsing, or ``xietong/...`` for the
    project's own rules (FEEL prefixes, execution platform, DI layout)."""

    file: Path
    element_id: str | None
    rule: str
    message: str
    severity: Severity

    def __str__(self) -> str:
        return f"{self.file}: {self.element_id or '-'}: {self.severity} [{self.rule}] {self.message}"


def node_executable() -> str:
    """The ``node`` binary, or :class:`NodeToolsMissing` saying how to get it."""
    node = shutil.which("node")
    if node is None:
        raise NodeToolsMissing("node is not on PATH; install Node.js 20+ and run scripts/bootstrap")
    return node


def require_node_packages(*packages: str) -> Path:
    """The tools/node directory, after checking the named npm packages are installed there."""
    modules = NODE_TOOLS_DIR / "node_modules"
    missing = [p for p in packages if not (modules / p / "package.json").is_file()]
    if not modules.is_dir() or missing:
        what = ", ".join(missing) if missing else "node_modules"
        raise NodeToolsMissing(f"{modules} lacks {what}: run scripts/bootstrap (npm ci in tools/node)")
    return NODE_TOOLS_DIR


def run_node_json(script: Path, payload: object, *, timeout: float = 600.0) -> dict:
    """Run a Node tool with a JSON payload on stdin and return the JSON document it prints."""
    node = node_executable()
    try:
        proc = subprocess.run(
            [node, str(script), "--stdin"],
            input=json.dumps(payload).encode("utf-8"),
            capture_output=True,
            cwd=script.parent,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise NodeToolFailed(f"{script.name} did not finish within {timeout:g} s") from exc
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise NodeToolFailed(f"{script.name} exited with {proc.returncode}: {stderr[-2000:]}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        detail = f"{script.name} printed no JSON report ({exc}); stderr: {stderr[-2000:]}"
        raise NodeToolFailed(detail) from exc


def lint_files(paths: Sequence[Path], *, include_di: bool = True) -> list[Finding]:
    """All findings for the given BPMN files (errors and warnings), in file order.

    A file passes when no finding has severity ``error``. ``include_di`` adds the layout checks of
    :func:`xietong.generator.di_check.di_problems` as ``xietong/di-*`` findings (missing or detached DI and
    overlapping shapes are errors; flows through shapes, diagonal flows and covered labels are warnings).
    """
    paths = [Path(p) for p in paths]
    if not paths:
        return []
    require_node_packages(
        "bpmn-moddle", "zeebe-bpmn-moddle", "modeler-moddle", "bpmnlint", "bpmnlint-plugin-camunda-compat"
    )
    report = run_node_json(VALIDATOR_SCRIPT, [str(p.resolve()) for p in paths])
    results = report.get("files", [])
    if len(results) != len(paths):
        raise NodeToolFailed(f"{VALIDATOR_SCRIPT.name} reported {len(results)} files for {len(paths)} given")
    findings: list[Finding] = []
    for path, result in zip(paths, results, strict=True):
        findings += [
            Finding(
                path, f.get("elementId"), f["rule"], _printable(f["message"]), _severity(f.get("severity"))
            )
            for f in result.get("findings", [])
        ]
        if include_di and path.is_file():
            findings += _di_findings(path)
    log.debug(
        "bpmn.lint",
        files=len(paths),
        errors=sum(f.severity == "error" for f in findings),
        warnings=sum(f.severity == "warning" for f in findings),
    )
    return findings


def errors(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def _severity(value: object) -> Severity:
    return "warning" if value == "warning" else "error"


def _di_findings(path: Path) -> list[Finding]:
    try:
        problems = di_problems(path.read_bytes())
    except Exception as exc:  # unparsable XML is already reported by moddle/parse
        log.debug("bpmn.di_check_skipped", file=str(path), reason=str(exc))
        return []
    return [Finding(path, p.element_id, f"xietong/{p.rule}", p.message, p.severity) for p in problems]


MESSAGE_LIMIT = 300


def _printable(message: str) -> str:
    """moddle's "unparsable content … detected" quotes the file itself: binary garbage must not reach
    the terminal (control characters escaped) and a long quote is cut."""
    shown = "".join(
        "?" if ch == "\ufffd" else ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in message
    )
    return shown if len(shown) <= MESSAGE_LIMIT else shown[:MESSAGE_LIMIT] + f"… ({len(shown):,} characters)"
