"""Validation of the reviewed catalog: every error named by file, line and field."""

from __future__ import annotations

from pathlib import Path

from xietong.catalog.loader import load_catalog

from .conftest import CONFIG

ITEMS = Path("mechanisms/siyang/joint_items.yaml")


def _errors(config: Path) -> list[str]:
    _, errors = load_catalog(config)
    return [str(e) for e in errors]


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_real_catalog_is_valid() -> None:
    catalog, errors = load_catalog(CONFIG)
    assert [str(e) for e in errors if "yongkang" not in e.file] == []
    assert catalog.counts()["mechanisms"] >= 40
    # Templates are expanded: every mechanism has its procedure after loading.
    assert all(m.procedure is not None for m in catalog.mechanisms.values())


def test_unknown_department_names_file_and_line(config_copy: Path) -> None:
    path = config_copy / ITEMS
    text = path.read_text(encoding="utf-8").replace("collaborators: [教育局]", "collaborators: [教委局]", 1)
    path.write_text(text, encoding="utf-8")
    line = _line_of(path, "教委局")
    errors = _errors(config_copy)
    expected = f"config/{ITEMS}:{line}: mechanisms[1].collaborators[0]: unknown department '教委局'"
    assert any(e.startswith(expected) for e in errors), errors


def test_role_used_as_department_gets_a_hint(config_copy: Path) -> None:
    path = config_copy / ITEMS
    text = path.read_text(encoding="utf-8").replace("lead: [人社局]", "lead: [牵头单位]", 1)
    path.write_text(text, encoding="utf-8")
    errors = _errors(config_copy)
    assert any("unknown department '牵头单位'" in e and "role 'lead_department'" in e for e in errors), errors


def test_broken_yaml_names_file_and_line(config_copy: Path) -> None:
    path = config_copy / ITEMS
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[9] = lines[9] + " ]: ["
    path.write_text("\n".join(lines), encoding="utf-8")
    errors = _errors(config_copy)
    assert len([e for e in errors if e.startswith(f"config/{ITEMS}:")]) == 1
    error = next(e for e in errors if e.startswith(f"config/{ITEMS}:"))
    assert "broken YAML" in error
    assert error.split(":")[1] in {"10", "11"}


def test_dangling_template_reference(config_copy: Path) -> None:
    path = config_copy / ITEMS
    text = path.read_text(encoding="utf-8").replace(
        "procedure_template: siyang_joint_enforcement", "procedure_template: siyang_missing", 1)
    path.write_text(text, encoding="utf-8")
    line = _line_of(path, "siyang_missing")
    errors = _errors(config_copy)
    assert f"config/{ITEMS}:{line}: procedure_template: unknown procedure template 'siyang_missing' " \
           "(not in config/procedures/)" in errors


def test_dangling_step_reference_in_procedure(config_copy: Path) -> None:
    path = config_copy / "procedures" / "siyang_joint_enforcement.yaml"
    text = path.read_text(encoding="utf-8").replace("- to: joint_enforcement", "- to: joint_enforcment", 1)
    path.write_text(text, encoding="utf-8")
    lines = path.read_text(encoding="utf-8").split("\n")
    typo = next(i for i, line in enumerate(lines, start=1) if "joint_enforcment" in line)
    next_key = max(i for i, line in enumerate(lines[:typo], start=1) if line.strip() == "next:")
    errors = _errors(config_copy)
    assert errors == [f"config/procedures/siyang_joint_enforcement.yaml:{next_key}: procedure.steps[8].next: "
                      "step 'draft_plan' goes to unknown step 'joint_enforcment'"]


def test_unknown_policy(config_copy: Path) -> None:
    path = config_copy / "procedures" / "siyang_joint_enforcement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("policy: promptly", "policy: whenever", 1),
                    encoding="utf-8")
    line = _line_of(path, "policy: whenever")
    errors = _errors(config_copy)
    assert any(e.startswith(f"config/procedures/siyang_joint_enforcement.yaml:{line}: ")
               and "unknown policy 'whenever'" in e for e in errors), errors


def test_wrong_type_is_not_coerced_and_does_not_cascade(config_copy: Path) -> None:
    path = config_copy / "procedures" / "siyang_joint_enforcement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("amount: 5", "amount: '5'", 1), encoding="utf-8")
    line = _line_of(path, "amount: '5'")
    errors = _errors(config_copy)
    assert len(errors) == 1, errors  # the 40 mechanisms using the template are not blamed
    assert errors[0].startswith(f"config/procedures/siyang_joint_enforcement.yaml:{line}: "
                                "procedure.steps[12].deadline.amount: ")


def test_every_error_is_reported_not_just_the_first(config_copy: Path) -> None:
    path = config_copy / ITEMS
    text = path.read_text(encoding="utf-8").replace("lead: [市场监管局]", "lead: [市监局]")
    path.write_text(text, encoding="utf-8")
    errors = [e for e in _errors(config_copy) if "市监局" in e]
    assert len(errors) == 5  # items 1-5 are all led by 市场监管局


def test_duplicate_alias_across_departments(config_copy: Path) -> None:
    path = config_copy / "departments" / "siyang.yaml"
    text = path.read_text(encoding="utf-8").replace("aliases: [教育局]", "aliases: [教育局, 公安局]", 1)
    path.write_text(text, encoding="utf-8")
    errors = _errors(config_copy)
    assert any("'公安局' names both" in e for e in errors), errors


def test_duplicate_key_is_broken_yaml(config_copy: Path) -> None:
    path = config_copy / "policy.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("amount: 2"))
    lines.insert(index + 1, lines[index])
    path.write_text("\n".join(lines), encoding="utf-8")
    errors = _errors(config_copy)
    expected = f"config/policy.yaml:{index + 2}: policies[0].amount: broken YAML: duplicate key 'amount'"
    assert errors == [expected]  # and no cascade of "unknown policy" errors


def test_mechanism_id_must_carry_its_jurisdiction(config_copy: Path) -> None:
    path = config_copy / ITEMS
    path.write_text(path.read_text(encoding="utf-8").replace("id: siyang_joint_02", "id: joint_02", 1),
                    encoding="utf-8")
    line = _line_of(path, "id: joint_02")
    assert f"config/{ITEMS}:{line}: mechanisms[1].id: mechanism ids start with their jurisdiction: siyang_…" \
        in _errors(config_copy)


def test_unknown_parent_department(config_copy: Path) -> None:
    path = config_copy / "departments" / "eshan.yaml"
    text = path.read_text(encoding="utf-8").replace("parent: public_security", "parent: police_hq", 1)
    path.write_text(text, encoding="utf-8")
    errors = _errors(config_copy)
    assert any("unknown parent department id 'police_hq' in eshan" in e and e.startswith(
        "config/departments/eshan.yaml:") for e in errors), errors


def test_unquoted_yaml_date_is_text(config_copy: Path) -> None:
    path = config_copy / "departments" / "siyang.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("    note: 附件2"))
    lines[index] = "    note: 2021-02-22"
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    catalog, errors = load_catalog(config_copy)
    assert [str(e) for e in errors] == []
    assert catalog.registries["siyang"].departments["justice"].note == "2021-02-22"
