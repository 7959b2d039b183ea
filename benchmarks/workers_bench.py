"""Worker figures: due-date computation, handler throughput on the case store, and cases per second
through a real engine process and the real worker app.

    .venv/bin/python benchmarks/workers_bench.py [--jobs 2000] [--cases 100]

Set XIETONG_CASE_STORE_URL=postgresql://… to measure the handlers on PostgreSQL as well.
Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.workers.engine_harness import (  # noqa: E402
    CHAIN,
    CHAIN_PROCESS_ID,
    HEADERS,
    chain_model,
    deploy,
    poll,
    start_engine,
)
from xietong.workers.app import WorkerApp  # noqa: E402
from xietong.workers.background import BackgroundWorkers  # noqa: E402
from xietong.workers.calendar import CHINA, LimitUnit, TimeLimit, WorkingDayCalendar  # noqa: E402
from xietong.workers.case_store import CaseStatus, CaseStore  # noqa: E402
from xietong.workers.handlers import HANDLERS, JobContext  # noqa: E402
from xietong.workers.settings import WorkerSettings  # noqa: E402

START = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)


def bench_calendar(calendar: WorkingDayCalendar, n: int = 20_000) -> None:
    limit = TimeLimit(5, LimitUnit.WORKING_DAY)
    begin = time.perf_counter()
    for i in range(n):
        calendar.due(START + dt.timedelta(hours=i % 2000), limit)
    per_call = (time.perf_counter() - begin) / n
    print(f"calendar: due(5 workingDays) {per_call * 1e6:.1f} µs/call ({n} calls)")


def bench_handlers(url: str, label: str, jobs: int, calendar: WorkingDayCalendar) -> None:
    with CaseStore(url) as store:
        begin = time.perf_counter()
        key = time.time_ns() // 1000  # fresh job keys: a rerun measures new work, not redeliveries
        done = 0
        while done < jobs:
            case_id: str | None = None
            for element, task_type, extra in CHAIN:
                key += 1
                variables: dict[str, object] = {"caseId": case_id} if case_id else {}
                if task_type == "xietong.deadline":
                    variables["limit"] = {"amount": 3, "unit": "workingDays"}
                out = HANDLERS[task_type].handle(
                    JobContext(
                        key,
                        task_type,
                        1,
                        "bench",
                        element,
                        variables,
                        {**HEADERS, **extra},
                        store,
                        calendar,
                        START,
                    )
                )
                case_id = case_id or out.get("caseId")
                done += 1
        elapsed = time.perf_counter() - begin
    print(f"handlers on {label}: {done} jobs in {elapsed:.2f} s = {done / elapsed:.0f} jobs/s")


def bench_end_to_end(cases: int, calendar: WorkingDayCalendar) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model = tmp / "service_chain.bpmn"
        model.write_text(chain_model(), encoding="utf-8")
        with start_engine(tmp) as engine, CaseStore(f"sqlite:///{tmp / 'cases.db'}") as store:
            deploy(engine, model)
            settings = WorkerSettings(zeebe_address=engine.address)
            workers = BackgroundWorkers(
                WorkerApp(settings, store, calendar, clock=lambda: dt.datetime.now(dt.UTC))
            )
            try:
                begin = time.perf_counter()

                async def start_all() -> None:
                    from pyzeebe import ZeebeClient, create_insecure_channel

                    channel = create_insecure_channel(grpc_address=engine.address)
                    client = ZeebeClient(channel)
                    await asyncio.gather(*(client.run_process(CHAIN_PROCESS_ID) for _ in range(cases)))
                    await channel.close()

                asyncio.run(start_all())
                poll(
                    f"{cases} archived cases",
                    lambda: len(store.cases(CaseStatus.ARCHIVED, limit=cases + 1)) >= cases,
                    engine.log,
                )
                elapsed = time.perf_counter() - begin
            finally:
                workers.stop()
    jobs = cases * len(CHAIN)
    print(
        f"end to end (engine process + worker app, SQLite): {cases} cases x {len(CHAIN)} jobs in "
        f"{elapsed:.2f} s = {cases / elapsed:.1f} cases/s, {jobs / elapsed:.0f} jobs/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000, help="handler calls per store")
    parser.add_argument("--cases", type=int, default=100, help="cases through the engine")
    args = parser.parse_args()
    calendar = WorkingDayCalendar()
    bench_calendar(calendar)
    with tempfile.TemporaryDirectory() as tmp:
        bench_handlers(f"sqlite:///{Path(tmp) / 'cases.db'}", "SQLite", args.jobs, calendar)
    pg = os.environ.get("XIETONG_CASE_STORE_URL", "")
    if pg.startswith(("postgresql://", "postgres://")):
        bench_handlers(pg, "PostgreSQL", args.jobs, calendar)
    bench_end_to_end(args.cases, calendar)


if __name__ == "__main__":
    main()
