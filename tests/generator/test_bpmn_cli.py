"""`xietong bpmn generate` and `xietong bpmn check` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from xietong.cli import cli
from xietong.settings import get_settings


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_generate_then_refuse_a_hand_edit_then_force(tmp_path: Path) -> None:
    config = str(get_settings().config_dir)
    code, out = _run("bpmn", "generate", "--config", config, "--out", str(tmp_path))
    assert code == 0, out
    files = sorted(tmp_path.glob("*/*.bpmn"))
    assert files and (tmp_path / "element-templates" / "xietong.triage.json").is_file()
    target = files[0]
    tree = etree.parse(str(target))
    task = tree.xpath("//*[local-name()='userTask' or local-name()='serviceTask']")[0]
    task.set("name", "设计人员改过的名字")
    tree.write(str(target), xml_declaration=True, encoding="UTF-8")
    manifest = json.loads((tmp_path / "fingerprints.json").read_text(encoding="utf-8"))
    rel = str(target.relative_to(tmp_path))
    manifest["files"][rel][task.get("id")] = "0" * 12  # as if the catalog had changed that element since
    (tmp_path / "fingerprints.json").write_text(json.dumps(manifest), encoding="utf-8")
    edited = target.read_bytes()
    code, out = _run("bpmn", "generate", "--config", config, "--out", str(tmp_path))
    assert code == 1
    assert f"refused: {rel}: changed by hand (changed: {task.get('id')})" in out
    assert target.read_bytes() == edited  # nothing lost
    code, out = _run("bpmn", "generate", "--config", config, "--out", str(tmp_path), "--force")
    assert code == 0 and target.read_bytes() != edited


def test_check_without_lint_reports_contract_errors_with_exit_1(tmp_path: Path) -> None:
    config = str(get_settings().config_dir)
    assert _run("bpmn", "generate", "--config", config, "--out", str(tmp_path))[0] == 0
    target = sorted(tmp_path.glob("*/*.bpmn"))[0]
    code, out = _run("bpmn", "check", "--no-lint", str(target))
    assert code == 0 and "1 files, 0 errors" in out
    target.write_bytes(target.read_bytes().replace(b'type="xietong.', b'type="other.', 1))
    code, out = _run("bpmn", "check", "--no-lint", str(target))
    assert code == 1 and "xietong/unknown-task-type" in out and str(target) in out


def test_generate_reports_catalog_errors(tmp_path: Path) -> None:
    (tmp_path / "mechanisms").mkdir()
    (tmp_path / "mechanisms" / "bad.yaml").write_text("mechanisms:\n  - id: 1\n", encoding="utf-8")
    code, out = _run("bpmn", "generate", "--config", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code != 0 and "nothing generated" in out
    assert not (tmp_path / "out").exists()


def test_generate_check_lists_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    config = str(get_settings().config_dir)
    code, out = _run("bpmn", "generate", "--check", "--config", config, "--out", str(tmp_path))
    assert code == 1 and "would change: fingerprints.json" in out
    assert list(tmp_path.iterdir()) == []
    assert _run("bpmn", "generate", "--config", config, "--out", str(tmp_path))[0] == 0
    code, out = _run("bpmn", "generate", "--check", "--config", config, "--out", str(tmp_path))
    assert code == 0 and out.startswith("0 of ")
