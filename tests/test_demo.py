"""The README's main job, run as a newcomer runs it: one case end to end on the embedded engine."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from xietong.workers.case_store import CaseStore, EventKind

pytestmark = pytest.mark.slow
T = TypeVar("T")


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
    assert "SY-2025-0001  [逾期 overdue]  siyang_joint_enforcement  开始 09-29 09:00  督办 ×1" in out
    step = "等待「配合单位汇总法律文书并报牵头单位」"
    (waiting,) = [line for line in out.splitlines() if step in line]
    assert waiting.count("、") == 6 and "泗阳县公安局" in waiting
    assert waiting.endswith("时限 09-30 23:59（已逾期 9 小时）")

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

    # The urgent chapter (issue 14): the 武义 clerk decides 情况紧急, so the transfer is due 24 clock hours
    # after the discovery (10-01 09:00, three hours before the decision) — not 3 working days across 国庆 —
    # and the 督办 comes once the engine clock passes it; the 泗阳 emergency goes up to 县委县政府 and back.
    assert "completes 「研判是否情况紧急」 → 情况紧急" in out
    assert (
        "「以部门名义书面移送案件」 due 10-02 09:00 = 24 hours from discovery 10-01 09:00 "
        "(not 3 working days: 10-11 23:59)" in out
    )
    assert "督办 「以部门名义书面移送案件」 to 武义县农业农村局; the transfer stays open" in out
    assert "WY-2025-0001: COMPLETED; incidents: 0; 督办 ×1" in out
    assert "「及时上报县委县政府」 due 10-02 12:00 (及时上报 = 2 clock hours" in out
    assert "督办 「及时上报县委县政府」 to 泗阳县市场监督管理局" in out
    lines = out.splitlines()
    assert any("泗阳县人民政府" in line and "completes 「县委县政府审核」 → 同意" in line for line in lines)
    assert "completes 「协调有关配合单位共同组织实施」" in out
    assert any("7 配合单位" in line and "complete 「配合单位派员按指定时间地点集中参加执法」" in line
               for line in lines)
    assert "SY-2025-0002: COMPLETED; incidents: 0; 督办 ×1" in out
    with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
        (urgent,) = [
            e for e in store.events("WY-2025-0001")
            if e.kind is EventKind.DEADLINE_SET and e.step_id == "transfer_case"
        ]
        started = datetime.fromisoformat(urgent.detail["startedAt"])
        assert started == datetime.fromisoformat("2025-10-01T09:00:00+08:00")  # discovery, not the decision
        assert urgent.detail["limit"] == {"amount": 24, "unit": "hours"}
        assert datetime.fromisoformat(urgent.detail["due"]) == started + timedelta(hours=24)
        assert [e.step_id for e in store.events("WY-2025-0001") if e.kind is EventKind.SUPERVISED] == [
            "transfer_case"
        ]
        assert [e.step_id for e in store.events("SY-2025-0002") if e.kind is EventKind.SUPERVISED] == [
            "report_emergency"
        ]

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


def test_demo_serve_hands_the_engine_and_workers_back_to_real_time(tmp_path: Path) -> None:
    """After the story (its clock pinned before 国庆 2025) the served engine and the workers run on real
    time: the fresh case SY-2025-0100 is moved on by its clerks and the workers record it today."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "xietong", "demo", "--serve", "--data", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "XIETONG_LOG_LEVEL": "WARNING"},
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert demo.stdout is not None
        for line in demo.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    out: list[str] = []
    try:
        while not out or "keep running" not in out[-1]:
            line = lines.get(timeout=300)  # the story's own chapters, then the served engine's lines
            assert line is not None, "".join(out)
            out.append(line)
        text = "".join(out)
        assert "engine clock reset to real time" in text
        rest_url = re.search(r"REST API v2 on (\S+)", text)
        assert rest_url is not None
        people = {}  # group name -> (login, password), as the People chapter prints them
        for line in out:
            fields = line.split()
            if len(fields) == 4 and fields[2] == "clerk":
                people[fields[3]] = (fields[0], fields[1])
        applicant = people["泗阳县市场监督管理局"]
        centre = people["泗阳县综合指挥调度中心"]

        with httpx.Client(base_url=rest_url[1], timeout=30) as rest:
            clock = rest.get("/v2/clock", auth=applicant).json()
            assert abs(clock["timestamp"] / 1000 - time.time()) < 600 and not clock["pinned"]
            for who, decision in ((applicant, {}), (centre, {"outcome": "eligible"})):
                task = _first_open_task(rest, who, "SY-2025-0100")
                done = rest.post(
                    f"/v2/user-tasks/{task['userTaskKey']}/completion", json={"variables": decision}, auth=who
                )
                assert done.status_code == 204, done.text
        with CaseStore(f"sqlite:///{tmp_path / 'cases.db'}") as store:
            transfer = _poll(
                lambda: [e for e in store.events("SY-2025-0100") if e.kind is EventKind.TRANSFERRED]
            )
        assert abs((transfer[0].at - datetime.now(UTC)).total_seconds()) < 600  # today, not 10-01-2025
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(timeout=120)
    assert code == 0, "".join(out)


def _first_open_task(rest: httpx.Client, who: tuple[str, str], case_id: str) -> dict[str, Any]:
    body = {
        "filter": {
            "state": "CREATED",
            "processInstanceVariables": [{"name": "caseId", "value": f'"{case_id}"'}],
        }
    }
    return _poll(lambda: rest.post("/v2/user-tasks/search", json=body, auth=who).json()["items"])[0]


def _poll(probe: Callable[[], T]) -> T:
    """Until ``probe`` returns something (the workers and the engine act on their own threads)."""
    deadline = time.monotonic() + 60
    while not (found := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)  # polling interval; the loop ends on the awaited state
    return found
