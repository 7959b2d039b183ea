"""Soak: engine memory and database size stay flat under steady load once retention has caught up
(issue 17, item 1).

    .venv/bin/python benchmarks/soak_bench.py                 # 30 minutes at 100 instances/s
    .venv/bin/python benchmarks/soak_bench.py --short         # 3 minutes, 60 s retention (a quick look)
    .venv/bin/python benchmarks/soak_bench.py --minutes 10 --rate 50 --retention 120

Starts instances of the 10-service-task process at a steady rate on the real clock, works their jobs
in-process, and samples the process's RSS, the database and WAL file sizes, the history rows and the
open instances every few seconds. The retention is short (``--retention`` seconds) so that pruning
begins within the run; figures are judged from the moment the first finished instances expire plus
one sample period. Prints each sample, then min/max of RSS and database size over that steady part
and their spread around the median (the target is ±10 %).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import Future
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from engine_bench import TEN_TASKS, rss_bytes

from xietong.engine import Engine
from xietong.engine.commands import ActivateJobs, CompleteJob, CreateProcessInstance, Deploy
from xietong.engine.settings import EngineSettings


def _sizes(data: Path) -> tuple[int, int]:
    db, wal = data / "engine.db", data / "engine.db-wal"
    return db.stat().st_size, wal.stat().st_size if wal.exists() else 0


def _rows(data: Path) -> tuple[int, int]:
    reader = sqlite3.connect(f"file:{data / 'engine.db'}?mode=ro", uri=True)
    try:
        history = reader.execute("SELECT count(*) FROM history").fetchone()[0]
        records = reader.execute("SELECT count(*) FROM records").fetchone()[0]
        return history, records
    finally:
        reader.close()


def soak(minutes: float, rate: float, retention_s: int, sample_s: float) -> None:
    settings = EngineSettings(history_retention=timedelta(seconds=retention_s))
    print(
        f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the machine is shared); "
        f"{rate:.0f} instances/s for {minutes:g} min, retention {retention_s} s"
    )
    print(
        f"{'t (s)':>6} {'RSS MiB':>8} {'db MiB':>7} {'wal MiB':>8} {'history':>8} {'records':>8} "
        f"{'open':>6} {'done':>7}"
    )
    samples: list[tuple[float, int, int]] = []
    with tempfile.TemporaryDirectory() as tmp, Engine(Path(tmp), settings=settings) as engine:
        data = Path(tmp)
        engine.execute(Deploy((("ten.bpmn", TEN_TASKS),)))
        started = time.monotonic()
        end = started + minutes * 60
        next_sample = started
        created = 0
        pending: list[Future[Any]] = []
        done = 0
        while (now := time.monotonic()) < end:
            due = int((now - started) * rate)
            for _ in range(due - created):
                pending.append(engine.submit(CreateProcessInstance(bpmn_process_id="ten", await_result=True)))
            created = max(created, due)
            jobs = engine.execute(ActivateJobs("step", "soak", 60_000, 1_000))
            if jobs:
                futures = [engine.submit(CompleteJob(job.key)) for job in jobs]
                futures[-1].result()
            still = [f for f in pending if not f.done()]
            done += len(pending) - len(still)
            pending = still
            if now >= next_sample:
                db, wal = _sizes(data)
                history, records = _rows(data)
                rss = rss_bytes()
                t = now - started
                samples.append((t, rss, db))
                print(
                    f"{t:6.0f} {rss / 2**20:8.1f} {db / 2**20:7.1f} {wal / 2**20:8.1f} {history:8d} "
                    f"{records:8d} {len(pending):6d} {done:7d}",
                    flush=True,
                )
                next_sample += sample_s
            if not jobs:
                time.sleep(0.005)  # a benchmark's pacing loop, not a test
    steady = [s for s in samples if s[0] >= retention_s + 2 * sample_s]
    if len(steady) < 2:
        print("run too short for a steady state: lengthen --minutes or shorten --retention")
        return
    for name, index, unit in (("RSS", 1, 2**20), ("database", 2, 2**20)):
        values = [s[index] for s in steady]
        median = statistics.median(values)
        spread = max(abs(v - median) for v in values) / median * 100
        print(
            f"steady {name}: min {min(values) / unit:.1f} MiB, median {median / unit:.1f} MiB, "
            f"max {max(values) / unit:.1f} MiB — within ±{spread:.1f} % of the median "
            f"({len(values)} samples from t={steady[0][0]:.0f} s)"
        )
    print(f"completed {done} instances ({done / (minutes * 60):.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="3 minutes, 60 s retention, 10 s samples")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=100.0, help="instances started per second")
    parser.add_argument("--retention", type=int, default=300, help="history retention in seconds")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    args = parser.parse_args()
    if args.short:
        args.minutes, args.retention, args.sample = 3.0, 60, 10.0
    soak(args.minutes, args.rate, args.retention, args.sample)


if __name__ == "__main__":
    main()
