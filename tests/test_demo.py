"""The README's main job, run as a newcomer runs it: one case end to end on the embedded engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xietong.workers.case_store import CaseStore, EventKind

pytestmark = pytest.mark.slow


def test_demo_runs_a_case_end_to_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xietong", "demo", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "XIETONG_LOG_LEVEL": "WARNING"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    models = len(list((Path(__file__).resolve().parents[1] / "bpmn").rglob("*.bpmn")))
    assert f"{models} processes deployed over gRPC" in out
    assert "completes 「法制审核」 → passed" in out
    assert "⏩ engine clock 09-29 09:00 → 10-01 09:00" in out
    assert "COMPLETED; incidents: 0" in out
    # the 督办 names the lead and the late departments (Zeebe passes headers verbatim: the model computes
    # them into variables the header refers to)
    assert "督办 collaborator_documents by 泗阳县市场监督管理局 to 泗阳县消防救援大队、泗阳县公安局、" in out
    # the supervisor's console at the moment the deadline passed: one line for the seven collaborators
    assert "SY-2025-0001  [overdue]  siyang_joint_enforcement  opened 09-29 09:00  督办 ×1" in out
    step = "waits at 「配合单位汇总法律文书并报牵头单位」"
    (waiting,) = [line for line in out.splitlines() if step in line]
    assert waiting.count("、") == 6 and "泗阳县公安局" in waiting
    assert waiting.endswith("due 09-30 23:59 (overdue 9 h)")

    # The story's claims are in the real stores it names.
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        events = store.events("SY-2025-0001")
        supervised = [e for e in events if e.kind is EventKind.SUPERVISED]
        assert [e.step_id for e in supervised] == ["collaborator_documents"]
        deadlines = {e.step_id: e.detail["due"] for e in events if e.kind is EventKind.DEADLINE_SET}
        # 1 working day from Mon 29 Sep 2025; the report's 5 working days count from 执法工作结束 (also
        # Mon 29 Sep, issue 14), skipping 国庆 (1–8 Oct) and counting the adjusted workday Sat 11 Oct.
        assert deadlines == {
            "collaborator_documents": "2025-09-30T23:59:59+08:00",
            "report_results": "2025-10-13T23:59:59+08:00",
        }
        case = store.get("SY-2025-0001")
        assert case is not None
        assert case.mechanism_id == "siyang_joint_enforcement"
    assert (tmp_path / "engine" / "engine.db").is_file()

    # Every hint the demo ends with works as printed (absolute paths: they run from any folder).
    hints = out[out.index("look further:"):].splitlines()[1:]
    commands = [
        line.split("   (")[0].split() for line in hints if " catalog show " in line or " inspect " in line
    ]
    assert len(commands) == 2
    for command in commands:
        assert Path(command[0]).is_absolute()
        hint = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert hint.returncode == 0, hint.stdout + hint.stderr
