"""Compare importer proposals with the reviewed catalog; write proposals for NEW records only.

The reviewed YAML is the source of truth; importers propose, they do not own. Re-running an
importer after a document changes (or after the importer improves) must show a reviewer what
differs, record by record and field by field, and must never overwrite what a person has checked.

Where a reviewer has deliberately kept the YAML different from the importer's reading (a procedure
rewritten clause by clause against the text), the difference is recorded in
``config/import-decisions.yaml`` with its reason and digests of the proposal it answers and of the
reviewed value it keeps. Such a difference is accepted as long as both are unchanged; a new
proposal, or an edit of the reviewed value (new drift on either side), is reported again, so
``xietong catalog import --check`` fails only on what nobody reviewed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from xietong.catalog.importers.base import ImportResult
from xietong.catalog.loader import Catalog
from xietong.catalog.model import DutyList, Mechanism, ProcedureTemplate
from xietong.catalog.yamlio import dump_yaml

#: Mechanism fields that come from the document text; the rest is curation.
SOURCE_FIELDS = (
    "jurisdiction", "kind", "title", "number", "source", "lead", "collaborators", "collaborator_roles",
    "duties", "steps_text", "flowchart_nodes", "procedure_template",
)


@dataclass(frozen=True)
class Difference:
    """One way the importer's reading differs from the reviewed catalog."""

    change: Literal["new", "changed", "missing"]
    record: str
    field: str = ""
    reviewed: Any = None
    proposed: Any = None
    digest: str = ""  # digest of the importer's whole proposal for the top-level field
    reviewed_digest: str = ""  # digest of the reviewed value of that field

    @property
    def top_field(self) -> str:
        found = re.match(r"[A-Za-z_]+", self.field)
        return found.group(0) if found else ""

    def __str__(self) -> str:
        if self.change == "new":
            return f"NEW      {self.record}"
        if self.change == "missing":
            return f"MISSING  {self.record} (in the catalog, not found in the document)"
        return f"CHANGED  {self.record}.{self.field}\n  reviewed: {_short(self.reviewed)}\n" \
               f"  proposed: {_short(self.proposed)}"


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " …"


