"""`xietong engine inspect` shows instances and one instance's elements, variables and record log."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from xietong.engine.cli import engine as engine_group
from xietong.engine.testing import Harness, bpmn, one_task

MODEL = bpmn(
    one_task("review"),
    process_id="case",
)


def test_inspect_lists_and_details(h: Harness, tmp_path: Path) -> None:
    h.deploy(MODEL)
    pi = h.start("case", {"申请人": "张三"})
    runner = CliRunner()
    listing = runner.invoke(engine_group, ["inspect", "--data", str(tmp_path / "data")])
    assert listing.exit_code == 0, listing.output
    assert str(pi) in listing.output and "case" in listing.output and "ACTIVE" in listing.output
    detail = runner.invoke(engine_group, ["inspect", "--data", str(tmp_path / "data"), str(pi)])
    assert detail.exit_code == 0, detail.output
    assert "t  (serviceTask, ACTIVATED)" in detail.output
    assert '申请人 = "张三"' in detail.output
    assert "JOB" in detail.output and "CREATED" in detail.output


def test_inspect_finds_a_case_by_its_id_and_shows_china_time(h: Harness, tmp_path: Path) -> None:
    h.deploy(MODEL)
    pi = h.start("case", {"caseId": "SY-2025-0007"})
    detail = CliRunner().invoke(engine_group, ["inspect", "--data", str(tmp_path / "data"), "SY-2025-0007"])
    assert detail.exit_code == 0, detail.output
    assert detail.output.startswith(f"Instance {pi}: case v1 — ACTIVE")
    assert "(times in Asia/Shanghai (北京时间), engine clock)" in detail.output


def test_inspect_unknown_instance_is_an_error(h: Harness, tmp_path: Path) -> None:
    h.deploy(MODEL)
    result = CliRunner().invoke(engine_group, ["inspect", "--data", str(tmp_path / "data"), "42"])
    assert result.exit_code != 0 and "no process instance with key 42" in result.output
    missing = CliRunner().invoke(engine_group, ["inspect", "--data", str(tmp_path / "nothing")])
    assert missing.exit_code != 0 and "engine.db" in missing.output


def test_inspect_filters_by_state(h: Harness, tmp_path: Path) -> None:
    h.deploy(MODEL)
    first = h.start("case")
    h.complete("review")
    second = h.start("case")
    result = CliRunner().invoke(
        engine_group, ["inspect", "--data", str(tmp_path / "data"), "--state", "active"]
    )
    assert result.exit_code == 0, result.output
    assert str(second) in result.output and str(first) not in result.output
