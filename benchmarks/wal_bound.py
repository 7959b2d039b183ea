"""The write-ahead log's size under sustained load: it must stay bounded while the engine runs.

Several threads create instances with a sizeable variables document and complete their jobs for
``--seconds``; the WAL file (``engine.db-wal``) is sampled throughout. Prints the largest and the
final WAL size, the database size and the throughput. The bound is WAL_LIMIT_BYTES (64 MiB) plus at
most one batch written between two checks.

    .venv/bin/python benchmarks/wal_bound.py --seconds 60 --clients 8
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from pathlib import Path

from xietong.engine.commands import ActivateJobs, CompleteJob, CreateProcessInstance, Deploy
from xietong.engine.engine import Engine
from xietong.engine.state.store import WAL_LIMIT_BYTES
from xietong.engine.testing import bpmn, one_task

MODEL = bpmn(one_task("wal.work"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--payload-bytes", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(Path(folder) / "data").start()
        wal = Path(folder) / "data" / "engine.db-wal"
        engine.execute(Deploy((("wal.bpmn", MODEL),)))
        stop = threading.Event()
        created = [0] * args.clients
        payload = {"evidence": "证" * (args.payload_bytes // 3)}

        def client(index: int) -> None:
            while not stop.is_set():
                futures = [
                    engine.submit(CreateProcessInstance(bpmn_process_id="p", variables=payload))
                    for _ in range(20)
                ]
                for future in futures:
                    future.result()
                created[index] += len(futures)
                for job in engine.execute(ActivateJobs("wal.work", "bench", 60_000, 20)):
                    engine.submit(CompleteJob(job.key, {"done": True}))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        largest = 0
        while time.monotonic() - started < args.seconds:
            with contextlib.suppress(FileNotFoundError):
                largest = max(largest, wal.stat().st_size)
            time.sleep(0.1)  # sampling interval of the measurement
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        final = wal.stat().st_size if wal.exists() else 0
        database = (Path(folder) / "data" / "engine.db").stat().st_size
        engine.close()
        mib = 1024 * 1024
        print(f"clients {args.clients}, {elapsed:.0f} s, payload {args.payload_bytes} B")
        print(f"instances created: {sum(created)} ({sum(created) / elapsed:.0f}/s)")
        print(
            f"WAL largest: {largest / mib:.1f} MiB (limit {WAL_LIMIT_BYTES / mib:.0f} MiB), "
            f"at the end: {final / mib:.1f} MiB"
        )
        print(f"database: {database / mib:.1f} MiB")


if __name__ == "__main__":
    main()