def to_plain(model: BaseModel) -> Any:
    """A model as the plain data its YAML holds (defaults and nulls left out)."""
    return model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def leaf_differences(a: Any, b: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Where two plain values differ, as (path, a, b) at the deepest level that explains it."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in list(a) + [k for k in b if k not in a]:
            out.extend(leaf_differences(a.get(key), b.get(key), f"{path}.{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and _keyed(a) and _keyed(b):
        # Steps, actors, entries: align by id so one inserted step does not shift every index.
        old, new = {x["id"]: x for x in a}, {x["id"]: x for x in b}
        out = []
        for key in [*old, *(k for k in new if k not in old)]:
            out.extend(leaf_differences(old.get(key), new.get(key), f"{path}[id={key}]"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(leaf_differences(x, y, f"{path}[{i}]"))
        return out
    return [] if a == b else [(path, a, b)]


def _keyed(items: list[Any]) -> bool:
    ids = [x.get("id") for x in items if isinstance(x, dict)]
    return len(ids) == len(items) and all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def _dump(model: BaseModel, field: str) -> Any:
    return model.model_dump(mode="json", include={field}, exclude_none=True).get(field)


def digest(value: Any) -> str:
    """A short fingerprint of a proposed value, to tell a reviewed proposal from a new one."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ReviewedDecision:
    """A reviewer's decision to keep the catalog different from one importer proposal, and why."""

    record: str  # as differences name it: "mechanism wuyi_case_transfer"
    field: str  # a top-level field: procedure, steps_text …
    proposed: str  # digest of the importer's proposal the decision answers
    reviewed: str  # digest of the reviewed value it keeps
    reason: str
    line: int = 0

    def covers(self, diff: Difference) -> bool:
        """Same record, field, proposal and reviewed value; a whole record the importer lacks or
        adds is field ``record`` with digests ``none``."""
        key = (diff.record, diff.top_field or "record", diff.digest or "none", diff.reviewed_digest or "none")
        return key == (self.record, self.field, self.proposed, self.reviewed)


DECISIONS_FILE = "import-decisions.yaml"


def load_decisions(config_dir: Path) -> list[ReviewedDecision]:
    """The reviewed decisions; a malformed entry is an error naming the file, line and key."""
    from ruamel.yaml import YAML

    path = config_dir / DECISIONS_FILE
    if not path.exists():
        return []
    data = YAML(typ="rt").load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("decisions") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a mapping with a list under 'decisions'")
    decisions = []
    for index, entry in enumerate(entries):
        line = entry.lc.line + 1 if hasattr(entry, "lc") else 0
        keys = ("record", "field", "proposed", "reviewed", "reason")
        missing = [k for k in keys if not isinstance(entry, dict) or not str(entry.get(k) or "").strip()]
        if missing:
            raise ValueError(f"{path}:{line}: decision {index + 1} lacks {', '.join(missing)}")
        extra = sorted(set(entry) - set(keys))
        if extra:
            raise ValueError(f"{path}:{line}: decision {index + 1} has unknown keys {extra}")
        record, field, proposed, reviewed, reason = (str(entry[k]).strip() for k in keys)
        decisions.append(ReviewedDecision(record, field, proposed, reviewed, reason, line=line))
    return decisions


def compare(catalog: Catalog, result: ImportResult) -> list[Difference]:
    """Every difference between the importer's proposals and the reviewed catalog.

    A record present in a file but invalid is not "new": it is reported as unreadable, so a
    broken reviewed file can never be mistaken for a missing one.
    """
    diffs: list[Difference] = []
    proposed_ids = set()
    for mech in result.mechanisms:
        proposed_ids.add(mech.id)
        reviewed = catalog.mechanisms.get(mech.id)
        if reviewed is None:
            if mech.id in catalog.seen_ids:
                diffs.append(Difference("changed", f"mechanism {mech.id}", "(invalid in the catalog)"))
            else:
                diffs.append(Difference("new", f"mechanism {mech.id}"))
            continue
        fields = list(SOURCE_FIELDS)
        if mech.procedure_template is None and reviewed.procedure_template is None:
            fields.append("procedure")
        for field in fields:
            proposed, kept = _dump(mech, field), _dump(reviewed, field)
            for path, a, b in leaf_differences(kept, proposed, field):
                diffs.append(Difference("changed", f"mechanism {mech.id}", path, a, b, digest(proposed),
                                        digest(kept)))
    for mech_id, mech in sorted(catalog.mechanisms.items()):
        if mech.source.document == result.document and mech_id not in proposed_ids:
            diffs.append(Difference("missing", f"mechanism {mech_id}"))
    for template in result.templates:
        reviewed_t = catalog.templates.get(template.id)
        if reviewed_t is None:
            diffs.append(Difference("new", f"template {template.id}"))
            continue
        for field in ("title", "source", "procedure"):
            proposed, kept = _dump(template, field), _dump(reviewed_t, field)
            for path, a, b in leaf_differences(kept, proposed, field):
                diffs.append(Difference("changed", f"template {template.id}", path, a, b, digest(proposed),
                                        digest(kept)))
    for duty_list in result.duty_lists:
        diffs.extend(_compare_lists(catalog, duty_list))
    return diffs


def _compare_lists(catalog: Catalog, proposed: DutyList) -> list[Difference]:
    reviewed = next((d for d in catalog.duty_lists if d.id == proposed.id), None)
    name = f"duty list {proposed.town}"
    if reviewed is None:
        return [Difference("new", name)]
    diffs = []
    for part in ("basic", "coordinating", "taken_back"):
        old = {item.number: item for item in getattr(reviewed, part)}
        new = {item.number: item for item in getattr(proposed, part)}
        for number in sorted(old.keys() | new.keys()):
            record = f"{name} {part}[{number}]"
            if number not in old:
                diffs.append(Difference("new", record))
            elif number not in new:
                diffs.append(Difference("missing", record))
            else:
                a, b = old[number].model_dump(mode="json"), new[number].model_dump(mode="json")
                for path, x, y in leaf_differences(a, b, ""):
                    diffs.append(Difference("changed", record, path.lstrip("."), x, y))
    return diffs


# --------------------------------------------------------------------------------------------
# Writing YAML (used for NEW records only, and to draft reviewed files)
# --------------------------------------------------------------------------------------------


def _styled(value: Any) -> Any:
    """Short lists of scalars in flow style ([a, b]); everything else as blocks."""
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _styled(v)
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_styled(v) for v in value)
        scalars = all(isinstance(v, str | int | float | bool) for v in value)
        if scalars and sum(len(str(v)) for v in value) < 60:
            seq.fa.set_flow_style()
        return seq
    return value


def yaml_text(data: Any, header: str = "") -> str:
    """Plain data as the catalog's YAML, with an optional comment header."""
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + dump_yaml(_styled(data))


def mechanism_yaml(mechanisms: list[Mechanism], header: str = "") -> str:
    plain = [to_plain(m) for m in mechanisms]
    return yaml_text(plain[0] if len(plain) == 1 else {"mechanisms": plain}, header)


def template_yaml(template: ProcedureTemplate, header: str = "") -> str:
    return yaml_text(to_plain(template), header)


def _write_whole(path: Path, text: str) -> None:
    """Write through a temporary file and rename: an interrupted run leaves no half record.

    A truncated proposal would otherwise be a broken catalog file that the next run skips as
    "already there".
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_new(catalog: Catalog, result: ImportResult, config_dir: Path) -> list[Path]:
    """Write proposals for mechanisms and templates the catalog lacks; never touch existing files."""
    written = []
    for template in result.templates:
        path = config_dir / "procedures" / f"{template.id}.yaml"
        if f"template:{template.id}" in catalog.seen_ids or path.exists():
            continue
        header = f"Proposed by the importer for {result.document}; review it."
        _write_whole(path, template_yaml(template, header))
        written.append(path)
    for mech in result.mechanisms:
        path = config_dir / "mechanisms" / mech.jurisdiction / f"{mech.id}.yaml"
        if mech.id in catalog.seen_ids or path.exists():
            continue
        header = f"Proposed by the importer for {result.document}; review it."
        _write_whole(path, mechanism_yaml([mech], header))
        written.append(path)
    for duty_list in result.duty_lists:
        path = config_dir / "lists" / f"{duty_list.id}.yaml"
        if f"list:{duty_list.id}" in catalog.seen_ids or path.exists():
            continue
        header = f"Proposed by the importer for {result.document}; review it."
        _write_whole(path, yaml_text(to_plain(duty_list), header))
        written.append(path)
    return written
