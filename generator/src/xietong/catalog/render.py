"""Human-readable views of the catalog (``catalog list``/``show``) and its JSON export shape."""

from __future__ import annotations

import shutil
import unicodedata
from typing import Any

from xietong.catalog.loader import Catalog
from xietong.catalog.model import Deadline, Mechanism, Procedure

EXPORT_FORMAT = "xietong.catalog/1"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, width: int) -> str:
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            return out + "…"
        out += ch
    return out


def table(rows: list[list[str]], widths: list[int]) -> str:
    """Fixed-width columns that account for double-width CJK characters."""
    lines = []
    for row in rows:
        cells = [_pad(_clip(c, w), w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def mechanism_rows(catalog: Catalog, jurisdiction: str | None = None, columns: int | None = None) -> str:
    """The ids are what people copy into the next command, so they are never cut; the lead and the
    title share what the terminal has left (``columns``, default: its width)."""
    rows = [["ID", "JURISDICTION", "KIND", "STEPS", "LEAD", "TITLE"]]
    for mech in sorted(catalog.mechanisms.values(), key=lambda m: (m.jurisdiction, m.id)):
        if jurisdiction and mech.jurisdiction != jurisdiction:
            continue
        steps = len(mech.procedure.steps) if mech.procedure else 0
        lead = "、".join(mech.lead)
        rows.append([mech.id, mech.jurisdiction, mech.kind.value, str(steps), lead, mech.title])
    widths = [max(_width(row[i]) for row in rows) + 1 for i in range(4)]
    room = (columns or shutil.get_terminal_size((120, 24)).columns) - sum(widths) - 2 * 5
    lead_width = max(8, min(22, room // 3))
    return table(rows, [*widths, lead_width, max(12, room - lead_width)])


def deadline_text(deadline: Deadline) -> str:
    unit = deadline.unit.value.replace("_", " ")
    text = f"{deadline.amount} {unit}"
    if deadline.meaning.value == "lead_time":
        text += " ahead (lead time)"
    if deadline.origin == "policy":
        text += f" [policy {deadline.policy}]"
    elif deadline.source is not None:
        src = deadline.source
        text += f" [text, {src.document} lines {src.line_start}-{src.line_end}]"
    if deadline.urgent_variant is not None:
        text += f"; urgent ({deadline.urgent_condition or '紧急'}): {deadline_text(deadline.urgent_variant)}"
    return text


def _dept(catalog: Catalog, jurisdiction: str, ref: str) -> str:
    dept = catalog.department(jurisdiction, ref)
    return f"{ref} → {dept.name} [{dept.id}]" if dept and dept.name != ref else ref


def procedure_text(catalog: Catalog, mech: Mechanism, procedure: Procedure) -> list[str]:
    out = []
    header = "procedure"
    if mech.procedure_template:
        header += f" (template {mech.procedure_template})"
    if procedure.template:
        header += f", shape {procedure.template}"
    out.append(header + ":")
    if procedure.description:
        out.append(f"  {procedure.description}")
    out.append("  actors:")
    for actor in procedure.actors:
        who = (f"role {actor.role.value}" if actor.role
               else _dept(catalog, mech.jurisdiction, actor.department or ""))
        out.append(f"    {actor.id}: {actor.label} ({who})")
    out.append("  entries:")
    for entry in procedure.entries:
        trigger = "" if entry.trigger == "none" else f" [{entry.trigger}"
        if entry.recurrence:
            trigger += f" {entry.recurrence.iso8601}"
        if entry.message:
            trigger += f" {entry.message}"
        trigger += "]" if trigger else ""
        out.append(f"    {entry.id}: {entry.name}{trigger} → {entry.to}")
    out.append("  steps:")
    for step in procedure.steps:
        flags = "" if step.human else " (automated)"
        if step.multi_instance_over_collaborators:
            flags += " (each collaborator)"
        out.append(f"    {step.id} [{step.kind.value}] {step.name} — {step.actor}{flags}")
        if step.decision:
            out.append(f"      decision: {step.decision.question}")
        for t in step.next:
            cond = f"{t.outcome}: " if t.outcome else ""
            label = f" ({t.label})" if t.label else ""
            out.append(f"      {cond}→ {t.to}{label}")
        if step.deadline:
            out.append(f"      deadline: {deadline_text(step.deadline)}")
        if step.escalation:
            kind = "interrupting" if step.escalation.interrupting else "reminder"
            out.append(f"      escalation ({kind}): {' → '.join(step.escalation.chain)}")
        if step.awaits_message:
            wait = step.awaits_message
            out.append(f"      waits for message {wait.name} by {wait.correlation}")
        if step.source:
            out.append(f"      source: lines {step.source.line_start}-{step.source.line_end}")
    return out


def mechanism_text(catalog: Catalog, mech: Mechanism) -> str:
    jur = catalog.jurisdictions.get(mech.jurisdiction)
    out = [f"{mech.id}  {mech.title}"]
    out.append(f"  jurisdiction: {jur.name if jur else '?'} ({mech.jurisdiction})   kind: {mech.kind.value}"
               f"   review: {mech.review.value}" + (f"   number: {mech.number}" if mech.number else ""))
    out.append(f"  source: {mech.source.document} lines {mech.source.line_start}-{mech.source.line_end}")
    if mech.lead:
        out.append("  lead: " + "; ".join(_dept(catalog, mech.jurisdiction, r) for r in mech.lead))
    if mech.collaborators or mech.collaborator_roles:
        names = [_dept(catalog, mech.jurisdiction, r) for r in mech.collaborators]
        names += [f"role {r.value}" for r in mech.collaborator_roles]
        out.append("  collaborators: " + "; ".join(names))
    if mech.duties:
        out.append("  duties:")
        for duty in mech.duties:
            who = duty.department or (duty.role.value if duty.role else "")
            unit = f" [{duty.responsible_unit}]" if duty.responsible_unit else ""
            out.append(f"    {who}{unit}: {duty.text}")
    if mech.steps_text:
        out.append("  具体流程:")
        out.extend(f"    {i}. {t}" for i, t in enumerate(mech.steps_text, start=1))
    if mech.flowchart_nodes:
        out.append("  flowchart nodes: " + " | ".join(mech.flowchart_nodes))
    if mech.procedure is not None:
        out.extend("  " + line for line in procedure_text(catalog, mech, mech.procedure))
    for note in mech.notes:
        out.append(f"  note: {note}")
    return "\n".join(out)


def export(catalog: Catalog) -> dict[str, Any]:
    """The whole catalog as JSON-ready data; the shape is documented in docs/catalog.md."""
    mechanisms = []
    for mech in sorted(catalog.mechanisms.values(), key=lambda m: m.id):
        data = mech.model_dump(mode="json")
        refs = set(mech.lead) | set(mech.collaborators) | {d.department for d in mech.duties if d.department}
        if mech.procedure is not None:
            refs |= {a.department for a in mech.procedure.actors if a.department}
        resolved = {}
        for ref in sorted(refs):
            dept = catalog.department(mech.jurisdiction, ref)
            if dept is not None:
                resolved[ref] = dept.id
        data["department_ids"] = resolved
        mechanisms.append(data)
    return {
        "format": EXPORT_FORMAT,
        "counts": catalog.counts(),
        "jurisdictions": [j.model_dump(mode="json") for j in catalog.jurisdictions.values()],
        "policies": [p.model_dump(mode="json") for p in catalog.policies.values()],
        "departments": [
            d.model_dump(mode="json")
            for jur in sorted(catalog.registries)
            for d in catalog.registries[jur].departments.values()
        ],
        "procedure_templates": [t.model_dump(mode="json") for _, t in sorted(catalog.templates.items())],
        "mechanisms": mechanisms,
        "duty_lists": [d.model_dump(mode="json") for d in catalog.duty_lists],
    }
