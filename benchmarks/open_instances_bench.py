"""Throughput and garbage-collector pauses with many open instances (issue 17, item 2).

    .venv/bin/python benchmarks/open_instances_bench.py                  # 100,000 open, policy on
    .venv/bin/python benchmarks/open_instances_bench.py --no-policy      # CPython's default collector
    .venv/bin/python benchmarks/open_instances_bench.py --open 20000 --instances 2000

Opens N instances waiting on a job nobody works (one service task, one variable each), restarts the
engine so they are loaded from the database as a county's engine would after an upgrade, then runs
the 10-service-task process with jobs completed in-process and prints completed instances/s (wall and
per CPU-second of this process) and every collector pause measured with ``gc.callbacks`` (count,
longest, p99 per generation) during that run. ``--no-policy`` keeps CPython's default thresholds and
no freezing, for the comparison.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from engine_bench import TEN_TASKS, WAITING, rss_bytes, run_to_completion, submit_all

from xietong.engine import Engine
from xietong.engine.collector import CollectorPolicy
from xietong.engine.commands import CreateProcessInstance, Deploy


class PauseMeter:
    """Collector pauses by generation, from ``gc.callbacks`` (start/stop of every collection)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.wall: list[float] = []
        self._started = 0.0
        self._started_wall = 0.0
        self.on = False

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        # the collector's own CPU time (thread_time): on a shared machine the wall-clock span of a
        # collection also holds time the thread spent preempted, which is printed apart
        if phase == "start":
            self._started = time.thread_time()
            self._started_wall = time.perf_counter()
        elif self.on:
            self.pauses[info["generation"]].append(time.thread_time() - self._started)
            self.wall.append(time.perf_counter() - self._started_wall)

    def report(self) -> str:
        parts = []
        for generation, pauses in self.pauses.items():
            if not pauses:
                parts.append(f"gen{generation}: none")
                continue
            ordered = sorted(pauses)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            parts.append(
                f"gen{generation}: {len(pauses)} collections, longest {ordered[-1] * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms, median {statistics.median(ordered) * 1000:.2f} ms"
            )
        return "; ".join(parts)

    def longest_ms(self) -> float:
        return max((max(p) for p in self.pauses.values() if p), default=0.0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=100_000, help="instances left waiting")
    parser.add_argument("--instances", type=int, default=5_000, help="10-task instances run through")
    parser.add_argument("--no-policy", action="store_true", help="CPython's default collector settings")
    args = parser.parse_args()
    if args.no_policy:
        CollectorPolicy.after_load = lambda self: None  # type: ignore[method-assign]
        CollectorPolicy.between_batches = lambda self, idle: None  # type: ignore[method-assign]
    meter = PauseMeter()
    gc.callbacks.append(meter)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the machine is shared)")
    with tempfile.TemporaryDirectory() as tmp:
        with Engine(Path(tmp)) as engine:
            engine.execute(Deploy((("waiting.bpmn", WAITING), ("ten.bpmn", TEN_TASKS))))
            submit_all(
                engine,
                [
                    CreateProcessInstance(bpmn_process_id="waiting", variables={"caseId": f"C-{i}"})
                    for i in range(args.open)
                ],
            )
        gc.collect()
        started = time.perf_counter()
        with Engine(Path(tmp)) as engine:
            loaded = time.perf_counter() - started
            run_to_completion(engine, "ten", 200, {})  # warm-up
            tracked = len(gc.get_objects()) + gc.get_freeze_count()
            frozen = gc.get_freeze_count()
            meter.on = True
            rate, per_cpu = run_to_completion(engine, "ten", args.instances, {})
            meter.on = False
            rss = rss_bytes()
    policy = (
        "CPython default collector"
        if args.no_policy
        else "engine collector policy (freeze, no automatic full)"
    )
    print(
        f"{args.open} open instances loaded in {loaded:.1f} s; {tracked} objects tracked by the collector "
        f"({frozen} frozen); "
        f"RSS {rss / 2**20:.0f} MiB; {policy}"
    )
    print(
        f"10 service tasks:      {rate:8.0f} completed instances/s, {per_cpu:.0f} per CPU-second "
        f"({args.instances} instances, 1,000 in flight, jobs completed in-process)"
    )
    print(f"collector pauses (CPU): longest {meter.longest_ms():.1f} ms — {meter.report()}")
    print(f"collector pauses (wall, preemption included): longest {max(meter.wall, default=0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
