"""`xietong demo` with a bad --data or a broken catalog: one clear error and the catalog's exit code,
before any engine is started.

In a child process: the demo points structlog at its own log file, which must not leak into other tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.robustness.helpers import assert_no_traceback, run_cli
from xietong.settings import PROJECT_ROOT


def test_data_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    target = tmp_path / "afile" / "sub"
    run = run_cli("demo", "--data", str(target))
    assert_no_traceback(run)
    assert (run.code, run.err) == (1, f"Error: cannot use --data {target}: Not a directory\n")


def test_a_broken_catalog_stops_the_demo_before_the_engine(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config, ignore=shutil.ignore_patterns("yongkang*"))
    mechanism = config / "mechanisms/siyang/command_flow.yaml"
    lines = len(mechanism.read_text(encoding="utf-8").splitlines())
    with mechanism.open("a", encoding="utf-8") as out:
        out.write("id: [\n")
    data = tmp_path / "demo"
    run = run_cli("demo", "--data", str(data), env={"XIETONG_CONFIG_DIR": str(config)})
    assert_no_traceback(run)
    assert run.code == 2
    assert run.err.splitlines() == [
        f"config/mechanisms/siyang/command_flow.yaml:{lines + 2}: -: broken YAML: while parsing a flow node "
        "did not find expected node content",
        "catalog invalid: 1 error(s); run `xietong catalog validate`",
    ]
    assert sorted(p.name for p in data.iterdir()) == ["workers.log"]  # no engine data: it never started
