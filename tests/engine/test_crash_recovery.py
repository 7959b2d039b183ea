"""Kill -9 a real engine process mid-load: after restart nothing acknowledged is lost, no job is
duplicated, and every instance still runs to completion exactly as without the crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from xietong.engine import Engine
from xietong.engine.commands import ActivateJobs, CompleteJob

DRIVER = Path(__file__).with_name("crash_driver.py")
STEPS = 5


@pytest.mark.slow
def test_sigkill_mid_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    env = {**os.environ, "XIETONG_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, str(DRIVER), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    created: list[int] = []
    completed: list[int] = []
    try:
        assert proc.stdout is not None
        while len(completed) < 600:  # mid-load: hundreds of commands acknowledged, more in flight
            line = proc.stdout.readline()
            assert line, "the driver stopped before being killed"
            kind, key = line.split()
            (created if kind == "created" else completed).append(int(key))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with Engine(tmp_path) as engine:
        instances = {v.process_instance_key: v for v in engine.queries.search_process_instances()}
        assert set(created) <= set(instances), "an acknowledged instance was lost"
        for job_key in completed:
            assert engine.query(lambda p, k=job_key: k not in p.state.jobs), (
                f"completed job {job_key} came back"
            )
        # no job duplicated: one JOB CREATED per task element instance, never a second
        per_element: Counter[int] = Counter()
        for pi in instances:
            for record in engine.queries.records(pi):
                if record.value_type == "JOB" and record.intent == "CREATED":
                    per_element[record.value["elementInstanceKey"]] += 1
        assert per_element and max(per_element.values()) == 1
        completed_records = Counter(
            r.key
            for pi in instances
            for r in engine.queries.records(pi)
            if r.value_type == "JOB" and r.intent == "COMPLETED"
        )
        assert all(completed_records[k] == 1 for k in completed)
        # finish the work: every instance completes with every step's variable, as without the crash.
        # Jobs the driver had activated when it died stay activated until their 10-minute timeout: the
        # engine's clock moves past it, and the drain goes on until every instance has ended.
        engine.clock.add(timedelta(minutes=11))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for step in range(STEPS):
                for job in engine.execute(ActivateJobs(f"step{step}", "after", 60_000, 1000)):
                    engine.execute(CompleteJob(job.key, {f"done{step}": True}))
            if all(engine.queries.get_process_instance(pi).state != "ACTIVE" for pi in instances):
                break
        for pi in instances:
            assert engine.queries.get_process_instance(pi).state == "COMPLETED"
            variables = engine.queries.variables(pi)
            assert all(variables.get(f"done{s}") is True for s in range(STEPS)), (pi, variables)
