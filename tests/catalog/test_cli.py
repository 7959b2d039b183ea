"""The `xietong catalog` commands, run through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from xietong.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_ok_with_counts(config_copy: Path) -> None:
    code, out, _ = run("catalog", "--config", str(config_copy), "validate")
    assert code == 0, out
    assert "catalog valid:" in out and "mechanisms" in out


def test_validate_exit_2_with_every_error(config_copy: Path) -> None:
    path = config_copy / "mechanisms" / "siyang" / "joint_items.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lead: [市场监管局]", "lead: [市监局]"),
                    encoding="utf-8")
    code, out, _ = run("catalog", "--config", str(config_copy), "validate")
    assert code == 2
    lines = [ln for ln in out.splitlines() if "市监局" in ln]
    assert len(lines) == 5
    assert all(ln.startswith("config/mechanisms/siyang/joint_items.yaml:") for ln in lines)


def test_list_and_show(config_copy: Path) -> None:
    code, out, _ = run("catalog", "--config", str(config_copy), "list", "-j", "siyang")
    assert code == 0
    assert "siyang_joint_39" in out and "火灾防控" in out
    code, out, _ = run("catalog", "--config", str(config_copy), "show", "siyang_joint_11")
    assert code == 0
    assert "违章建筑拆除联合执法" in out
    assert "role territorial_town" in out
    assert "5 working days" in out and "lines 92" not in out
    code, out, _ = run("catalog", "--config", str(config_copy), "show", "siyang_joint_99")
    assert code != 0


def test_list_never_cuts_an_id_even_on_a_narrow_terminal(config_copy: Path) -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["catalog", "--config", str(config_copy), "list"])
    assert result.exit_code == 0
    ids = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert "eshan_emergency_police_support" in ids and not any(i.endswith("…") for i in ids)


def test_export_json_shape(config_copy: Path) -> None:
    code, out, _ = run("catalog", "--config", str(config_copy), "export")
    assert code == 0
    data = json.loads(out)
    assert data["format"] == "xietong.catalog/1"
    assert set(data) >= {"jurisdictions", "policies", "departments", "procedure_templates", "mechanisms",
                         "duty_lists", "counts"}
    item = next(m for m in data["mechanisms"] if m["id"] == "siyang_joint_01")
    assert item["procedure"]["steps"][0]["id"] == "apply"  # template expanded
    assert item["department_ids"]["市场监管局"] == "market_regulation"


def test_import_reports_differences_and_never_overwrites(config_copy: Path) -> None:
    path = config_copy / "mechanisms" / "siyang" / "joint_items.yaml"
    original = "title: 农贸市场安全方面的综合执法"
    edited = path.read_text(encoding="utf-8").replace(original, "title: 农贸市场执法", 1)
    path.write_text(edited, encoding="utf-8")
    code, out, _ = run("catalog", "--config", str(config_copy), "import", "-d", "001_2fe61fa7fe079855.txt",
                       "--check", "--write-new")
    assert code == 1
    assert "CHANGED  mechanism siyang_joint_01.title" in out
    assert path.read_text(encoding="utf-8") == edited  # the reviewed file is untouched
    assert not (config_copy / "mechanisms" / "siyang" / "siyang_joint_01.yaml").exists()


def test_import_writes_only_new_records(config_copy: Path) -> None:
    path = config_copy / "mechanisms" / "siyang" / "joint_items.yaml"
    text = path.read_text(encoding="utf-8")
    cut = text.index("  - id: siyang_joint_39")
    path.write_text(text[:cut], encoding="utf-8")
    code, out, _ = run("catalog", "--config", str(config_copy), "import", "-d", "001_2fe61fa7fe079855.txt",
                       "--write-new")
    assert code == 0, out
    assert "NEW      mechanism siyang_joint_39" in out
    written = config_copy / "mechanisms" / "siyang" / "siyang_joint_39.yaml"
    assert written.exists()
    code, out, _ = run("catalog", "--config", str(config_copy), "validate")
    assert code == 0, out


def test_bare_catalog_command_shows_the_catalog(config_copy: Path) -> None:
    code, out, _ = run("catalog", "--config", str(config_copy))
    assert code == 0
    assert "siyang_joint_01" in out and "wuyi_case_transfer" in out and "eshan_first_ask" in out
    assert "115 basic duties" in out


def test_import_diff_is_aligned_by_step_id(config_copy: Path) -> None:
    path = config_copy / "procedures" / "siyang_joint_enforcement.yaml"
    text = path.read_text(encoding="utf-8")
    assert "name: 派送联动执法任务" in text
    path.write_text(text.replace("name: 派送联动执法任务", "name: 派送任务"), encoding="utf-8")
    code, out, _ = run("catalog", "--config", str(config_copy), "import", "-d", "001_2fe61fa7fe079855.txt")
    assert code == 0
    assert "CHANGED  template siyang_joint_enforcement.procedure.steps[id=dispatch].name" in out
    changed = [line for line in out.splitlines() if line.strip().startswith("CHANGED")]
    # editing the reviewed procedure re-opens the reviewed decision on it: every difference of that
    # field is shown again (one per step or field, aligned by id), nothing of any other record
    assert changed and all("template siyang_joint_enforcement.procedure." in line for line in changed)
    assert sum("steps[id=dispatch].name" in line for line in changed) == 1


def test_import_check_accepts_reviewed_decisions_and_fails_on_new_drift(config_copy: Path) -> None:
    code, out, _ = run("catalog", "--config", str(config_copy), "import", "--check", "-d",
                       "003_3683dd0429a6386d.txt")
    assert code == 0, out
    assert "0 differences (" in out and "accepted by reviewed decisions" in out
    path = config_copy / "mechanisms" / "wuyi" / "wuyi_case_transfer.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: 部门领导批准移送", "name: 领导批准", 1), encoding="utf-8")
    code, out, _ = run("catalog", "--config", str(config_copy), "import", "--check", "-d",
                       "003_3683dd0429a6386d.txt")
    assert code == 1
    assert "mechanism wuyi_case_transfer.procedure.steps[id=leader_approval]" in out
    assert "import-decisions.yaml: {record: mechanism wuyi_case_transfer, field: procedure" in out


def test_route_a_matter(config_copy: Path) -> None:
    code, out, _ = run("catalog", "--config", str(config_copy), "route", "出具无犯罪记录证明")
    assert code == 0
    assert "refuse_taken_back" in out and "县公安局" in out


def test_schema_of_a_model() -> None:
    code, out, _ = run("catalog", "schema", "Step")
    assert code == 0
    data = json.loads(out)
    assert "deadline" in data["properties"] and data["properties"]["id"]["description"]
    code, _, _ = run("catalog", "schema", "Nope")
    assert code != 0
