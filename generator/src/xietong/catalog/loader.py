"""Load and validate the reviewed catalog under ``config/``; collect every error, not the first.

Layout (all YAML):

- ``jurisdictions.yaml``          ``jurisdictions: [Jurisdiction …]``
- ``policy.yaml``                 ``policies: [Policy …]``
- ``departments/<jur>.yaml``      ``jurisdiction: <id>``, ``departments: [Department …]``
- ``procedures/*.yaml``           one ProcedureTemplate per file
- ``mechanisms/<jur>/*.yaml``     one Mechanism, or ``mechanisms: [Mechanism …]``
- ``lists/*.yaml``                one DutyList per file

Structure is checked by the model; this module adds the checks that need the whole catalog:
department names against the jurisdiction's registry, policies, templates, source line ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xietong.catalog.model import (
    GROUP_ID_PATTERN,
    Deadline,
    Department,
    DutyList,
    Jurisdiction,
    Mechanism,
    Policy,
    Procedure,
    ProcedureTemplate,
    SourceRef,
    validate_plain,
)
from xietong.catalog.registry import DepartmentRegistry, DuplicateName, resolve_role
from xietong.catalog.yamlio import (
    CatalogError,
    YamlDoc,
    YamlFileError,
    format_loc,
    line_of,
    read_yaml,
    validation_errors,
)


@dataclass
class Origin:
    """Where a record was read from, for error messages and for the import diff."""

    file: str
    doc: YamlDoc
    path: tuple[str | int, ...] = ()

    def line(self, *more: str | int) -> int:
        return line_of(self.doc, (*self.path, *more))


@dataclass
class Catalog:
    """The whole validated catalog; mechanisms have their procedure templates expanded."""

    root: Path
    jurisdictions: dict[str, Jurisdiction] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    registries: dict[str, DepartmentRegistry] = field(default_factory=dict)
    templates: dict[str, ProcedureTemplate] = field(default_factory=dict)
    mechanisms: dict[str, Mechanism] = field(default_factory=dict)
    duty_lists: list[DutyList] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    #: Every record id present in a file, valid or not: re-imports must never write over these.
    seen_ids: set[str] = field(default_factory=set)

    def department(self, jurisdiction: str, reference: str) -> Department | None:
        """The department a reference names in a jurisdiction, or None."""
        registry = self.registries.get(jurisdiction)
        return registry.resolve(reference) if registry else None

    def counts(self) -> dict[str, int]:
        return {
            "jurisdictions": len(self.jurisdictions),
            "departments": sum(len(r) for r in self.registries.values()),
            "policies": len(self.policies),
            "procedure_templates": len(self.templates),
            "mechanisms": len(self.mechanisms),
            "basic_duties": sum(len(d.basic) for d in self.duty_lists),
            "coordinating_duties": sum(len(d.coordinating) for d in self.duty_lists),
            "taken_back_items": sum(len(d.taken_back) for d in self.duty_lists),
        }


class CatalogInvalid(Exception):
    """Raised by :func:`load_catalog_or_raise`; carries every error."""

    def __init__(self, errors: list[CatalogError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def load_catalog_or_raise(root: Path) -> Catalog:
    catalog, errors = load_catalog(root)
    if errors:
        raise CatalogInvalid(errors)
    return catalog


def load_catalog(root: Path) -> tuple[Catalog, list[CatalogError]]:
    """Read ``root`` (the config directory); returns what is valid plus every error found."""
    return _Loader(root).load()


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.catalog = Catalog(root=root)
        self.errors: list[CatalogError] = []
        # Files that exist but failed: records depending on them are not blamed a second time.
        self.policies_broken = False
        self.broken_registries: set[str] = set()
        self.source_lengths: dict[str, int] = {}
        self.source_lines: dict[str, list[str]] = {}
        sources = root / "sources"
        if sources.is_dir():
            for path in sources.glob("*.txt"):
                try:
                    text = path.read_text(encoding="utf-8")
                    self.source_lengths[path.name] = text.count("\n") + 1
                    self.source_lines[path.name] = text.split("\n")
                except (UnicodeDecodeError, OSError) as exc:  # records citing it are then "unknown"
                    reason = f"not UTF-8: {exc}" if isinstance(exc, UnicodeDecodeError) else str(exc)
                    self.errors.append(
                        CatalogError(self.display(path), 1, "", f"unreadable source: {reason}"))

    # -- plumbing ---------------------------------------------------------------------------

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def error(self, origin: Origin, loc: tuple[str | int, ...], field_name: str, message: str) -> None:
        self.errors.append(CatalogError(origin.file, origin.line(*loc), field_name, message))

    def read(self, path: Path) -> tuple[str, YamlDoc] | None:
        display = self.display(path)
        try:
            doc = read_yaml(path, display)
        except YamlFileError as exc:
            self.errors.append(exc.error)
            return None
        if doc.data is None:
            self.errors.append(CatalogError(display, 1, "", "empty file"))
            return None
        return display, doc

    def items(self, path: Path, key: str, single: str | None = None) -> Iterator[tuple[Origin, Any]]:
        """The records of a file: the list under ``key``, or the file itself if it has ``single``."""
        read = self.read(path)
        if read is None:
            return
        display, doc = read
        data = doc.data
        if isinstance(data, dict) and key in data:
            seq = data[key]
            if not isinstance(seq, list):
                self.errors.append(CatalogError(display, line_of(doc, [key]), key, "must be a list"))
                return
            for i, item in enumerate(seq):
                yield Origin(display, doc, (key, i)), item
        elif single is not None and isinstance(data, dict) and single in data:
            yield Origin(display, doc, ()), data
        else:
            expected = f"a mapping with {key!r}" + (f" or a single record with {single!r}" if single else "")
            self.errors.append(CatalogError(display, 1, "", f"expected {expected}"))

    def validate(self, model: type, origin: Origin, item: Any) -> Any:
        try:
            return validate_plain(model, item)
        except ValidationError as exc:
            self.errors.extend(validation_errors(exc, origin.doc, origin.file, origin.path))
            return None

    # -- loading ----------------------------------------------------------------------------

    def load(self) -> tuple[Catalog, list[CatalogError]]:
        if not self.root.is_dir():  # one clear line instead of a "missing file" for each expected file
            what = "is not a directory" if self.root.exists() else "does not exist"
            problem = f"{what}; expected the catalog directory"
            return self.catalog, [CatalogError(str(self.root), 1, "", problem)]
        self.load_jurisdictions()
        self.load_policies()
        self.load_departments()
        self.load_templates()
        self.load_mechanisms()
        self.load_lists()
        return self.catalog, sorted(set(self.errors))

    def load_jurisdictions(self) -> None:
        path = self.root / "jurisdictions.yaml"
        if not path.exists():
            self.errors.append(CatalogError(self.display(path), 1, "", "missing file"))
            return
        for origin, item in self.items(path, "jurisdictions"):
            jur = self.validate(Jurisdiction, origin, item)
            if jur is None:
                continue
            if jur.id in self.catalog.jurisdictions:
                self.error(origin, ("id",), "id", f"duplicate jurisdiction {jur.id!r}")
            self.catalog.jurisdictions[jur.id] = jur

    def load_policies(self) -> None:
        path = self.root / "policy.yaml"
        if not path.exists():
            self.errors.append(CatalogError(self.display(path), 1, "", "missing file"))
            return
        before = len(self.errors)
        for origin, item in self.items(path, "policies"):
            policy = self.validate(Policy, origin, item)
            if policy is None:
                continue
            if policy.name in self.catalog.policies:
                self.error(origin, ("name",), "name", f"duplicate policy {policy.name!r}")
            if policy.quote is not None and policy.source is not None:
                self.check_quote(origin, ("quote",), policy.source, policy.quote)
            self.catalog.policies[policy.name] = policy
        self.policies_broken = len(self.errors) > before

    def check_quote(self, origin: Origin, loc: tuple[str | int, ...], source: SourceRef, quote: str) -> None:
        """A quote given as the document's words must occur in the lines it cites (spacing aside)."""
        lines = self.source_lines.get(source.document)
        if lines is None:
            return  # the unknown document is reported by check_source
        cited = re.sub(r"\s+", "", "".join(lines[source.line_start - 1:source.line_end]))
        if re.sub(r"\s+", "", quote) not in cited:
            self.error(origin, loc, _loc_text(origin, loc),
                       f"the quote does not occur in {source.document} lines {source.line_start}-"
                       f"{source.line_end}: {quote[:40]!r}")

    def load_departments(self) -> None:
        self.group_ids: dict[str, str] = {}  # department group id -> where it was defined
        for path in sorted((self.root / "departments").glob("*.yaml")):
            read = self.read(path)
            if read is None:
                self.broken_registries.add(path.stem)
                continue
            display, doc = read
            data = doc.data
            file_origin = Origin(display, doc)
            jurisdiction = data.get("jurisdiction") if isinstance(data, dict) else None
            if isinstance(jurisdiction, dict):  # the full record instead of its id: accept both
                jurisdiction = jurisdiction.get("id")
            if not isinstance(jurisdiction, str) or jurisdiction not in self.catalog.jurisdictions:
                self.error(file_origin, ("jurisdiction",), "jurisdiction",
                           f"unknown jurisdiction {jurisdiction!r} (see jurisdictions.yaml)")
                continue
            if path.stem != jurisdiction:
                self.error(file_origin, ("jurisdiction",), "jurisdiction",
                           f"file {path.name} must be named {jurisdiction}.yaml")
            departments = []
            seq = data.get("departments")
            if not isinstance(seq, list):
                self.error(file_origin, ("departments",), "departments", "must be a list")
                continue
            for i, item in enumerate(seq):
                origin = Origin(display, doc, ("departments", i))
                if isinstance(item, dict) and "jurisdiction" not in item:
                    item = {**item, "jurisdiction": jurisdiction}
                dept = self.validate(Department, origin, item)
                if dept is None:
                    continue
                if dept.jurisdiction != jurisdiction:
                    self.error(origin, ("jurisdiction",), "jurisdiction",
                               f"{dept.jurisdiction!r} in the registry of {jurisdiction!r}")
                    continue
                group_id = dept.group_id
                if not re.match(GROUP_ID_PATTERN, group_id) or len(group_id) > 256:
                    self.error(origin, ("id",), _loc_text(origin, ("id",)),
                               f"group id {group_id!r} is not a valid Camunda group id "
                               f"(it must match {GROUP_ID_PATTERN} and have at most 256 characters)")
                    continue
                if group_id in self.group_ids:
                    self.error(origin, ("id",), _loc_text(origin, ("id",)),
                               f"group id {group_id!r} is already the group of {self.group_ids[group_id]}")
                    continue
                self.group_ids[group_id] = f"{display} departments[{i}]"
                for j, alias in enumerate(dept.aliases):
                    if resolve_role(alias) is not None:
                        self.error(origin, ("aliases", j), f"departments[{i}].aliases[{j}]",
                                   f"{alias!r} is a role placeholder, not a department")
                departments.append((origin, dept))
            try:
                registry = DepartmentRegistry(jurisdiction, (d for _, d in departments))
            except DuplicateName as exc:
                self.error(file_origin, ("departments",), "departments", str(exc))
                self.broken_registries.add(jurisdiction)
                continue
            for origin, dept in departments:
                if dept.parent is not None and dept.parent not in registry.departments:
                    self.error(origin, ("parent",), _loc_text(origin, ("parent",)),
                               f"unknown parent department id {dept.parent!r} in {jurisdiction}")
            self.catalog.registries[jurisdiction] = registry

    def load_templates(self) -> None:
        for path in sorted((self.root / "procedures").glob("*.yaml")):
            for origin, item in self.items(path, "templates", single="procedure"):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    self.catalog.seen_ids.add(f"template:{item['id']}")
                template = self.validate(ProcedureTemplate, origin, item)
                if template is None:
                    continue
                if template.id in self.catalog.templates:
                    self.error(origin, ("id",), "id", f"duplicate procedure template {template.id!r}")
                    continue
                self.check_source(origin, ("source",), template.source.document, template.source.line_end)
                if template.jurisdiction is not None:
                    self.check_procedure_departments(origin, ("procedure",), template.jurisdiction,
                                                     template.procedure)
                self.check_policies(origin, ("procedure",), template.procedure)
                self.catalog.templates[template.id] = template
                self.catalog.origins[f"template:{template.id}"] = origin

    def load_mechanisms(self) -> None:
        base = self.root / "mechanisms"
        for path in sorted(base.glob("*/*.yaml")) + sorted(base.glob("*.yaml")):
            for origin, item in self.items(path, "mechanisms", single="id"):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    self.catalog.seen_ids.add(item["id"])
                mech = self.validate(Mechanism, origin, item)
                if mech is None:
                    continue
                if mech.id in self.catalog.mechanisms:
                    other = self.catalog.origins[mech.id]
                    self.error(origin, ("id",), "id",
                               f"duplicate mechanism id {mech.id!r} (also {other.file}:{other.line()})")
                    continue
                if not mech.id.startswith(f"{mech.jurisdiction}_"):
                    self.error(origin, ("id",), _loc_text(origin, ("id",)),
                               f"mechanism ids start with their jurisdiction: {mech.jurisdiction}_…")
                if path.parent != base and path.parent.name != mech.jurisdiction:
                    self.error(origin, ("jurisdiction",), "jurisdiction",
                               f"mechanism of {mech.jurisdiction!r} filed under {path.parent.name}/")
                mech = self.check_mechanism(origin, mech)
                if mech is not None:
                    self.catalog.mechanisms[mech.id] = mech
                    self.catalog.origins[mech.id] = origin

    def load_lists(self) -> None:
        for path in sorted((self.root / "lists").glob("*.yaml")):
            for origin, item in self.items(path, "duty_lists", single="town"):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    self.catalog.seen_ids.add(f"list:{item['id']}")
                duty_list = self.validate(DutyList, origin, item)
                if duty_list is None:
                    continue
                self.check_duty_list(origin, duty_list)
                self.catalog.duty_lists.append(duty_list)

    # -- cross-checks -----------------------------------------------------------------------

    def registry(
        self, origin: Origin, loc: tuple[str | int, ...], jurisdiction: str
    ) -> DepartmentRegistry | None:
        if jurisdiction not in self.catalog.jurisdictions:
            self.error(origin, loc, "jurisdiction", f"unknown jurisdiction {jurisdiction!r}")
            return None
        registry = self.catalog.registries.get(jurisdiction)
        if registry is None and jurisdiction not in self.broken_registries:
            self.error(origin, loc, "jurisdiction",
                       f"no department registry config/departments/{jurisdiction}.yaml")
        return registry

    def check_department(self, origin: Origin, loc: tuple[str | int, ...], registry: DepartmentRegistry,
                         reference: str, allow_role: bool = False) -> None:
        if registry.resolve(reference) is not None:
            return
        role = resolve_role(reference)
        if role is not None and allow_role:
            return
        hint = f" (it is the role {role.value!r}, not a department)" if role is not None else ""
        self.error(origin, loc, _loc_text(origin, loc),
                   f"unknown department {reference!r} in {registry.jurisdiction}{hint}")

    def check_source(self, origin: Origin, loc: tuple[str | int, ...], document: str, line_end: int) -> None:
        length = self.source_lengths.get(document)
        if length is None:
            self.error(origin, (*loc, "document"), _loc_text(origin, (*loc, "document")),
                       f"unknown source document {document!r} (not in config/sources/)")
        elif line_end > length:
            self.error(origin, (*loc, "line_end"), _loc_text(origin, (*loc, "line_end")),
                       f"line {line_end} is past the end of {document} ({length} lines)")

    def check_policies(self, origin: Origin, loc: tuple[str | int, ...], procedure: Procedure) -> None:
        for i, step in enumerate(procedure.steps):
            deadlines: list[tuple[tuple[str | int, ...], Deadline]] = []
            if step.deadline is not None:
                deadlines.append(((*loc, "steps", i, "deadline"), step.deadline))
                if step.deadline.urgent_variant is not None:
                    deadlines.append(((*loc, "steps", i, "deadline", "urgent_variant"),
                                      step.deadline.urgent_variant))
            if step.deadline is not None and step.deadline.urgent_variant is not None \
                    and step.deadline.urgent_if is None:
                dloc = (*loc, "steps", i, "deadline", "urgent_if")
                self.error(origin, dloc, _loc_text(origin, dloc),
                           "an urgent variant needs urgent_if: the decision step and outcome (情况紧急) that "
                           "select it, or the urgent limit never applies")
            for dloc, deadline in deadlines:
                unknown = deadline.policy is not None and deadline.policy not in self.catalog.policies
                if unknown and not self.policies_broken:
                    self.error(origin, (*dloc, "policy"), _loc_text(origin, (*dloc, "policy")),
                               f"unknown policy {deadline.policy!r} (see policy.yaml)")
                policy = self.catalog.policies.get(deadline.policy or "")
                if policy is not None and (policy.amount, policy.unit) != (deadline.amount, deadline.unit):
                    self.error(origin, dloc, _loc_text(origin, dloc),
                               f"policy {policy.name!r} reads its terms as {policy.amount} "
                               f"{policy.unit.value}, the deadline says {deadline.amount} "
                               f"{deadline.unit.value}")
                if deadline.source is not None:
                    self.check_source(origin, (*dloc, "source"), deadline.source.document,
                                      deadline.source.line_end)

    def check_procedure_departments(self, origin: Origin, loc: tuple[str | int, ...], jurisdiction: str,
                                    procedure: Procedure) -> None:
        registry = self.registry(origin, loc, jurisdiction)
        if registry is None:
            return
        for i, actor in enumerate(procedure.actors):
            if actor.department is not None:
                self.check_department(origin, (*loc, "actors", i, "department"), registry, actor.department)

    def check_mechanism(self, origin: Origin, mech: Mechanism) -> Mechanism | None:
        registry = self.registry(origin, ("jurisdiction",), mech.jurisdiction)
        self.check_source(origin, ("source",), mech.source.document, mech.source.line_end)
        if registry is not None:
            for i, ref in enumerate(mech.lead):
                self.check_department(origin, ("lead", i), registry, ref)
            for i, ref in enumerate(mech.collaborators):
                self.check_department(origin, ("collaborators", i), registry, ref)
            for i, duty in enumerate(mech.duties):
                if duty.department is not None:
                    self.check_department(origin, ("duties", i, "department"), registry, duty.department)
        procedure = mech.procedure
        if mech.procedure_template is not None and mech.procedure is None:
            template = self.catalog.templates.get(mech.procedure_template)
            if template is None and f"template:{mech.procedure_template}" in self.catalog.seen_ids:
                return None  # the template is there but invalid: its own errors say why
            if template is None:
                self.error(origin, ("procedure_template",), "procedure_template",
                           f"unknown procedure template {mech.procedure_template!r} "
                           "(not in config/procedures/)")
                return None
            if template.jurisdiction not in (None, mech.jurisdiction):
                self.error(origin, ("procedure_template",), "procedure_template",
                           f"template {template.id!r} belongs to {template.jurisdiction!r}")
            procedure = template.procedure
            mech = mech.model_copy(update={"procedure": procedure})
        elif procedure is not None:
            self.check_procedure_departments(origin, ("procedure",), mech.jurisdiction, procedure)
            self.check_policies(origin, ("procedure",), procedure)
        # Role actors whose mechanism names no department (a generic flow) are bound per case at
        # process start; that is the generator's and workers' business, not a catalog error.
        return mech

    def check_duty_list(self, origin: Origin, duty_list: DutyList) -> None:
        registry = self.registry(origin, ("jurisdiction",), duty_list.jurisdiction)
        self.check_source(origin, (), duty_list.source_document, 1)
        if registry is None:
            return
        for i, item in enumerate(duty_list.coordinating):
            for j, ref in enumerate(item.upper_departments):
                self.check_department(origin, ("coordinating", i, "upper_departments", j), registry, ref,
                                      allow_role=True)
            for j, duties in enumerate(item.upper_duties):
                self.check_department(origin, ("coordinating", i, "upper_duties", j, "department"), registry,
                                      duties.department, allow_role=True)
        for i, taken in enumerate(duty_list.taken_back):
            for j, ref in enumerate(taken.receiving_departments):
                self.check_department(origin, ("taken_back", i, "receiving_departments", j), registry, ref)
            self.check_source(origin, ("taken_back", i, "source"), taken.source.document,
                              taken.source.line_end)


def _loc_text(origin: Origin, loc: tuple[str | int, ...]) -> str:
    return format_loc([*origin.path, *loc])
