"""The whole catalog -> ``bpmn/<jurisdiction>/<process>.bpmn``, without clobbering designers' edits.

Which processes exist: every mechanism gets its own file, except joint-enforcement items that
share a procedure template (泗阳's 39 high-frequency items): those become ONE process per
template, parameterised by a table of the items (lead and collaborators per item), so that a
change to the shared flow is made once.

Safety: a file on disk is overwritten only if it is still what the generator wrote (its
canonical element hashes match the manifest, or its embedded fingerprint matches its content);
otherwise generation stops before writing anything and names the elements that differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from lxml import etree

from xietong.catalog.loader import Catalog
from xietong.catalog.model import Mechanism, MechanismKind
from xietong.generator.fingerprint import (
    Changes,
    compare,
    element_hashes,
    fingerprint_of,
    stored_fingerprint,
)
from xietong.generator.forms import GeneratedForm, attach_forms, form_edits, form_hashes, merge_forms
from xietong.generator.mapping import JointItem, MappingError, MappingInput, procedure_to_spec, role_variable
from xietong.generator.schedule import attach_schedules
from xietong.generator.writer import write_bpmn

log = structlog.get_logger(__name__)

MANIFEST_NAME = "fingerprints.json"
FORM_SUFFIX = ".form"
PARAMETERISED_KINDS = {MechanismKind.joint_enforcement_flow, MechanismKind.joint_enforcement_item}


@dataclass
class Output:
    path: str  # relative to the bpmn directory, POSIX
    process_id: str
    content: bytes
    hashes: dict[str, str]


@dataclass
class Refusal:
    path: str
    reason: str
    changes: Changes | None = None

    def __str__(self) -> str:
        detail = f" ({self.changes.describe()})" if self.changes else ""
        return f"{self.path}: {self.reason}{detail}"


@dataclass
class GenerateReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # generated files whose process left the catalog


def _resolver(catalog: Catalog, jurisdiction: str) -> Callable[[str], str]:
    def resolve(reference: str) -> str:
        department = catalog.department(jurisdiction, reference)
        return department.name if department is not None else reference

    return resolve


def _group_resolver(catalog: Catalog, jurisdiction: str) -> Callable[[str], str]:
    """A department reference or name -> its group id (``siyang.justice``), the candidate group."""

    def resolve(reference: str) -> str:
        department = catalog.department(jurisdiction, reference)
        if department is None:
            raise MappingError(f"{jurisdiction}: {reference!r} is no registry department (no group id)")
        return department.group_id

    return resolve


def _names(catalog: Catalog, jurisdiction: str, refs: list[str]) -> list[str]:
    resolve = _resolver(catalog, jurisdiction)
    return [resolve(r) for r in refs]


def mapping_inputs(catalog: Catalog) -> list[tuple[str, MappingInput]]:
    """(relative path, mapping input) for every process the catalog defines, in a stable order."""
    plans: list[tuple[str, MappingInput]] = []
    groups: dict[tuple[str, str], list[Mechanism]] = {}
    for mech in sorted(catalog.mechanisms.values(), key=lambda m: m.id):
        if mech.kind in PARAMETERISED_KINDS and mech.procedure_template:
            groups.setdefault((mech.jurisdiction, mech.procedure_template), []).append(mech)
            continue
        assert mech.procedure is not None  # the loader expands templates
        plans.append(
            (
                f"{mech.jurisdiction}/{mech.id}.bpmn",
                MappingInput(
                    process_id=mech.id,
                    name=mech.title,
                    jurisdiction=mech.jurisdiction,
                    procedure=mech.procedure,
                    source=mech.source,
                    lead=_names(catalog, mech.jurisdiction, mech.lead),
                    collaborators=_names(catalog, mech.jurisdiction, mech.collaborators),
                    notes=[],
                    resolve_department=_resolver(catalog, mech.jurisdiction),
                    resolve_group=_group_resolver(catalog, mech.jurisdiction),
                    policies=catalog.policies,
                ),
            )
        )
    for (jurisdiction, template_id), mechanisms in sorted(groups.items()):
        template = catalog.templates[template_id]
        items = sorted(
            (m for m in mechanisms if m.kind is MechanismKind.joint_enforcement_item),
            key=lambda m: (m.number or 0, m.id),
        )
        flows = [m for m in mechanisms if m.kind is MechanismKind.joint_enforcement_flow]
        title = flows[0].title if len(flows) == 1 else template.title
        plans.append(
            (
                f"{jurisdiction}/{template_id}.bpmn",
                MappingInput(
                    process_id=template_id,
                    name=title,
                    jurisdiction=jurisdiction,
                    procedure=template.procedure,
                    source=template.source,
                    items=[
                        JointItem(
                            number=m.number or index,
                            title=m.title,
                            lead=",".join(_names(catalog, jurisdiction, m.lead)),
                            collaborators=_names(catalog, jurisdiction, m.collaborators),
                            role_variables=[role_variable(r) for r in m.collaborator_roles],
                        )
                        for index, m in enumerate(items, start=1)
                    ],
                    notes=[f"流程机制：{', '.join(m.id for m in flows)}"] if flows else [],
                    resolve_department=_resolver(catalog, jurisdiction),
                    resolve_group=_group_resolver(catalog, jurisdiction),
                    policies=catalog.policies,
                ),
            )
        )
    return plans


def build_outputs(catalog: Catalog) -> list[Output]:
    outputs = []
    forms: list[GeneratedForm] = []
    for path, data in mapping_inputs(catalog):
        spec = procedure_to_spec(data)
        forms += attach_forms(spec, data)  # a Camunda form per human step (generator/forms.py)
        attach_schedules(spec, data, catalog.policies)  # due and follow-up dates (generator/schedule.py)
        content = write_bpmn(spec)
        hashes = element_hashes(etree.fromstring(content))
        outputs.append(Output(path, data.process_id, content, hashes))
    for form in merge_forms(forms):
        outputs.append(Output(form.path, form.form_id, form.content(), form_hashes(form.schema())))
    return outputs


def read_manifest(out_dir: Path) -> dict[str, dict[str, str]]:
    path = out_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); delete it to regenerate the manifest") from exc
    return data.get("files", {})


def manifest_bytes(outputs: list[Output]) -> bytes:
    data = {
        "comment": "Written by `xietong bpmn generate`: element hashes of what it wrote, used to detect "
        "hand edits before overwriting. Do not edit.",
        "files": {o.path: o.hashes for o in sorted(outputs, key=lambda o: o.path)},
    }
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def hand_edits(path: Path, recorded: dict[str, str] | None) -> Refusal | None:
    """Why the file on disk may not be overwritten, or None if it is still the generator's."""
    try:
        root = etree.parse(str(path)).getroot()
    except etree.XMLSyntaxError as exc:
        return Refusal(str(path), f"not parseable XML ({exc}); fix or remove it")
    current = element_hashes(root)
    if recorded is not None:
        changes = compare(recorded, current)
        return Refusal(str(path), "changed by hand", changes) if changes else None
    stored = stored_fingerprint(root)
    if stored is None:
        return Refusal(str(path), "not written by the generator (no xietong:fingerprint)")
    if stored != fingerprint_of(root):
        return Refusal(
            str(path), "changed by hand (fingerprint differs; elements unknown without the manifest)"
        )
    return None


