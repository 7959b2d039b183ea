"""Engine figures for issue 5's "Measured" section, on this machine, with the durable SQLite store.

    .venv/bin/python benchmarks/engine_bench.py               # everything (takes a few minutes)
    .venv/bin/python benchmarks/engine_bench.py --only throughput --instances 2000

Prints: completed instances/s for a 10-service-task process with jobs completed in-process; the same
for a model with a gateway, a boundary timer and a parallel multi-instance; memory per waiting
instance with N open instances and the time to restart with them; lateness of timers due in the
same minute.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from xietong.engine import Engine
from xietong.engine.commands import ActivateJobs, CompleteJob, CreateProcessInstance, Deploy
from xietong.engine.testing import bpmn, chain, flow, one_task, service_task

TEN_TASKS = bpmn(
    '<bpmn:startEvent id="s"/>'
    + "".join(service_task(f"t{i}", "step") for i in range(10))
    + '<bpmn:endEvent id="e"/>'
    + chain("s", *[f"t{i}" for i in range(10)], "e"),
    process_id="ten",
)

MIXED = bpmn(
    '<bpmn:startEvent id="s"/>'
    + service_task("check", "step")
    + '<bpmn:boundaryEvent id="late" attachedToRef="check"><bpmn:timerEventDefinition>'
    "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    '<bpmn:exclusiveGateway id="g" default="to_end"/>'
    '<bpmn:serviceTask id="notify"><bpmn:extensionElements><zeebe:taskDefinition type="step"/>'
    "</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
    '<zeebe:loopCharacteristics inputCollection="=depts" inputElement="dept"/></bpmn:extensionElements>'
    "</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>"
    + service_task("late_task", "late")
    + '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>'
    + flow("s", "check")
    + flow("check", "g")
    + flow("g", "notify", "= amount &gt; 10")
    + flow("g", "e2", flow_id="to_end")
    + chain("notify", "e")
    + chain("late", "late_task", "e3"),
    process_id="mixed",
)

WAITING = bpmn(one_task("never"), process_id="waiting")


def _ms(iso: str | None) -> int:
    assert iso is not None
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def submit_all(engine: Engine, commands: list[Any], window: int = 20_000) -> list[Future[Any]]:
    """Submit in windows so the queue never hits its limit (waits for each window's last command)."""
    futures: list[Future[Any]] = []
    for start in range(0, len(commands), window):
        chunk = [engine.submit(c) for c in commands[start : start + window]]
        chunk[-1].result()
        futures += chunk
    return futures


def run_to_completion(
    engine: Engine, process_id: str, n: int, variables: dict[str, Any], in_flight: int = 1_000
) -> tuple[float, float]:
    """Start n instances, keeping about ``in_flight`` running at once (as a steady stream of cases would),
    and work every job in-process. Returns completed instances per wall-clock second and per CPU second
    of this process (engine thread + in-process workers + checkpoints: what a shared, loaded machine
    does not distort)."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    pending: list[Future[Any]] = []
    submitted = completed = 0
    while completed < n:
        pending = [f for f in pending if not f.done() or f.result() is None]
        completed = submitted - len(pending)
        room = min(in_flight - len(pending), n - submitted)
        for _ in range(max(room, 0)):
            command = CreateProcessInstance(
                bpmn_process_id=process_id, variables=variables, await_result=True
            )
            pending.append(engine.submit(command))
            submitted += 1
        jobs = engine.execute(ActivateJobs("step", "bench", 60_000, 2_000))
        if jobs:
            futures = [engine.submit(CompleteJob(job.key)) for job in jobs]
            futures[-1].result()
        elif completed < n:
            time.sleep(0.001)  # a benchmark loop, not a test: nothing to do until commits land
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return n / elapsed, n / cpu


def throughput(instances: int) -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the machine is shared)")
    with tempfile.TemporaryDirectory() as tmp, Engine(Path(tmp)) as engine:
        engine.execute(Deploy((("ten.bpmn", TEN_TASKS), ("mixed.bpmn", MIXED))))
        run_to_completion(engine, "ten", min(200, instances), {})  # warm-up
        rate, per_cpu = run_to_completion(engine, "ten", instances, {})
        print(
            f"10 service tasks:      {rate:8.0f} completed instances/s, {per_cpu:.0f} per CPU-second "
            f"({instances} instances, 1,000 in flight, jobs completed in-process, "
            f"SQLite synchronous={engine.settings.synchronous})"
        )
        rate, per_cpu = run_to_completion(
            engine, "mixed", instances, {"amount": 50, "depts": ["城管局", "住建局", "应急局"]}
        )
        print(
            f"gateway+timer+MI:      {rate:8.0f} completed instances/s, {per_cpu:.0f} per CPU-second "
            f"({instances} instances, 4 jobs each)"
        )


def waiting_instances(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        gc.collect()
        with Engine(Path(tmp)) as engine:
            engine.execute(Deploy((("waiting.bpmn", WAITING),)))
            gc.collect()
            before = rss_bytes()
            started = time.perf_counter()
            submit_all(
                engine,
                [
                    CreateProcessInstance(bpmn_process_id="waiting", variables={"caseId": f"C-{i}"})
                    for i in range(count)
                ],
            )
            created = time.perf_counter() - started
            gc.collect()
            per_instance = (rss_bytes() - before) / count
        print(
            f"waiting instances:     {count} created in {created:.1f} s "
            f"({count / created:.0f}/s); memory {per_instance / 1024:.2f} KiB per waiting instance "
            "(RSS growth, one service task + one variable each)"
        )
        gc.collect()
        started = time.perf_counter()
        with Engine(Path(tmp)) as engine:
            restart = time.perf_counter() - started
            active = len(engine.queries.search_process_instances(state="ACTIVE"))
        size = (Path(tmp) / "engine.db").stat().st_size
        print(f"restart with {active} open instances: {restart:.2f} s (database {size / 1e6:.0f} MB)")


def timer_precision(count: int, window_s: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, Engine(Path(tmp)) as engine:
        model = bpmn(
            '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
            "<bpmn:timeDate>=due</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            '<bpmn:endEvent id="e"/>' + chain("s", "wait", "e"),
            process_id="timers",
        )
        engine.execute(Deploy((("timers.bpmn", model),)))
        first_due = datetime.now(UTC) + timedelta(seconds=5)
        dues = [first_due + timedelta(seconds=window_s * i / count) for i in range(count)]
        submit_all(
            engine,
            [CreateProcessInstance(bpmn_process_id="timers", variables={"due": d.isoformat()}) for d in dues],
        )
        deadline = time.time() + window_s + 60
        while time.time() < deadline:
            if not engine.queries.search_process_instances(state="ACTIVE"):
                break
            time.sleep(1)
        instances = [v.process_instance_key for v in engine.queries.search_process_instances()]
        lateness = sorted(
            record.value["dueDate"] and (_ms(record.timestamp) - record.value["dueDate"])
            for pi in instances
            for record in engine.queries.records(pi)
            if record.value_type == "TIMER" and record.intent == "TRIGGERED"
        )
        print(
            f"timer precision:       {len(lateness)}/{count} timers due within {window_s:.0f} s "
            f"fired; lateness median {statistics.median(lateness):.0f} ms, p99 "
            f"{lateness[int(len(lateness) * 0.99) - 1]:.0f} ms, max {lateness[-1]:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["throughput", "waiting", "timers"])
    parser.add_argument("--instances", type=int, default=5_000, help="instances per throughput run")
    parser.add_argument("--waiting", type=int, default=100_000, help="open instances for memory/restart")
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--timer-window", type=float, default=60.0, help="seconds the timers are spread over")
    args = parser.parse_args()
    if args.only in (None, "throughput"):
        throughput(args.instances)
    if args.only in (None, "waiting"):
        waiting_instances(args.waiting)
    if args.only in (None, "timers"):
        timer_precision(args.timers, args.timer_window)


if __name__ == "__main__":
    main()
