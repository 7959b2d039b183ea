"""Departments as Camunda groups: every candidate group in bpmn/ is a group id Camunda accepts.

Camunda's identity only creates groups whose id matches ``^[a-zA-Z0-9_~@.+-]+$``; the models used to
name departments by their Chinese display names, which no cluster could hold as groups.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from lxml import etree

from xietong.catalog.loader import load_catalog, load_catalog_or_raise
from xietong.catalog.model import GROUP_ID_PATTERN
from xietong.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
BPMN = PROJECT_ROOT / "bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"


def test_every_department_has_a_unique_valid_group_id() -> None:
    catalog = load_catalog_or_raise(CONFIG)
    ids = [d.group_id for registry in catalog.registries.values() for d in registry.departments.values()]
    assert len(ids) > 100 and len(ids) == len(set(ids))
    assert all(re.match(GROUP_ID_PATTERN, group) for group in ids)
    assert "siyang.justice" in ids


def test_candidate_groups_in_bpmn_are_group_ids_or_feel() -> None:
    catalog = load_catalog_or_raise(CONFIG)
    known = {d.group_id for registry in catalog.registries.values() for d in registry.departments.values()}
    seen = 0
    for path in sorted(BPMN.rglob("*.bpmn")):
        for assignment in etree.parse(str(path)).iter(f"{{{ZEEBE}}}assignmentDefinition"):
            groups = assignment.get("candidateGroups") or ""
            seen += 1
            if groups.startswith("="):
                continue  # FEEL yielding a group id from the case (docs/identity.md)
            for group in groups.split(","):
                assert group in known, f"{path.name}: candidate group {group!r} is no department's group id"
    assert seen > 500


def test_a_duplicate_department_id_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config, ignore=shutil.ignore_patterns("yongkang*"))
    path = config / "departments" / "siyang.yaml"
    text = path.read_text(encoding="utf-8").replace("- {id: pboc,", "- {id: justice,", 1)
    path.write_text(text, encoding="utf-8")
    _, errors = load_catalog(config)
    messages = [str(e) for e in errors]
    assert any(
        m.startswith("config/departments/siyang.yaml:") and "group id 'siyang.justice'" in m for m in messages
    ), messages