def write_atomically(path: Path, content: bytes) -> None:
    """Temp file + rename: an interrupted run leaves the old file whole and no temp file behind."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(content)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def generate(
    catalog: Catalog, out_dir: Path, *, force: bool = False, outputs: list[Output] | None = None
) -> GenerateReport:
    """Write every process; all-or-nothing when a file was edited by hand and force is off.

    ``outputs`` (from :func:`build_outputs` of the same catalog) saves building them again.
    """
    outputs = build_outputs(catalog) if outputs is None else outputs
    manifest = read_manifest(out_dir)
    report = GenerateReport()
    to_write: list[Output] = []
    for output in outputs:
        target = out_dir / output.path
        if target.exists():
            if target.read_bytes() == output.content:
                report.unchanged.append(output.path)
                continue
            if force:
                refusal = None
            elif target.suffix == FORM_SUFFIX:  # forms: JSON, hashed per component
                edits = form_edits(target.read_bytes(), manifest.get(output.path))
                refusal = Refusal(output.path, edits[0], edits[1]) if edits else None
            else:
                refusal = hand_edits(target, manifest.get(output.path))
            if refusal is not None:
                refusal.path = output.path
                report.refused.append(refusal)
                continue
        to_write.append(output)
    produced = {o.path for o in outputs}
    report.stale = sorted(p for p in manifest if p not in produced)
    if report.refused:
        log.warning("bpmn.generate_refused", files=len(report.refused))
        return report
    for output in to_write:
        target = out_dir / output.path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, output.content)
        report.written.append(output.path)
    manifest_path = out_dir / MANIFEST_NAME
    new_manifest = manifest_bytes(outputs)
    if not manifest_path.exists() or manifest_path.read_bytes() != new_manifest:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(manifest_path, new_manifest)
    log.info("bpmn.generated", written=len(report.written), unchanged=len(report.unchanged))
    return report
